"""``POST /v1/hello`` against real daemons: the proof shows the answerer holds this install's
token, so the extension can refuse to send URLs to a process that took the port first."""

import hashlib
import hmac
import json
import secrets

import pytest

from tests.conftest import RunningDaemon


def expected_proof(token: str, nonce: str) -> str:
    """The contract, written out independently of the daemon's code."""
    return hmac.new(token.encode("utf-8"), b"baitwatch-daemon-v1:" + nonce.encode("ascii"), hashlib.sha256).hexdigest()


def test_the_proof_verifies_with_this_installs_token_only(daemon, tmp_path):
    nonce = secrets.token_hex(32)
    status, answer = daemon.request("POST", "/v1/hello", {"nonce": nonce})
    assert status == 200 and set(answer) == {"proof"}
    assert answer["proof"] == expected_proof(daemon.token, nonce)
    assert answer["proof"] != daemon.request("POST", "/v1/hello", {"nonce": secrets.token_hex(32)})[1]["proof"]
    # Another install (say, one a squatter runs with its own token) cannot answer for this one.
    (tmp_path / "other").mkdir()
    other = RunningDaemon(tmp_path / "other")
    try:
        status, theirs = other.request("POST", "/v1/hello", {"nonce": nonce})
    finally:
        other.stop()
    assert status == 200 and theirs["proof"] != expected_proof(daemon.token, nonce)


@pytest.mark.parametrize(
    "body",
    [
        {"nonce": "AB" * 32},
        {"nonce": "a" * 63},
        {"nonce": "a" * 65},
        {"nonce": "g" * 64},
        {"nonce": "a" * 63 + "\n"},
        {"nonce": int("1" * 64)},
        {"nonce": ["a" * 64]},
        {"nonce": "a" * 64, "extra": 1},
        {},
        ["a" * 64],
    ],
)
def test_any_other_body_is_refused_with_a_clear_error(shared_daemon, body):
    status, answer = shared_daemon.request("POST", "/v1/hello", json.dumps(body))
    assert status == 400 and answer["code"] in {"bad-nonce", "bad-json"}
    assert answer["error"].endswith(".")


def test_web_pages_cannot_ask(shared_daemon):
    status, answer = shared_daemon.request("POST", "/v1/hello", {"nonce": "a" * 64}, headers={"Origin": "https://evil.example"})
    assert (status, answer["code"]) == (403, "forbidden-origin")

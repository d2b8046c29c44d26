"""``POST /v1/hello`` against real daemons: the proof shows the answerer holds this install's
token, so the extension and the command line can refuse to send URLs or the token to a
process that took the port first."""

import hashlib
import hmac
import http.server
import json
import secrets
import threading

import pytest

from tests.conftest import RunningDaemon, run_baitwatch


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


class _Squatter(http.server.BaseHTTPRequestHandler):
    """A program that took the daemon's port: it answers everything, and records what it was sent."""

    seen: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        type(self).seen.append((self.command, self.path, self.headers.get("Authorization"), self.rfile.read(length)))
        body = json.dumps({"proof": "0" * 64, "enabled": True, "version": "x", "model": {}, "problems": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("command", [("status",), ("pair",), ("forget",)])
def test_the_command_line_sends_a_squatter_on_the_port_no_token(tmp_path, user_dirs, command):
    from baitwatch.security import load_or_create_token

    token = load_or_create_token(user_dirs["config"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Squatter)
    _Squatter.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_baitwatch(*command, "--port", str(server.server_address[1]))
    finally:
        server.shutdown()
    assert result.returncode != 0 and "not this install's baitwatch daemon" in result.stderr
    assert _Squatter.seen and all(token not in str(request) for request in _Squatter.seen)
    assert [path for _, path, _, _ in _Squatter.seen] == ["/v1/hello"]  # nothing else was asked

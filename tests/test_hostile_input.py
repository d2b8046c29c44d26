"""Odd and hostile request bodies against a real daemon: each gets its own clear 400 and
never a 500, and never spoils the answers of the requests it shares a model call with. The
check command likewise reports an unreadable argument and scores the others."""

import asyncio
import json
import socket

import aiohttp
import pytest

from baitwatch.batcher import MicroBatcher
from baitwatch.classifier import Classifier
from baitwatch.server import MAX_BODY_BYTES
from baitwatch.urls import MAX_URL_CHARS
from tests.conftest import run_baitwatch

LONE_SURROGATE_URL = "http://login.example-bank.xyz/\ud800"
DEEP = 100_000


async def concurrent_checks(base: str, bodies: list[str]) -> list[tuple[int, dict]]:
    async with aiohttp.ClientSession() as session:

        async def one(body: str):
            data = body.encode("utf-8", "surrogatepass")
            async with session.post(base + "/v1/check", data=data, headers={"Content-Type": "application/json"}) as response:
                return response.status, await response.json()

        return await asyncio.gather(*(one(body) for body in bodies))


def test_one_unencodable_url_fails_alone_among_forty_concurrent_checks(shared_daemon):
    urls = [f"http://account-{i}.verify-login.example/session?id={i}" for i in range(40)]
    bodies = [json.dumps({"url": url}) for url in urls]
    bodies[17] = json.dumps({"url": LONE_SURROGATE_URL})  # "\ud800" in the JSON text
    answers = asyncio.run(concurrent_checks(shared_daemon.base, bodies))
    bad_status, bad_answer = answers.pop(17)
    assert bad_status == 400 and bad_answer["code"] == "bad-url"
    assert "surrogate" in bad_answer["error"]
    assert [status for status, _ in answers] == [200] * 39
    assert [answer["url"] for _, answer in answers] == urls[:17] + urls[18:]


async def test_a_text_the_model_cannot_take_fails_only_its_own_request():
    # Below the HTTP layer: even a text that reached the model call fails alone.
    classifier, _ = Classifier.from_model_dir()
    batcher = MicroBatcher()
    texts = ["http://a.example/", LONE_SURROGATE_URL, "http://paypal.com.account-verify.example/signin"]
    try:
        together = await asyncio.gather(*(batcher.score(classifier.score, [text]) for text in texts), return_exceptions=True)
    finally:
        await batcher.close()
    assert isinstance(together[1], Exception)
    assert [together[0][0], together[2][0]] == pytest.approx(classifier.score([texts[0], texts[2]]).tolist(), abs=1e-6)  # as test_classifier.py's batch tolerance


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/v1/check", '{"url": ' + "[" * DEEP + "]" * DEEP + "}", "bad-json"),
        ("POST", "/v1/check", "[" * DEEP + "]" * DEEP, "bad-json"),
        ("POST", "/v1/check", '{"url": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}", "bad-json"),
        ("POST", "/v1/check", '{"url": ' + "9" * 100_000 + "}", "bad-json"),
        ("POST", "/v1/check", '{"url": "https://a.example/", "n": -' + "9" * 101 + "}", "bad-json"),
        ("POST", "/v1/check", '{"url": 1e999}', "missing-url"),
        ("POST", "/v1/check", '{"url": {"href": "https://a.example/"}}', "missing-url"),
        ("POST", "/v1/check-batch", '{"urls": [["https://a.example/"]]}', "missing-urls"),
        ("POST", "/v1/check-batch", '{"urls": ' + "[" * DEEP + "]" * DEEP + "}", "bad-json"),
        ("POST", "/v1/pair", '{"code": "12\\ud80034"}', "bad-code"),
        ("POST", "/v1/pair", '{"code": 123456}', "missing-code"),
        ("POST", "/v1/allowlist", '{"domain": "\\udfffexample.com"}', "bad-domain"),
        ("PUT", "/v1/settings", '{"enabled": ' + "1" * 10_000 + "}", "bad-json"),
        ("PUT", "/v1/settings", '{"enabled": "false"}', "bad-settings"),
        ("POST", "/v1/feedback", '{"url": "https://a.example/\\ud800", "label": "safe"}', "bad-url"),
        ("POST", "/v1/feedback", '{"url": "https://a.example/", "label": ["safe"]}', "bad-label"),
    ],
)
def test_odd_bodies_get_a_clear_400(shared_daemon, method, path, body, code):
    status, answer = shared_daemon.request(method, path, body, token=shared_daemon.token)
    assert (status, answer["code"]) == (400, code), answer
    assert answer["error"].endswith(".") and "Traceback" not in answer["error"]


def test_an_unencodable_url_in_a_batch_gets_its_own_error(shared_daemon):
    body = json.dumps({"urls": ["https://a.example/", LONE_SURROGATE_URL, "https://b.example/"]})
    status, answer = shared_daemon.request("POST", "/v1/check-batch", body)
    assert status == 200
    first, bad, last = answer["results"]
    assert bad["code"] == "bad-url"
    assert (first["url"], last["url"]) == ("https://a.example/", "https://b.example/")


def test_an_over_long_url_is_shortened_and_scored(shared_daemon):
    long_url = "https://secure-login.example-bank.xyz/" + "verify/" * 20_000 + "?session=" + "9" * 50_000
    status, answer = shared_daemon.request("POST", "/v1/check", {"url": long_url})
    assert status == 200, answer
    assert answer["reason"] == "model" and answer["domain"] == "example-bank.xyz"
    assert len(answer["url"]) == MAX_URL_CHARS and long_url.startswith(answer["url"])
    status, answer = shared_daemon.request("POST", "/v1/check-batch", {"urls": [long_url]})
    assert status == 200 and answer["results"][0]["url"] == long_url[:MAX_URL_CHARS]


def test_a_userinfo_no_url_parser_takes_is_scored_in_its_shape(shared_daemon):
    """The userinfo is kept as written, and Python's URL parser refuses some (brackets, full-width
    characters): the shape of the address is read without it, so these are scored, not a 500."""
    body = {"urls": ["https://a[b@evil-login.example/", "https://x\uff1f@evil-login.example/account"]}
    status, answer = shared_daemon.request("POST", "/v1/check-batch", body)
    assert status == 200, answer
    homepage, deep_link = answer["results"]
    assert (homepage["reason"], deep_link["reason"]) == ("model", "model")
    card = shared_daemon.request("GET", "/v1/status")[1]["model"]
    assert (homepage["threshold"], deep_link["threshold"]) == (card["homepage_threshold"], card["threshold"])


def test_a_backslash_cannot_hide_the_host_behind_a_known_good_one(shared_daemon):
    """Browsers read https://evil.example\\@www.paypal.com/ as a page of evil.example; read as a
    userinfo it would have been paypal.com's, and skipped as known-good."""
    status, answer = shared_daemon.request("POST", "/v1/check", {"url": "https://evil-login.example\\@www.paypal.com/"})
    assert status == 200 and answer["domain"] == "evil-login.example" and answer["reason"] != "known-good", answer


def test_a_host_too_long_for_dns_is_a_bad_url(shared_daemon):
    status, answer = shared_daemon.request("POST", "/v1/check", {"url": "https://" + "a" * 250 + ".example/"})
    assert (status, answer["code"]) == (400, "bad-url")
    assert "longer than the 253 characters" in answer["error"]


def test_only_the_body_size_is_capped(shared_daemon):
    too_big = json.dumps({"url": "https://a.example/" + "a" * MAX_BODY_BYTES})
    status, answer = shared_daemon.request("POST", "/v1/check", too_big)
    assert (status, answer["code"]) == (413, "too-large")
    status, answer = shared_daemon.request("POST", "/v1/check", {"url": "https://a.example/" + "a" * (MAX_BODY_BYTES - 100)})
    assert status == 200 and len(answer["url"]) == MAX_URL_CHARS


def raw_request(daemon, head: bytes, body: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=10) as connection:
        connection.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        return b"".join(iter(lambda: connection.recv(65536), b""))


def test_an_undecodable_authorization_header_is_refused_not_a_crash(shared_daemon):
    head = b"PUT /v1/settings HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer \xff\xfe\r\n" % shared_daemon.port
    reply = raw_request(shared_daemon, head, b'{"enabled": false}')
    assert reply.startswith(b"HTTP/1.1 401") and b'"token-required"' in reply


def test_the_check_command_reports_an_undecodable_argument_and_scores_the_rest():
    # The shell hands over the byte 0xff, which Python reads as the lone surrogate "\udcff".
    result = run_baitwatch("check", "--json", "https://a.example/", "https://b.example/\udcff")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    scored, refused = [json.loads(line) for line in result.stdout.splitlines()]
    assert scored["url"] == "https://a.example/" and "surrogate" in refused["error"]

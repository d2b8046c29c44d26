"""The HTTP API in-process (aiohttp's test client), with the real shipped model."""

import asyncio
import json
import os
import stat
import threading

import pytest

from baitwatch.config import Config
from baitwatch.known_good import shipped_known_good
from baitwatch.lookalike import shipped_detector
from baitwatch.platforms import shipped_platforms
from baitwatch.server import MAX_BATCH_URLS, MAX_BODY_BYTES, create_app

VERDICT_FIELDS = {"url", "verdict", "score", "threshold", "reason", "model", "domain", "cached", "imitates"}
UNKNOWN_SITE = "http://secure-update-account.example-payments.xyz/login.php"


@pytest.fixture
async def client(aiohttp_client, user_dirs):
    return await aiohttp_client(create_app(Config()))


@pytest.fixture
def token(client, user_dirs):
    return (user_dirs["config"] / "token").read_text().strip()


def auth(token):
    return {"Authorization": f"Bearer {token}"}


async def test_a_slow_disk_write_does_not_hold_up_verdicts(client, token, monkeypatch):
    stalled, disk_free, real_fsync = threading.Event(), threading.Event(), os.fsync

    def stalled_fsync(descriptor):
        stalled.set()
        disk_free.wait(120)  # bounded: a write that held the event loop would hold this test too
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", stalled_fsync)
    writing = asyncio.ensure_future(client.put("/v1/settings", json={"enabled": False}, headers=auth(token)))
    try:
        assert await asyncio.to_thread(stalled.wait, 60)  # the write is under way, and held
        # Generous: a verdict held by the write would wait for ever; a slow machine needs seconds.
        response = await asyncio.wait_for(client.post("/v1/check", json={"url": UNKNOWN_SITE}), 60)
        assert (await response.json())["reason"] == "model"
        assert not writing.done()
    finally:
        disk_free.set()
    assert (await (await writing).json()) == {"enabled": False, "familiar_sites": True}


async def test_check_answers_the_contract_and_caches_for_the_token_holder(client, token):
    response = await client.post("/v1/check", json={"url": " HTTP://Secure-Update-Account.example-payments.xyz/login.php#x"}, headers=auth(token))
    assert response.status == 200
    first = await response.json()
    assert set(first) == VERDICT_FIELDS
    assert first["url"] == UNKNOWN_SITE
    assert first["domain"] == "example-payments.xyz"
    assert first["verdict"] in {"safe", "phishing"} and first["reason"] == "model"
    assert 0 <= first["score"] <= 1 and first["cached"] is False
    second = await (await client.post("/v1/check", json={"url": UNKNOWN_SITE}, headers=auth(token))).json()
    assert second == first | {"cached": True}
    cache = (await (await client.get("/v1/status", headers=auth(token))).json())["cache"]
    assert (cache["hits"], cache["misses"], cache["entries"]) == (1, 1, 1)


async def test_only_the_token_holders_checks_leave_their_hosts_in_memory(client, token):
    # How fast another process is answered must not tell which hosts this user visits (host_memo.py).
    remembered = (shipped_platforms()._host_scopes, shipped_detector()._host_answers)
    for host, headers in (("only-probed.example-shop.xyz", {}), ("visited.example-shop.xyz", auth(token))):
        for _ in range(2):
            response = await client.post("/v1/check", json={"url": f"https://{host}/login"}, headers=headers)
            assert response.status == 200
    assert [("only-probed.example-shop.xyz" in memo, "visited.example-shop.xyz" in memo) for memo in remembered] == [(False, True)] * 2


async def test_batch_answers_match_single_answers_in_order(client):
    urls = [UNKNOWN_SITE, "mailto:a@b.example", "https://www.wikipedia.org/", "not a url", "http://10.0.0.1/", "https://news.ycombinator.example/item?id=1"]
    batch = (await (await client.post("/v1/check-batch", json={"urls": urls})).json())["results"]
    assert len(batch) == len(urls)
    assert batch[3]["code"] == "bad-url"
    for raw, answer in zip(urls, batch):
        if raw == "not a url":
            continue
        single = await (await client.post("/v1/check", json={"url": raw})).json()
        assert single["verdict"] == answer["verdict"] and single["reason"] == answer["reason"]
        assert single["url"] == answer["url"]


async def test_scores_do_not_depend_on_batch_companions(aiohttp_client, user_dirs):
    # The cache would hide a difference, so each answer comes from a fresh app.
    urls = [UNKNOWN_SITE, "https://example.org/some/long/path?with=query&and=more", "http://paypa1.com/"]
    alone = []
    for url in urls:
        fresh = await aiohttp_client(create_app(Config()))
        alone.append((await (await fresh.post("/v1/check", json={"url": url})).json())["score"])
    fresh = await aiohttp_client(create_app(Config()))
    together = [r["score"] for r in (await (await fresh.post("/v1/check-batch", json={"urls": urls})).json())["results"]]
    # The int8 model's activation scales are fixed (model_export/quantize.py): only float sums
    # in another order could differ, in the last bits; a per-call scale moves scores by 1e-3 and up.
    assert together == pytest.approx(alone, abs=1e-6)


async def test_two_hundred_concurrent_checks_share_model_calls(client, token):
    urls = [f"http://login-{i}.account-check.example/verify?id={i}" for i in range(200)]
    answers = await asyncio.gather(*(client.post("/v1/check", json={"url": url}) for url in urls))
    assert [a.status for a in answers] == [200] * 200
    bodies = [await a.json() for a in answers]
    assert [b["url"] for b in bodies] == urls
    state = await (await client.get("/v1/status", headers=auth(token))).json()
    assert state["counters"]["checked"] == 200
    assert state["counters"]["model_calls"] < 200


async def test_policy_skips_before_the_model(client, token):
    domain = sorted(shipped_known_good())[0]
    for raw, reason in [("https://www." + domain + "/", "known-good"), ("chrome://settings/", "not-web"), ("http://localhost:3000/", "private-address")]:
        answer = await (await client.post("/v1/check", json={"url": raw})).json()
        assert (answer["verdict"], answer["reason"], answer["score"]) == ("skipped", reason, None)
    for lookalike in ["https://paypal.com.account-verify.example/", "https://paypa1.com/", "https://xn--pypal-4ve.com/"]:
        answer = await (await client.post("/v1/check", json={"url": lookalike})).json()
        assert (answer["verdict"], answer["reason"], answer["imitates"]) == ("phishing", "lookalike", "paypal.com")


async def test_allowlist_by_registrable_domain(client, token):
    response = await client.post("/v1/allowlist", json={"domain": "https://login.Example-Payments.xyz/x"}, headers=auth(token))
    assert (await response.json()) == {"domains": ["example-payments.xyz"], "trusted": "example-payments.xyz"}
    answer = await (await client.post("/v1/check", json={"url": "http://secure-update-account.example-payments.xyz/login.php"})).json()
    assert answer["reason"] == "user-allowlist"
    assert (await (await client.get("/v1/allowlist")).json())["domains"] == ["example-payments.xyz"]
    await client.delete("/v1/allowlist", json={"domain": "example-payments.xyz"}, headers=auth(token))
    answer = await (await client.post("/v1/check", json={"url": UNKNOWN_SITE})).json()
    assert answer["reason"] == "model"


@pytest.mark.parametrize(
    ("typed", "trusted"),
    [
        ("Example-Payments.xyz", "example-payments.xyz"),
        ("https:\\\\login.example-payments.xyz\\x", "example-payments.xyz"),  # a URL as browsers read it
        ("https:example-payments.xyz", "example-payments.xyz"),
        ("//login.example-payments.xyz/x", "example-payments.xyz"),
        ("https://paypal.com@example-payments.xyz/", "example-payments.xyz"),  # a whole URL: its host is the site
        ("paypal.com@example-payments.xyz", None),  # a bare host cannot carry a user name or a port
        ("example-payments.xyz:8443", None),
        ("mailto:a@example-payments.xyz", None),
    ],
)
async def test_an_allowlist_entry_is_the_site_a_browser_would_open(client, token, typed, trusted):
    response = await client.post("/v1/allowlist", json={"domain": typed}, headers=auth(token))
    body = await response.json()
    if trusted is None:
        assert (response.status, body["code"]) == (400, "bad-domain"), body
    else:
        assert (response.status, body["trusted"]) == (200, trusted), body


async def test_trust_on_a_shared_platform_is_one_users_site(client, token):
    response = await client.post("/v1/allowlist", json={"domain": "https://sites.google.com/view/alice/home"}, headers=auth(token))
    assert (await response.json()) == {"domains": ["sites.google.com/view/alice"], "trusted": "sites.google.com/view/alice"}
    for raw, reason in [
        ("https://sites.google.com/view/alice/contact", "user-allowlist"),
        ("https://sites.google.com/view/mallory/", "model"),
        ("https://docs.google.com/forms/d/e/1/viewform", "model"),
    ]:
        assert (await (await client.post("/v1/check", json={"url": raw})).json())["reason"] == reason, raw
    for platform in ["com", "github.io", "https://substack.com/", "sites.google.com"]:
        response = await client.post("/v1/allowlist", json={"domain": platform}, headers=auth(token))
        body = await response.json()
        assert (response.status, body["code"]) == (400, "untrustable-site"), platform
        assert "trust one site" in body["error"] and body["error"].endswith(".")
    response = await client.delete("/v1/allowlist", json={"domain": "sites.google.com/view/alice"}, headers=auth(token))
    assert (await response.json()) == {"domains": []}


async def test_turning_protection_off_skips_everything(client, token):
    response = await client.put("/v1/settings", json={"enabled": False}, headers=auth(token))
    assert (await response.json()) == {"enabled": False, "familiar_sites": True}
    answer = await (await client.post("/v1/check", json={"url": UNKNOWN_SITE})).json()
    assert (answer["verdict"], answer["reason"]) == ("skipped", "disabled")
    assert (await (await client.get("/v1/status")).json())["enabled"] is False
    await client.put("/v1/settings", json={"enabled": True}, headers=auth(token))
    assert (await (await client.post("/v1/check", json={"url": UNKNOWN_SITE})).json())["reason"] == "model"


async def test_feedback_is_stored_canonical(client, token, user_dirs):
    response = await client.post("/v1/feedback", json={"url": "HTTPS://Shop.Example/a#b", "label": "safe"}, headers=auth(token))
    assert response.status == 201
    lines = (user_dirs["data"] / "feedback.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["url"] == "https://shop.example/a" and json.loads(lines[0])["label"] == "safe"


# --- security ----------------------------------------------------------------------------
async def test_token_file_is_private(client, user_dirs):
    assert stat.S_IMODE(os.stat(user_dirs["config"] / "token").st_mode) == 0o600


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "localhost.evil.example:{port}"])
async def test_foreign_host_header_is_refused(client, host):
    response = await client.get("/v1/status", headers={"Host": host.format(port=client.port)})
    assert response.status == 403
    assert (await response.json())["code"] == "bad-host"


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
async def test_loopback_host_header_is_accepted(client, name):
    assert (await client.get("/v1/status", headers={"Host": f"{name}:{client.port}"})).status == 200


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:8080", "null"])
async def test_web_page_origins_are_refused_whatever_the_content_type(client, origin, content_type):
    response = await client.post("/v1/check", data=json.dumps({"url": UNKNOWN_SITE}), headers={"Origin": origin, "Content-Type": content_type})
    assert response.status == 403
    assert (await response.json())["code"] == "forbidden-origin"
    assert (await client.get("/v1/status", headers={"Origin": origin})).status == 403


async def test_no_cors_requests_from_pages_are_refused(client):
    response = await client.get("/v1/status", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert response.status == 403


@pytest.mark.parametrize("origin", ["chrome-extension://abcdefghijklmnop", "moz-extension://1234-5678"])
async def test_extension_origins_may_check(client, origin):
    response = await client.post("/v1/check", json={"url": UNKNOWN_SITE}, headers={"Origin": origin, "Sec-Fetch-Site": "none"})
    assert response.status == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/settings", {"enabled": False}),
        ("POST", "/v1/allowlist", {"domain": "example.com"}),
        ("DELETE", "/v1/allowlist", {"domain": "example.com"}),
        ("POST", "/v1/feedback", {"url": "https://a.example/", "label": "safe"}),
        ("POST", "/v1/pair/code", {}),
    ],
)
async def test_state_changes_need_the_token(client, token, method, path, body):
    for headers in ({}, auth("wrong"), {"Authorization": token}):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status == 401
        assert (await response.json())["code"] == "token-required"
    assert (await client.request(method, path, json=body, headers=auth(token))).status in (200, 201)


async def test_pairing_gives_the_token_once_for_the_right_code(client, token):
    code = (await (await client.post("/v1/pair/code", json={}, headers=auth(token))).json())["code"]
    assert len(code) == 6 and code.isdigit()
    wrong = "000000" if code != "000000" else "111111"
    assert (await client.post("/v1/pair", json={"code": wrong})).status == 401
    response = await client.post("/v1/pair", json={"code": code})
    assert (await response.json()) == {"token": token}
    assert (await client.post("/v1/pair", json={"code": code})).status == 401


# --- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "data", "status", "code"),
    [
        ("/v1/check", b"{", 400, "bad-json"),
        ("/v1/check", b"[1, 2]", 400, "bad-json"),
        ("/v1/check", b'{"url": 5}', 400, "missing-url"),
        ("/v1/check", b'{"url": "https://exa mple.com/"}', 400, "bad-url"),
        ("/v1/check", json.dumps({"url": "https://" + "a" * 300 + ".example/"}).encode(), 400, "bad-url"),
        ("/v1/check", b"x" * (MAX_BODY_BYTES + 1), 413, "too-large"),
        ("/v1/check-batch", b'{"urls": "https://a.example/"}', 400, "missing-urls"),
        ("/v1/check-batch", json.dumps({"urls": ["https://a.example/"] * (MAX_BATCH_URLS + 1)}).encode(), 413, "batch-too-large"),
        ("/v1/pair", b'{"code": []}', 400, "missing-code"),
        ("/v1/nothing-here", b"{}", 404, "not-found"),
    ],
)
async def test_bad_requests_get_a_json_error(client, path, data, status, code):
    response = await client.post(path, data=data)
    assert response.status == status
    body = await response.json()
    assert body["code"] == code and body["error"].endswith(".")


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("PUT", "/v1/settings", {"enabled": "yes"}, "bad-settings"),
        ("PUT", "/v1/settings", {"colour": "red"}, "bad-settings"),
        ("POST", "/v1/allowlist", {"domain": "mailto:x@y"}, "bad-domain"),
        ("POST", "/v1/allowlist", {}, "missing-domain"),
        ("POST", "/v1/feedback", {"url": "https://a.example/", "label": "spam"}, "bad-label"),
    ],
)
async def test_bad_state_changes_get_a_json_error(client, token, method, path, body, code):
    response = await client.request(method, path, json=body, headers=auth(token))
    assert response.status == 400
    assert (await response.json())["code"] == code


async def test_wrong_method_is_a_json_error(client):
    response = await client.get("/v1/check")
    assert response.status == 405
    assert (await response.json())["code"] == "method-not-allowed"

"""What another local process may learn from a real daemon about this user's browsing:
nothing from the score cache or the status counters without the per-install token; and what
the daemon keeps on disk: feedback URLs without credentials or query values."""

import json
from pathlib import Path

from tests.conftest import RunningDaemon

VISITED = "http://patient-portal.example-clinic.xyz/appointments?id=7"
PUBLIC_STATUS_FIELDS = {"version", "enabled", "model", "allowlist_size", "problems", "uptime_seconds"}
BROWSING_STATUS_FIELDS = {"cache", "counters", "feedback_entries"}


def check(daemon: RunningDaemon, url: str, token: str | None = None) -> dict:
    status, answer = daemon.request("POST", "/v1/check", {"url": url}, token)
    assert status == 200, answer
    return answer


def counters(daemon: RunningDaemon) -> tuple[int, int, int]:
    """Cache hits, cache misses and model calls, as the token holder reads them."""
    status, state = daemon.request("GET", "/v1/status", token=daemon.token)
    assert status == 200
    return state["cache"]["hits"], state["cache"]["misses"], state["counters"]["model_calls"]


def test_another_process_cannot_learn_from_the_cache_what_the_user_visited(daemon):
    extension = daemon.token
    first = check(daemon, VISITED, extension)
    assert first["cached"] is False and check(daemon, VISITED, extension)["cached"] is True
    hits, misses, model_calls = counters(daemon)

    for token in (None, "not-the-token"):
        snooped = check(daemon, VISITED, token)
        assert snooped == first  # same verdict and score, and "cached": false
    status, batch = daemon.request("POST", "/v1/check-batch", {"urls": [VISITED]})
    assert status == 200 and batch["results"][0]["cached"] is False
    # Its answers came from the model, not the cache, so their timing tells nothing either.
    assert counters(daemon) == (hits, misses, model_calls + 3)


def test_another_process_cannot_fill_the_cache(daemon):
    probe = "http://never-visited.example-shop.xyz/cart"
    assert check(daemon, probe)["cached"] is False
    assert check(daemon, probe, daemon.token)["cached"] is False


def test_status_tells_only_the_token_holder_about_browsing(daemon):
    check(daemon, VISITED, daemon.token)
    status, public = daemon.request("GET", "/v1/status")
    assert status == 200 and set(public) == PUBLIC_STATUS_FIELDS
    status, private = daemon.request("GET", "/v1/status", token=daemon.token)
    assert status == 200 and set(private) == PUBLIC_STATUS_FIELDS | BROWSING_STATUS_FIELDS
    assert private["counters"]["checked"] == 1


def test_feedback_is_stored_without_credentials_or_query_values(daemon):
    reported = "https://me:hunter2@login.example-bank.xyz/reset?email=me%40mail.example&token=9f8e&step"
    status, answer = daemon.request("POST", "/v1/feedback", {"url": reported, "label": "phishing"}, daemon.token)
    assert status == 201 and answer["stored"]["url"] == "https://login.example-bank.xyz/reset?email=&token=&step"
    stored = (Path(daemon.env["BAITWATCH_DATA_DIR"]) / "feedback.jsonl").read_text()
    assert [json.loads(line) for line in stored.splitlines()] == [answer["stored"]]
    assert set(answer["stored"]) == {"url", "label", "model", "time"}
    for secret in ("hunter2", "mail.example", "9f8e"):
        assert secret not in stored


def test_feedback_is_about_web_pages_only(daemon):
    status, answer = daemon.request("POST", "/v1/feedback", {"url": "mailto:me@mail.example", "label": "safe"}, daemon.token)
    assert (status, answer["code"]) == (400, "bad-url")

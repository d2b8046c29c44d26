"""Property-based fuzzing of every API body against a real daemon: no input escapes as a
traceback or a 5xx; every answer is JSON with a sensible status."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow


ROUTES = [
    ("POST", "/v1/check"), ("POST", "/v1/check-batch"), ("PUT", "/v1/settings"), ("POST", "/v1/allowlist"),
    ("DELETE", "/v1/allowlist"), ("POST", "/v1/feedback"), ("POST", "/v1/pair"), ("POST", "/v1/pair/code"),
    ("POST", "/v1/hello"),
]
FIELDS = ["url", "urls", "enabled", "domain", "label", "code", "nonce"]
EXPECTED = {200, 201, 400, 401, 413}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=12,
)
url_like = st.one_of(
    st.text(max_size=120),
    st.builds(lambda s, h, p: f"{s}://{h}/{p}", st.sampled_from(["http", "https", "HTTP", "ftp", "javascript"]), st.text(max_size=40), st.text(max_size=40)),
)
# json.dumps writes a lone surrogate as the escape "\udXXX", which json.loads turns back into one.
with_surrogates = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=60)
nested = st.builds(lambda depth, field: f'{{"{field}": ' + "[" * depth + "]" * depth + "}", st.integers(1, 200_000), st.sampled_from(FIELDS))
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values | url_like | with_surrogates | st.lists(url_like | with_surrogates, max_size=6), max_size=4).map(json.dumps),
    json_values.map(json.dumps),
    nested,
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@pytest.fixture(scope="module")
def daemon(shared_daemon):
    return shared_daemon


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), body=bodies, with_token=st.booleans())
def test_any_body_gets_a_json_answer_and_never_a_5xx(daemon, route, body, with_token):
    method, path = route
    status, answer = daemon.request(method, path, body, daemon.token if with_token else None)
    assert status in EXPECTED, (status, answer)
    assert isinstance(answer, dict)
    if status >= 400:
        assert set(answer) == {"error", "code"} and "Traceback" not in answer["error"]
    if method == "PUT" and status == 200 and answer.get("enabled") is False:
        daemon.request("PUT", "/v1/settings", {"enabled": True}, daemon.token)  # keep later cases scored


def test_the_daemon_survived_the_fuzzing(daemon):
    status, answer = daemon.request("POST", "/v1/check", {"url": "https://example.org/"})
    assert status == 200 and answer["url"] == "https://example.org/"

"""The rule verdicts and both model levels, through a real daemon process."""

from tests.test_daemon_process import post


def test_a_lookalike_is_phishing_whatever_the_model_says_and_names_what_it_imitates(daemon):
    for raw, imitates in [
        ("http://xn--pypal-4ve.com/", "paypal.com"),
        ("https://\u0430\u0440\u0440\u04cf\u0435.com/", "apple.com"),
        ("https://paypal.com@evil.example/", "paypal.com"),
        ("http://paypal.com.evil.example/", "paypal.com"),
    ]:
        answer = post(daemon, "/v1/check", {"url": raw})
        assert (answer["verdict"], answer["reason"], answer["imitates"], answer["score"]) == ("phishing", "lookalike", imitates, None), raw
    twin = post(daemon, "/v1/check", {"url": "https://www.paypal.com.br/"})
    assert twin["reason"] != "lookalike" and twin["imitates"] is None


def test_a_trusted_site_is_protected_from_its_lookalikes(daemon):
    imitation = "https://my-credit-union.example.evil.example/login"
    assert post(daemon, "/v1/check", {"url": imitation})["reason"] == "model"
    post(daemon, "/v1/allowlist", {"domain": "https://my-credit-union.example/"}, daemon.token)
    answer = post(daemon, "/v1/check", {"url": imitation})
    assert (answer["reason"], answer["imitates"]) == ("lookalike", "my-credit-union.example")

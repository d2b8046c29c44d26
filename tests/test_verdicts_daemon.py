"""The rule verdicts and both model levels, through a real daemon process."""

import json
import shutil
import urllib.request

import pytest

from baitwatch.classifier import CARD_FILE, HIGHEST_LEVEL, SHIPPED_MODEL_DIR, Classifier, ModelCard
from baitwatch.errors import BaitwatchError
from tests.conftest import RunningDaemon
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


def model_copy_with_card(tmp_path, **changes):
    """A copy of the shipped model folder whose model.json has ``changes``, a None value
    removing the field (the onnx hash still holds)."""
    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, folder)
    card = json.loads((folder / CARD_FILE).read_text()) | changes
    (folder / CARD_FILE).write_text(json.dumps({key: value for key, value in card.items() if value is not None}))
    return folder


def suspicious_model(tmp_path):
    """A copy of the shipped model with a suspicious_threshold between the scores of two
    URLs under its threshold: (model folder, a suspicious URL, a safe URL)."""
    classifier, card = Classifier.from_model_dir(SHIPPED_MODEL_DIR)
    candidates = [
        "http://secure-update-account.example-payments.xyz/login.php",
        "http://account-verify.example-bank.xyz/signin",
        "https://blog.example-coffee-roasters.com/2024/05/our-new-beans.html",
        "https://news.ycombinator.example/item?id=1",
        "http://free-gift-card.example.top/claim?id=7",
    ]
    below = sorted((score, url) for score, url in zip(classifier.score(candidates).tolist(), candidates) if score < card.threshold)
    (low_score, low_url), (high_score, high_url) = below[0], below[-1]
    assert low_score < high_score
    return model_copy_with_card(tmp_path, suspicious_threshold=(low_score + high_score) / 2), high_url, low_url


def test_scores_between_the_two_thresholds_are_suspicious(tmp_path):
    model, suspicious_url, safe_url = suspicious_model(tmp_path)
    running = RunningDaemon(tmp_path, "--model", str(model))
    try:
        high = post(running, "/v1/check", {"url": suspicious_url})
        assert (high["verdict"], high["reason"]) == ("suspicious", "model")
        assert post(running, "/v1/check", {"url": safe_url})["verdict"] == "safe"
        with urllib.request.urlopen(running.base + "/v1/status", timeout=10) as response:
            status = json.loads(response.read())["model"]
        assert status["suspicious_threshold"] == json.loads((model / CARD_FILE).read_text())["suspicious_threshold"]
    finally:
        running.stop()


def test_without_a_suspicious_threshold_there_are_no_suspicious_verdicts(tmp_path):
    model, suspicious_url, _ = suspicious_model(tmp_path / "with")
    without = model_copy_with_card(tmp_path / "without", suspicious_threshold=None)
    assert ModelCard.read(without).suspicious_threshold is None
    running = RunningDaemon(tmp_path, "--model", str(without))
    try:
        answer = post(running, "/v1/check", {"url": suspicious_url})
        assert answer["verdict"] == "safe" and answer["score"] < ModelCard.read(without).threshold
    finally:
        running.stop()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"suspicious_threshold": 0.999}, r"suspicious_threshold \(0.999\) above threshold"),
        ({"homepage_suspicious_threshold": 0.9999}, r"homepage_suspicious_threshold \(0.9999\) above homepage_threshold .* for homepages"),
        # Homepages inherit the suspicious level of a card that has none of their own.
        ({"homepage_threshold": 0.5, "homepage_suspicious_threshold": None}, r"has suspicious_threshold .* above homepage_threshold \(0.5\)"),
    ],
)
def test_a_suspicious_level_above_its_threshold_is_one_clear_error_naming_both(tmp_path, changes, message):
    with pytest.raises(BaitwatchError, match=message):
        ModelCard.read(model_copy_with_card(tmp_path, **changes))


@pytest.mark.parametrize("name", ["threshold", "homepage_threshold", "suspicious_threshold", "homepage_suspicious_threshold"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1, 5, True, "0.5"])
def test_a_threshold_that_is_not_a_number_from_0_to_1_is_one_clear_error(tmp_path, name, value):
    """NaN, or anything above 1, would switch warnings off without a word."""
    with pytest.raises(BaitwatchError, match=f"{name} is .*, not a number from 0 to 1"):
        ModelCard.read(model_copy_with_card(tmp_path, **{name: value}))


def test_homepages_are_judged_at_their_own_threshold(tmp_path):
    homepage, deep_link, known_good = "https://quiet-harbor-bakery.example/", "https://quiet-harbor-bakery.example/menu", "https://www.python.org/"
    classifier, _ = Classifier.from_model_dir(SHIPPED_MODEL_DIR)
    homepage_threshold = float(classifier.score([homepage])[0]) - 1e-4
    model = model_copy_with_card(
        tmp_path, threshold=1.0, suspicious_threshold=None, homepage_threshold=homepage_threshold, homepage_suspicious_threshold=None
    )
    running = RunningDaemon(tmp_path, "--model", str(model))
    try:
        answers = {url: post(running, "/v1/check", {"url": url}) for url in (homepage, deep_link, known_good)}
        with urllib.request.urlopen(running.base + "/v1/status", timeout=10) as response:
            status = json.loads(response.read())["model"]
    finally:
        running.stop()
    assert (answers[homepage]["verdict"], answers[homepage]["threshold"]) == ("phishing", pytest.approx(homepage_threshold))
    assert (answers[deep_link]["verdict"], answers[deep_link]["threshold"]) == ("safe", 1.0)
    # A skipped homepage reports the threshold it would have been judged at.
    assert (answers[known_good]["verdict"], answers[known_good]["threshold"]) == ("skipped", pytest.approx(homepage_threshold))
    assert (status["homepage_threshold"], status["homepage_suspicious_threshold"]) == (pytest.approx(homepage_threshold), None)


def test_a_threshold_above_every_score_is_a_level_export_may_write(tmp_path):
    """choose_threshold's answer when even the highest legitimate score must stay unflagged: the float32 after 1."""
    card = ModelCard.read(model_copy_with_card(tmp_path, homepage_threshold=HIGHEST_LEVEL, homepage_suspicious_threshold=None))
    assert card.levels(homepage=True)[0] == HIGHEST_LEVEL > 1


def test_a_card_without_homepage_levels_judges_homepages_like_any_url(tmp_path):
    older = ModelCard.read(model_copy_with_card(tmp_path, homepage_threshold=None, homepage_suspicious_threshold=None))
    assert older.levels(homepage=True) == older.levels(homepage=False) == (older.threshold, older.suspicious_threshold)

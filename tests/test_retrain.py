"""The user's loop: report a mistake, retrain, check, roll back, against a real daemon."""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier, ModelCard
from baitwatch.models import RECORD_FILE, ModelStore
from baitwatch.platforms import trust_scope_or_none
from baitwatch.reports import site_of
from baitwatch.store import FEEDBACK_FILE, Store
from baitwatch.urls import canonicalize
from model_export.retrain import FEEDBACK_SOURCE, TRUSTED_SOURCE, RetrainOptions, retrain, user_feedback
from tests.conftest import run_baitwatch

# Candidates for a false alarm: lures in shape, harmless in fact. The test takes the one the
# shipped model itself flags (not the lookalike rule, which no retrain changes) with the
# lowest score, as a person's reports most often are: near the line.
CANDIDATES = [
    "https://secure-account-update.example-shop.top/login/verify",
    "https://account-verify.mybank-example.xyz/signin",
    "https://login-secure.example-payments.online/confirm",
    "https://wallet-connect.example-dapp.app/claim",
]


def check(daemon, url, token=True):
    """The daemon's answer; without the token, the model's own (a report protects the token holder only)."""
    status, answer = daemon.request("POST", "/v1/check", {"url": url}, token=daemon.token if token else None)
    assert status == 200, answer
    return answer


def test_feedback_keeps_the_latest_label_of_each_url_and_trusted_sites_as_safe(tmp_path):
    store = Store(tmp_path)
    for entry in [
        {"url": "https://a.example/x?session=", "label": "phishing"},
        {"url": "https://a.example/x?session=", "label": "safe"},
        {"url": "https://b.example/", "label": "phishing"},
        {"url": "not a url at all", "label": "safe"},
        {"url": "https://c.example/", "label": "maybe"},
    ]:
        store.add_feedback(entry)
    store.allow("trusted.example")
    store.allow("b.example")  # reported as phishing, later trusted: the report stands
    store.allow("exa mple")  # a hand-edited entry that is no host: skipped
    with open(tmp_path / FEEDBACK_FILE, "a") as stream:
        stream.write('not json\n["a list"]\n')  # damaged lines, which a retrain must not repair under the daemon
    before = (tmp_path / FEEDBACK_FILE).read_bytes()
    data = user_feedback(tmp_path)
    assert (tmp_path / FEEDBACK_FILE).read_bytes() == before
    rows = dict(zip(data.domains, zip(data.urls, data.labels.tolist(), data.sources)))
    assert rows == {  # one row per site
        "a.example": ("https://a.example/x?session=", 0, FEEDBACK_SOURCE),
        "b.example": ("https://b.example/", 1, FEEDBACK_SOURCE),
        "trusted.example": ("https://trusted.example/", 0, TRUSTED_SOURCE),
    }


def retrain_from(store: Store, reports: list[tuple[str, str]]):
    """Report these (URL, label) pairs (each replacing the site's last report), then retrain as
    the person would, judged on 2,000 of the held-out rows."""
    for url, label in reports:
        store.add_feedback({"url": url, "label": label})
    return retrain(store.folder, ModelStore(store.folder / "models"), RetrainOptions(held_out_rows=2000))


def test_reports_are_learnt_per_site_a_retrain_replaces_the_last_ones_and_withdrawing_them_all_returns_to_the_shipped_model(tmp_path):
    store, models = Store(tmp_path), ModelStore(tmp_path / "models")
    first = retrain_from(store, [("https://parcel-fee.example/pay", "phishing"), ("https://parcel-fee.example/track", "safe"),
                                 ("https://bakery.example/", "safe")])
    assert (first.feedback_rows, first.corrected) == (2, 2) and first.installed, first.reason  # the latest report of each site
    use_model(models, first.installed)
    learnt = Classifier.from_model_dir(models.folder_of(first.installed))[0].learnt_sites
    assert (learnt.verdict("parcel-fee.example"), learnt.verdict("bakery.example")) == ("safe", "safe")

    same = retrain(store.folder, models, RetrainOptions(held_out_rows=2000))
    assert same.installed is None and same.reason == "not installed: the model in use already knows them"

    store.remove_feedback(lambda entry: site_of(entry) == "bakery.example")
    second = retrain(store.folder, models, RetrainOptions(held_out_rows=2000))
    assert second.installed not in (None, first.installed), second.reason
    use_model(models, second.installed)
    card = ModelCard.read(models.folder_of(second.installed))
    assert card.raw["learnt_sites"] | {"sha256": None} == {"sha256": None, "phishing": 0, "safe": 1} and "feed" not in card.raw["retrained"]

    store.remove_feedback(lambda entry: site_of(entry) == "parcel-fee.example")
    last = retrain(store.folder, models, RetrainOptions(held_out_rows=2000))
    assert (last.installed, last.feedback_rows, last.reason) == (ModelCard.read(SHIPPED_MODEL_DIR).id, 0, "installed: back to the shipped model")


def use_model(models: ModelStore, choice: str) -> None:
    """What ``baitwatch model use`` writes, without a daemon to tell."""
    models.write_record(models.record().used(choice))


def test_retrain_without_feedback_is_one_clear_error(daemon):
    env = {k: daemon.env[k] for k in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    result = run_baitwatch("retrain", "--port", str(daemon.port), env=env, timeout=120)
    assert result.returncode == 1 and "there is no feedback to learn from" in result.stderr


def test_learning_from_reports_is_the_token_holders_and_needs_reports_and_whole_row_counts(daemon):
    assert daemon.request("POST", "/v1/retrain", {})[0] == 401
    status, answer = daemon.request("POST", "/v1/retrain", {}, token=daemon.token)
    assert (status, answer["code"]) == (409, "no-reports")
    daemon.request("POST", "/v1/feedback", {"url": "https://bakery.example/", "label": "safe"}, token=daemon.token)
    for options in ({"held_out_rows": 0}, {"held_out_rows": "1000"}, {"held_out_rows": True}, {"replay_rows": 1000}, {"epochs": 3}):
        status, answer = daemon.request("POST", "/v1/retrain", options, token=daemon.token)
        assert (status, answer["code"]) == (400, "bad-retrain-options"), options
    assert daemon.request("GET", "/v1/retrain", token=daemon.token) == (200, {
        "state": "idle", "stage": None, "message": None, "model": None, "reports": None, "learnt": None, "started": None, "finished": None})


def test_the_retrain_needs_none_of_the_training_extra():
    """The daemon starts it on a plain install: no PyTorch, transformers, scikit-learn or onnx."""
    blocked = ("torch", "transformers", "sklearn", "onnx", "matplotlib")
    probe = f"import sys; sys.modules.update(dict.fromkeys({blocked!r})); import model_export.retrain"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.training
def test_a_reported_false_alarm_is_learnt_installed_and_rolled_back_without_a_restart(daemon):
    shipped = ModelCard.read(SHIPPED_MODEL_DIR)
    answers = {url: check(daemon, url) for url in CANDIDATES}
    flagged = [url for url, answer in answers.items() if (answer["verdict"], answer["reason"]) == ("phishing", "model")]
    false_alarm = min(flagged, key=lambda url: answers[url]["score"])
    status, stored = daemon.request("POST", "/v1/feedback", {"url": false_alarm, "label": "safe"}, token=daemon.token)
    assert status == 201, stored
    assert check(daemon, false_alarm)["reason"] == "reported-safe"  # protected at once, before any retrain
    assert check(daemon, false_alarm, token=False)["verdict"] == "phishing"  # the model itself still flags it

    # Learn from my reports, as the popup and the tray start it: in the daemon's background.
    # 8,000 of the 32,000 held-out rows: the loop is what this tests (benchmarks/retrain_speed.py
    # judges on all of them).
    status, started = daemon.request("POST", "/v1/retrain", {"held_out_rows": 8000}, token=daemon.token)
    assert status == 202 and started["state"] == "running", started
    assert daemon.request("POST", "/v1/retrain", {}, token=daemon.token)[1]["code"] == "retrain-running"
    assert daemon.request("GET", "/v1/retrain")[0] == 401  # how it went tells what was reported
    stages, deadline = [], time.monotonic() + 900
    while (progress := daemon.request("GET", "/v1/retrain", token=daemon.token)[1])["state"] == "running":
        assert time.monotonic() < deadline, progress
        if progress["stage"] not in stages:
            stages.append(progress["stage"])
        assert check(daemon, f"https://shop{len(stages)}.example/cart")["verdict"]  # checks go on meanwhile
        time.sleep(0.3)
    assert progress["state"] == "installed", progress
    assert (progress["reports"], progress["learnt"]) == (1, 1) and progress["message"].startswith("The new model learnt 1 of your 1 reports and is in use")
    assert "judging the new model on 8,000 held-out rows" in stages, stages

    listed = {model["id"]: model for model in daemon.request("GET", "/v1/models", token=daemon.token)[1]["models"]}
    assert listed[progress["model"]]["learnt_sites"] == {"phishing": 0, "safe": 1} and "learnt_sites" not in listed[shipped.id]
    env = {name: daemon.env[name] for name in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    printed = run_baitwatch("model", "list", "--port", str(daemon.port), env=env, timeout=60).stdout
    assert f"* {progress['model']}" in printed and "(learnt from your reports: 0 phishing, 1 not phishing)" in printed
    retrained = check(daemon, false_alarm, token=False)
    # The daemon switched; a check without the token gets the model's own score: which sites were
    # reported is the person's to know.
    assert retrained["model"] == progress["model"] != shipped.id and retrained["verdict"] == "phishing"
    status, _ = daemon.request("DELETE", "/v1/reports", {"site": trust_scope_or_none(canonicalize(false_alarm))}, token=daemon.token)
    assert status == 200
    learnt = check(daemon, false_alarm)  # the report withdrawn, the model itself no longer flags it
    assert (learnt["model"], learnt["verdict"], learnt["reason"], learnt["score"]) == (retrained["model"], "safe", "learnt-safe", 0.0)
    data_dir = Path(daemon.env["BAITWATCH_DATA_DIR"])
    assert json.loads((data_dir / "models" / RECORD_FILE).read_text())["active"] == retrained["model"]

    # Roll back while checks are in flight: every one is answered, by one model or the other.
    with ThreadPoolExecutor(8) as pool:
        in_flight = [pool.submit(check, daemon, f"https://site{i}.example/page") for i in range(80)]
        status, rolled = daemon.request("POST", "/v1/models/rollback", {"from": retrained["model"]}, token=daemon.token)
        assert status == 200 and rolled["active"] == shipped.id, rolled
        assert {future.result()["model"] for future in in_flight} <= {shipped.id, retrained["model"]}
    # A second Undo of the same retrain (the tray after the popup, a double click) rolls back nothing.
    status, refused = daemon.request("POST", "/v1/models/rollback", {"from": retrained["model"]}, token=daemon.token)
    assert (status, refused["code"]) == (409, "model-changed")
    again = check(daemon, false_alarm)
    assert (again["model"], again["verdict"], again["score"]) == (shipped.id, "phishing", answers[false_alarm]["score"])


@pytest.mark.training
def test_a_feed_refresh_learns_the_feed_leaves_out_judged_sites_and_switches_the_model(daemon, tmp_path):
    """``baitwatch retrain --data FEED.csv``, as a team runs it on fresh public phishing."""
    judged = "https://remove.4f81e.cn/futuristic"  # a site of the shipped model's held-out rows
    fresh = [f"https://{name}.example/" for name in ("parcel-fee-hold", "toll-notice-pay", "tax-refund-claims", "bank-card-renewal")]
    feed = tmp_path / "feed.csv"
    feed.write_text("url,label,date\n" + "".join(f"{url},1,2025-05-0{i + 1}\n" for i, url in enumerate([judged, *fresh])))
    env = {k: daemon.env[k] for k in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    before = check(daemon, fresh[0], token=False)["score"]
    result = run_baitwatch("retrain", "--data", str(feed), "--held-out-rows", "4000", "--replay-rows", "500",
                           "--port", str(daemon.port), env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "4 rows left once the sites the model is judged on were left out" in result.stdout
    assert "and it learnt 4 rows of the feed" in result.stdout and "The retrained model was installed" in result.stdout
    answer = check(daemon, fresh[0], token=False)
    assert answer["score"] > before  # the feed called it phishing
    card = ModelCard.read(Path(daemon.env["BAITWATCH_DATA_DIR"]) / "models" / answer["model"])
    assert card.raw["retrained"]["feed"]["rows"] == 4 and "learnt_sites" not in card.raw  # a feed, no reports
    assert daemon.request("POST", "/v1/models/rollback", {"from": answer["model"]}, token=daemon.token)[0] == 200


def test_with_every_report_withdrawn_learn_forgets_what_the_model_in_use_learnt(daemon):
    data_dir, url = Path(daemon.env["BAITWATCH_DATA_DIR"]), "https://parcel-fee.example/pay"
    assert daemon.request("POST", "/v1/feedback", {"url": url, "label": "phishing"}, token=daemon.token)[0] == 201
    learnt = retrain(data_dir, ModelStore(data_dir / "models"), RetrainOptions(held_out_rows=2000))
    assert daemon.request("PUT", "/v1/models/active", {"id": learnt.installed}, token=daemon.token)[0] == 200
    assert daemon.request("DELETE", "/v1/reports", {"site": "parcel-fee.example"}, token=daemon.token)[0] == 200
    remembered = check(daemon, url)
    assert (remembered["verdict"], remembered["reason"], remembered["model"]) == ("phishing", "learnt", learnt.installed)

    status, _ = daemon.request("POST", "/v1/retrain", {"held_out_rows": 2000}, token=daemon.token)  # no report left
    assert status == 202
    deadline = time.monotonic() + 300
    while (progress := daemon.request("GET", "/v1/retrain", token=daemon.token)[1])["state"] == "running":
        assert time.monotonic() < deadline, progress
        time.sleep(0.3)
    shipped = ModelCard.read(SHIPPED_MODEL_DIR).id
    assert (progress["state"], progress["model"]) == ("installed", shipped), progress  # Undo can name it
    assert progress["message"] == "Your withdrawn reports are forgotten: back to the shipped model.", progress
    forgotten = check(daemon, url)
    assert (forgotten["model"], forgotten["reason"]) == (shipped, "model")

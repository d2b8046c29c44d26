"""A person's reports protect at once, for the token holder only, and can be listed and withdrawn."""

import urllib.error
import urllib.request
from pathlib import Path

from baitwatch.store import FEEDBACK_FILE
from tests.conftest import run_baitwatch

KNOWN_GOOD = "https://www.wikipedia.org/wiki/Main_Page"
FLAGGED = "http://secure-account-update.xyz/signin/verify.php?account=update"


def check(daemon, url, token=True):
    status, answer = daemon.request("POST", "/v1/check", {"url": url}, token=daemon.token if token else None)
    assert status == 200, answer
    return answer


def report(daemon, url, label):
    status, answer = daemon.request("POST", "/v1/feedback", {"url": url, "label": label}, token=daemon.token)
    assert status == 201, answer
    return answer


def test_a_reported_site_is_phishing_at_once_even_when_known_good_and_only_for_the_token_holder(daemon):
    assert check(daemon, KNOWN_GOOD)["reason"] == "known-good"
    assert report(daemon, KNOWN_GOOD + "?session=abc", "phishing")["site"] == "wikipedia.org"
    other_page = check(daemon, "https://en.wikipedia.org/wiki/Phishing")  # the same site, another page
    assert (other_page["verdict"], other_page["reason"]) == ("phishing", "reported")
    assert check(daemon, KNOWN_GOOD, token=False)["reason"] == "known-good"  # another process learns nothing
    daemon.request("PUT", "/v1/settings", {"enabled": False}, token=daemon.token)
    assert check(daemon, KNOWN_GOOD)["reason"] == "disabled"  # protection off is off


def test_a_reported_false_alarm_stops_warning_and_the_latest_report_decides(daemon):
    assert check(daemon, FLAGGED)["verdict"] == "phishing"
    report(daemon, FLAGGED, "safe")
    assert (check(daemon, FLAGGED)["verdict"], check(daemon, FLAGGED)["reason"]) == ("safe", "reported-safe")
    report(daemon, "http://secure-account-update.xyz/", "phishing")
    assert check(daemon, FLAGGED)["reason"] == "reported"


def test_reports_are_listed_and_withdrawn_by_the_token_holder_only(daemon):
    report(daemon, FLAGGED, "safe")
    report(daemon, "https://alice.github.io/login", "phishing")  # one user's site on a shared platform
    assert daemon.request("GET", "/v1/reports")[0] == 401
    status, listed = daemon.request("GET", "/v1/reports", token=daemon.token)
    assert status == 200 and [(r["site"], r["label"]) for r in listed["reports"]] == [
        ("secure-account-update.xyz", "safe"), ("alice.github.io", "phishing")]
    assert all("?" not in r["url"] or r["url"].endswith("=") for r in listed["reports"])  # no query values kept
    status, after = daemon.request("DELETE", "/v1/reports", {"site": "secure-account-update.xyz"}, token=daemon.token)
    assert status == 200 and after["withdrawn"] == 1 and [r["site"] for r in after["reports"]] == ["alice.github.io"]
    assert check(daemon, FLAGGED)["reason"] == "model"
    status, error = daemon.request("DELETE", "/v1/reports", {"site": "never-reported.example"}, token=daemon.token)
    assert status == 404 and error["code"] == "unknown-report"
    assert daemon.request("DELETE", "/v1/reports", {"site": "alice.github.io"})[0] == 401


def test_the_reports_command_works_through_the_daemon_and_on_the_files_without_one(daemon, tmp_path):
    report(daemon, FLAGGED, "safe")
    env = {k: daemon.env[k] for k in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    listed = run_baitwatch("reports", "list", "--port", str(daemon.port), env=env, timeout=60)
    assert listed.returncode == 0 and "secure-account-update.xyz" in listed.stdout and listed.stdout.startswith("safe")
    daemon.stop()
    removed = run_baitwatch("reports", "remove", "secure-account-update.xyz", "--port", str(daemon.port), env=env, timeout=60)
    assert removed.returncode == 0, removed.stderr
    assert (Path(daemon.env["BAITWATCH_DATA_DIR"]) / FEEDBACK_FILE).read_text() == ""
    missing = run_baitwatch("reports", "remove", "secure-account-update.xyz", "--port", str(daemon.port), env=env, timeout=60)
    assert missing.returncode == 1 and missing.stderr.strip() == "baitwatch: error: there is no report about secure-account-update.xyz"


def test_a_head_request_tells_nothing_without_the_token_and_trusting_a_reported_site_withdraws_its_report(daemon):
    report(daemon, "https://alice.github.io/login", "phishing")
    head = urllib.request.Request(daemon.base + "/v1/reports", method="HEAD")
    try:
        urllib.request.urlopen(head, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 401  # its length would tell how many reports there are
    assert check(daemon, "https://alice.github.io/")["reason"] == "reported"
    status, _ = daemon.request("POST", "/v1/allowlist", {"domain": "https://alice.github.io/"}, token=daemon.token)
    assert status == 200
    assert daemon.request("GET", "/v1/reports", token=daemon.token)[1]["reports"] == []
    assert check(daemon, "https://alice.github.io/")["reason"] == "user-allowlist"

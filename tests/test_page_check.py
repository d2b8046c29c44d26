"""Pages through the real command line and the real daemon: baitwatch check --pages and POST /v1/check-page."""

import json
from pathlib import Path

from tests.conftest import run_baitwatch

PAGES = Path(__file__).parent / "pages"
SAVED = json.loads((PAGES / "pages.json").read_text())


def test_check_pages_answers_each_line_in_order_with_the_page_and_clear_errors(tmp_path):
    (tmp_path / "huge.html").write_bytes(b"<p>" + b"x" * (6 << 20))
    (tmp_path / "latin1.html").write_bytes(b"<title>caf\xe9</title><p>\xff</p>")
    lines = [
        {"url": "https://brand-new-shop.example/", "html_path": str(PAGES / "facebook-kit.html")},
        {"url": "https://www.paypal.com/signin", "html_path": str(PAGES / "facebook-kit.html")},  # known-good
        {"url": SAVED["hamradio-login"]["url"], "html_path": str(PAGES / "hamradio-login.html")},
        {"url": "https://a.example/", "html_path": "missing.html"},
        {"url": "https://b.example/", "html_path": "huge.html"},
        {"url": "https://c.example/", "html_path": "latin1.html"},
        {"url": "https://[::1", "html_path": "latin1.html"},
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    result = run_baitwatch("check", "--json", "--pages", str(manifest))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 8
    kit, known, login, missing, huge, latin1, bad_url, not_json = answers
    assert (kit["verdict"], kit["reason"], kit["imitates"]) == ("phishing", "page", "facebook.com")
    assert kit["page"]["verdict"] == "phishing" and 0 <= kit["page"]["score"] <= 1 and kit["page"]["reasons"]
    assert (known["verdict"], known["reason"]) == ("skipped", "known-good") and known["page"]["imitates"] == "facebook.com"  # read, never applied
    assert login["verdict"] != "phishing" and login["page"]["verdict"] == "unsure"
    assert missing["error"].startswith("cannot read the page") and "No such file" in missing["error"]
    assert "more than the 5 MiB read" in huge["error"]
    assert latin1["page"]["verdict"] in ("safe", "unsure")
    assert "error" in bad_url and "error" in not_json


def test_the_daemon_judges_a_page_for_the_token_holder_only_and_never_reads_a_skipped_one(daemon):
    kit = (PAGES / "facebook-kit.html").read_text()
    status, answer = daemon.request("POST", "/v1/check-page", {"url": "https://brand-new-shop.example/", "html": kit}, token=daemon.token)
    assert status == 200 and (answer["verdict"], answer["reason"], answer["imitates"]) == ("phishing", "page", "facebook.com")
    assert daemon.request("POST", "/v1/check-page", {"url": "https://brand-new-shop.example/", "html": kit})[0] == 401
    status, skipped = daemon.request("POST", "/v1/check-page", {"url": "https://www.paypal.com/", "html": kit}, token=daemon.token)
    assert status == 200 and skipped["reason"] == "known-good" and "page" not in skipped
    status, error = daemon.request("POST", "/v1/check-page", {"url": "https://brand-new-shop.example/", "html": 5}, token=daemon.token)
    assert status == 400 and error["code"] == "missing-html"
    status, broken = daemon.request("POST", "/v1/check-page", {"url": "https://brand-new-shop.example/", "html": ""}, token=daemon.token)
    assert status == 200 and broken["page"]["verdict"] == "error" and broken["reason"] == "model"  # the address's verdict stands
    assert "Facebook" not in daemon.log() and "password" not in daemon.log()  # the page's words are never logged

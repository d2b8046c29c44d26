"""Switching the served model in a real daemon, without a restart: install, use, roll back,
with checks in flight, and the ways it can go wrong."""

import asyncio
import itertools
import json
import shutil

import aiohttp
import pytest

from baitwatch.classifier import MODEL_FILE, SHIPPED_MODEL_DIR, Classifier, ModelCard
from baitwatch.models import RECORD_FILE
from baitwatch.security import load_or_create_token
from baitwatch.urls import canonicalize
from baitwatch.verdict import Verdict
from tests.conftest import RunningDaemon, run_baitwatch
from tests.test_verdicts_daemon import model_copy_with_card

SHIPPED_ID = ModelCard.read(SHIPPED_MODEL_DIR).id
OTHER_ID = "baitwatch-url-lenient-test"


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """A copy of the shipped model under another id, whose threshold lies between the scores of
    two URLs the shipped model calls safe: (folder, a URL it calls phishing, a URL still safe)."""
    classifier, card = Classifier.from_model_dir()
    candidates = ["https://blog.example-coffee-roasters.com/2024/05/our-new-beans.html", "https://news.ycombinator.example/item?id=1"]
    low, high = sorted(zip(classifier.score(candidates).tolist(), candidates))
    assert low[0] < high[0] < card.suspicious_threshold
    folder = model_copy_with_card(tmp_path_factory.mktemp("other"), id=OTHER_ID, threshold=(low[0] + high[0]) / 2, suspicious_threshold=None)
    return folder, high[1], low[1]


def cli(daemon, *args):
    env = {k: daemon.env[k] for k in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    port = [] if args[0] == "install" else ["--port", str(daemon.port)]
    return run_baitwatch("model", *args, *port, env=env, timeout=120)


def check(daemon, url):
    status, answer = daemon.request("POST", "/v1/check", {"url": url}, token=daemon.token)
    assert status == 200, answer
    return answer


def test_use_and_rollback_change_verdicts_at_once_and_the_choice_outlives_a_restart(daemon, other_model, tmp_path):
    folder, flipped, unchanged = other_model
    assert check(daemon, flipped)["verdict"] == "safe"
    installed = cli(daemon, "install", str(folder))
    assert installed.returncode == 0 and OTHER_ID in installed.stdout, installed.stderr

    used = cli(daemon, "use", OTHER_ID)
    assert used.returncode == 0 and f"Now using the model {OTHER_ID}" in used.stdout, used.stderr
    answer = check(daemon, flipped)
    assert (answer["verdict"], answer["model"], answer["cached"]) == ("phishing", OTHER_ID, False)
    assert check(daemon, unchanged)["verdict"] == "safe"
    status = daemon.request("GET", "/v1/status")[1]["model"]
    assert (status["id"], status["exported"]) == (OTHER_ID, ModelCard.read(folder).raw["exported"])
    listed = cli(daemon, "list")
    assert listed.returncode == 0 and f"* {OTHER_ID}" in listed.stdout and "rollback order: shipped" in listed.stdout, listed.stdout

    rolled = cli(daemon, "rollback")
    assert rolled.returncode == 0 and f"Now using the model {SHIPPED_ID}" in rolled.stdout, rolled.stderr
    answer = check(daemon, flipped)
    assert (answer["verdict"], answer["model"], answer["cached"]) == ("safe", SHIPPED_ID, True)  # the cache is per model

    assert cli(daemon, "use", OTHER_ID).returncode == 0
    daemon.stop()
    restarted = RunningDaemon(tmp_path)
    try:
        assert check(restarted, flipped)["model"] == OTHER_ID
    finally:
        restarted.stop()


def test_every_check_in_flight_during_switches_is_answered_by_one_whole_model(daemon, other_model):
    folder, _, _ = other_model
    assert cli(daemon, "install", str(folder)).returncode == 0
    cards = {SHIPPED_ID: ModelCard.read(SHIPPED_MODEL_DIR), OTHER_ID: ModelCard.read(folder)}
    served_between_switches = [SHIPPED_ID, OTHER_ID] * 3 + [SHIPPED_ID]
    checks, switches = asyncio.run(checks_while_switching(daemon, len(served_between_switches) - 1))
    assert switches == [200] * (len(served_between_switches) - 1)
    assert all(status == 200 for status, *_ in checks)
    for _, answer, url, done_when_sent, started_when_answered in checks:
        # The threshold, the verdict and the model id come from the same card.
        assert answer == Verdict.scored(canonicalize(url), answer["score"], cards[answer["model"]]).as_dict(), url
        if started_when_answered == done_when_sent:  # sent after one switch, answered before the next began
            assert answer["model"] == served_between_switches[done_when_sent], url
    for switch in range(1, len(served_between_switches)):  # each switch had checks in flight: sent before it ended, answered after it began
        assert any(done < switch <= started for *_, done, started in checks), switch
    assert check(daemon, "https://news.ycombinator.example/item?id=new")["model"] == SHIPPED_ID


CHECKERS = 8  # checks always in flight
CHECKS_BETWEEN_SWITCHES = 20


async def checks_while_switching(daemon, count):
    """Checks kept in flight while the model is switched ``count`` times (use, rollback, ...).
    Each check is told apart by progress, not time: (status, answer, url, switches ended when
    it was sent, switches begun when it was answered)."""
    headers = {"Content-Type": "application/json"}
    owner = headers | {"Authorization": f"Bearer {daemon.token}"}
    switches_begun = switches_done = 0
    checks, switch_statuses, urls = [], [], itertools.count()
    # Two sessions, so the switches do not queue behind the checks for a connection.
    async with aiohttp.ClientSession() as checker, aiohttp.ClientSession() as switcher:

        async def keep_checking():
            while switches_done < count or answered_since_last_switch() < CHECKS_BETWEEN_SWITCHES:
                url = f"https://news.ycombinator.example/item?id={next(urls)}"  # no two alike: each one is scored
                done_when_sent = switches_done
                async with checker.post(daemon.base + "/v1/check", json={"url": url}, headers=headers) as response:
                    checks.append((response.status, await response.json(), url, done_when_sent, switches_begun))

        def answered_since_last_switch():
            return sum(1 for *_, done, started in checks if done == started == switches_done)

        async def switch(method, path, body):
            nonlocal switches_begun, switches_done
            while answered_since_last_switch() < CHECKS_BETWEEN_SWITCHES:
                if all(checker.done() for checker in checkers):  # they failed: say how, do not wait for ever
                    await asyncio.gather(*checkers)
                await asyncio.sleep(0.005)
            switches_begun += 1
            async with switcher.request(method, daemon.base + path, json=body, headers=owner) as response:
                switch_statuses.append(response.status)
            switches_done += 1

        checkers = [asyncio.ensure_future(keep_checking()) for _ in range(CHECKERS)]
        for step in range(count):
            if step % 2 == 0:
                await switch("PUT", "/v1/models/active", {"id": OTHER_ID})
            else:
                await switch("POST", "/v1/models/rollback", {})
        await asyncio.gather(*checkers)
        return checks, switch_statuses


def test_bad_ids_and_an_unloadable_model_are_refused_clearly_and_the_old_model_keeps_serving(daemon, other_model, tmp_path):
    folder, flipped, _ = other_model
    for method, path in (("GET", "/v1/models"), ("PUT", "/v1/models/active"), ("POST", "/v1/models/rollback")):
        status, answer = daemon.request(method, path, {"id": "shipped"})
        assert (status, answer["code"]) == (401, "token-required"), path
    for body, status, code in [
        ({"id": "../../../etc"}, 404, "unknown-model"),
        ({"id": str(SHIPPED_MODEL_DIR)}, 404, "unknown-model"),
        ({"id": RECORD_FILE}, 404, "unknown-model"),
        ({"id": 7}, 400, "missing-id"),
        ({"id": "x" * 201}, 400, "id-too-long"),
        ({}, 400, "missing-id"),
    ]:
        answer = daemon.request("PUT", "/v1/models/active", body, token=daemon.token)
        assert answer[0] == status and answer[1]["code"] == code, body
    status, answer = daemon.request("POST", "/v1/models/rollback", {}, token=daemon.token)
    assert (status, answer) == (409, {"error": "There is no previous model to roll back to.", "code": "no-previous-model"})

    assert cli(daemon, "install", str(folder)).returncode == 0
    installed = tmp_path / "data" / "models" / OTHER_ID
    with open(installed / MODEL_FILE, "ab") as stream:
        stream.write(b"damaged on disk")
    status, answer = daemon.request("PUT", "/v1/models/active", {"id": OTHER_ID}, token=daemon.token)
    assert (status, answer["code"]) == (422, "model-unloadable")
    assert "does not match the hash" in answer["error"] and answer["error"].endswith(f"the model {SHIPPED_ID} is still in use.")
    refused = cli(daemon, "use", OTHER_ID)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr and "does not match the hash" in refused.stderr
    assert check(daemon, flipped)["model"] == SHIPPED_ID
    assert not (tmp_path / "data" / "models" / RECORD_FILE).exists()  # nothing was recorded


def test_a_corrupt_record_gives_one_clear_problem_serves_the_shipped_model_and_loses_no_model(tmp_path, other_model):
    folder, _, _ = other_model
    models = tmp_path / "data" / "models"
    models.mkdir(parents=True)
    shutil.copytree(folder, models / OTHER_ID)
    (models / RECORD_FILE).write_text("{not json")
    running = RunningDaemon(tmp_path)
    try:
        status = running.request("GET", "/v1/status")[1]
        assert status["model"]["id"] == SHIPPED_ID
        [problem] = status["problems"]
        assert problem.startswith("the record of the active model was unreadable; it was moved to active.json.corrupt-")
        listed = running.request("GET", "/v1/models", token=running.token)[1]
        assert [(m["id"], m["active"]) for m in listed["models"]] == [(SHIPPED_ID, True), (OTHER_ID, False)]
        assert running.request("PUT", "/v1/models/active", {"id": OTHER_ID}, token=running.token)[0] == 200
        assert json.loads((models / RECORD_FILE).read_text()) == {"active": OTHER_ID, "previous": ["shipped"]}
    finally:
        running.stop()


def test_without_a_daemon_the_commands_work_on_the_files(tmp_path, other_model):
    folder, _, _ = other_model
    env = {"BAITWATCH_CONFIG_DIR": str(tmp_path / "config"), "BAITWATCH_DATA_DIR": str(tmp_path / "data")}
    load_or_create_token(tmp_path / "config")  # as after the daemon's first run

    def model(*args):
        result = run_baitwatch("model", *args, "--port", "9", env=env, timeout=120)  # nothing listens on port 9
        assert result.returncode == 0 and "the daemon is not running" in result.stdout, result.stderr
        return result.stdout

    def checked_by():
        checked = run_baitwatch("check", "--json", "https://news.ycombinator.example/item?id=1", env=env, timeout=120)
        return json.loads(checked.stdout)["model"]

    assert run_baitwatch("model", "install", str(folder), env=env, timeout=120).returncode == 0
    assert f"Now using the model {OTHER_ID}" in model("use", OTHER_ID)
    assert f"* {OTHER_ID}" in model("list")
    assert checked_by() == OTHER_ID  # baitwatch check judges with the active model too
    assert f"Now using the model {SHIPPED_ID}" in model("rollback")
    assert checked_by() == SHIPPED_ID

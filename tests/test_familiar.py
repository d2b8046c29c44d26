"""Familiar sites: counted by distinct days under salted digests, forgotten on request."""

import json

import pytest

from baitwatch.config import Config
from baitwatch.familiar import FamiliarSites
from baitwatch.server import FAMILIAR, VISITS, create_app
from baitwatch.store import FAMILIAR_FILE, Store
from tests.conftest import run_baitwatch
from tests.test_verdicts_daemon import suspicious_model

DAY = 86400.0


class Clock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def day(self, number: int) -> None:
        self.now = 1_700_000_000.0 + number * DAY


async def visits_recorded(app) -> None:
    """Until the visits counted so far are written: they are counted off the answer's path, in
    batches (visits.py)."""
    await app[VISITS].flush()


def test_a_site_is_familiar_after_several_days_across_more_than_a_week(tmp_path):
    clock = Clock()
    familiar = FamiliarSites(Store(tmp_path), clock)
    for day in (0, 0, 1, 5):
        clock.day(day)
        familiar.record_visits(["example-shop.xyz"])
    assert not familiar.is_familiar("example-shop.xyz")  # three days, but within a week
    clock.day(9)
    familiar.record_visits(["example-shop.xyz"])
    assert familiar.is_familiar("example-shop.xyz") and familiar.names == {"example-shop.xyz"}
    assert not familiar.is_familiar("other-shop.xyz")
    stored = (tmp_path / FAMILIAR_FILE).read_text()
    assert "example" not in stored and "shop" not in stored  # salted digests and days only
    reopened = FamiliarSites(Store(tmp_path), clock)
    assert reopened.is_familiar("example-shop.xyz") and reopened.names == frozenset()


def test_forgetting_drops_every_day_and_the_salt(tmp_path):
    clock = Clock()
    store = Store(tmp_path)
    familiar = FamiliarSites(store, clock)
    for day in (0, 4, 9):
        clock.day(day)
        familiar.record_visits(["example-shop.xyz"])
    salt = store.familiar_salt
    familiar.forget()
    assert not familiar.is_familiar("example-shop.xyz") and familiar.names == frozenset()
    assert not (tmp_path / FAMILIAR_FILE).exists() and store.familiar_salt != salt


def test_turned_off_it_remembers_nothing(tmp_path):
    clock = Clock()
    familiar = FamiliarSites(Store(tmp_path), clock, enabled=False)
    for day in (0, 4, 9):
        clock.day(day)
        familiar.record_visits(["example-shop.xyz"])
    assert not familiar.is_familiar("example-shop.xyz")
    assert not (tmp_path / FAMILIAR_FILE).exists()


async def test_a_familiar_site_gets_no_suspicious_notice_and_is_protected_from_lookalikes(aiohttp_client, user_dirs, tmp_path):
    model, suspicious_url, _ = suspicious_model(tmp_path)
    clock = Clock()
    app = create_app(Config(model_dir=model), clock=clock)
    client = await aiohttp_client(app)
    token = (user_dirs["config"] / "token").read_text().strip()

    async def check(url, headers={"Authorization": f"Bearer {token}"}):  # noqa: B006 (read only)
        # As the paired extension asks: only its checks are the user's visits.
        answer = await (await client.post("/v1/check", json={"url": url}, headers=headers)).json()
        await visits_recorded(app)
        return answer

    domain = (await check(suspicious_url))["domain"]
    imitation = f"http://{domain}.account-check.example/"
    assert (await check(imitation))["reason"] == "model"
    for day in (4, 9):
        clock.day(day)
        assert (await check(suspicious_url))["verdict"] == "suspicious"
    answer = await check(suspicious_url)
    assert (answer["verdict"], answer["reason"]) == ("safe", "familiar")
    answer = await check(imitation)
    assert (answer["reason"], answer["imitates"]) == ("lookalike", domain)
    # Another local process, without the token, learns nothing of what is familiar.
    assert (await check(suspicious_url, headers={}))["verdict"] == "suspicious"
    assert (await check(imitation, headers={}))["reason"] == "model"
    forgot = await client.delete("/v1/familiar", headers={"Authorization": f"Bearer {token}"})
    assert (await forgot.json()) == {"forgotten": True}
    assert (await check(suspicious_url))["verdict"] == "suspicious"
    for day in (14, 19):  # checks without the token are not the user's visits
        clock.day(day)
        await check(suspicious_url, headers={})
    assert (await check(suspicious_url))["verdict"] == "suspicious"


def test_the_forget_command_clears_familiar_sites_with_or_without_a_daemon(daemon, tmp_path):
    env = {k: daemon.env[k] for k in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    result = run_baitwatch("forget", "--port", str(daemon.port), env=env)
    assert result.returncode == 0 and "Forgot" in result.stdout, result.stderr
    assert "familiar sites forgotten" in daemon.log()
    daemon.stop()
    data = tmp_path / "data"
    clock = Clock()
    familiar = FamiliarSites(Store(data), clock)
    for day in (0, 4, 9):
        clock.day(day)
        familiar.record_visits(["example-shop.xyz"])
    result = run_baitwatch("forget", "--port", str(daemon.port), env=env)
    assert result.returncode == 0, result.stderr
    assert not FamiliarSites(Store(data), clock).is_familiar("example-shop.xyz")


@pytest.fixture
async def daemon_app(aiohttp_client, user_dirs):
    """A daemon app on an injected clock, its test client, and the paired extension's token header."""
    clock = Clock()
    app = create_app(Config(), clock=clock)
    client = await aiohttp_client(app)
    token = {"Authorization": f"Bearer {(user_dirs['config'] / 'token').read_text().strip()}"}
    return clock, app, client, token


async def test_the_users_switch_turns_familiar_sites_off_and_forgets_them(daemon_app, user_dirs):
    clock, app, client, token = daemon_app
    for day in (0, 4, 9):
        clock.day(day)
        app[FAMILIAR].record_visits(["example-shop.xyz"])
    assert app[FAMILIAR].is_familiar("example-shop.xyz")
    answer = await client.put("/v1/settings", json={"familiar_sites": False}, headers=token)
    assert (await answer.json()) == {"enabled": True, "familiar_sites": False}
    assert not app[FAMILIAR].is_familiar("example-shop.xyz") and not (user_dirs["data"] / FAMILIAR_FILE).exists()
    clock.day(12)
    app[FAMILIAR].record_visits(["example-shop.xyz"])  # off: nothing is remembered
    assert not (user_dirs["data"] / FAMILIAR_FILE).exists()
    await client.put("/v1/settings", json={"familiar_sites": True}, headers=token)
    assert (await (await client.get("/v1/settings")).json())["familiar_sites"] is True
    refused = await client.put("/v1/settings", json={"familiar_sites": "no"}, headers=token)
    assert refused.status == 400 and (await refused.json())["code"] == "bad-settings"


async def test_a_shared_platform_never_becomes_familiar_only_its_users_sites_do(daemon_app):
    clock, app, client, token = daemon_app
    for day in (0, 4, 9):
        clock.day(day)
        for url in ("https://www.google.com/search?q=weather", "https://sites.google.com/view/alice-bakery/home"):
            await client.post("/v1/check", json={"url": url}, headers=token)
        await visits_recorded(app)
    familiar = app[FAMILIAR]
    assert familiar.is_familiar("www.google.com") and familiar.is_familiar("sites.google.com/view/alice-bakery")
    # Visiting one user's site, or Google's own search, makes neither Google nor its forms familiar.
    assert not familiar.is_familiar("google.com") and not familiar.is_familiar("sites.google.com")


async def test_new_sites_visits_wait_for_one_write_together_and_a_visit_written_today_is_not_counted_again(daemon_app, user_dirs):
    clock, app, client, token = daemon_app
    urls = ["https://www.wikipedia.org/", "https://github.com/explore", "https://www.bbc.co.uk/news", "https://github.com/about"]
    for url in urls:
        await client.post("/v1/check", json={"url": url}, headers=token)
    familiar_file = user_dirs["data"] / FAMILIAR_FILE
    assert not familiar_file.exists()  # the batch waits for more, off the checks' path
    await visits_recorded(app)
    written = familiar_file.stat()
    assert len(json.loads(familiar_file.read_text())["sites"]) == 3
    assert all(app[FAMILIAR].visited_today(site) for site in ("wikipedia.org", "github.com", "bbc.co.uk"))
    await client.post("/v1/check", json={"url": urls[0]}, headers=token)
    await visits_recorded(app)
    assert familiar_file.stat().st_ino == written.st_ino  # nothing new to write
    clock.day(1)
    assert not app[FAMILIAR].visited_today("github.com")


async def test_visits_still_waiting_when_familiar_sites_are_forgotten_are_never_written(daemon_app, user_dirs):
    clock, app, client, token = daemon_app
    for url in ("https://www.wikipedia.org/", "https://github.com/explore"):
        await client.post("/v1/check", json={"url": url}, headers=token)
    forgot = await client.delete("/v1/familiar", headers=token)
    assert (await forgot.json()) == {"forgotten": True}
    await visits_recorded(app)
    assert not (user_dirs["data"] / FAMILIAR_FILE).exists()
    assert not app[FAMILIAR].visited_today("github.com")

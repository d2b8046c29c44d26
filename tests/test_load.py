"""Load and memory hardening: many concurrent checks against a real daemon, and a cache
that stays bounded however many distinct URLs pass through it."""

import asyncio
import os

import aiohttp
import pytest

from baitwatch.cache import ScoreCache
from tests.conftest import RunningDaemon

pytestmark = pytest.mark.slow

# BAITWATCH_HEAVY=1 makes every request a distinct URL (all model calls); CI runs the quick
# mix: the same 20,000 requests over 2,000 distinct URLs.
HEAVY = os.environ.get("BAITWATCH_HEAVY") == "1"
REQUESTS = 20_000
CONCURRENCY = 64


async def hammer(base: str, urls: list[str], token: str) -> list[tuple[str, int, dict]]:
    """(URL, status, answer) for each check; how long they took is benchmarks/daemon_latency.py's business."""
    answers = []
    queue = list(urls)
    headers = {"Authorization": f"Bearer {token}"}  # as the paired extension sends: its checks use the cache
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY), headers=headers) as session:

        async def worker():
            while queue:
                url = queue.pop()
                async with session.post(base + "/v1/check", json={"url": url}) as response:
                    answers.append((url, response.status, await response.json()))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return answers


def test_twenty_thousand_checks_at_concurrency_64(tmp_path):
    distinct = REQUESTS if HEAVY else 2_000
    urls = [f"http://shop{i % distinct}.example-store.test/item/{i % distinct}?ref=mail" for i in range(REQUESTS)]
    daemon = RunningDaemon(tmp_path)
    try:
        answers = asyncio.run(hammer(daemon.base, urls, daemon.token))
    finally:
        assert daemon.stop() == 0
    assert len(answers) == REQUESTS
    assert {status for _, status, _ in answers} == {200}
    # Each answer is about the URL it answers, and one URL always gets one score, cached or not.
    assert all(answer["url"] == url for url, _, answer in answers)
    scores = {}
    assert all(scores.setdefault(url, answer["score"]) == answer["score"] for url, _, answer in answers)
    assert len(scores) == distinct


def resident_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def test_the_cache_stays_bounded_over_a_million_distinct_urls():
    cache = ScoreCache(max_entries=100_000, ttl_seconds=3600)
    before = resident_mib()
    growth = []
    for i in range(1_000_000):
        url = f"https://site{i}.example/path?q={i}"
        if cache.get("model", url) is None:
            cache.put("model", url, 0.5)
        if i % 250_000 == 249_999:
            growth.append(resident_mib() - before)
    stats = cache.stats()
    assert stats["entries"] == 100_000 and stats["misses"] == 1_000_000
    # An unbounded cache would add some 275 MiB over the second half million; this one is
    # full from the first 100,000 entries on, and only allocator churn remains.
    assert growth[-1] < 100, growth
    assert growth[-1] - growth[1] < 25, growth

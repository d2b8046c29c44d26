"""Daemon latency, throughput and memory, measured against a real `baitwatch serve` on loopback.

    .venv/bin/python benchmarks/daemon_latency.py [--urls 2000] [--repeats 3] [--model DIR]

Prints a table (medians over the repeats) and writes benchmarks/daemon_latency.json.
--model serves another model folder (say, a shallower candidate) instead of the shipped one.
Targets (issue 27): uncached p50 within 1.3x of the raw onnxruntime call in the same run,
p99 <= 2.5x p50; cached p50 <= 0.5 ms; 8 concurrent clients at least as many URLs/s as the
batch endpoint; <= 150 MB resident after 10,000 mixed checks (once idle: memory.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from measure import ROOT, corpus_urls, machine, median_of, one_at_a_time_ms, percentiles, resident_mb

from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier, ModelCard
from baitwatch.memory import IDLE_SECONDS
from baitwatch.visits import QUIET_SECONDS

HOT_URLS = 50  # distinct URLs the cached checks cycle through
CONCURRENCY = (1, 8, 64)
MIXED_CHECKS = 10_000
PAGES = sorted((ROOT / "tests" / "pages").glob("*.html"))  # saved pages the mixed checks send now and then


def cache_busted(urls: list[str], numbers) -> list[str]:
    """The URLs with a unique query parameter each: texts the model sees but no cache holds."""
    return [f"{url}{'&' if '?' in url else '?'}bw={number}" for url, number in zip(urls, numbers)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Daemon:
    def __init__(self, model_dir: Path, launcher: tuple[str, ...] = ("-m", "baitwatch")):
        """``launcher``: what Python runs with the ``serve`` arguments (http_breakdown.py adds timers)."""
        self.home = tempfile.mkdtemp(prefix="baitwatch-bench-")
        self.port = free_port()
        env = {**os.environ, "BAITWATCH_CONFIG_DIR": f"{self.home}/config", "BAITWATCH_DATA_DIR": f"{self.home}/data"}
        self.process = subprocess.Popen(
            [sys.executable, *launcher, "serve", "--no-tray", "--port", str(self.port), "--log-level", "warning",
             "--model", str(model_dir)],
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def token(self) -> str:
        return Path(f"{self.home}/config/token").read_text().strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def wait_ready(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(600):
        try:
            async with session.get(base + "/v1/status") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the daemon did not start")


async def settled_cpu_seconds(daemon: Daemon) -> float:
    """The daemon's CPU time once it stops rising: the work it puts off (a new site's visit
    day, on a low-priority thread) belongs to the checks too, and must not run into the next
    measurement. The visits wait ``QUIET_SECONDS`` without a new site before they are hashed,
    so the CPU time must stay flat for longer than that."""
    last, flat_since = daemon.cpu_seconds(), time.monotonic()
    while time.monotonic() - flat_since < QUIET_SECONDS + 1:
        await asyncio.sleep(0.25)
        now = daemon.cpu_seconds()
        if now - last >= 0.01:
            flat_since = time.monotonic()
        last = now
    return last


async def timed_checks(session, base: str, urls: list[str], concurrency: int) -> tuple[list[float], float]:
    """Per-request latency in ms and wall time, with ``concurrency`` requests in flight."""
    latencies: list[float] = []
    queue = list(reversed(urls))

    async def worker() -> None:
        while queue:
            url = queue.pop()
            start = time.perf_counter()
            async with session.post(base + "/v1/check", json={"url": url}) as response:
                await response.read()
                assert response.status == 200
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


async def run_once(urls: list[str], daemon: Daemon, offset: int) -> dict:
    result: dict = {}
    async with aiohttp.ClientSession() as probe:
        await wait_ready(probe, daemon.base)
    # The paired extension's header: only the token holder's checks use the score cache.
    headers = {"Authorization": f"Bearer {daemon.token()}"}
    connector = aiohttp.TCPConnector(limit=128)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        fresh = iter(range(offset, offset + 10**9))

        def distinct(n: int) -> list[str]:
            return cache_busted([urls[i % len(urls)] for i in range(n)], fresh)

        cpu_before = daemon.cpu_seconds()
        for concurrency in CONCURRENCY:
            batch = distinct(len(urls))
            latencies, wall = await timed_checks(session, daemon.base, batch, concurrency)
            result[f"uncached_c{concurrency}"] = percentiles(latencies) | {"urls_per_second": len(batch) / wall}
        verdicts = 3 * len(urls)
        result["cpu_ms_per_uncached_verdict"] = (await settled_cpu_seconds(daemon) - cpu_before) * 1000 / verdicts

        hot = distinct(HOT_URLS)
        await timed_checks(session, daemon.base, hot, 8)  # fill the cache
        for concurrency in CONCURRENCY:
            latencies, wall = await timed_checks(session, daemon.base, hot * (len(urls) // HOT_URLS), concurrency)
            result[f"cached_c{concurrency}"] = percentiles(latencies) | {"urls_per_second": len(latencies) / wall}

        batches = [distinct(256) for _ in range(8)]
        start = time.perf_counter()
        for batch in batches:
            async with session.post(daemon.base + "/v1/check-batch", json={"urls": batch}) as response:
                await response.read()
        result["batch_urls_per_second"] = 8 * 256 / (time.perf_counter() - start)
        result["daemon_rss_mb"] = resident_mb(daemon.process.pid)
        result["http_round_trip"] = percentiles(await round_trips(session, daemon.base, len(urls)))
        await mixed_checks(session, daemon.base, distinct)
    await asyncio.sleep(IDLE_SECONDS + 1)  # the daemon hands freed memory back once idle
    result["rss_after_mixed_checks_mb"] = resident_mb(daemon.process.pid)
    result["peak_rss_mb"] = resident_mb(daemon.process.pid, "VmHWM")
    return result


async def round_trips(session, base: str, count: int) -> list[float]:
    """``GET /v1/settings``, which reads a dict: the socket, aiohttp and the middlewares alone."""
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        async with session.get(base + "/v1/settings") as response:
            await response.read()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


async def mixed_checks(session, base: str, distinct) -> None:
    """``MIXED_CHECKS`` checks as 8 tabs would make them: half new URLs, half seen before, and
    a saved page read after every 50th."""
    fresh = distinct(MIXED_CHECKS // 2)
    again = random.Random(3).choices(fresh, k=MIXED_CHECKS - len(fresh))
    mixed = [url for pair in zip(fresh, again) for url in pair]
    pages = [path.read_text(encoding="utf-8") for path in PAGES]
    queue = list(reversed(mixed))

    async def tab() -> None:
        while queue:
            url = queue.pop()
            async with session.post(base + "/v1/check", json={"url": url}) as response:
                assert response.status == 200
            if len(queue) % 50 == 0:
                page = {"url": url, "html": pages[len(queue) // 50 % len(pages)]}
                async with session.post(base + "/v1/check-page", json=page) as response:
                    assert response.status == 200, await response.text()

    await asyncio.gather(*(tab() for _ in range(8)))


def raw_onnxruntime(urls: list[str], model_dir: Path) -> dict:
    """The model call alone, on texts as long as the uncached HTTP checks send."""
    urls = cache_busted(urls, range(10**8, 10**9))
    classifier, _ = Classifier.from_model_dir(model_dir)
    classifier.score(urls[:20])  # warm up
    return percentiles(one_at_a_time_ms(classifier.score, urls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path, help="model folder to serve (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "daemon_latency.json")
    args = parser.parse_args()
    if args.urls < HOT_URLS:
        parser.error(f"--urls must be at least {HOT_URLS}: the cached checks cycle through that many URLs")
    urls = corpus_urls(args.urls, seed=1)
    model_dir = args.model or SHIPPED_MODEL_DIR
    runs = []
    for repeat in range(args.repeats):
        raw = raw_onnxruntime(urls, model_dir)
        daemon = Daemon(model_dir)
        try:
            runs.append({"raw_onnxruntime": raw} | asyncio.run(run_once(urls, daemon, offset=repeat * 10**7)))
        finally:
            daemon.stop()
    result = median_of(runs)
    result["uncached_p50_over_raw_p50"] = result["uncached_c1"]["p50_ms"] / result["raw_onnxruntime"]["p50_ms"]
    result["uncached_p99_over_p50"] = result["uncached_c1"]["p99_ms"] / result["uncached_c1"]["p50_ms"]
    result["model"] = ModelCard.read(model_dir).id
    result["machine"] = machine()
    result["command"] = "python benchmarks/daemon_latency.py " + " ".join(sys.argv[1:])
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"machine: {result['machine']}; {args.urls} distinct corpus URLs; median of {args.repeats} runs")
    print(f"raw onnxruntime, one URL:   p50 {result['raw_onnxruntime']['p50_ms']:.2f} ms  p99 {result['raw_onnxruntime']['p99_ms']:.2f} ms")
    for kind in ("uncached", "cached"):
        for concurrency in CONCURRENCY:
            row = result[f"{kind}_c{concurrency}"]
            print(f"{kind:>8} HTTP, concurrency {concurrency:>2}: p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  {row['urls_per_second']:.0f} URLs/s")
    print(f"uncached p50 / raw p50: {result['uncached_p50_over_raw_p50']:.2f}x")
    print(f"batch endpoint: {result['batch_urls_per_second']:.0f} URLs/s")
    print(f"CPU per uncached verdict: {result['cpu_ms_per_uncached_verdict']:.2f} ms")
    print(f"HTTP round trip (GET /v1/settings): p50 {result['http_round_trip']['p50_ms']:.2f} ms")
    print(f"daemon resident memory: {result['daemon_rss_mb']:.0f} MB after the batches, "
          f"{result['rss_after_mixed_checks_mb']:.0f} MB idle after {MIXED_CHECKS:,} mixed checks, peak {result['peak_rss_mb']:.0f} MB")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

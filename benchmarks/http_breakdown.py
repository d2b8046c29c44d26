"""Where a verdict's time goes inside a real daemon: a profile of the HTTP path, part by part.

    .venv/bin/python benchmarks/http_breakdown.py [--urls 500]

Runs `baitwatch serve` with timers around the parts of its path (the socket's read, aiohttp's
handling of a request, our middlewares and handler, the hop to the model's thread, the model
call, the answer's write), sends it the checks daemon_latency.py sends (uncached and cached,
one at a time), and prints the mean microseconds of each part a request, beside the client's
own measure of the whole. What no timer covers is the client, the kernel's wake-ups of the
processes and threads a request passes through, and aiohttp's work outside its request
handling (parsing, the request's task).
Writes benchmarks/http_breakdown.json. The timers wrap private aiohttp and asyncio functions:
a profile for this machine's versions, not a measure of the daemon's speed (daemon_latency.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path

import aiohttp

from measure import ROOT, corpus_urls, machine, percentiles

from baitwatch.classifier import SHIPPED_MODEL_DIR
from daemon_latency import HOT_URLS, Daemon, cache_busted, settled_cpu_seconds, timed_checks, wait_ready

# (what is timed, where, the class that does it, its method). Request handling holds the verdict
# service and the answer's write; the service holds the model batch, which holds the model call;
# the answer's write holds the socket write; the socket read comes before them all.
TIMED = (
    ("socket read", "asyncio.selector_events", "_SelectorSocketTransport", "_read_ready"),
    ("request handling (aiohttp)", "aiohttp.web_protocol", "RequestHandler", "_handle_request"),
    ("verdict service", "baitwatch.service", "VerdictService", "verdicts"),
    ("model batch, with the thread hop", "baitwatch.batcher", "MicroBatcher", "_answer"),
    ("model call (tokenizer, transformer, n-grams)", "baitwatch.classifier", "Classifier", "score"),
    ("answer's write (aiohttp)", "aiohttp.web_protocol", "RequestHandler", "finish_response"),
    ("socket write", "asyncio.selector_events", "_SelectorSocketTransport", "write"),
)


def timers_file(home: str) -> Path:
    """Where the daemon's process writes its sums: the benchmark's private folder for it."""
    return Path(home) / "timers.json"


def serve_with_timers(serve_args: list[str]) -> None:
    """Inside the daemon's process: wrap each TIMED method, write the sums at each SIGUSR1."""
    import importlib
    import inspect
    import runpy

    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def wrap(name: str, method):
        def add(started: float) -> None:
            sums[name][0] += 1
            sums[name][1] += time.perf_counter() - started

        if inspect.iscoroutinefunction(method):
            async def timed(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return await method(*args, **kwargs)
                finally:
                    add(started)
        else:
            def timed(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return method(*args, **kwargs)
                finally:
                    add(started)
        return timed

    for name, module, cls, method in TIMED:
        owner = getattr(importlib.import_module(module), cls)
        setattr(owner, method, wrap(name, getattr(owner, method)))

    stats_path = timers_file(str(Path(os.environ["BAITWATCH_CONFIG_DIR"]).parent))

    def write_and_reset(*_) -> None:
        partial = stats_path.with_suffix(".partial")  # renamed whole: the benchmark never reads half a file
        partial.write_text(json.dumps({name: {"calls": calls, "seconds": seconds} for name, (calls, seconds) in sums.items()}))
        partial.replace(stats_path)
        sums.clear()

    signal.signal(signal.SIGUSR1, write_and_reset)
    sys.argv = ["baitwatch", *serve_args]
    runpy.run_module("baitwatch", run_name="__main__")


async def timer_sums(daemon: Daemon) -> dict:
    """The sums since the last call, which the daemon writes (and resets) at a SIGUSR1."""
    path = timers_file(daemon.home)
    path.unlink(missing_ok=True)
    os.kill(daemon.process.pid, signal.SIGUSR1)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if path.is_file():
            return json.loads(path.read_text())
    raise RuntimeError("the daemon did not write its timers")


async def phase(daemon: Daemon, session, urls: list[str]) -> dict:
    """One kind of check, one at a time: the client's latencies and each part's mean a request."""
    await settled_cpu_seconds(daemon)
    await timer_sums(daemon)  # drops what came before
    latencies, _ = await timed_checks(session, daemon.base, urls, 1)
    sums = await timer_sums(daemon)
    parts = {name: sums[name]["seconds"] * 1e6 / len(urls) for name, *_ in TIMED if name in sums}
    client = sum(latencies) * 1000 / len(latencies)
    return {"client_mean_us": client, "client": percentiles(latencies), "parts_us": parts,
            "untimed_us": client - parts["request handling (aiohttp)"] - parts["socket read"]}


async def measure(urls: list[str]) -> dict:
    daemon = Daemon(SHIPPED_MODEL_DIR, launcher=(__file__, "--serve"))
    try:
        async with aiohttp.ClientSession() as probe:
            await wait_ready(probe, daemon.base)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {daemon.token()}"}) as session:
            fresh = iter(range(10**9))
            hot = cache_busted(urls[:HOT_URLS], fresh)
            await timed_checks(session, daemon.base, hot, 1)  # warm up, and fill the cache
            uncached = await phase(daemon, session, cache_busted(urls, fresh))
            cached = await phase(daemon, session, hot * (len(urls) // HOT_URLS))
        return {"uncached": uncached, "cached": cached}
    finally:
        daemon.stop()


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_with_timers(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "http_breakdown.json")
    args = parser.parse_args()
    if args.urls < HOT_URLS:
        parser.error(f"--urls must be at least {HOT_URLS}: the cached checks cycle through that many URLs")
    result = asyncio.run(measure(corpus_urls(args.urls, seed=1)))
    result["machine"] = machine()
    result["command"] = "python benchmarks/http_breakdown.py " + " ".join(sys.argv[1:])
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"machine: {result['machine']}; mean microseconds a request, one request at a time")
    print(f"{'part':48s} {'uncached':>9s} {'cached':>9s}")
    for name, *_ in TIMED:
        print(f"{name:48s} {result['uncached']['parts_us'].get(name, 0):9.0f} {result['cached']['parts_us'].get(name, 0):9.0f}")
    print(f"{'untimed: client, wake-ups, aiohttp outside':48s} {result['uncached']['untimed_us']:9.0f} {result['cached']['untimed_us']:9.0f}")
    print(f"{'the client measured, mean':48s} {result['uncached']['client_mean_us']:9.0f} {result['cached']['client_mean_us']:9.0f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

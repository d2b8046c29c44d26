"""What the benchmarks share: the URLs they score, and how they time and weigh a process."""

from __future__ import annotations

import csv
import gzip
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from baitwatch.known_good import shipped_known_good
from baitwatch.urls import canonicalize

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "model_export" / "data" / "train_urls.csv.gz"


def corpus_urls(count: int, seed: int) -> list[str]:
    """Distinct corpus URLs the model really scores (no known-good or private hosts)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8", newline="") as stream:
        rows = [row["url"] for row in csv.DictReader(stream)]
    random.Random(seed).shuffle(rows)
    known_good, chosen, seen = shipped_known_good(), [], set()
    for raw in rows:
        url = canonicalize(raw)
        if url.registrable_domain in known_good or url.ip is not None or url.text in seen:
            continue
        seen.add(url.text)
        chosen.append(url.text)
        if len(chosen) == count:
            break
    return chosen


def one_at_a_time_ms(score: Callable[[list[str]], object], urls: list[str]) -> list[float]:
    """Milliseconds each ``score([url])`` call took, URL by URL."""
    latencies = []
    for url in urls:
        started = time.perf_counter()
        score([url])
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def percentiles(samples_ms: list[float]) -> dict:
    return {"p50_ms": float(np.percentile(samples_ms, 50)), "p99_ms": float(np.percentile(samples_ms, 99))}


def median_of(runs: list[dict]) -> dict:
    """Key by key, the median of repeated runs' figures (nested dicts alike)."""
    merged = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            merged[key] = median_of([run[key] for run in runs])
        else:
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def resident_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """A Linux process's resident memory in MB (``VmHWM``: the most it ever held)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    """The machine a figure was measured on, as the reports name it: int8 speed depends on
    whether the CPU multiplies int8 in one instruction (VNNI), so that is named too."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {_int8_instructions()}, {platform.system()}"


def _int8_instructions() -> str:
    try:
        flags = set(Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").split())
    except OSError:  # not Linux: unknown
        return "int8 instructions unknown"
    named = [name for flag, name in (("avx512_vnni", "AVX-512 VNNI"), ("avx_vnni", "AVX-VNNI"), ("avx2", "AVX2")) if flag in flags]
    return " + ".join(named) or "no AVX2"

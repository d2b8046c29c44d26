"""What reading the page adds to the address: URL only, page model alone, brand rule alone, and
the combined verdict, on the page corpus's test split (newer phishing, unseen sites), and what
reading a page costs.

Phishing pages were saved without their address, so each is shown at a phishing address of the
URL model's own held-out rows (the shipped model's validation and test samples, sites it never
trained on), drawn with a fixed seed: once at any such address, once at a bare host
(``https://new-name.example/``), where the address alone misses most. Legitimate pages are
judged at their own address (for sign-in pages saved without one, the site most of their links
point to). Everything goes through the daemon's own code: ``VerdictService`` for the address
(known-good and brand sites skipped, lookalikes), ``judge_html`` for the page, ``combine``.

    .venv/bin/python benchmarks/page_evidence.py --pages ../shared/data/pages/pages.jsonl.gz [--json benchmarks/page_evidence.json]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import statistics
import time
from pathlib import Path

import numpy as np

from baitwatch.classifier import SHIPPED_MODEL_DIR
from baitwatch.known_good import shipped_known_good
from baitwatch.models import ModelStore
from baitwatch.page.brands import shipped_brand_sites, shipped_brands
from baitwatch.page.evidence import read_page
from baitwatch.page.judgement import combine
from baitwatch.page.page_model import shipped_page_model
from baitwatch.page.reading import judge_html
from baitwatch.service import VerdictService
from baitwatch.urls import canonicalize, is_homepage
from model_export.data import load_dataset
from model_export.page_data import KINDS, load_pages

KINDS_OF_LEGITIMATE = ("homepages", "sign-in pages")


def phishing_addresses(seed: int) -> dict[str, list[str]]:
    """Held-out phishing URLs of the shipped model: all of them, and the bare hosts among them."""
    held, _ = load_dataset([SHIPPED_MODEL_DIR / "trainable" / name for name in ("validation.csv.gz", "test.csv.gz")])
    urls = [url for url, label in zip(held.urls, held.labels) if label == 1]
    random.Random(seed).shuffle(urls)
    return {"any phishing address": urls, "a bare host": [url for url in urls if is_homepage(url)]}


async def address_verdicts(urls: list[str]):
    service = VerdictService(ModelStore(Path("/nonexistent-baitwatch-models")), known_good=shipped_known_good(), brand_sites=shipped_brand_sites())
    service.start()
    try:
        return await service.verdicts([canonicalize(url) for url in urls], private=True)
    finally:
        await service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, required=True, help="pages.jsonl.gz of the page corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pages, _ = load_pages(args.pages)
    test = [page for page in pages if page.split == "test"]
    html = _html_by_id(args.pages, {page.id for page in test})
    phishing = [page for page in test if page.label == 1]
    legitimate = [page for page in test if page.label == 0]
    results = {"pages": {kind: sum(page.kind == kind for page in test) for kind in KINDS.values()}}

    for where, addresses in phishing_addresses(args.seed).items():
        urls = addresses[: len(phishing)]
        rows = _judge(phishing, urls, html)
        results[f"phishing pages at {where}"] = _rates(rows, missed_by_address=True)
    legit_rows = _judge(legitimate, [page.url for page in legitimate], html)
    for kind in KINDS_OF_LEGITIMATE:
        results[f"legitimate {kind}"] = _rates([row for row, page in zip(legit_rows, legitimate) if page.kind == kind])
    results["cost"] = _cost([html[page.id] for page in test])
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def _judge(pages, urls: list[str], html: dict[str, str]) -> list[dict]:
    addresses = asyncio.run(address_verdicts(urls))
    rows = []
    for page, url, address in zip(pages, urls, addresses):
        verdict = judge_html(html[page.id], canonicalize(url))
        joined = combine(address, verdict)
        rows.append({
            "url only": address.verdict == "phishing",
            "page model alone": (verdict.score or 0) >= shipped_page_model().levels["phishing"],
            "brand rule alone": verdict.imitates is not None,
            "page verdict": verdict.verdict == "phishing",
            "combined": joined.verdict == "phishing",
            "calmed": joined.reason == "page-asks-nothing",
            "skipped": address.verdict == "skipped",
        })
    return rows


def _rates(rows: list[dict], missed_by_address: bool = False) -> dict:
    share = lambda name, chosen: round(float(np.mean([row[name] for row in chosen])), 4) if chosen else None  # noqa: E731
    rates = {name: share(name, rows) for name in ("url only", "page model alone", "brand rule alone", "page verdict", "combined", "calmed", "skipped")}
    rates["rows"] = len(rows)
    if missed_by_address:
        missed = [row for row in rows if not row["url only"]]
        rates["missed by the address"] = len(missed)
        rates["combined, of those the address missed"] = share("combined", missed)
    return rates


def _cost(pages: list[str]) -> dict:
    """Milliseconds to read a page (parse and extract) and to score it, per page, on this machine."""
    model, brands = shipped_page_model(), shipped_brands()
    read_ms, score_ms, sizes = [], [], []
    for html in pages:
        started = time.perf_counter()
        evidence = read_page(html)
        read_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        model.score(evidence, brands.claim(evidence))
        score_ms.append((time.perf_counter() - started) * 1000)
        sizes.append(len(html))
    quantile = lambda values, q: round(float(np.quantile(values, q)), 2)  # noqa: E731
    return {
        "pages": len(pages),
        "median page characters": int(statistics.median(sizes)),
        "read ms": {"median": quantile(read_ms, 0.5), "p95": quantile(read_ms, 0.95), "max": quantile(read_ms, 1.0)},
        "score ms": {"median": quantile(score_ms, 0.5), "p95": quantile(score_ms, 0.95), "max": quantile(score_ms, 1.0)},
    }


def _html_by_id(path: Path, wanted: set[str]) -> dict[str, str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return {row["id"]: row["html"] for row in map(json.loads, stream) if row["id"] in wanted}


def _print(results: dict) -> None:
    print(f"test pages: {results['pages']}")
    columns = ("url only", "page model alone", "brand rule alone", "page verdict", "combined")
    print(f"{'':42}" + "".join(f"{name:>18}" for name in columns))
    for name, rates in results.items():
        if name in ("pages", "cost"):
            continue
        print(f"{name + ' (' + str(rates['rows']) + ')':42}" + "".join(f"{rates[c]:>18.4f}" for c in columns))
        extra = {key: value for key, value in rates.items() if key not in (*columns, "rows")}
        print(f"{'':42}{extra}")
    print(f"cost: {results['cost']}")


if __name__ == "__main__":
    main()

"""What each part of an uncached verdict costs, in process, one URL at a time.

    .venv/bin/python benchmarks/verdict_parts.py [--urls 500]

The daemon's path for one URL, part by part, on the URLs daemon_latency.py sends (distinct
corpus URLs with a unique query string each). With daemon_latency.py's round trip of a
route that does nothing (GET /v1/settings: the socket, aiohttp and the middlewares), it
tells where an uncached verdict's time goes. Writes benchmarks/verdict_parts.json.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from measure import ROOT, corpus_urls, machine

from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier
from baitwatch.known_good import shipped_known_good
from baitwatch.lookalike import shipped_detector
from baitwatch.page.brands import shipped_brand_sites
from baitwatch.platforms import trust_scope_or_none
from baitwatch.urls import canonicalize
from baitwatch.verdict import Verdict, rule_verdict
from daemon_latency import cache_busted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=500)
    args = parser.parse_args()
    urls = cache_busted(corpus_urls(args.urls, seed=1), range(args.urls))
    classifier, card = Classifier.from_model_dir(SHIPPED_MODEL_DIR)
    known_good, brand_sites = shipped_known_good(), shipped_brand_sites()
    shipped_detector()
    classifier.score(urls[:20])  # warm up
    costs: dict[str, list[float]] = {}

    def timed(part: str, work, *arguments):
        started = time.perf_counter()
        value = work(*arguments)
        costs.setdefault(part, []).append((time.perf_counter() - started) * 1000)
        return value

    policy = {"enabled": True, "user_allowlist": frozenset(), "known_good": known_good, "brand_sites": brand_sites}
    for raw in urls:
        url = timed("canonical URL", canonicalize, raw)
        timed("policy and lookalike rules", lambda url: rule_verdict(url, card, **policy), url)
        timed("trust scope (for reports and visits)", trust_scope_or_none, url)
        ((_, feeds),) = timed("tokenizer", lambda text: list(classifier.batches([text])), url.text)
        timed("transformer (onnxruntime)", classifier._session.run, ["logits"], feeds)
        timed("n-gram model", classifier.fusion.ngrams.logits, [url.text])
        timed("verdict and JSON encoding", lambda url: json.dumps(Verdict.scored(url, 0.5, card).as_dict()), url)
    result = {part: float(np.median(values)) for part, values in costs.items()}
    output = {"p50_ms": result, "machine": machine(), "command": "python benchmarks/verdict_parts.py --urls " + str(args.urls)}
    (ROOT / "benchmarks" / "verdict_parts.json").write_text(json.dumps(output, indent=2) + "\n")
    for part, milliseconds in result.items():
        print(f"{milliseconds:6.3f} ms  {part}")


if __name__ == "__main__":
    main()

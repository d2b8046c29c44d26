"""Where the daemon's memory goes: resident memory as each part of it is loaded, in order.

    .venv/bin/python benchmarks/memory_parts.py

One fresh process, one malloc arena as the daemon has; before each reading the garbage is
collected and freed memory handed back (memory.release_freed_memory), so each figure is what
the part holds. Writes benchmarks/memory_parts.json.
"""

from __future__ import annotations

import gc
import json

from baitwatch.memory import release_freed_memory, use_one_malloc_arena

use_one_malloc_arena()

from measure import ROOT, corpus_urls, machine, resident_mb  # noqa: E402 (after the arena is set)

CACHED_URLS = 10_000


def main() -> None:
    urls = corpus_urls(256, seed=4)
    parts: dict[str, float] = {}
    last = 0.0

    def held(name: str) -> None:
        nonlocal last
        gc.collect()
        release_freed_memory()
        now = resident_mb()
        parts[name] = now - last
        last = now

    held("Python, numpy, the benchmark's helpers and URLs")
    import aiohttp.web  # noqa: F401

    held("aiohttp")
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    held("onnxruntime and tokenizers (libraries)")
    from baitwatch.server import create_app  # noqa: F401

    held("the daemon's own modules")
    from baitwatch.classifier import SHIPPED_MODEL_DIR, TOKENIZER_FILE, Classifier, ModelCard, _read_fusion

    card = ModelCard.read(SHIPPED_MODEL_DIR)
    fusion = _read_fusion(SHIPPED_MODEL_DIR, card)
    held("the n-gram model (1.3M hashes, weights)")
    classifier = Classifier(SHIPPED_MODEL_DIR / "model.onnx", SHIPPED_MODEL_DIR / TOKENIZER_FILE, card.max_length, fusion=fusion)
    held("the transformer (onnxruntime session) and tokenizer")
    from baitwatch.known_good import shipped_known_good
    from baitwatch.lookalike import shipped_detector
    from baitwatch.platforms import shipped_platforms

    shipped_known_good(), shipped_platforms(), shipped_detector()
    held("known-good list, platforms and the lookalike index")
    from baitwatch.page.brands import shipped_brand_sites, shipped_brands
    from baitwatch.page.page_model import shipped_page_model

    shipped_brand_sites(), shipped_brands(), shipped_page_model()
    held("brands and the page model")
    classifier.score(urls)
    held("after scoring 256 URLs (what stays)")
    from baitwatch.cache import ScoreCache

    cache = ScoreCache(CACHED_URLS, 3600)
    for number in range(CACHED_URLS):
        cache.put(card.id, f"{urls[number % len(urls)]}?n={number}", 0.5)
    held(f"the score cache, {CACHED_URLS:,} URLs")
    result = {"parts_mb": parts, "total_mb": last, "model": card.id, "machine": machine(), "command": "python benchmarks/memory_parts.py"}
    (ROOT / "benchmarks" / "memory_parts.json").write_text(json.dumps(result, indent=2) + "\n")
    for name, megabytes in parts.items():
        print(f"{megabytes:+7.1f} MB  {name}")
    print(f"{last:7.1f} MB  in all")


if __name__ == "__main__":
    main()

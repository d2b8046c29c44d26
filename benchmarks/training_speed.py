"""Training speed on this machine: URLs per second for a full fine-tune and for the original
recipe's frozen base (only pooler and head learn), the same base model and batches.

    .venv/bin/python benchmarks/training_speed.py [--steps 20] [--repeats 3]

Each figure is one optimizer step after another on batches of corpus URLs (forward, backward,
AdamW), as ``baitwatch train`` does, timed after warm-up steps. Writes training_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from measure import ROOT, corpus_urls

from model_export.train import load_base, resolve_base_model

WARMUP_STEPS = 3
RECIPES = {"full fine-tune": None, "frozen base (original recipe)": "base"}


def urls_per_second(freeze: str | None, urls: list[str], batch_size: int, steps: int) -> float:
    location, _ = resolve_base_model(None)
    tokenizer, model = load_base(location, freeze)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)
    batches = [urls[i : i + batch_size] for i in range(0, batch_size * (steps + WARMUP_STEPS), batch_size)]
    labels = torch.tensor([i % 2 for i in range(batch_size)])
    for step, batch in enumerate(batches):
        if step == WARMUP_STEPS:
            started = time.perf_counter()
        inputs = tokenizer(batch, truncation=True, max_length=64, padding=True, return_tensors="pt")
        loss = model(**inputs, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return steps * batch_size / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "training_speed.json")
    args = parser.parse_args()
    urls = corpus_urls(args.batch_size * (args.steps + WARMUP_STEPS), seed=3)
    torch.manual_seed(0)
    result = {
        name: statistics.median(urls_per_second(freeze, urls, args.batch_size, args.steps) for _ in range(args.repeats))
        for name, freeze in RECIPES.items()
    }
    result["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"
    result["command"] = "python benchmarks/training_speed.py " + " ".join(sys.argv[1:])
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for name in RECIPES:
        print(f"{name}: {result[name]:.1f} URLs/s")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

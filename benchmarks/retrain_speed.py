"""How long ``baitwatch retrain`` takes for a user's 50, 200 and 1,000 reported mistakes, and
what it does to the held-out test sample and to the reported URLs.

The "user" reports the shipped model's real mistakes on the newest phishing of corpus v2
(reported from 2025-04-01 on, after everything the model trained on) and on v2's legitimate
links, with the corpus label as their verdict; sites in the held-out samples the retrain is
judged on are left out, so the gate judges what the retrain does to sites it did not learn: the
reported sites' own scores change (the model remembers them, baitwatch/learnt_sites.py), the
held-out rows' only where they share a site with a report. Each run starts from the shipped
model in a fresh data folder.

    .venv/bin/python benchmarks/retrain_speed.py [--rows 50 200 1000] [--json benchmarks/retrain_speed.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier
from baitwatch.models import ModelStore
from baitwatch.redact import redacted_url
from baitwatch.store import Store
from baitwatch.urls import canonicalize
from model_export.data import load_dataset
from model_export.export import TRAINABLE_DIR
from model_export.retrain import RetrainOptions, retrain
from model_export.train import TEST_FILE, VALIDATION_FILE

DATA = Path(__file__).resolve().parent.parent / "model_export" / "data" / "v2"
NEWEST = "2025-04-01"
SCORED_ROWS = 30_000  # of the candidates, enough to find 1,000 mistakes


def shipped_mistakes(seed: int = 0) -> list[tuple[str, str]]:
    """(URL, the corpus's label) for rows the shipped model gets wrong, in a seeded order."""
    data, _ = load_dataset([DATA / "phish_2022_2025.csv.gz", DATA / "legit_links.csv.gz"])
    held_out_sites = set()
    for name in (VALIDATION_FILE, TEST_FILE):
        held_out_sites |= set(load_dataset(SHIPPED_MODEL_DIR / TRAINABLE_DIR / name)[0].domains)
    candidates = [i for i, (site, label, date) in enumerate(zip(data.domains, data.labels, data.dates))
                  if site not in held_out_sites and (label == 0 or (date or "") >= NEWEST)]
    chosen = np.random.default_rng(seed).permutation(candidates)[:SCORED_ROWS]
    classifier, card = Classifier.from_model_dir()
    sample = data.subset(chosen)
    wrong = (classifier.score(sample.urls) >= card.thresholds(sample.urls)) != (sample.labels == 1)
    return [(url, "phishing" if label else "safe") for url, label, bad in zip(sample.urls, sample.labels, wrong) if bad]


def run(rows: int, mistakes: list[tuple[str, str]]) -> dict:
    with tempfile.TemporaryDirectory(prefix="baitwatch-retrain-bench-") as folder:
        store = Store(Path(folder) / "data")
        for url, label in mistakes[:rows]:
            store.add_feedback({"url": redacted_url(canonicalize(url)), "label": label})
        result = retrain(store.folder, ModelStore(store.folder / "models"), RetrainOptions())
    return {
        "feedback_rows": result.feedback_rows,
        "seconds": result.seconds,
        "corrected": result.corrected,
        "installed": result.installed is not None,
        "reason": result.reason,
        "held_out_before": result.held_out["before"],
        "held_out_after": result.held_out["after"],
        "held_out_noise": result.held_out["noise"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    mistakes = shipped_mistakes()
    labels = [label for _, label in mistakes]
    print(f"{len(mistakes)} mistakes found ({labels.count('phishing')} missed phishing, {labels.count('safe')} false alarms)", flush=True)
    results = []
    for rows in args.rows:
        results.append(run(rows, mistakes))
        before, after, noise = (results[-1][f"held_out_{name}"] for name in ("before", "after", "noise"))
        print(f"{rows} rows: {results[-1]['seconds'] / 60:.1f} min; {results[-1]['corrected']} corrected; on {before['rows']} held-out "
              f"rows, false alarms {before['false_alarms']:.4f} -> {after['false_alarms']:.4f} (noise {noise['false_alarms']:.4f}), "
              f"recall {before['recall']:.4f} -> {after['recall']:.4f} (noise {noise['recall']:.4f}), ROC AUC "
              f"{before['roc_auc']:.4f} -> {after['roc_auc']:.4f}; {results[-1]['reason']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

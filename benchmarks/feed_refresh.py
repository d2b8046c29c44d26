"""A team's feed refresh, shown on corpus v2: ``baitwatch retrain --data`` with the rows first
reported in April and May 2025 (after everything the shipped model trained on), judged on the
phishing of June 2025.

The gate judges the new model on the shipped model's held-out rows at the same thresholds, as
for any retrain. Here it is also measured on June's phishing, all of it and the part of sites
the feed did not hold, at those same thresholds (so at the false-alarm rate the gate measured),
with the bootstrap spread of the change in recall (paired: the same June rows for both models).

    .venv/bin/python benchmarks/feed_refresh.py [--json benchmarks/feed_refresh.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from baitwatch.classifier import Classifier
from baitwatch.models import ModelStore
from model_export.data import Dataset, load_dataset
from model_export.retrain import RetrainOptions, retrain

DATA = Path(__file__).resolve().parent.parent / "model_export" / "data" / "v2"
FEED = ("2025-04-01", "2025-06-01")  # [from, to): the feed's days
JUNE = ("2025-06-01", "2025-07-01")
RESAMPLES = 1000


def rows_between(data: Dataset, days: tuple[str, str]) -> Dataset:
    dates = np.array([date or "" for date in data.dates])
    return data.subset(np.flatnonzero((dates >= days[0]) & (dates < days[1])))


def recall_change(before: np.ndarray, after: np.ndarray | None, seed: int = 0) -> dict:
    """Recall of both models on the same rows, and the bootstrap spread of its change (after is
    None where the gate refused the new model, which a refusal does not keep)."""
    if after is None:
        return {"rows": len(before), "before": float(before.mean()), "after": None, "noise": None}
    rng = np.random.default_rng(seed)
    changes = [after[draw].mean() - before[draw].mean() for draw in (rng.integers(0, len(before), len(before)) for _ in range(RESAMPLES))]
    return {"rows": len(before), "before": float(before.mean()), "after": float(after.mean()), "noise": float(np.std(changes))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data, _ = load_dataset([DATA / "phish_2022_2025.csv.gz", DATA / "legit_links.csv.gz"])
    feed = rows_between(data, FEED)
    june = rows_between(data, JUNE)
    june = june.subset(np.flatnonzero(june.labels == 1))
    with tempfile.TemporaryDirectory(prefix="baitwatch-feed-bench-") as folder:
        feed_file = Path(folder) / "feed-2025-04-05.csv"
        feed.write_csv(feed_file)
        models = ModelStore(Path(folder) / "data" / "models")
        result = retrain(Path(folder) / "data", models, RetrainOptions(data=[feed_file]))
        before, card = Classifier.from_model_dir()
        logits = before.transformer_logits(june.urls)  # the transformer is the same in both
        flagged = {"before": before.score_from_logits(june.urls, logits) >= card.thresholds(june.urls)}
        if result.installed:
            after, _ = Classifier.from_model_dir(models.folder_of(result.installed))
            flagged["after"] = after.score_from_logits(june.urls, logits) >= card.thresholds(june.urls)
    feed_sites = set(feed.domains)
    new_sites = np.array([site not in feed_sites for site in june.domains])
    after = flagged.get("after")
    figures = {
        "feed": {"days": FEED, "rows": len(feed), "phishing": int(feed.labels.sum()), "learnt_rows": result.feed_rows},
        "seconds": result.seconds,
        "installed": result.installed is not None,
        "reason": result.reason,
        "held_out": result.held_out,
        "june_recall": recall_change(flagged["before"], after),
        "june_recall_new_sites": recall_change(flagged["before"][new_sites], None if after is None else after[new_sites]),
        "command": "python benchmarks/feed_refresh.py --json benchmarks/feed_refresh.json",
    }
    held, june_recall = figures["held_out"], figures["june_recall"]
    print(f"feed of {len(feed)} rows ({figures['feed']['phishing']} phishing), {result.feed_rows} learnt, in {result.seconds / 60:.1f} min; "
          f"held-out false alarms {held['before']['false_alarms']:.4f} -> {held['after']['false_alarms']:.4f} "
          f"(noise {held['noise']['false_alarms']:.4f}), recall {held['before']['recall']:.4f} -> {held['after']['recall']:.4f}; "
          f"June recall {june_recall['before']:.4f} -> {june_recall['after']} (noise {june_recall['noise']}); {result.reason}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

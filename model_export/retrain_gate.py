"""Whether a retrained model may replace the active one: no worse on held-out data beyond its noise.

Both models judge the same held-out rows at the same thresholds (a retrain keeps them), so
the comparison is paired: only the rows where they differ decide. The gate resamples the rows
with replacement (a bootstrap, ``RESAMPLES`` times) and measures two things:

* the noise of each figure (false alarms, recall, ROC AUC): its standard deviation over the
  resamples, for the active model. A change smaller than that cannot be told from drawing
  another sample of the web;
* how much worse the new model is on each resample.

The new model passes only if, with ``CONFIDENCE``, it is worse by no more than that noise on
every figure (a non-inferiority test): it must show that it is not worse, not merely fail to
be shown worse. On the shipped model's 32,000 held-out rows the noise is about 0.0005 of false
alarms (five of ten thousand legitimate pages) and 0.003 of recall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 1000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Judgement:
    before: dict  # the active model's figures on the held-out rows
    after: dict  # the retrained model's
    noise: dict  # each figure's bootstrap standard deviation, for the active model
    refusal: str  # why the new model may be worse beyond the noise, or "" when it is not


def judge(labels: np.ndarray, before: np.ndarray, after: np.ndarray, thresholds: np.ndarray, seed: int = 0) -> Judgement:
    """Compare two models' scores of the same held-out rows (label 1 phishing) at ``thresholds``."""
    labels = np.asarray(labels)
    models = {"before": _Scores(labels, before, thresholds), "after": _Scores(labels, after, thresholds)}
    rng = np.random.default_rng(seed)
    # A resample is how many times it draws each row.
    resamples = [np.bincount(rng.integers(0, len(labels), len(labels)), minlength=len(labels)) for _ in range(RESAMPLES)]
    resampled = [(models["before"].figures(weights), models["after"].figures(weights)) for weights in resamples]
    everything = np.ones(len(labels))
    old, new = models["before"].figures(everything), models["after"].figures(everything)
    noise = {name: float(np.std([old_figures[name] for old_figures, _ in resampled])) for name in old}
    higher_is_worse = {"false_alarms": True, "recall": False, "roc_auc": False}
    refusals = []
    for name, higher in higher_is_worse.items():
        worsening = np.array([(new_figures[name] - old_figures[name]) * (1 if higher else -1) for old_figures, new_figures in resampled])
        bound = float(np.quantile(worsening, CONFIDENCE))
        if bound > noise[name]:
            refusals.append(f"{name.replace('_', ' ')} {new[name]:.4f} against {old[name]:.4f} "
                            f"(worse by up to {bound:.4f} at {CONFIDENCE:.0%} confidence; its noise is {noise[name]:.4f})")
    counts = {"rows": len(labels), "phishing": int(labels.sum())}
    return Judgement(counts | old, counts | new, noise, "; ".join(refusals))


class _Scores:
    """One model's scores of the held-out rows, and its figures on any weighting of the rows."""

    def __init__(self, labels: np.ndarray, scores: np.ndarray, thresholds: np.ndarray):
        self.phishing = labels == 1
        self.flagged = scores >= thresholds
        # Rows of equal score form one group, in rising order: ROC AUC counts a tie as half.
        _, self.group = np.unique(scores, return_inverse=True)
        self.groups = self.group.max() + 1

    def figures(self, weights: np.ndarray) -> dict:
        legitimate = weights * ~self.phishing
        phishing = weights * self.phishing
        negatives = np.bincount(self.group, weights=legitimate, minlength=self.groups)
        positives = np.bincount(self.group, weights=phishing, minlength=self.groups)
        below = np.cumsum(negatives) - negatives  # legitimate weight scored below each group
        return {
            "false_alarms": float(legitimate @ self.flagged / legitimate.sum()),
            "recall": float(phishing @ self.flagged / phishing.sum()),
            "roc_auc": float(positives @ (below + negatives / 2) / (positives.sum() * negatives.sum())),
        }

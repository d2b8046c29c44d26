"""The personal layer a retrain adapts: the n-gram weights under a frozen transformer.

A retrain from a person's reports must learn those reports and leave every other verdict as
it was. So the shared part, the int8 transformer and the fusion's three numbers, stays
frozen, and only the weights of the n-grams that the reports and the replayed rows contain
move. Their objective is the shipped score itself (``Fusion.combine``), not the n-gram model
alone, so a weight moves as far as it takes to carry the fused verdict across the line:

* each report: the log loss of its fused logit against its own decision level (its kind of
  page's threshold for "phishing", the level below which it is "safe" for "safe"), pushed a
  margin past it;
* each replayed training row: the cross-entropy to the score the active model gives it
  (distillation: what the model knew, it keeps);
* a pull of every weight towards its old value (``prior``), stronger the more common its n-gram.

The n-gram bias stays fixed too: it would move every URL's score at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from baitwatch.classifier import Fusion
from baitwatch.ngrams import NgramModel

# How far past its decision level a report's fused logit is pushed: e^0.5 in odds, so that
# the float16 rounding of the stored weights cannot put it back on the line.
REPORT_MARGIN = 0.5
PRIOR = 1.0  # pull of each weight towards its old value, against a loss summed over rows
# ... times 1 + COMMON_PULL x the share of training URLs that hold the n-gram: a report may move
# what is peculiar to its site freely, and what half the web shares (".com/", "login") hardly.
# Measured on 50 of the shipped model's mistakes (benchmarks/retrain_speed.py): without it, the
# held-out false alarms rose from 0.22% to 0.73%; at 1,000 they rose to 0.28% with 44 learnt.
COMMON_PULL = 1000.0


@dataclass(frozen=True)
class Rows:
    """Rows to adapt to: canonical URLs and the frozen transformer's logits for them."""

    urls: list[str]
    transformer_logits: np.ndarray


def adapt_fused(
    fusion: Fusion,
    reports: Rows,
    report_labels: np.ndarray,
    report_levels: np.ndarray,
    replay: Rows,
    report_weight: float,
    prior: float = PRIOR,
) -> NgramModel:
    """The n-gram model moved so that the fused score learns ``reports`` (label 1 phishing,
    0 safe; ``report_levels`` the probability each must cross) and keeps ``replay`` as it was."""
    from scipy.optimize import minimize

    from model_export.ngrams import feature_matrix

    model = fusion.ngrams
    texts = reports.urls + replay.urls
    matrix = feature_matrix(model, texts).tocsc()
    touched = np.flatnonzero(np.diff(matrix.indptr))
    matrix = matrix[:, touched].tocsr()
    start = model.weights[touched].astype(np.float64)
    # idf = log((1 + N) / (1 + df)) + 1, so exp(1 - idf) is about df / N.
    pull = prior * (1.0 + COMMON_PULL * np.exp(1.0 - model.idf[touched].astype(np.float64)))
    transformer = np.concatenate([reports.transformer_logits, replay.transformer_logits]).astype(np.float64)
    fixed = fusion.transformer_weight * transformer + fusion.ngram_weight * model.bias + fusion.bias
    old_logit = fixed + fusion.ngram_weight * (matrix @ start)

    n_reports = len(reports.urls)
    signs = np.where(report_labels == 1, 1.0, -1.0)
    # Each report's fused logit must pass its level's logit by the margin, on its side.
    targets = _logit(report_levels) + signs * REPORT_MARGIN
    kept = 1.0 / (1.0 + np.exp(-old_logit[n_reports:]))  # the active model's scores of the replayed rows

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        logit = fixed + fusion.ngram_weight * (matrix @ weights)
        margins = signs * (logit[:n_reports] - targets)
        report_loss = report_weight * np.logaddexp(0.0, -margins).sum()
        replay_logit = logit[n_reports:]
        replay_loss = (np.logaddexp(0.0, replay_logit) - kept * replay_logit).sum()
        slope = np.concatenate([report_weight * -signs / (1.0 + np.exp(margins)), 1.0 / (1.0 + np.exp(-replay_logit)) - kept])
        drift = weights - start
        gradient = fusion.ngram_weight * (matrix.T @ slope) + pull * drift
        return float(report_loss + replay_loss + drift @ (pull * drift) / 2), gradient

    fitted = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    weights = model.weights.astype(np.float32)
    weights[touched] = fitted
    return model.with_weights(weights, model.bias)


def _logit(probability: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probability, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))

"""What a feed refresh adapts: the n-gram weights under a frozen transformer.

``baitwatch retrain --data FEED.csv`` teaches the active model a month of fresh labelled URLs
and must leave every other verdict as it was. So the shared part, the int8 transformer and
the fusion's three numbers, stays frozen, and only the weights of the n-grams that the feed
and the replayed rows contain move. Their objective is the shipped score itself
(``Fusion.combine``), not the n-gram model alone:

* each feed row: the log loss of its fused score against its label;
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

PRIOR = 1.0  # pull of each weight towards its old value, against a loss summed over rows
# ... times 1 + COMMON_PULL x the share of training URLs that hold the n-gram: a row may move
# what is peculiar to its site freely, and what half the web shares (".com/", "login") hardly.
# Set when the layer learnt reports (50 of the shipped model's mistakes: without it, the
# held-out false alarms rose from 0.22% to 0.73%), before any feed was tried.
COMMON_PULL = 1000.0


@dataclass(frozen=True)
class Rows:
    """Rows to adapt to: canonical URLs and the frozen transformer's logits for them."""

    urls: list[str]
    transformer_logits: np.ndarray


def adapt_fused(fusion: Fusion, feed: Rows, labels: np.ndarray, replay: Rows, prior: float = PRIOR) -> NgramModel:
    """The n-gram model moved so that the fused score learns ``feed`` (``labels``: 1 phishing,
    0 safe) and keeps ``replay`` as it was."""
    from scipy.optimize import minimize

    from model_export.ngrams import feature_matrix

    model = fusion.ngrams
    matrix = feature_matrix(model, feed.urls + replay.urls).tocsc()
    touched = np.flatnonzero(np.diff(matrix.indptr))
    matrix = matrix[:, touched].tocsr()
    start = model.weights[touched].astype(np.float64)
    # idf = log((1 + N) / (1 + df)) + 1, so exp(1 - idf) is about df / N.
    pull = prior * (1.0 + COMMON_PULL * np.exp(1.0 - model.idf[touched].astype(np.float64)))
    transformer = np.concatenate([feed.transformer_logits, replay.transformer_logits]).astype(np.float64)
    fixed = fusion.transformer_weight * transformer + fusion.ngram_weight * model.bias + fusion.bias
    old_logit = fixed + fusion.ngram_weight * (matrix @ start)
    # Each row's target probability: a feed row's label, a replayed row's score from the active model.
    target = np.concatenate([np.asarray(labels, dtype=np.float64), 1.0 / (1.0 + np.exp(-old_logit[len(feed.urls):]))])

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        logit = fixed + fusion.ngram_weight * (matrix @ weights)
        cross_entropy = (np.logaddexp(0.0, logit) - target * logit).sum()
        drift = weights - start
        gradient = fusion.ngram_weight * (matrix.T @ (1.0 / (1.0 + np.exp(-logit)) - target)) + pull * drift
        return float(cross_entropy + drift @ (pull * drift) / 2), gradient

    fitted = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    weights = model.weights.astype(np.float32)
    weights[touched] = fitted
    return model.with_weights(weights, model.bias)

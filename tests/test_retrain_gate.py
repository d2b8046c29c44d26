"""The retrain's gate: a new model passes unless it may be worse than each figure's noise."""

import numpy as np

from model_export.retrain_gate import judge

RNG = np.random.default_rng(1)
LABELS = np.r_[np.zeros(3000, int), np.ones(3000, int)]
BEFORE = np.clip(np.where(LABELS == 1, RNG.normal(0.8, 0.15, 6000), RNG.normal(0.2, 0.15, 6000)), 0, 1)
THRESHOLDS = np.full(6000, 0.6)


def test_the_same_model_passes_and_its_noise_is_measured():
    judgement = judge(LABELS, BEFORE, BEFORE.copy(), THRESHOLDS)
    assert judgement.refusal == "" and judgement.before == judgement.after
    assert 0 < judgement.noise["false_alarms"] < 0.01 and 0 < judgement.noise["recall"] < 0.02


def test_one_changed_row_is_within_the_noise():
    after = BEFORE.copy()
    after[np.flatnonzero((LABELS == 0) & (BEFORE < 0.6))[0]] = 0.7  # one more false alarm of 3,000
    assert judge(LABELS, BEFORE, after, THRESHOLDS).refusal == ""


def test_more_false_alarms_or_less_recall_beyond_the_noise_are_refused_with_the_reason():
    after = BEFORE.copy()
    after[np.flatnonzero((LABELS == 0) & (BEFORE < 0.6))[:60]] = 0.9  # 2% more false alarms
    refusal = judge(LABELS, BEFORE, after, THRESHOLDS).refusal
    assert refusal.startswith("false alarms ") and "recall" not in refusal and "noise" in refusal
    after = BEFORE.copy()
    after[np.flatnonzero((LABELS == 1) & (BEFORE >= 0.6))[:150]] = 0.1  # 5% less recall
    assert judge(LABELS, BEFORE, after, THRESHOLDS).refusal.startswith("recall ")


def test_figures_on_a_resample_are_sklearns_with_the_rows_weighted_by_their_draws():
    from sklearn.metrics import roc_auc_score

    from model_export.retrain_gate import _Scores

    rounded = np.round(BEFORE, 2)  # ties, which ROC AUC counts as half
    draws = np.bincount(RNG.integers(0, len(LABELS), len(LABELS)), minlength=len(LABELS))
    figures = _Scores(LABELS, rounded, THRESHOLDS).figures(draws)
    assert abs(figures["roc_auc"] - roc_auc_score(LABELS, rounded, sample_weight=draws)) < 1e-12
    flagged = rounded >= THRESHOLDS
    assert figures["false_alarms"] == np.average(flagged[LABELS == 0], weights=draws[LABELS == 0])

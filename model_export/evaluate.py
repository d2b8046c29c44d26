"""Metrics, the operating threshold, and the plots of a model's scores."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from baitwatch.platforms import is_private_suffix_site
from model_export.data import Dataset

DEFAULT_TARGET_FPR = 0.0025
# The lower, "suspicious" level: shown only on pages that ask for a password or payment.
SUSPICIOUS_TARGET_FPR = 0.015
ACCOUNT_PAGE_SOURCES = frozenset({"apple_change_password", "justdeleteme", "twofactorauth_docs", "grant_oauth_authorize"})
ACCOUNT_PAGE_WORDS = re.compile(r"log-?in|sign-?in|sign-?on|logon|account|auth|password|passwd|2fa|mfa|security", re.IGNORECASE)
METRIC_COLUMNS = ("rows", "phishing", "roc_auc", "accuracy", "precision", "recall", "f1", "fpr", "tpr_at_fpr_1pct", "tpr_at_fpr_0.1pct")


def choose_threshold(labels: np.ndarray, scores: np.ndarray, target_fpr: float = DEFAULT_TARGET_FPR) -> float:
    """The lowest threshold whose false-positive rate on ``labels`` is at most ``target_fpr``.

    Lowest, because among all thresholds that keep false alarms under the target it catches
    the most phishing. Chosen on the validation split, never on the test split.
    """
    negatives = np.sort(scores[labels == 0])[::-1]
    if len(negatives) == 0:
        return 0.5
    allowed = int(np.floor(target_fpr * len(negatives)))
    # A score equal to the threshold is flagged, so the threshold must sit just above the
    # (allowed+1)-th highest safe score.
    if allowed >= len(negatives):
        return float(negatives[-1])
    return float(np.nextafter(np.float32(negatives[allowed]), np.float32(np.inf)))


# The shipped score has a threshold for each of these kinds of legitimate page, each holding the
# target on its own: one threshold for both would be set by the kind that errs more (homepages,
# whose names are all the models have to read) and would hold every deep link back.
THRESHOLD_GROUPS = ("deep links", "homepages")


def choose_shape_thresholds(data: Dataset, scores: np.ndarray, target_fpr: float = DEFAULT_TARGET_FPR) -> tuple[float, float]:
    """(threshold for deep links, threshold for homepages): for each, the lowest whose false-positive
    rate on that kind of legitimate page is at most ``target_fpr``; for a kind absent from
    ``data``, on all its legitimate rows."""
    groups = legitimate_groups(data)
    deep, home = (groups[name] if groups[name].any() else data.labels == 0 for name in THRESHOLD_GROUPS)
    return choose_threshold(data.labels[deep], scores[deep], target_fpr), choose_threshold(data.labels[home], scores[home], target_fpr)


def tpr_at_fpr(labels: np.ndarray, scores: np.ndarray, fpr_limit: float) -> float | None:
    from sklearn.metrics import roc_curve  # where used: baitwatch retrain imports this module without the train extra

    if len(set(labels.tolist())) < 2:
        return None
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(tpr[fpr <= fpr_limit].max())


def metrics(labels: np.ndarray, scores: np.ndarray, threshold: float | np.ndarray) -> dict:
    """The metric table row for one set of URLs, at one threshold or one per URL. Metrics that
    need both labels are None without them."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score

    predicted = (scores >= threshold).astype(int)
    both = len(set(labels.tolist())) == 2
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, average="binary", zero_division=0
    )
    negatives = labels == 0
    return {
        "rows": int(len(labels)),
        "phishing": int(labels.sum()),
        "roc_auc": float(roc_auc_score(labels, scores)) if both else None,
        "accuracy": float(accuracy_score(labels, predicted)),
        "precision": float(precision) if predicted.any() and labels.any() else None,
        "recall": float(recall) if labels.any() else None,
        "f1": float(f1) if both else None,
        "fpr": float(predicted[negatives].mean()) if negatives.any() else None,
        "tpr_at_fpr_1pct": tpr_at_fpr(labels, scores, 0.01),
        "tpr_at_fpr_0.1pct": tpr_at_fpr(labels, scores, 0.001),
    }


def report(data: Dataset, scores: np.ndarray, threshold: float | np.ndarray, trained_domains: frozenset[str] | None = None) -> dict:
    """Metrics overall and for each source, at one threshold or one per URL; false positives for
    each kind of legitimate page; with ``trained_domains``, recall on phishing of sites the model
    never trained on."""
    sources = np.array(data.sources)
    threshold = np.broadcast_to(np.asarray(threshold, dtype=np.float64), scores.shape)
    flagged = scores >= threshold
    result = {
        "overall": metrics(data.labels, scores, threshold),
        "per_source": {
            source: metrics(data.labels[sources == source], scores[sources == source], threshold[sources == source])
            for source in sorted(set(data.sources))
        },
        "false_positives": {
            group: {"rows": int(members.sum()), "fpr": float(flagged[members].mean()) if members.any() else None}
            for group, members in legitimate_groups(data).items()
        },
    }
    if trained_domains is not None:
        unseen = (data.labels == 1) & np.array([domain not in trained_domains for domain in data.domains])
        result["unseen_sites"] = {"rows": int(unseen.sum()), "recall": float(flagged[unseen].mean()) if unseen.any() else None}
    return result


def legitimate_groups(data: Dataset) -> dict[str, np.ndarray]:
    """The legitimate rows by the kind of page a false warning would land on: a false alarm
    on someone's blog or bank is a different failure from one on a random link."""
    legit = data.labels == 0
    homepage = data.homepages()
    hosts = [urlsplit(url).hostname or "" for url in data.urls]
    account = np.array(
        [source in ACCOUNT_PAGE_SOURCES or bool(ACCOUNT_PAGE_WORDS.search(urlsplit(url).path + "?" + urlsplit(url).query))
         for url, source in zip(data.urls, data.sources)]
    )
    return {
        "deep links": legit & ~homepage,
        "homepages": legit & homepage,
        "user-content platforms": legit & np.array([is_private_suffix_site(host) for host in hosts]),
        "account and sign-in pages": legit & account,
    }


def format_table(rows: dict[str, dict]) -> str:
    """A plain-text table, one line per named metrics row."""
    width = max(len(name) for name in rows) + 2
    header = "".ljust(width) + "".join(c.rjust(18) for c in METRIC_COLUMNS)
    lines = [header]
    for name, row in rows.items():
        cells = []
        for column in METRIC_COLUMNS:
            value = row.get(column)
            cells.append(("-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)).rjust(18))
        lines.append(name.ljust(width) + "".join(cells))
    return "\n".join(lines)


def threshold_lines(card) -> dict[str, float]:
    """The thresholds of a ``ModelCard`` to draw on its score plot, by name."""
    homepage = card.levels(homepage=True)[0]
    if homepage == card.threshold:
        return {"threshold": card.threshold}
    return {"threshold": card.threshold, "homepages' threshold": homepage}


def save_plots(labels: np.ndarray, scores: np.ndarray, thresholds: dict[str, float], out_dir: Path, title: str) -> list[Path]:
    """Write roc.png (log-scaled false-positive axis) and scores.png (score histogram per label,
    with ``thresholds`` drawn by name)."""
    import matplotlib
    from sklearn.metrics import roc_auc_score, roc_curve

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    fpr, tpr, _ = roc_curve(labels, scores)
    figure, axis = plt.subplots(figsize=(6, 4.5))
    axis.plot(np.maximum(fpr, 1e-5), tpr)
    axis.set_xscale("log")
    axis.set_xlim(1e-4, 1)
    axis.set_xlabel("false-positive rate (log scale)")
    axis.set_ylabel("true-positive rate")
    axis.set_title(f"{title}: ROC, AUC {roc_auc_score(labels, scores):.4f}")
    axis.grid(True, which="both", alpha=0.3)
    roc_path = out_dir / "roc.png"
    figure.tight_layout()
    figure.savefig(roc_path, dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 4.5))
    bins = np.linspace(0, 1, 51)
    axis.hist(scores[labels == 0], bins=bins, alpha=0.6, label="safe", log=True)
    axis.hist(scores[labels == 1], bins=bins, alpha=0.6, label="phishing", log=True)
    for (name, threshold), style in zip(thresholds.items(), ("--", ":")):
        axis.axvline(threshold, color="black", linestyle=style, label=f"{name} {threshold:.3f}")
    axis.set_xlabel("phishing score")
    axis.set_ylabel("URLs (log scale)")
    axis.set_title(f"{title}: score histogram")
    axis.legend()
    histogram_path = out_dir / "scores.png"
    figure.tight_layout()
    figure.savefig(histogram_path, dpi=110)
    plt.close(figure)
    return [roc_path, histogram_path]


def evaluate_model(model_dir: Path, data_path: Path, plots_dir: Path) -> dict:
    """Score every URL of a labelled file with a model folder; print the table, save the plots."""
    from baitwatch.classifier import Classifier
    from model_export.data import load_dataset

    classifier, card = Classifier.from_model_dir(model_dir)
    data, load_report = load_dataset(data_path, require_both_labels=False)
    print(f"data: {load_report.summary()}")
    scores = classifier.score(data.urls)
    result = report(data, scores, card.thresholds(data.urls))
    rows = {"all": result["overall"]} | {f"  {source}": row for source, row in result["per_source"].items()}
    lines = threshold_lines(card)
    print(f"model {card.id}, " + ", ".join(f"{name} {value:.4f}" for name, value in lines.items()))
    print(format_table(rows))
    if len(set(data.labels.tolist())) == 2:
        for path in save_plots(data.labels, scores, lines, plots_dir, card.id):
            print(f"saved {path}")
    return result

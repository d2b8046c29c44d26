"""Verdicts: what the daemon and ``baitwatch check`` answer for one URL."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from baitwatch.classifier import Classifier, ModelCard
from baitwatch.policy import skip_reason
from baitwatch.urls import CanonicalUrl


@dataclass(frozen=True)
class Verdict:
    url: str
    verdict: str  # "phishing", "safe" or "skipped"
    score: float | None  # None when the model was not asked
    threshold: float
    reason: str  # "model", or why the URL was skipped
    model: str
    domain: str | None  # the registrable domain, what "Trust this site" would allow
    cached: bool = False

    @classmethod
    def skipped(cls, url: CanonicalUrl, reason: str, card: ModelCard) -> Verdict:
        return cls(url.text, "skipped", None, card.threshold, reason, card.id, _domain(url))

    @classmethod
    def scored(cls, url: CanonicalUrl, score: float, card: ModelCard, cached: bool = False) -> Verdict:
        verdict = "phishing" if score >= card.threshold else "safe"
        return cls(url.text, verdict, round(score, 6), card.threshold, "model", card.id, _domain(url), cached)

    def as_dict(self) -> dict:
        return asdict(self)


def _domain(url: CanonicalUrl) -> str | None:
    return url.registrable_domain if url.is_web else None


def judge(urls: list[CanonicalUrl], classifier: Classifier, card: ModelCard, **policy) -> list[Verdict]:
    """Verdicts for ``urls`` in order, scoring all unskipped ones in one batch.
    ``policy`` holds the keyword arguments of ``policy.skip_reason``."""
    reasons = [skip_reason(url, **policy) for url in urls]
    scores = iter(classifier.score([url.text for url, reason in zip(urls, reasons) if reason is None]).tolist())
    return [
        Verdict.skipped(url, reason, card) if reason else Verdict.scored(url, next(scores), card)
        for url, reason in zip(urls, reasons)
    ]

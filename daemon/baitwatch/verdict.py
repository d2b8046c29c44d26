"""Verdicts: what the daemon and ``baitwatch check`` answer for one URL."""

from __future__ import annotations

from dataclasses import dataclass, fields

from baitwatch.classifier import ModelCard
from baitwatch.learnt_sites import SCORES
from baitwatch.lookalike import Lookalike, find_lookalike
from baitwatch.policy import skip_reason
from baitwatch.urls import CanonicalUrl, is_homepage


@dataclass(frozen=True)
class Verdict:
    url: str
    verdict: str  # "phishing", "suspicious", "safe" or "skipped"
    score: float | None  # None when the model was not asked
    threshold: float  # the one this URL is (or would be) judged at: homepages may have their own
    # "model", "lookalike", "familiar" (a suspicious score on a familiar site), "page" (the page
    # raised it), "page-asks-nothing" (the page calmed it), "reported" and "reported-safe" (the
    # person's own report, reports.py), "learnt" and "learnt-safe" (a site the model in use learnt
    # from their reports, learnt_sites.py), or why it was skipped
    reason: str
    model: str
    domain: str | None  # the registrable domain
    cached: bool = False
    imitates: str | None = None  # the protected domain a "lookalike" imitates, or the brand's a page pretends to be
    page: dict | None = None  # the page's own verdict (baitwatch/page/judgement.py), when the page was read

    @classmethod
    def skipped(cls, url: CanonicalUrl, reason: str, card: ModelCard) -> Verdict:
        return cls(url.text, "skipped", None, _threshold(url, card), reason, card.id, _domain(url))

    @classmethod
    def lookalike(cls, url: CanonicalUrl, found: Lookalike, card: ModelCard) -> Verdict:
        """Phishing by rule, whatever the model would say: the model is not asked."""
        return cls(url.text, "phishing", None, _threshold(url, card), "lookalike", card.id, _domain(url), imitates=found.imitates)

    @classmethod
    def reported(cls, url: CanonicalUrl, label: str, card: ModelCard) -> Verdict:
        """What the person reported about the URL's site: phishing (the full warning, whatever
        the rules or the model say) or not phishing."""
        if label == "phishing":
            return cls(url.text, "phishing", None, _threshold(url, card), "reported", card.id, _domain(url))
        return cls(url.text, "safe", None, _threshold(url, card), "reported-safe", card.id, _domain(url))

    @classmethod
    def learnt(cls, url: CanonicalUrl, label: str, card: ModelCard) -> Verdict:
        """The verdict the model in use learnt for the URL's site from the person's reports: its
        score is 1 or 0, and no page overrules it, as none overrules a report."""
        phishing = label == "phishing"
        return cls(url.text, "phishing" if phishing else "safe", SCORES[label], _threshold(url, card),
                   "learnt" if phishing else "learnt-safe", card.id, _domain(url))

    @classmethod
    def scored(cls, url: CanonicalUrl, score: float, card: ModelCard, cached: bool = False) -> Verdict:
        threshold, suspicious_threshold = card.levels(is_homepage(url.text))
        suspicious = suspicious_threshold is not None and score >= suspicious_threshold
        verdict = "phishing" if score >= threshold else "suspicious" if suspicious else "safe"
        return cls(url.text, verdict, round(score, 6), threshold, "model", card.id, _domain(url), cached)

    def as_dict(self) -> dict:
        # Field by field, not dataclasses.asdict: its deep copy was a tenth of a cached check.
        answer = {name: getattr(self, name) for name in _FIELD_NAMES}
        if answer["page"] is None:  # an address alone: the answer /v1/check always gave
            del answer["page"]
        return answer


_FIELD_NAMES = tuple(field.name for field in fields(Verdict))


def _threshold(url: CanonicalUrl, card: ModelCard) -> float:
    return card.levels(is_homepage(url.text))[0]


def _domain(url: CanonicalUrl) -> str | None:
    return url.registrable_domain if url.is_web else None


def rule_verdict(url: CanonicalUrl, card: ModelCard, familiar: frozenset[str] = frozenset(), **policy) -> Verdict | None:
    """The verdict the rules give without the model (skipped, or a lookalike of a protected
    site, familiar ones included), or None to score ``url``. ``policy`` holds the keyword
    arguments of ``policy.skip_reason``."""
    reason = skip_reason(url, **policy)
    if reason:
        return Verdict.skipped(url, reason, card)
    found = find_lookalike(url, policy.get("user_allowlist", frozenset()) | familiar)
    return Verdict.lookalike(url, found, card) if found else None


"""A person's own reports, which protect at once: no retrain needed.

Each report (*This is phishing*, *This is not phishing*) is a line of ``feedback.jsonl`` (the
URL without credentials or query values, its label, the model, the time). The latest report
about a site decides for its trust scope (``platforms.py``: a registrable domain, or one
user's site on a shared platform), in every tab, from the next check on:

* reported as phishing: the full warning, reason ``reported``, even on a known-good site (a
  real site can be compromised), as long as protection is on;
* reported as not phishing: no warning, reason ``reported-safe``.

Only the token holder's checks see them: which sites a person reported says what they browsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from baitwatch.platforms import trust_scope_or_none
from baitwatch.urls import InvalidUrl, canonicalize

LABELS = ("safe", "phishing")


@dataclass(frozen=True)
class Report:
    site: str  # the trust scope it is about
    label: str  # "safe" or "phishing"
    url: str  # as stored: without credentials or query values
    time: str | None


def latest_reports(entries: list[dict]) -> dict[str, Report]:
    """The latest report about each site, from the feedback file's entries in order; entries that
    are no report (a hand-edited line, a URL that is no longer read as one) are passed over."""
    reports: dict[str, Report] = {}
    for entry in entries:
        site = site_of(entry)
        if site is not None and entry.get("label") in LABELS:
            reports.pop(site, None)  # the newest goes last, so listings are in time order
            reports[site] = Report(site, entry["label"], str(entry["url"]), entry.get("time"))
    return reports


def site_of(entry: dict) -> str | None:
    """The trust scope a feedback entry is about, or None."""
    try:
        return trust_scope_or_none(canonicalize(str(entry.get("url", ""))))
    except InvalidUrl:
        return None

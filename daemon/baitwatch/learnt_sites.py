"""The sites a retrained model learnt from its person's reports: the model's memory of them.

Nearly every mistake a person reports is a site of its own, a new name that shares its
letters with thousands of real sites: a URL model cannot learn one of them from its n-grams
without flagging real sites too (benchmarks/retrain_speed.py measured it). So ``baitwatch
retrain`` writes the reported sites into the model it makes (``model_export/retrain.py``), and
the model gives every URL of a site it learnt the person's verdict: a score of 1 for a site
reported as phishing, 0 for one reported as not phishing or trusted. A site is its trust
scope (``platforms.py``): a registrable domain, or one user's site on a shared platform, as
for the reports themselves.

The file keeps the SHA-256 of each trust scope, not its name: a model may be copied to
another machine, and the names would say what its person browsed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError
from baitwatch.platforms import trust_scope_or_none
from baitwatch.urls import InvalidUrl, canonicalize

LEARNT_SITES_FILE = "learnt_sites.json"
SCORES = {"phishing": 1.0, "safe": 0.0}  # what the model says of every URL of a learnt site
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class LearntSites:
    verdicts: dict[str, str]  # trust scope digest -> "phishing" or "safe"

    @classmethod
    def of_sites(cls, verdicts: dict[str, str]) -> LearntSites:
        """From trust scopes (names) and their verdicts."""
        return cls({site_digest(site): verdict for site, verdict in verdicts.items()})

    def apply(self, urls: list[str], scores: np.ndarray) -> np.ndarray:
        """``scores`` of the canonical URLs ``urls``, with the learnt verdict of each learnt site."""
        if not self.verdicts:
            return scores
        scores = np.array(scores, copy=True)
        for index, url in enumerate(urls):
            verdict = self.verdicts.get(_digest_of_url(url))
            if verdict is not None:
                scores[index] = SCORES[verdict]
        return scores

    def counts(self) -> dict[str, int]:
        listed = list(self.verdicts.values())
        return {verdict: listed.count(verdict) for verdict in SCORES}

    def save(self, path: Path) -> None:
        by_verdict = {verdict: sorted(d for d, v in self.verdicts.items() if v == verdict) for verdict in SCORES}
        path.write_text(json.dumps(by_verdict, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LearntSites:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            verdicts = {str(digest): verdict for verdict in SCORES for digest in stored.get(verdict, [])}
        except (OSError, ValueError, AttributeError, TypeError) as error:
            raise BaitwatchError(f"the learnt sites {path} are missing or unreadable ({error})") from None
        if not all(len(digest) == 64 and set(digest) <= _HEX for digest in verdicts):
            raise BaitwatchError(f"the learnt sites {path} are malformed: each must be a SHA-256 in hexadecimal")
        return cls(verdicts)


def site_digest(site: str) -> str:
    return hashlib.sha256(site.encode("utf-8")).hexdigest()


def _digest_of_url(url: str) -> str | None:
    try:
        site = trust_scope_or_none(canonicalize(url))
    except InvalidUrl:
        return None
    return None if site is None else site_digest(site)

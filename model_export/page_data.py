"""The page corpus: saved phishing and legitimate pages (``pages.jsonl.gz``, see its README),
read, cleaned and split the way the page model is trained and judged.

* **Cleaning.** Phishing rows whose page is no phishing page are left out: Cloudflare's
  "Just a moment..." challenges and 000webhost's "website is sleeping" notices, which stood
  in front of the kit when it was fetched, and pages with no words and no fields (a kit built
  by scripts the fetcher never ran). What is left shows what a phishing page shows.
* **Sites.** A legitimate page's site is its URL's registrable domain. Four in five saved
  sign-in pages have no URL; their site is the registrable domain most of their links point
  to (the tool that saved them wrote every link as an absolute address; on the pages that do
  have a URL this gives their own domain in 400 of 409). Phishing pages have no URL at all.
* **Split.** Phishing pages by time: the PhishTank id grows with the report's time, so the
  oldest 70% train, the next 15% validate and the newest 15% test. Legitimate pages by site:
  a site's pages all fall on one side, by a hash of its domain (70/15/15). So every figure is
  measured on later phishing and on sites never seen.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from baitwatch.errors import BaitwatchError
from baitwatch.page.evidence import PageEvidence, read_page
from baitwatch.urls import InvalidUrl, canonicalize, registrable_domain

SPLITS = ("train", "validation", "test")
SHARES = (0.70, 0.15, 0.15)
_NOT_A_KIT = re.compile(r"^(just a moment|attention required|one moment, please)|website is sleeping|000webhost", re.I)
KINDS = {"setfit_top_homepages": "homepages", "fathom_login_pages": "sign-in pages", "setfit_phishtank_2022": "phishing"}


@dataclass
class Page:
    id: str
    label: int  # 1 phishing
    source: str
    url: str | None  # the page's address, canonical; for sign-in pages without one, https://SITE/ of their inferred site
    site: str | None  # registrable domain, None for phishing
    split: str
    evidence: PageEvidence

    @property
    def kind(self) -> str:
        return KINDS.get(self.source, self.source)


def load_pages(path: Path) -> tuple[list[Page], Counter]:
    """The corpus's usable pages, and how many rows were left out and why."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            rows = [json.loads(line) for line in stream]
    except (OSError, ValueError, EOFError) as error:
        raise BaitwatchError(f"the page corpus {path} is missing or unreadable ({error})") from None
    left_out: Counter = Counter()
    phishing = sorted((row for row in rows if row["label"] == 1), key=lambda row: id_number(row["id"]))
    order = {row["id"]: position / max(1, len(phishing)) for position, row in enumerate(phishing)}
    pages = []
    for row in rows:
        evidence = read_page(row["html"])
        if row["label"] == 1 and _not_a_kit(evidence):
            left_out["phishing row that is no phishing page (challenge, parked or empty)"] += 1
            continue
        url, site = _address(row, evidence)
        if row["label"] == 0 and site is None:
            left_out["legitimate row without a site"] += 1
            continue
        share = order[row["id"]] if row["label"] == 1 else _hash_share(site)
        pages.append(Page(row["id"], int(row["label"]), row["source"], url, site, _split_of(share), evidence))
    return pages, left_out


def _not_a_kit(evidence: PageEvidence) -> bool:
    return bool(_NOT_A_KIT.search(evidence.title) or _NOT_A_KIT.search(evidence.text[:500])) or (
        not evidence.text.strip() and not evidence.text_inputs)


def _address(row: dict, evidence: PageEvidence) -> tuple[str | None, str | None]:
    if row["label"] == 1:
        return None, None
    try:
        url = canonicalize(row["url"]) if row["url"] else None
    except InvalidUrl:
        url = None
    if url is not None:
        return url.text, url.registrable_domain
    counts = Counter(
        registrable_domain(host) for link in evidence.links if link.lower().startswith(("http://", "https://"))
        for host in [_host(link)] if host
    )
    counts.pop(None, None)
    site = counts.most_common(1)[0][0] if counts else None
    return (f"https://{site}/" if site else None), site


def _host(link: str) -> str | None:
    try:
        return urlsplit(link).hostname
    except ValueError:
        return None


def id_number(page_id: str) -> int:
    digits = re.findall(r"\d+", page_id)
    return int(digits[-1]) if digits else 0


def _hash_share(site: str) -> float:
    return int(hashlib.sha256(site.encode()).hexdigest()[:8], 16) / 0x100000000


def _split_of(share: float) -> str:
    edge = 0.0
    for name, part in zip(SPLITS, SHARES):
        edge += part
        if share < edge:
            return name
    return SPLITS[-1]

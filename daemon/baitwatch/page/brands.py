"""Which brand a page presents itself as, and whether the page's site is that brand's own.

The brands and their own domains come from ``brands.json`` (2factorauth's directory of sites
with sign-in, MIT; ``model_export/page_data.py`` says where it was read). A brand is known by
its names: its own name (``Bank of America``) and the name in each of its registrable domains
(``bankofamerica``, ``bofa``, ``mbna``). A name shorter than three characters, or one of the
common words of ``generic_brand_names.txt`` (names such as ``box``, ``square`` or ``target``,
which appear on many other sites' pages), is never taken alone as a claim.

A page claims the brand it names where a page shows who it is: its title, its site name, its
headings, a logo (an image's alt text, title or file name) or its icon; a name in the body text
or a link to the brand's domains only adds weight. "Sign in with Google" and the like name
another site's sign-in, not the page's own, so those phrases are left out first.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from baitwatch.page.evidence import PageEvidence
from baitwatch.shipped_files import read_shipped_text
from baitwatch.urls import registrable_domain

BRANDS_FILE = Path(__file__).resolve().parent / "brands.json"
GENERIC_NAMES_FILE = Path(__file__).resolve().parent / "generic_brand_names.txt"
MIN_NAME_CHARS = 3
MAX_NAME_WORDS = 4
# How much each place a name appears in counts towards a claim. A claim needs CLAIM_WEIGHT,
# and at least one place that says who the page is (PROMINENT).
WEIGHTS = {"title": 3, "site name": 3, "logo": 3, "heading": 2, "icon": 2, "text": 1, "link": 1}
PROMINENT = ("title", "site name")
MAX_FROM_TEXT = 2  # body-text mentions and links count this much at most, each
CLAIM_WEIGHT = 3
# "Sign in with Google", "Continue with Apple", "Log on using Microsoft": another site's sign-in.
_OTHER_SITES_SIGN_IN = re.compile(
    r"\b(?:(?:sign|log)\s*(?:in|on|up)|continue|connect|login|register|signup)\s+(?:with|using|via|through)\s+\S+(?:\s+\S+)?", re.I)
_WORD = re.compile(r"[^\W_]+(?:&[^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    domains: tuple[str, ...]  # registrable domains the brand's own sites are under, its main one first


@dataclass(frozen=True)
class Claim:
    brand: Brand
    weight: int
    where: tuple[str, ...]  # the places its names appear, most telling first


class BrandIndex:
    def __init__(self, brands: list[Brand], generic: frozenset[str]):
        self.brands = brands
        by_name: dict[str, set[int]] = {}
        by_domain: dict[str, set[int]] = {}
        for number, brand in enumerate(brands):
            for domain in brand.domains:
                by_domain.setdefault(domain, set()).add(number)
            for name in brand_names(brand):
                if len(name.replace(" ", "")) >= MIN_NAME_CHARS and name not in generic:
                    by_name.setdefault(name, set()).add(number)
        # Kept as tuples: a set for each of 7,000 names and domains held 1.6 MB for a brand or two each.
        self._by_name = {name: tuple(numbers) for name, numbers in by_name.items()}
        self._by_domain = {domain: tuple(numbers) for domain, numbers in by_domain.items()}

    @classmethod
    def parse(cls, brands_json: str, generic_names: str) -> BrandIndex:
        brands = []
        for entry in json.loads(brands_json):
            # In the directory's order: the first is the brand's main site, which a reason names.
            domains = tuple(dict.fromkeys(registrable_domain(d.strip().lower()) or d.strip().lower() for d in entry["domains"]))
            brands.append(Brand(str(entry["name"]), domains))
        generic = frozenset(_normal(line) for line in generic_names.splitlines() if line.strip() and not line.startswith("#"))
        return cls(brands, generic)

    def owners(self, domain: str | None) -> set[int]:
        """The brands whose own sites are under ``domain`` (a registrable domain)."""
        return set(self._by_domain.get(domain or "", ()))

    def named_in(self, text: str) -> set[int]:
        """The brands a piece of text names, by whole words."""
        words = _WORD.findall(_normal(text))
        found: set[int] = set()
        for start in range(len(words)):
            for length in range(1, min(MAX_NAME_WORDS, len(words) - start) + 1):
                window = words[start : start + length]
                for name in (" ".join(window), "".join(window)):
                    found.update(self._by_name.get(name, ()))
        return found

    def claim(self, evidence: PageEvidence) -> Claim | None:
        """The brand the page presents itself as, or None when it names none clearly."""
        weights: dict[int, int] = {}
        places: dict[int, list[str]] = {}

        def add(brands: set[int], place: str, cap: int | None = None) -> None:
            for brand in brands:
                if cap is not None and places.get(brand, []).count(place) >= cap:
                    continue
                weights[brand] = weights.get(brand, 0) + WEIGHTS[place]
                places.setdefault(brand, []).append(place)

        add(self.named_in(_without_other_sign_ins(evidence.title)), "title")
        add(self.named_in(evidence.site_name), "site name")
        for heading in evidence.headings[:10]:
            add(self.named_in(_without_other_sign_ins(heading)), "heading", cap=1)
        for image in evidence.images:
            if "logo" in image.lower() or len(evidence.images) <= 3:
                add(self.named_in(_file_words(image)), "logo", cap=1)
        for icon in evidence.icons:
            add(self.named_in(_file_words(icon)) | self.owners(_domain_of(icon)), "icon", cap=1)
        for brand in self.named_in(_without_other_sign_ins(evidence.text[:5000])):
            add({brand}, "text", cap=MAX_FROM_TEXT)
        for link in evidence.links:
            add(self.owners(_domain_of(link)), "link", cap=MAX_FROM_TEXT)
        claims = [
            Claim(self.brands[brand], weight, tuple(sorted(set(places[brand]), key=list(WEIGHTS).index)))
            for brand, weight in weights.items()
            if weight >= CLAIM_WEIGHT and any(place in PROMINENT for place in places[brand])
        ]
        return max(claims, key=lambda claim: (claim.weight, -len(claim.brand.domains), claim.brand.name), default=None)


def brand_names(brand: Brand) -> set[str]:
    """A brand's names, normalized: its own name without a bracketed note, and each of its
    registrable domains' name (``paypal`` of ``paypal.com``)."""
    names = {_normal(re.sub(r"\s*[\[(].*?[\])]", "", brand.name))}
    names |= {_normal(domain.split(".", 1)[0]) for domain in brand.domains}
    return {" ".join(_WORD.findall(name)) for name in names} - {""}


@lru_cache(maxsize=1)
def shipped_brand_sites() -> frozenset[str]:
    """Every domain and host brands.json gives as a brand's own, as written (``outlook.live.com``)."""
    return frozenset(domain.strip().lower() for entry in json.loads(read_shipped_text(BRANDS_FILE)) for domain in entry["domains"])


@lru_cache(maxsize=1)
def shipped_brands() -> BrandIndex:
    return BrandIndex.parse(read_shipped_text(BRANDS_FILE), read_shipped_text(GENERIC_NAMES_FILE))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _without_other_sign_ins(text: str) -> str:
    return _OTHER_SITES_SIGN_IN.sub(" ", text)


def _file_words(text: str) -> str:
    """An image's or icon's address and names as words: ``/img/PayPalLogo-2x.png`` -> ``img Pay Pal Logo 2x png``."""
    return re.sub(r"[\W_]+", " ", re.sub(r"([a-z])([A-Z])", r"\1 \2", text))


def _domain_of(address: str) -> str | None:
    try:
        host = urlsplit(address).hostname if address.lower().startswith(("http://", "https://", "//")) else None
    except ValueError:
        return None
    return registrable_domain(host) if host else None

"""Lookalike hosts: a deterministic rule that catches a URL imitating a protected site.

Protected sites are registrable domains: the shipped list of popular sites (a superset of
the known-good list's: sites where anyone publishes, and sites phishers abuse, are imitated all
the same, so ``linkedin.com`` and ``dropbox.com`` are protected though their pages are still
scored) and the user's allowlist's. A URL on a known-good or allowlisted site is never a
lookalike (``www.paypal.com``), though one on a shared platform can be
(``paypal-com.weebly.com``); nor is the same name under another suffix (``paypal.com.br``,
``paypal.me``), which may well be the brand's own. Otherwise it imitates a protected domain when:

* ``homoglyph``: its name (the label left of the public suffix) looks the same as a
  protected name without being it: the same Unicode UTS 39 skeleton (``раураl.com``,
  ``аррӏе.com``, ``paypa1.com``, ``rnicrosoft.com``), also with the ASCII look-alike pairs
  skeletons lack folded (vv->w, cl->d, and i->l, since this data maps the Cyrillic palochka
  to i), or with hyphens added under the protected domain's own suffix (``pay-pal.com``).
  A match through ASCII look-alikes alone needs a protected name of at least
  ``MIN_ASCII_LOOKALIKE_CHARS`` characters: short names look like each other everywhere;
* ``near-miss``: its name is a protected name of at least ``MIN_NEAR_MISS_CHARS``
  characters with one letter doubled (``paypall.com``, ``gooogle.com``). Other single edits
  (a letter dropped, changed, swapped or added) flagged 0.8% of the corpus's legitimate
  URLs, mostly real sites one letter from another (grange.com, orange.com), and caught few
  phishing URLs (benchmarks/lookalikes.py), so they are left to the model;
* ``embedded``: a protected domain stands whole among its other labels or their
  hyphen-separated words (``paypal.com.evil.example``, ``paypal-com.evil.example``,
  ``secure-раураl.com.evil.example``);
* ``userinfo``: a protected domain stands in the URL's userinfo
  (``https://paypal.com@evil.example/``).

The skeletons come from Unicode's confusables.txt as the ``confusable_homoglyphs`` package
ships it. Everything is indexed once per protected set, so a check costs a few dictionary
lookups (about 25 microseconds).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import confusable_homoglyphs

from baitwatch.host_memo import HostMemo
from baitwatch.known_good import shipped_known_good, shipped_protected_sites
from baitwatch.urls import CanonicalUrl, host_ip, registrable_domain

# Shorter names are one doubled letter, or one ASCII look-alike, from too many real sites.
MIN_NEAR_MISS_CHARS = 6
MIN_ASCII_LOOKALIKE_CHARS = 6
# A protected name shorter than this is an ordinary word in too many hosts (t.co, x.com).
MIN_EMBEDDED_CHARS = 4
# Look-alike ASCII pairs that UTS 39 leaves apart; rn and m already share a skeleton.
_ASCII_LOOKALIKES = (("vv", "w"), ("cl", "d"), ("i", "l"))
_WORD_BREAKS = re.compile(r"[.\-_:@%+~]+")


@dataclass(frozen=True)
class Lookalike:
    imitates: str  # the protected registrable domain
    kind: str  # "homoglyph", "near-miss", "embedded" or "userinfo"


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Each confusable code point's prototype (UTS 39's confusables.txt mapping).

    The package stores each pair both ways, so the direction is told apart: a code point
    with one partner maps to it when the partner is a sequence or has several partners (a
    prototype gathers all the code points mapped to it); a pair of lone code points maps to
    the smaller one, which serves as well since only equality of skeletons matters."""
    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    pairs = {key.strip("\u200e"): [entry["c"].strip("\u200e") for entry in entries] for key, entries in raw.items()}
    mapping = {}
    for char, partners in pairs.items():
        if len(char) != 1 or len(partners) != 1:
            continue
        (partner,) = partners
        lone_pair = len(partner) == 1 and len(pairs.get(partner, ())) == 1
        if not lone_pair or char > partner:
            mapping[char] = partner
    return mapping


def skeleton(text: str) -> str:
    """UTS 39 skeleton, lower-cased, with the extra ASCII look-alike pairs folded."""
    prototypes = _prototypes()
    mapped = "".join(prototypes.get(char, char) for char in unicodedata.normalize("NFD", text))
    folded = unicodedata.normalize("NFD", mapped).lower()
    for pair, single in _ASCII_LOOKALIKES:
        folded = folded.replace(pair, single)
    return folded


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return label


def _words(text: str, look_alike: bool) -> tuple[str, ...]:
    """The words of a host or userinfo, as written or as skeletons."""
    return tuple(word for word in _WORD_BREAKS.split(skeleton(text) if look_alike else text.lower()) if word)


def _undoubled(key: str) -> set[str]:
    """``key`` with one doubled letter written once: paypall -> paypal."""
    return {key[:i] + key[i + 1 :] for i in range(1, len(key)) if key[i] == key[i - 1]}


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


@dataclass(frozen=True, slots=True)
class _Protected:
    """A protected domain's parts, made when a check looks at the domain: kept for each of the
    ~10,000 shipped domains, they took 4 MB of the daemon's memory (benchmarks/memory_parts.py)."""

    domain: str
    name: str  # the label left of the public suffix, as in the list (ASCII)
    suffix: str

    @classmethod
    def of(cls, domain: str) -> _Protected:
        name, _, suffix = domain.partition(".")
        return cls(domain, name, suffix)

    def words(self, look_alike: bool) -> tuple[str, ...]:
        """The domain's words: skeletons of its Unicode form, or as written."""
        if not look_alike:
            return _words(self.domain, False)
        return _words(".".join(_unicode_label(label) for label in self.domain.split(".")), True)

    def lookalike_allowed(self, idn: bool) -> bool:
        """A match through ASCII look-alikes (1 for l, 0 for o) needs a long protected name:
        short ASCII names look like each other everywhere (ibi.com, lbl.gov)."""
        return idn or len(self.name) >= MIN_ASCII_LOOKALIKE_CHARS


def _name_key(name: str) -> str:
    return skeleton(_unicode_label(name)).replace("-", "")


class LookalikeDetector:
    """Finds which protected domain a URL imitates, if any."""

    def __init__(self, protected: Iterable[str], own: Iterable[str] | None = None):
        """``protected``: the domains a URL may imitate. ``own``: the domains whose hosts are
        the site's own and never lookalikes; by default the protected ones. A shared platform
        is protected but not its own: phishers name their subdomains there (paypal-com.weebly.com)."""
        protected = frozenset(protected)
        self.own = protected if own is None else frozenset(own)
        # Protected domains by the skeleton of their name, and (names long enough to stand
        # among other words) by the skeleton of their first word.
        by_key: dict[str, list[str]] = defaultdict(list)
        by_first_word: dict[str, list[str]] = defaultdict(list)
        for domain in sorted(protected):
            entry = _Protected.of(domain)
            by_key[_name_key(entry.name)].append(domain)
            words = entry.words(look_alike=True)
            if len(entry.name) >= MIN_EMBEDDED_CHARS and words:
                by_first_word[words[0]].append(domain)
        self._by_key = {key: tuple(domains) for key, domains in by_key.items()}
        self._by_first_word = {word: tuple(domains) for word, domains in by_first_word.items()}
        # Every check of a page asks again about its host, and skeletons are slow to make.
        self._host_answers = HostMemo()

    def check(self, url: CanonicalUrl) -> Lookalike | None:
        if not url.is_web:
            return None
        found, userinfo_counts = self._host_answers.answer(url.host, self._check_host)
        if found or not userinfo_counts or not url.userinfo:
            return found
        return self._embedded(url.userinfo, url.userinfo, not url.userinfo.isascii(), "userinfo")

    def _check_host(self, host: str) -> tuple[Lookalike | None, bool]:
        """What the host alone imitates, and whether a userinfo before it may still imitate
        (not before an address, or a protected site's own host)."""
        if host_ip(host) is not None:
            return None, False
        domain = registrable_domain(host)
        if domain in self.own:
            return None, False
        labels = host.split(".")
        own_labels = labels[: len(labels) - domain.count(".")]  # subdomains and the name
        idn = any(label.startswith("xn--") for label in own_labels)
        unicode_own = ".".join(_unicode_label(label) for label in own_labels)
        found = self._by_name(own_labels[-1], domain.partition(".")[2], idn) or self._embedded(unicode_own, ".".join(own_labels), idn, "embedded")
        return found, True

    def _by_name(self, name: str, suffix: str, idn: bool) -> Lookalike | None:
        key = _name_key(name)
        entries = [_Protected.of(domain) for domain in self._by_key.get(key, ())]
        if any(entry.name == name for entry in entries):  # a protected name under another suffix: maybe the brand's own
            return None
        for entry in self._same_suffix_first(entries, suffix):
            # Hyphens added to a protected name under its own suffix (pay-pal.com) imitate it;
            # one spelled without its hyphens (myqcloud.com, myq-cloud.com) is another site.
            if name.replace("-", "") == entry.name.replace("-", ""):
                imitates = entry.suffix == suffix and name.count("-") > entry.name.count("-")
            else:
                imitates = entry.lookalike_allowed(idn)
            if imitates:
                return Lookalike(entry.domain, "homoglyph")
        for candidate in sorted(_undoubled(key)):
            domains = self._by_key.get(candidate) if len(candidate) >= MIN_NEAR_MISS_CHARS else None
            if domains:
                return Lookalike(self._same_suffix_first([_Protected.of(domain) for domain in domains], suffix)[0].domain, "near-miss")
        return None

    @staticmethod
    def _same_suffix_first(entries: list[_Protected], suffix: str) -> list[_Protected]:
        """Of protected domains with one name, the one under the URL's suffix is imitated."""
        return sorted(entries, key=lambda entry: entry.suffix != suffix)

    def _embedded(self, text: str, plain_text: str, idn: bool, kind: str) -> Lookalike | None:
        words, plain_words = _words(text, True), _words(plain_text, False)
        for word in words:
            for entry in map(_Protected.of, self._by_first_word.get(word, ())):
                if _contains(plain_words, entry.words(look_alike=False)) or (entry.lookalike_allowed(idn) and _contains(words, entry.words(look_alike=True))):
                    return Lookalike(entry.domain, kind)
        return None


@lru_cache(maxsize=1)
def shipped_detector() -> LookalikeDetector:
    """Protects the shipped list of popular sites; only the known-good sites' hosts are their own."""
    # One string for each domain that the lists share, rather than one per list.
    shared = {entry: entry for entry in shipped_known_good()}
    own = frozenset(shared.get(domain, domain) for domain in map(registrable_domain, shared))
    return LookalikeDetector((shared.get(domain, domain) for domain in shipped_protected_sites()), own=own)


@lru_cache(maxsize=4)
def allowlist_detector(allowlist: frozenset[str]) -> LookalikeDetector:
    """Protects the allowlist's registrable domains; an allowlist is immutable, so a changed
    one is a new key and the detector is built once per change."""
    return LookalikeDetector(entry for entry in allowlist if "/" not in entry and registrable_domain(entry) == entry)


def find_lookalike(url: CanonicalUrl, user_allowlist: frozenset[str] = frozenset()) -> Lookalike | None:
    """The protected domain ``url`` imitates, or None."""
    shipped = shipped_detector()
    found = shipped.check(url)
    if found or not user_allowlist or url.registrable_domain in shipped.own:
        return found
    return allowlist_detector(user_allowlist).check(url)

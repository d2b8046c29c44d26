"""Build the shipped lists of popular sites: the known-good list, whose pages skip the model,
and the protected sites, which lookalikes are checked against.

Source of both: the Tranco top-10k homepages in the corpus.

Protected sites: every one of them that is a site, the platforms and the domains with phishing
in the corpus included: phishers imitate ``linkedin.com`` and ``dropbox.com`` all the more for
abusing them. Left out are public suffixes (``github.io``, ``com.se``), which are namespaces
of other people's sites, and the sites under them.

Known-good list: left out, because third parties publish
pages there: every shared platform (``baitwatch/platforms.py``: the Public Suffix List's
PRIVATE section and the categories in ``baitwatch/shared_platforms.txt``), every registrable
domain that has a PSL private suffix at or below it (``amazonaws.com``), and every domain
under which the corpus holds even one phishing URL.

Granularity: a line that is a registrable domain covers every host under it (``paypal.com``
covers ``www.paypal.com``). A platform that also serves users' pages from some of its hosts
(``google.com``: ``sites.google.com``, ``docs.google.com``) never gets its registrable
domain on the list; only its own hosts in ``PLATFORM_OWN_HOSTS`` do, one line each, and each
covers that one host (``accounts.google.com``). Run ``python -m model_export.known_good``
to rebuild the shipped files.
"""

from __future__ import annotations

import argparse
from functools import lru_cache
from pathlib import Path

from publicsuffixlist import PSLFILE, PublicSuffixList

from baitwatch.errors import BaitwatchError
from baitwatch.known_good import KNOWN_GOOD_FILE, PROTECTED_SITES_FILE
from baitwatch.platforms import is_private_suffix_site, shipped_platforms
from baitwatch.urls import canonicalize, registrable_domain
from model_export.data import load_dataset

CORPUS = Path(__file__).resolve().parent / "data" / "train_urls.csv.gz"
POPULAR_SOURCE = "tranco2025_top10k_home"

# Hosts of platforms with shared hosts that serve only the platform's own pages: sign-in,
# mail and the front page. Nothing a user publishes lives on them.
PLATFORM_OWN_HOSTS = frozenset(
    """
    www.google.com accounts.google.com myaccount.google.com mail.google.com
    www.zoho.com accounts.zoho.com mail.zoho.com
    www.qq.com mail.qq.com
    passport.yandex.ru mail.yandex.ru
    """.split()
)


@lru_cache(maxsize=1)
def private_section_owners() -> frozenset[str]:
    """ICANN registrable domains that hold a rule of the PSL's PRIVATE section."""
    text = Path(PSLFILE).read_text(encoding="utf-8")
    section = text.split("===BEGIN PRIVATE DOMAINS===", 1)[1].split("===END PRIVATE DOMAINS===", 1)[0]
    icann = PublicSuffixList(only_icann=True)
    rules = (line.strip().lstrip("!*.") for line in section.splitlines())
    return frozenset(icann.privatesuffix(rule) or rule for rule in rules if rule and not rule.startswith("//"))


def excluded_platform(domain: str) -> bool:
    return shipped_platforms().is_shared(domain) or domain in private_section_owners()


def build(corpus: Path) -> tuple[list[str], list[str]]:
    """The known-good list and the protected sites."""
    data, _ = load_dataset(corpus)
    popular = {d for d, source in zip(data.domains, data.sources) if source == POPULAR_SOURCE}
    if not popular:
        raise BaitwatchError(f"the data holds no {POPULAR_SOURCE} rows, so both lists would be empty; pass the v1 corpus with --data")
    phishing_hosts = {canonicalize(url).host for url, label in zip(data.urls, data.labels) if label == 1}
    phishing_domains = {registrable_domain(host) for host in phishing_hosts}
    mixed = shipped_platforms().mixed_domains
    entries = {d for d in popular - phishing_domains - mixed if not excluded_platform(d)}
    entries |= {host for host in PLATFORM_OWN_HOSTS - phishing_hosts if registrable_domain(host) in popular & mixed}
    # A site, not a namespace of other people's sites (github.io, alice.github.io, com.se).
    return sorted(entries), sorted(d for d in popular if not is_private_suffix_site(d))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=KNOWN_GOOD_FILE)
    parser.add_argument("--protected-out", type=Path, default=PROTECTED_SITES_FILE)
    args = parser.parse_args()
    known_good, protected = build(args.data)
    write_list(args.out, known_good, (
        "baitwatch known-good list: sites whose pages skip the model.",
        "Built by `python -m model_export.known_good` from the Tranco top-10k homepages in",
        "model_export/data, leaving out shared platforms (baitwatch/shared_platforms.txt and",
        "the Public Suffix List's PRIVATE section) and every domain with a phishing URL in the",
        "corpus. A registrable domain covers all its hosts; a longer name covers that host",
        "only. Do not edit by hand; rebuild.",
    ))
    write_list(args.protected_out, protected, (
        "baitwatch protected sites: the registrable domains lookalikes are checked against.",
        "Built by `python -m model_export.known_good` from the Tranco top-10k homepages in",
        "model_export/data, shared platforms and domains with phishing in the corpus included,",
        "public suffixes left out. Do not edit by hand; rebuild.",
    ))


def write_list(path: Path, entries: list[str], header: tuple[str, ...]) -> None:
    path.write_text("".join(f"# {line}\n" for line in header) + "".join(entry + "\n" for entry in entries), encoding="utf-8")
    print(f"wrote {len(entries)} entries to {path}")


if __name__ == "__main__":
    main()

"""The shipped lists of popular sites (built by model_export/known_good.py): the known-good
sites, whose pages skip the model, and the protected sites, which lookalikes are checked against."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from baitwatch.shipped_files import read_shipped_text

KNOWN_GOOD_FILE = Path(__file__).resolve().parent / "known_good.txt"
PROTECTED_SITES_FILE = Path(__file__).resolve().parent / "protected_sites.txt"


@lru_cache(maxsize=1)
def shipped_known_good() -> frozenset[str]:
    """Registrable domains, as ``urls.registrable_domain`` writes them, and a few single hosts."""
    return read_site_list(KNOWN_GOOD_FILE)


def shipped_protected_sites() -> frozenset[str]:
    """Registrable domains, as ``urls.registrable_domain`` writes them. Read once, into the
    lookalike index (not kept twice)."""
    return read_site_list(PROTECTED_SITES_FILE)


def read_site_list(path: Path) -> frozenset[str]:
    lines = read_shipped_text(path).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))

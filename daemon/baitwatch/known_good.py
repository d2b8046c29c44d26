"""The shipped known-good list (built by model_export/known_good.py): popular sites whose pages skip the model."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

KNOWN_GOOD_FILE = Path(__file__).resolve().parent / "known_good.txt"


@lru_cache(maxsize=1)
def shipped_known_good() -> frozenset[str]:
    """Registrable domains, as ``urls.registrable_domain`` writes them."""
    lines = KNOWN_GOOD_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))

"""The page model: a learnt score of how much a page reads like a phishing page.

It reads the page as words (``page_document``): its title, site name and headings, what its
fields ask for, what its forms do, whether it claims a brand, and the start of its visible
text; a linear model over those words' character n-grams (TF-IDF, the machinery of the URL's
n-gram model, ``baitwatch.ngrams``, in a view of its own) gives the score. Character n-grams
read every script and language alike, and a page's wording survives the copy a phishing kit
makes of a brand's page. ``model_export/page_model.py`` trains it; its card
(``page_model.json``) holds the levels chosen on held-out pages and the measured figures.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from baitwatch.classifier import file_sha256
from baitwatch.errors import BaitwatchError
from baitwatch.ngrams import NGRAM_FILE, NgramModel
from baitwatch.page.brands import Claim
from baitwatch.page.evidence import PageEvidence

SHIPPED_PAGE_MODEL_DIR = Path(__file__).resolve().parent / "model"
CARD_FILE = "page_model.json"
DOCUMENT_TEXT_CHARS = 4000  # of the visible text; the start of a page says what it is
LEVELS = ("phishing", "with_brand", "asks_nothing")


@dataclass(frozen=True)
class PageModel:
    ngrams: NgramModel
    levels: dict[str, float]  # "phishing": score from which the page alone is phishing;
    # "with_brand": from which a page that asks for secrets under another brand's name is;
    # "asks_nothing": below which a page that asks for nothing may calm a flagged address
    card: dict

    @classmethod
    def load(cls, folder: Path = SHIPPED_PAGE_MODEL_DIR) -> PageModel:
        try:
            card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
            levels = {name: float(card["levels"][name]) for name in LEVELS}
            expected = str(card["ngram_sha256"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BaitwatchError(f"the page model card {folder / CARD_FILE} is missing or unreadable ({error}); reinstall baitwatch") from None
        if not all(0.0 <= level <= 1.0 and math.isfinite(level) for level in levels.values()):
            raise BaitwatchError(f"the page model card {folder / CARD_FILE} has a level outside 0..1")
        if file_sha256(folder / NGRAM_FILE) != expected:
            raise BaitwatchError(f"the page model {folder / NGRAM_FILE} does not match its card: it is corrupt or was replaced")
        return cls(NgramModel.load(folder / NGRAM_FILE), levels, card)

    def score(self, evidence: PageEvidence, claim: Claim | None) -> float:
        logit = float(self.ngrams.logits([page_document(evidence, claim)])[0])
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))


def page_document(evidence: PageEvidence, claim: Claim | None) -> str:
    """The words the page model reads."""
    forms = sorted({form.action for form in evidence.forms if form.action in ("javascript", "mailto", "data")}
                   | {"php" for form in evidence.forms if ".php" in form.action.lower()})
    return " | ".join([
        evidence.title, evidence.site_name, " / ".join(evidence.headings[:10]),
        "asks " + " ".join(evidence.asked()), "forms " + " ".join(forms), "brand" if claim else "",
        evidence.text[:DOCUMENT_TEXT_CHARS],
    ])


@lru_cache(maxsize=1)
def shipped_page_model() -> PageModel:
    return PageModel.load()

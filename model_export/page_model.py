"""``baitwatch train-pages``: train the page model on the page corpus and choose its levels.

The data, its cleaning and its split are ``model_export/page_data.py``'s: phishing pages by
time, legitimate pages by site, 70/15/15. The model (``baitwatch/page/page_model.py``) is a
logistic regression over the character n-grams of each page's words. Its three levels are
chosen on out-of-fold scores of the training and validation pages (five folds, each holding out
whole sites and whole stretches of time), which gives each level thousands of held-out pages
rather than the few hundred of the validation split alone:

* ``with_brand``: the lowest score at which the brand rule (a page asking for secrets under a
  brand not its own) flags at most ``brand_fpr`` of each kind of legitimate page (homepages,
  sign-in pages);
* ``phishing``: the lowest score at which the page verdict, the brand rule and the model alone
  together, flags at most ``target_fpr`` of each kind;
* ``asks_nothing``: the score below which at most ``calm_share`` of the phishing pages that
  ask for nothing would calm a flagged address.

The final model is fitted on training and validation pages together; the test split, newer
phishing and unseen sites, is scored once for the card.

    baitwatch train-pages --data ../shared/data/pages/pages.jsonl.gz --out daemon/baitwatch/page/model
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from baitwatch.classifier import file_sha256
from baitwatch.ngrams import NGRAM_FILE
from baitwatch.page.brands import shipped_brands
from baitwatch.page.judgement import asks_for_nothing, decide, imitated
from baitwatch.page.page_model import CARD_FILE, PageModel, page_document
from baitwatch.urls import canonicalize
from model_export.ngrams import fit_texts
from model_export.page_data import Page, id_number, load_pages

VOCABULARY = {"page": 300_000}
REGULARIZATION_C = 10.0
FOLDS = 5
LEGITIMATE_KINDS = ("homepages", "sign-in pages")
# Phishing pages have no address of their own; the brand rule judges them at one no brand owns.
NOBODYS_ADDRESS = canonicalize("https://unknown-site.example/")


@dataclass
class PageTrainOptions:
    data: Path
    out: Path
    target_fpr: float = 0.005
    brand_fpr: float = 0.0025
    calm_share: float = 0.01


def train_pages(options: PageTrainOptions) -> dict:
    started = time.time()
    pages, left_out = load_pages(options.data)
    brands = shipped_brands()
    documents = [page_document(page.evidence, brands.claim(page.evidence)) for page in pages]
    labels = np.array([page.label for page in pages])
    fitting = [i for i, page in enumerate(pages) if page.split != "test"]
    test = [i for i, page in enumerate(pages) if page.split == "test"]
    print(f"{len(pages)} pages ({len(fitting)} to fit and choose levels, {len(test)} to test); left out: {dict(left_out)}", flush=True)

    out_of_fold = np.zeros(len(pages))
    folds = _folds([pages[i] for i in fitting])
    for fold in range(FOLDS):
        held = [i for i, f in zip(fitting, folds) if f == fold]
        kept = [i for i, f in zip(fitting, folds) if f != fold]
        model = fit_texts([documents[i] for i in kept], labels[kept], VOCABULARY, REGULARIZATION_C)
        out_of_fold[held] = _probability(model.logits([documents[i] for i in held]))
        print(f"fold {fold + 1} of {FOLDS} scored", flush=True)
    levels = _levels([pages[i] for i in fitting], out_of_fold[fitting], options)
    print(f"levels: {levels}", flush=True)

    ngrams = fit_texts([documents[i] for i in fitting], labels[fitting], VOCABULARY, REGULARIZATION_C)
    options.out.mkdir(parents=True, exist_ok=True)
    ngrams.save(options.out / NGRAM_FILE)
    card = {
        "id": "",
        "levels": levels,
        "ngram_sha256": file_sha256(options.out / NGRAM_FILE),
        "features": f"character 2-5-grams of each page's words (page_document), TF-IDF, the {VOCABULARY['page']:,} most frequent",
        "regularization_c": REGULARIZATION_C,
        "data": {
            "file": options.data.name,
            "sha256": file_sha256(options.data),
            "left_out": dict(left_out),
            "split": "phishing by time (PhishTank id), legitimate by site (registrable domain), 70/15/15",
            "pages": {split: _counts([p for p in pages if p.split == split]) for split in ("train", "validation", "test")},
        },
        "level_choice": asdict(options) | {"data": str(options.data), "out": str(options.out),
                                          "how": f"out-of-fold scores of the train and validation pages, {FOLDS} folds by site and by time"},
        "metrics": {
            "out_of_fold": evaluate([pages[i] for i in fitting], out_of_fold[fitting], levels),
            "test": evaluate([pages[i] for i in test], _probability(ngrams.logits([documents[i] for i in test])), levels),
        },
        "command": "baitwatch " + shlex.join(sys.argv[1:]),
        "seconds": 0.0,
        "trained": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    card["id"] = "baitwatch-page-" + hashlib.sha256(json.dumps([card["ngram_sha256"], levels], sort_keys=True).encode()).hexdigest()[:12]
    card["seconds"] = round(time.time() - started, 1)
    (options.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    PageModel.load(options.out)  # what was written loads
    print(json.dumps(card["metrics"]["test"], indent=2))
    print(f"wrote {options.out}")
    return card


def evaluate(pages: list[Page], scores: np.ndarray, levels: dict) -> dict:
    """ROC AUC and, at the levels, how many phishing pages each part flags and how many of each
    kind of legitimate page it flags wrongly: the model alone, the brand rule, and the page verdict."""
    from sklearn.metrics import roc_auc_score

    brands = shipped_brands()
    labels = np.array([page.label for page in pages])
    verdicts = [decide(page.evidence, _address(page), brands.claim(page.evidence), score, levels, brands) for page, score in zip(pages, scores)]
    flagged = {"model alone": scores >= levels["phishing"], "brand rule": np.array([v.imitates is not None for v in verdicts]),
               "page verdict": np.array([v.verdict == "phishing" for v in verdicts])}
    calmed = np.array([v.verdict == "safe" for v in verdicts])
    kinds = np.array([page.kind for page in pages])
    return {
        "pages": _counts(pages),
        "roc_auc": round(float(roc_auc_score(labels, scores)), 4),
        "recall": {name: round(float(f[labels == 1].mean()), 4) for name, f in flagged.items()},
        "false_alarms": {name: {kind: round(float(f[kinds == kind].mean()), 4) for kind in LEGITIMATE_KINDS} for name, f in flagged.items()},
        "asks_nothing": {"phishing": round(float(calmed[labels == 1].mean()), 4),
                         **{kind: round(float(calmed[kinds == kind].mean()), 4) for kind in LEGITIMATE_KINDS}},
    }


def _levels(pages: list[Page], scores: np.ndarray, options: PageTrainOptions) -> dict:
    """The brand rule's level first, then the model's: together they flag at most ``target_fpr``
    of each kind of legitimate page."""
    brands = shipped_brands()
    kinds = np.array([page.kind for page in pages])
    imitating = np.array([imitated(page.evidence, _address(page), brands.claim(page.evidence), brands) is not None for page in pages])
    with_brand, phishing = 0.0, 0.0
    for kind in LEGITIMATE_KINDS:
        mine = kinds == kind
        with_brand = max(with_brand, _level_above(scores[mine & imitating], int(options.brand_fpr * mine.sum())))
    for kind in LEGITIMATE_KINDS:
        mine = kinds == kind
        by_brand = mine & imitating & (scores >= with_brand)
        allowed = int(options.target_fpr * mine.sum()) - int(by_brand.sum())
        phishing = max(phishing, _level_above(scores[mine & ~by_brand], allowed))
    # A phishing page that asks for nothing calms a flagged address when it scores below the level.
    phishing_pages = [i for i, page in enumerate(pages) if page.label == 1]
    quiet = np.sort([scores[i] for i in phishing_pages if asks_for_nothing(pages[i].evidence, brands.claim(pages[i].evidence))])
    allowed = int(options.calm_share * len(phishing_pages))
    asks_nothing = float(quiet[allowed]) if allowed < len(quiet) else 1.0
    return {"phishing": phishing, "with_brand": min(with_brand, phishing), "asks_nothing": asks_nothing}


def _level_above(scores: np.ndarray, allowed: int) -> float:
    """The lowest level at which at most ``allowed`` of ``scores`` are at or above it."""
    ordered = np.sort(scores)[::-1]
    if allowed < 0:
        return 1.0
    return float(np.nextafter(ordered[allowed], 2.0)) if allowed < len(ordered) else 0.0


def _address(page: Page):
    return canonicalize(page.url) if page.url else NOBODYS_ADDRESS


def _folds(pages: list[Page]) -> list[int]:
    """A fold for each page: legitimate pages by a hash of their site, phishing pages by their
    place in time, so that a fold holds out whole sites and whole stretches of time."""
    phishing = sorted((i for i, page in enumerate(pages) if page.label == 1), key=lambda i: id_number(pages[i].id))
    folds = [0] * len(pages)
    for position, i in enumerate(phishing):
        folds[i] = position * FOLDS // max(1, len(phishing))
    for i, page in enumerate(pages):
        if page.label == 0:
            folds[i] = int(hashlib.sha256(f"fold:{page.site}".encode()).hexdigest(), 16) % FOLDS
    return folds


def _counts(pages: list[Page]) -> dict:
    counts: dict[str, int] = {}
    for page in pages:
        counts[page.kind] = counts.get(page.kind, 0) + 1
    return counts


def _probability(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))

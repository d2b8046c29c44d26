"""``baitwatch retrain``: the active model learns the user's own reports, and a fresh feed.

The loop: the person reports a wrong verdict (*This is phishing*, *This is not phishing*) or
trusts a site, then chooses *Learn from my reports* (or runs ``baitwatch retrain``). The new
model remembers each reported site with the person's verdict (``baitwatch/learnt_sites.py``):
a reported site is nearly always a name of its own, which no URL model can learn from its
letters without flagging the real sites that share them. The model's weights and thresholds
stay as they were, so it takes the time to judge the held-out rows once, and needs no PyTorch.

``--data FEED.csv`` (``url,label[,date]`` rows) also teaches it a feed of labelled URLs, for
people who run baitwatch for a team and retrain on a month of fresh public phishing: the
n-gram weights move under the frozen transformer (``model_export/feed_refresh.py``), while a
sample of the rows the model was trained on (``trainable/replay.csv.gz``) keeps the scores it
had. Rows of sites the model is judged on are left out of the feed.

The new model is installed and made active only if the gate (``model_export/retrain_gate.py``)
finds it no worse beyond chance than the active model on the held-out rows the model shipped
with (its validation split and test sample: about 32,000 rows), at the same thresholds; it
says why otherwise and keeps the old one. ``baitwatch model rollback`` undoes an install.

Feedback is read from the user's data folder, without changing it: the URLs as the daemon
stored them (without credentials or query values, ``baitwatch/redact.py``); where a site was
reported more than once, its latest label counts, as it does for the reports' own protection.
Reports withdrawn since the last retrain are forgotten: with none left, the retrain returns
to the model without them (the shipped one, when that is where they were learnt).
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from baitwatch.classifier import CARD_FILE, MODEL_FILE, SHIPPED_MODEL_DIR, TOKENIZER_FILE, Classifier, ModelCard, file_sha256
from baitwatch.errors import BaitwatchError
from baitwatch.learnt_sites import LEARNT_SITES_FILE, LearntSites, personal_key
from baitwatch.models import ModelStore
from baitwatch.ngrams import NGRAM_FILE, NgramModel
from baitwatch.platforms import trust_scope_or_none
from baitwatch.reports import latest_reports
from baitwatch.retraining import STAGE_PREFIX
from baitwatch.store import read_reports
from baitwatch.urls import InvalidUrl, canonicalize
from model_export.data import Dataset, load_dataset, stratified_sample
from model_export.export import TRAINABLE_DIR, Levels, model_id
from model_export.feed_refresh import Rows, adapt_fused
from model_export.logit_memo import MEMO_FILE, kept_rows, read_memo, transformer_logits
from model_export.retrain_gate import judge
from model_export.train import REPLAY_FILE, TEST_FILE, VALIDATION_FILE

FEEDBACK_SOURCE = "user feedback"
TRUSTED_SOURCE = "user allowlist"
KEPT_FILES = (REPLAY_FILE, VALIDATION_FILE, TEST_FILE)  # what the next retrain of the new model reads


@dataclass
class RetrainOptions:
    data: list[Path] = field(default_factory=list)  # a feed to learn as well: CSV files of url,label[,date]
    replay_rows: int | None = None  # of the rows the model kept (4,000): all by default
    held_out_rows: int | None = None  # judge on fewer of the ~32,000 held-out rows: faster, a coarser check
    seed: int = 42


@dataclass
class RetrainResult:
    installed: str | None  # the new model's id, or None when it was not installed
    reason: str
    feedback_rows: int
    corrected: int  # feedback rows the new model gives the user's verdict
    held_out: dict  # "before" and "after": figures on the held-out rows; "noise": their bootstrap spread
    seconds: float
    feed_rows: int = 0  # rows of the feed it learnt from, after those of held-out sites were left out


def user_feedback(data_folder: Path) -> Dataset:
    """One row per site the person reported or trusted, from one reading of their reports: the
    latest report's URL and label, as the reports' own protection reads them (reports.py), or a
    trusted site's homepage as safe where no report names the site. ``domains`` holds each
    row's site (its trust scope), which the new model remembers."""
    entries, allowlist = read_reports(data_folder)
    rows = {site: (report.url, int(report.label == "phishing"), FEEDBACK_SOURCE) for site, report in latest_reports(entries).items()}
    for domain in sorted(allowlist):
        try:
            homepage = canonicalize(f"https://{domain}/")
        except InvalidUrl:
            continue  # an entry the daemon would not have written; the allowlist is the user's to edit
        site = trust_scope_or_none(homepage)
        if site is not None:
            rows.setdefault(site, (homepage.text, 0, TRUSTED_SOURCE))
    sites = list(rows)
    return Dataset(
        urls=[canonicalize(rows[site][0]).text for site in sites],
        labels=np.array([rows[site][1] for site in sites], dtype=np.int64),
        sources=[rows[site][2] for site in sites],
        domains=sites,
        dates=[None] * len(sites),
    )


def retrain(data_folder: Path, models: ModelStore, options: RetrainOptions) -> RetrainResult:
    started = time.time()
    active = models.folder_of(models.record().active)
    _stage("reading your reports and the model")
    classifier, card = Classifier.from_model_dir(active)
    feedback = user_feedback(data_folder)
    forgetting = classifier.learnt_sites is not None  # reports withdrawn since the last retrain are forgotten
    if not len(feedback) and not options.data and not forgetting:
        raise BaitwatchError("there is no feedback to learn from: report a mistake from the browser, or trust a site, first")
    trainable = active / TRAINABLE_DIR
    missing = [name for name in KEPT_FILES if not (trainable / name).is_file()]
    if missing:
        raise BaitwatchError(f"the active model {card.id} kept no {', '.join(missing)} in {trainable}, so it cannot be retrained")
    kept = kept_rows(trainable)
    memo = read_memo(trainable, card.sha256, kept)
    held_out = _sample(kept["held_out"], options.held_out_rows, options.seed)
    if len(set(held_out.labels.tolist())) < 2:
        raise BaitwatchError(f"the held-out rows of {card.id} have one label only; judge on more of them")
    verdicts = dict(zip(feedback.domains, ("phishing" if label else "safe" for label in feedback.labels.tolist())))
    learnt = LearntSites.of_sites(verdicts, personal_key(data_folder, classifier.learnt_sites.key if forgetting else None))
    ngrams, feed_rows = None, 0
    if options.data:
        ngrams, feed_rows = _learn_feed(classifier, card, options, kept, memo)
    print(f"retraining {card.id} on {len(feedback)} reported or trusted sites and {feed_rows} feed rows; "
          f"judged on {len(held_out)} held-out rows", flush=True)
    with tempfile.TemporaryDirectory(prefix="baitwatch-retrain-") as work_dir:
        folder = Path(work_dir) / "model"
        new_card = _write_model(active, card, folder, ngrams, learnt, feedback, feed_rows, options)
        new, _ = Classifier.from_model_dir(folder)
        _stage(f"judging the new model on {len(held_out):,} held-out rows")
        held_out_logits = transformer_logits(classifier, held_out.urls, memo)  # the same for both: the transformer is frozen
        judgement = judge(held_out.labels, _personal_scores(classifier, held_out.urls, held_out_logits),
                          _personal_scores(new, held_out.urls, held_out_logits), card.thresholds(held_out.urls))
        feedback_logits = transformer_logits(classifier, feedback.urls, memo)
        corrected = _agreeing(_personal_scores(new, feedback.urls, feedback_logits), card, feedback) if len(feedback) else 0
        held = {"before": judgement.before, "after": judgement.after, "noise": judgement.noise}
        result = RetrainResult(None, "", len(feedback), corrected, held, 0.0, feed_rows)
        if judgement.refusal:
            result.reason = f"not installed: on the held-out rows, against {card.id}, {judgement.refusal}"
        elif new_card["id"] == card.id:  # the same reports (and no feed) again
            result.reason = "not installed: the model in use already knows them"
        elif not corrected and not feed_rows and not forgetting:  # a model that changes nothing is not worth a switch
            result.reason = f"not installed: it learnt none of your {len(feedback)} reports (they protect you all the same)"
        else:
            shipped = ModelCard.read(SHIPPED_MODEL_DIR).id
            if new_card["id"] in (shipped, *models.installed()):  # the model these reports (or none) make is there already
                result.installed = new_card["id"]
            else:
                _record_judgement(folder, held, started)
                result.installed = models.install(folder)
            if not len(feedback) and not feed_rows:
                result.reason = f"installed: back to {'the shipped model' if result.installed == shipped else result.installed}"
            else:
                result.reason = (f"installed: on the held-out rows, false alarms {judgement.after['false_alarms']:.4f} "
                                 f"(was {judgement.before['false_alarms']:.4f}), recall {judgement.after['recall']:.4f} "
                                 f"(was {judgement.before['recall']:.4f})")
    result.seconds = round(time.time() - started, 1)
    return result


def _learn_feed(classifier: Classifier, card: ModelCard, options: RetrainOptions, kept: dict[str, Dataset],
                memo: dict[str, float]) -> tuple[NgramModel, int]:
    """The n-gram model adapted to the feed's rows, and how many it learnt from."""
    if classifier.fusion is None:
        raise BaitwatchError(f"the active model {card.id} has no n-gram model, the layer a feed refresh adapts; use a newer model")
    _stage("reading the feed")
    feed, report = load_dataset(options.data, require_both_labels=False)
    feed = unjudged_rows(feed, kept["held_out"])
    print(f"feed: {report.summary()}; {len(feed)} rows left once the sites the model is judged on were left out", flush=True)
    if not len(feed):
        raise BaitwatchError("every row of the feed is of a site the model is judged on; a feed must bring sites of its own")
    replay = _sample(kept["replay"], options.replay_rows, options.seed)
    _stage(f"scoring the {len(feed):,} rows of the feed")
    rows = Rows(feed.urls, classifier.transformer_logits(feed.urls))
    _stage("learning the feed")
    ngrams = adapt_fused(classifier.fusion, rows, feed.labels, Rows(replay.urls, transformer_logits(classifier, replay.urls, memo)))
    return ngrams, len(feed)


def unjudged_rows(feed: Dataset, held_out: Dataset) -> Dataset:
    """The feed's rows of sites the held-out rows do not hold: the gate judges the new model on
    those sites, so it must not have learnt them."""
    judged_sites = set(held_out.domains)
    return feed.subset(np.array([i for i, site in enumerate(feed.domains) if site not in judged_sites], dtype=np.int64))


def _stage(words: str) -> None:
    """What the retrain does now, a line on standard output: the daemon shows the latest (retraining.py)."""
    print(f"{STAGE_PREFIX}{words}", flush=True)


def _write_model(active: Path, card: ModelCard, folder: Path, ngrams: NgramModel | None, learnt: LearntSites,
                 feedback: Dataset, feed_rows: int, options: RetrainOptions) -> dict:
    """The retrained model's folder: the active model's transformer and tokenizer, its n-gram
    model (adapted to a feed, if any), the learnt sites, the same thresholds, and what the next
    retrain reads."""
    (folder / TRAINABLE_DIR).mkdir(parents=True)
    for name in (MODEL_FILE, TOKENIZER_FILE) + ((NGRAM_FILE,) if ngrams is None and card.fusion else ()):
        shutil.copyfile(active / name, folder / name)
    for name in KEPT_FILES:
        shutil.copyfile(active / TRAINABLE_DIR / name, folder / TRAINABLE_DIR / name)
    if (active / TRAINABLE_DIR / MEMO_FILE).is_file():  # the same transformer, the same rows
        shutil.copyfile(active / TRAINABLE_DIR / MEMO_FILE, folder / TRAINABLE_DIR / MEMO_FILE)
    raw = json.loads(json.dumps(card.raw))
    raw.pop("learnt_sites", None)  # this retrain's reports replace the last one's
    if ngrams is not None:
        ngrams.save(folder / NGRAM_FILE)
        raw["fusion"]["ngram_sha256"] = file_sha256(folder / NGRAM_FILE)
    if learnt.verdicts:
        learnt.save(folder / LEARNT_SITES_FILE)
        raw["learnt_sites"] = {"sha256": file_sha256(folder / LEARNT_SITES_FILE)} | learnt.counts()
    levels = Levels(*(raw[name] for name in ("threshold", "homepage_threshold", "suspicious_threshold", "homepage_suspicious_threshold")))
    phishing = int(feedback.labels.sum())
    raw |= {
        "id": model_id(raw["onnx_sha256"], raw.get("fusion"), levels, raw.get("learnt_sites")),
        "retrained": {
            "from": card.id,
            "reports": {"phishing": phishing, "safe": len(feedback) - phishing},
            "adapted": "the reported sites, remembered (baitwatch/learnt_sites.py); with a feed, the n-gram weights under the "
                       "frozen transformer, fusion and thresholds (model_export/feed_refresh.py)",
            "command": "baitwatch " + shlex.join(sys.argv[1:]),
        } | ({"feed": {"files": [{"name": path.name, "sha256": file_sha256(path)} for path in options.data], "rows": feed_rows}}
             if options.data else {}),
        "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (folder / CARD_FILE).write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    return raw


def _record_judgement(folder: Path, held_out: dict, started: float) -> None:
    """The gate's figures go on the installed model's card (they do not change its id)."""
    path = folder / CARD_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["retrained"] |= {"held_out": held_out, "seconds": round(time.time() - started, 1)}
    path.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")


def _personal_scores(model: Classifier, urls: list[str], transformer_logits: np.ndarray) -> np.ndarray:
    """The scores the person's own checks get: the model's, and the verdict of each site it learnt."""
    scores = model.score_from_logits(urls, transformer_logits)
    return model.learnt_sites.apply(urls, scores) if model.learnt_sites else scores


def _agreeing(scores: np.ndarray, card: ModelCard, feedback: Dataset) -> int:
    """How many feedback rows the scores give the user's verdict, as the daemon would judge them:
    "phishing", or "safe" and not "suspicious", since the user said safe."""
    from baitwatch.verdict import Verdict

    wanted = ["phishing" if label else "safe" for label in feedback.labels.tolist()]
    verdicts = [Verdict.scored(canonicalize(url), float(score), card).verdict for url, score in zip(feedback.urls, scores)]
    return sum(verdict == want for verdict, want in zip(verdicts, wanted))


def _sample(data: Dataset, rows: int | None, seed: int) -> Dataset:
    return stratified_sample(data, rows, seed) if rows else data

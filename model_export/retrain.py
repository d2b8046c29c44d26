"""``baitwatch retrain``: the active model learns the user's own reported mistakes.

The loop: the person reports a wrong verdict (*Report a mistake*, or trusts a site), then
runs ``baitwatch retrain``. The retrain adapts only the model's personal layer, the weights of
its n-gram model (``model_export/personal_layer.py``), under its frozen int8 transformer,
fusion and thresholds: the reports are learnt where the shipped score crosses its levels, and
a sample of the rows the model was trained on (``trainable/replay.csv.gz``) keeps the scores it
had. No transformer is trained and nothing is exported again, so it takes about a minute on 2
cores, the time to score the held-out rows once, and needs no PyTorch.

The new model is installed and made active only if the gate (``model_export/retrain_gate.py``)
finds it no worse beyond chance than the active model on the held-out rows the model shipped
with (its validation split and test sample: about 32,000 rows), at the same thresholds; it
says why otherwise and keeps the old one. ``baitwatch model rollback`` undoes an install.

Feedback is read from the user's data folder, without changing it: the URLs as the daemon
stored them (without credentials or query values, ``baitwatch/redact.py``); where a URL was
reported more than once, its latest label counts.
"""

from __future__ import annotations

import json
import math
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from baitwatch.classifier import CARD_FILE, MODEL_FILE, TOKENIZER_FILE, Classifier, ModelCard, file_sha256
from baitwatch.errors import BaitwatchError
from baitwatch.models import ModelStore
from baitwatch.ngrams import NGRAM_FILE
from baitwatch.retraining import STAGE_PREFIX
from baitwatch.store import read_reports
from baitwatch.urls import InvalidUrl, canonicalize, is_homepage
from model_export.data import Dataset, stratified_sample
from model_export.export import TRAINABLE_DIR, Levels, model_id
from model_export.logit_memo import MEMO_FILE, kept_rows, read_memo, transformer_logits
from model_export.personal_layer import Rows, adapt_fused
from model_export.retrain_gate import judge
from model_export.train import REPLAY_FILE, TEST_FILE, VALIDATION_FILE

MAX_REPEAT = 32
FEEDBACK_SOURCE = "user feedback"
TRUSTED_SOURCE = "user allowlist"
KEPT_FILES = (REPLAY_FILE, VALIDATION_FILE, TEST_FILE)  # what the next retrain of the new model reads


@dataclass
class RetrainOptions:
    repeat: int | None = None  # each report counts this many times; default: see _repeats
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


def user_feedback(data_folder: Path) -> Dataset:
    """The reported mistakes (the latest label of each URL) and the trusted sites' homepages, as safe."""
    entries, allowlist = read_reports(data_folder)
    latest: dict[str, tuple[int, str]] = {}
    for entry in entries:
        try:
            url = canonicalize(str(entry.get("url", ""))).text
        except InvalidUrl:
            continue  # an entry the daemon would not have written; feedback.jsonl is the user's to edit
        if entry.get("label") in ("safe", "phishing"):
            latest[url] = (int(entry["label"] == "phishing"), FEEDBACK_SOURCE)
    for domain in sorted(allowlist):
        try:
            latest.setdefault(canonicalize(f"https://{domain}/").text, (0, TRUSTED_SOURCE))
        except InvalidUrl:
            continue  # likewise for a hand-edited allowlist
    urls = list(latest)
    return Dataset(
        urls=urls,
        labels=np.array([latest[url][0] for url in urls], dtype=np.int64),
        sources=[latest[url][1] for url in urls],
        domains=[canonicalize(url).registrable_domain or canonicalize(url).host for url in urls],
        dates=[None] * len(urls),
    )


def retrain(data_folder: Path, models: ModelStore, options: RetrainOptions) -> RetrainResult:
    started = time.time()
    active = models.folder_of(models.record().active)
    _stage("reading your reports and the model")
    classifier, card = Classifier.from_model_dir(active)
    feedback = user_feedback(data_folder)
    if not len(feedback):
        raise BaitwatchError("there is no feedback to learn from: report a mistake from the browser, or trust a site, first")
    if classifier.fusion is None:
        raise BaitwatchError(f"the active model {card.id} has no n-gram model, the layer a retrain adapts; use a newer model")
    trainable = active / TRAINABLE_DIR
    missing = [name for name in KEPT_FILES if not (trainable / name).is_file()]
    if missing:
        raise BaitwatchError(f"the active model {card.id} kept no {', '.join(missing)} in {trainable}, so it cannot be retrained")
    kept = kept_rows(trainable)
    memo = read_memo(trainable, card.sha256, kept)
    replay = _sample(kept["replay"], options.replay_rows, options.seed)
    held_out = _sample(kept["held_out"], options.held_out_rows, options.seed)
    if len(set(held_out.labels.tolist())) < 2:
        raise BaitwatchError(f"the held-out rows of {card.id} have one label only; judge on more of them")
    repeat = options.repeat or _repeats(len(feedback), len(replay))
    print(f"retraining {card.id} on {len(feedback)} feedback rows (each counted {repeat} times) and {len(replay)} replayed rows; "
          f"judged on {len(held_out)} held-out rows", flush=True)

    _stage("scoring your reports and the replayed rows")
    reports = Rows(feedback.urls, transformer_logits(classifier, feedback.urls, memo))
    replayed = Rows(replay.urls, transformer_logits(classifier, replay.urls, memo))
    _stage("learning from your reports")
    ngrams = adapt_fused(classifier.fusion, reports, feedback.labels, _report_levels(card, feedback), replayed, report_weight=repeat)
    with tempfile.TemporaryDirectory(prefix="baitwatch-retrain-") as work_dir:
        folder = Path(work_dir) / "model"
        new_card = _write_model(active, card, folder, ngrams, feedback, len(replay))
        new, _ = Classifier.from_model_dir(folder)
        _stage(f"judging the new model on {len(held_out):,} held-out rows")
        held_out_logits = transformer_logits(classifier, held_out.urls, memo)  # the same for both: the transformer is frozen
        judgement = judge(held_out.labels, classifier.fusion.probability(held_out.urls, held_out_logits),
                          new.fusion.probability(held_out.urls, held_out_logits), card.thresholds(held_out.urls))
        corrected = _agreeing(new.fusion.probability(feedback.urls, reports.transformer_logits), card, feedback)
        held = {"before": judgement.before, "after": judgement.after, "noise": judgement.noise}
        result = RetrainResult(None, "", len(feedback), corrected, held, 0.0)
        if judgement.refusal:
            result.reason = f"not installed: on the held-out rows, against {card.id}, {judgement.refusal}"
        elif not corrected:  # no worse, and no better for you: a model that changes nothing is not worth a switch
            result.reason = f"not installed: it learnt none of your {len(feedback)} reports (they protect you all the same)"
        elif new_card["id"] in models.installed():  # the same reports retrained after a rollback: the same model again
            result.installed, result.reason = new_card["id"], f"already installed as {new_card['id']} (the same reports gave the same model)"
        else:
            _record_judgement(folder, held, started)
            result.installed = models.install(folder)
            result.reason = (f"installed: on the held-out rows, false alarms {judgement.after['false_alarms']:.4f} "
                             f"(was {judgement.before['false_alarms']:.4f}), recall {judgement.after['recall']:.4f} "
                             f"(was {judgement.before['recall']:.4f})")
    result.seconds = round(time.time() - started, 1)
    return result


def _stage(words: str) -> None:
    """What the retrain does now, a line on standard output: the daemon shows the latest (retraining.py)."""
    print(f"{STAGE_PREFIX}{words}", flush=True)


def _report_levels(card: ModelCard, feedback: Dataset) -> np.ndarray:
    """The probability each report's fused score must cross: its kind of page's threshold for a
    report of phishing, and for "safe" the level where its page stops being suspicious."""
    levels = []
    for url, label in zip(feedback.urls, feedback.labels.tolist()):
        threshold, suspicious = card.levels(is_homepage(url))
        levels.append(threshold if label == 1 or suspicious is None else suspicious)
    return np.array(levels, dtype=np.float64)


def _write_model(active: Path, card: ModelCard, folder: Path, ngrams, feedback: Dataset, replayed: int) -> dict:
    """The retrained model's folder: the active model's transformer and tokenizer, the adapted
    n-gram model, the same thresholds, and what the next retrain reads."""
    (folder / TRAINABLE_DIR).mkdir(parents=True)
    for name in (MODEL_FILE, TOKENIZER_FILE):
        shutil.copyfile(active / name, folder / name)
    for name in KEPT_FILES:
        shutil.copyfile(active / TRAINABLE_DIR / name, folder / TRAINABLE_DIR / name)
    if (active / TRAINABLE_DIR / MEMO_FILE).is_file():  # the same transformer, the same rows
        shutil.copyfile(active / TRAINABLE_DIR / MEMO_FILE, folder / TRAINABLE_DIR / MEMO_FILE)
    ngrams.save(folder / NGRAM_FILE)
    raw = json.loads(json.dumps(card.raw))
    raw["fusion"]["ngram_sha256"] = file_sha256(folder / NGRAM_FILE)
    levels = Levels(*(raw[name] for name in ("threshold", "homepage_threshold", "suspicious_threshold", "homepage_suspicious_threshold")))
    phishing = int(feedback.labels.sum())
    raw |= {
        "id": model_id(raw["onnx_sha256"], raw["fusion"], levels),
        "retrained": {
            "from": card.id,
            "reports": {"phishing": phishing, "safe": len(feedback) - phishing},
            "replayed_rows": replayed,
            "adapted": "the n-gram weights only, under the frozen transformer, fusion and thresholds (model_export/personal_layer.py)",
            "command": "baitwatch " + shlex.join(sys.argv[1:]),
        },
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


def _repeats(feedback_rows: int, replay_rows: int) -> int:
    """A few reports must weigh enough to be learnt, and many must not outweigh the replayed
    rows that keep the rest: up to MAX_REPEAT times each, until they match the replay in number."""
    return max(1, min(MAX_REPEAT, math.ceil(replay_rows / feedback_rows)))


def _agreeing(scores: np.ndarray, card: ModelCard, feedback: Dataset) -> int:
    """How many feedback rows the scores give the user's verdict, as the daemon would judge them:
    "phishing", or "safe" and not "suspicious", since the user said safe."""
    from baitwatch.verdict import Verdict

    wanted = ["phishing" if label else "safe" for label in feedback.labels.tolist()]
    verdicts = [Verdict.scored(canonicalize(url), float(score), card).verdict for url, score in zip(feedback.urls, scores)]
    return sum(verdict == want for verdict, want in zip(verdicts, wanted))


def _sample(data: Dataset, rows: int | None, seed: int) -> Dataset:
    return stratified_sample(data, rows, seed) if rows else data

"""``baitwatch retrain``: the active model learns the user's own reported mistakes.

The loop: the person reports a wrong verdict (*Report a mistake*, or trusts a site), then
runs ``baitwatch retrain``. It warm-starts the active model's transformer from its kept
weights (``trainable/``), trains it on the feedback, each row repeated, mixed with the kept
sample of the rows the model was trained on (so that it keeps what it knew), moves the
n-gram model towards the same rows, and exports with the usual parity gate. The new model
is installed and made active only if, on the held-out test sample it shipped with, its ROC
AUC is at most ``margin`` below the active model's, it raises no more than one false alarm
more at its threshold, and its recall is at most RECALL_MARGIN below; otherwise it says why
and keeps the old one. ``baitwatch model rollback`` undoes an install.

Feedback is read from the user's data folder, without changing it: the URLs as the daemon
stored them (without credentials or query values, ``baitwatch/redact.py``); where a URL was
reported more than once, its latest label counts.
"""

from __future__ import annotations

import math
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from baitwatch.classifier import Classifier, ModelCard
from baitwatch.errors import BaitwatchError
from baitwatch.models import ModelStore
from baitwatch.ngrams import NGRAM_FILE, NgramModel
from baitwatch.store import read_reports
from baitwatch.urls import InvalidUrl, canonicalize
from baitwatch.verdict import Verdict
from model_export.data import Dataset, Splits, load_dataset, stratified_sample
from model_export.evaluate import DEFAULT_TARGET_FPR, metrics
from model_export.export import TRAINABLE_DIR, export
from model_export.ngrams import adapt
from model_export.train import REPLAY_FILE, TEST_FILE, VALIDATION_FILE, TrainOptions, fine_tune, mix_summary, write_record

MAX_REPEAT = 32
RECALL_MARGIN = 0.03
FEEDBACK_SOURCE = "user feedback"
TRUSTED_SOURCE = "user allowlist"


@dataclass
class RetrainOptions:
    epochs: float = 1.0
    lr: float = 3e-5
    repeat: int | None = None  # each feedback row counts this many times; default: see _repeats
    margin: float = 0.005  # the largest held-out ROC AUC drop a new model may have and be installed (see _worse)
    replay_rows: int | None = 2000  # of the rows the model kept (4,000): more forgets less, and takes longer
    test_rows: int | None = None  # judge on fewer of the kept test rows: faster, a coarser check
    seed: int = 42


@dataclass
class RetrainResult:
    installed: str | None  # the new model's id, or None when it was not installed
    reason: str
    feedback_rows: int
    corrected: int  # feedback rows the new model gives the user's verdict
    held_out: dict  # "before" and "after": metrics on the held-out test sample
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
    card = ModelCard.read(active)
    trainable = active / TRAINABLE_DIR
    feedback = user_feedback(data_folder)
    if not len(feedback):
        raise BaitwatchError("there is no feedback to learn from: report a mistake from the browser, or trust a site, first")
    missing = [name for name in ("config.json", REPLAY_FILE, VALIDATION_FILE, TEST_FILE) if not (trainable / name).is_file()]
    if missing:
        raise BaitwatchError(f"the active model {card.id} kept no {', '.join(missing)} in {trainable}, so it cannot be retrained")
    replay, validation, test = (_sample(load_dataset(trainable / name)[0], rows, options.seed) for name, rows in (
        (REPLAY_FILE, options.replay_rows), (VALIDATION_FILE, None), (TEST_FILE, options.test_rows)))
    if len(set(test.labels.tolist())) < 2:
        raise BaitwatchError(f"the held-out test sample of {card.id} has one label only; judge on more of it (--test-rows)")
    repeat = options.repeat or _repeats(len(feedback), len(replay))
    repeated = feedback.subset(np.tile(np.arange(len(feedback)), repeat))
    train = _joined(repeated, replay)
    print(f"retraining {card.id} on {len(feedback)} feedback rows (each {repeat} times) and {len(replay)} replayed rows", flush=True)

    with tempfile.TemporaryDirectory(prefix="baitwatch-retrain-") as work_dir:
        checkpoint, exported = Path(work_dir) / "checkpoint", Path(work_dir) / "model"
        training = TrainOptions(
            data=[], out=checkpoint, base_model=str(trainable), epochs=options.epochs, lr=options.lr, batch_size=16,
            max_length=card.max_length, seed=options.seed, target_fpr=card.raw.get("target_fpr", DEFAULT_TARGET_FPR),
        )
        record = fine_tune(Splits(train, validation, test), training)
        # The next retrain draws from the same rows, and is judged on the whole kept test sample.
        for name in (REPLAY_FILE, TEST_FILE):
            shutil.copyfile(trainable / name, checkpoint / name)
        if (active / NGRAM_FILE).is_file():
            adapt(NgramModel.load(active / NGRAM_FILE), train.urls, train.labels).save(checkpoint / NGRAM_FILE)
            record["ngrams"] = (card.raw.get("ngrams") or {}) | {"adapted_to": f"{len(feedback)} feedback rows among {len(replay)} replayed"}
        record["data"] = {
            "files": [],
            "load": f"{len(feedback)} feedback rows of the user, {len(replay)} replayed rows of {card.id}",
            "split": f"retrain of {card.id}: held-out samples it shipped with",
            "split_sizes": Splits(train, validation, test).sizes(),
            "training_mix": mix_summary(train),
        }
        record["command"] = "baitwatch " + shlex.join(sys.argv[1:])
        write_record(checkpoint, record, started)
        export(checkpoint, exported)

        (old, old_card), (new, new_card) = Classifier.from_model_dir(active), Classifier.from_model_dir(exported)
        before, after = _held_out(old, old_card, test), _held_out(new, new_card, test)
        corrected = _agreeing(new, new_card, feedback)
        result = RetrainResult(None, "", len(feedback), corrected, {"before": before, "after": after}, 0.0)
        worse = _worse(before, after, options.margin, fpr_margin=1.5 / max(1, int((test.labels == 0).sum())))  # 1 more, not 2
        new_id = new_card.id
        if worse:
            result.reason = f"not installed: on the held-out test sample, against {card.id}, {worse}"
        elif new_id in models.installed():  # the same reports retrained after a rollback: the same model again
            result.installed, result.reason = new_id, f"already installed as {new_id} (the same reports gave the same model)"
        else:
            result.installed = models.install(exported)
            result.reason = f"installed: held-out ROC AUC {after['roc_auc']:.4f} against {before['roc_auc']:.4f}"
    result.seconds = round(time.time() - started, 1)
    return result


def _repeats(feedback_rows: int, replay_rows: int) -> int:
    """A few reports must weigh enough to be learnt, and many must not outweigh the replayed
    rows that keep the rest: up to MAX_REPEAT times each, until they match the replay in number."""
    return max(1, min(MAX_REPEAT, math.ceil(replay_rows / feedback_rows)))


def _worse(before: dict, after: dict, margin: float, fpr_margin: float) -> str:
    """How the new model is worse than allowed, or "" when it is not: its ROC AUC by at most
    ``margin``, its false-positive rate at its threshold by at most ``fpr_margin`` (one more
    false alarm on the sample), its recall at its threshold by at most RECALL_MARGIN (a sample
    of a few thousand rows moves it by a percent)."""
    limits = {"roc_auc": -margin, "fpr": fpr_margin, "recall": -RECALL_MARGIN}
    return "; ".join(
        f"{name} {after[name]:.4f} against {before[name]:.4f} (allowed change: {limit:+.4f})"
        for name, limit in limits.items()
        if (after[name] - before[name] < limit if limit < 0 else after[name] - before[name] > limit)
    )


def _agreeing(classifier: Classifier, card: ModelCard, feedback: Dataset) -> int:
    """How many feedback rows the model gives the user's verdict, as the daemon would judge them:
    "phishing", or "safe" and not "suspicious", since the user said safe."""
    scores = classifier.score(feedback.urls).tolist()
    wanted = ["phishing" if label else "safe" for label in feedback.labels.tolist()]
    verdicts = [Verdict.scored(canonicalize(url), score, card).verdict for url, score in zip(feedback.urls, scores)]
    return sum(verdict == want for verdict, want in zip(verdicts, wanted))


def _held_out(classifier: Classifier, card: ModelCard, test: Dataset) -> dict:
    return metrics(test.labels, classifier.score(test.urls), card.thresholds(test.urls))


def _sample(data: Dataset, rows: int | None, seed: int) -> Dataset:
    return stratified_sample(data, rows, seed) if rows else data


def _joined(first: Dataset, second: Dataset) -> Dataset:
    return Dataset(first.urls + second.urls, np.concatenate([first.labels, second.labels]), first.sources + second.sources,
                   first.domains + second.domains, first.dates + second.dates)

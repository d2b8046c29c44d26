"""The frozen transformer's logits of the rows a retrain reads, saved beside them.

A retrain never changes the transformer (retrain.py), so it gives the model's kept rows
(4,000 replayed, about 32,000 held out) the same logits every time: scoring them was most of
a retrain's 1.6 minutes on 2 cores. ``baitwatch export`` saves them in
``trainable/transformer_logits.npz`` with the hash of the ONNX file they came from and of the
URLs of each part, and a retrain copies the file to the model it writes (the same
transformer). A file for another transformer or other rows is not used. A URL's logit does
not depend on its batch (classifier.py), so a saved logit is the one the model would give.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from pathlib import Path

import numpy as np

from baitwatch.classifier import Classifier
from model_export.data import Dataset, load_dataset
from model_export.train import REPLAY_FILE, TEST_FILE, VALIDATION_FILE

MEMO_FILE = "transformer_logits.npz"
PARTS = {"replay": (REPLAY_FILE,), "held_out": (VALIDATION_FILE, TEST_FILE)}


def kept_rows(trainable: Path) -> dict[str, Dataset]:
    """The rows a retrain reads, by part: those it replays, and those it is judged on."""
    return {part: load_dataset([trainable / name for name in files])[0] for part, files in PARTS.items()}


def write_memo(classifier: Classifier, model_sha256: str, trainable: Path) -> None:
    arrays = {"model_sha256": np.array(model_sha256)}
    for part, data in kept_rows(trainable).items():
        arrays[f"{part}_urls_sha256"] = np.array(_digest(data.urls))
        arrays[f"{part}_logits"] = classifier.transformer_logits(data.urls)
    np.savez_compressed(trainable / MEMO_FILE, **arrays)


def read_memo(trainable: Path, model_sha256: str, rows: dict[str, Dataset]) -> dict[str, float]:
    """Each saved URL's logit, for the parts of ``rows`` whose URLs and transformer match the
    file; nothing without a file or from a damaged one (the rows are scored again then)."""
    try:
        with np.load(trainable / MEMO_FILE, allow_pickle=False) as stored:
            if str(stored["model_sha256"]) != model_sha256:
                return {}
            memo: dict[str, float] = {}
            for part, data in rows.items():
                logits = stored[f"{part}_logits"]
                if str(stored[f"{part}_urls_sha256"]) == _digest(data.urls) and logits.shape == (len(data.urls),):
                    memo.update(zip(data.urls, logits.astype(np.float32).tolist()))
            return memo
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return {}


def transformer_logits(classifier: Classifier, urls: list[str], memo: dict[str, float]) -> np.ndarray:
    """``classifier.transformer_logits(urls)``, taking the saved ones from ``memo``."""
    logits = np.array([memo.get(url, np.nan) for url in urls], dtype=np.float32)
    missing = np.flatnonzero(np.isnan(logits))
    if len(missing):
        logits[missing] = classifier.transformer_logits([urls[i] for i in missing])
    return logits


def _digest(urls: list[str]) -> str:
    return hashlib.sha256("\n".join(urls).encode("utf-8")).hexdigest()

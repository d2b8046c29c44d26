"""Score canonical URLs with the quantized ONNX model: the tokenizer plus one onnxruntime session."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError
from baitwatch.learnt_sites import LEARNT_SITES_FILE, LearntSites
from baitwatch.ngrams import NGRAM_FILE, NgramModel
from baitwatch.urls import is_homepage

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "model.json"
# Rows per onnxruntime call when scoring a long list. onnxruntime's memory arena keeps the
# largest activations it ever held, so this bounds the daemon's memory: on 2 cores 16 rows
# gave the best throughput and 187 MB resident against 333 MB with 64 rows.
CHUNK_ROWS = 16
# Every model call pads its texts to a multiple of this many tokens. The weight-int8 matrix
# kernels (MatMulNBits: models exported before static int8, and its fallback) take the
# flattened token rows in tiles, and a row in a part-filled last tile
# goes through another code path whose rounding differs (up to 0.017 in a logit). With every
# text's rows starting at the same offset in a tile, a URL scores exactly the same alone or
# in any batch; padding positions are masked out of attention, so they change nothing else.
ROW_TILE = 4
# Graph fusions onnxruntime must not apply when it loads a model: its SkipLayerNormalization
# kernel is three times slower than the Add and LayerNormalization it would replace
# (model_export/export.py leaves them apart).
UNFUSED = ["SkipLayerNormFusion"]


@dataclass(frozen=True)
class ModelCard:
    """What ``model.json`` says about the model beside it."""

    id: str
    threshold: float
    max_length: int
    sha256: str
    raw: dict
    # Scores from here up to ``threshold`` are "suspicious"; absent, there are none.
    suspicious_threshold: float | None = None
    # How the n-gram model's logit joins the transformer's; absent, the transformer scores alone.
    fusion: dict | None = None
    # The same two levels for bare site addresses (``urls.is_homepage``), whose false alarms
    # export counts apart; absent (cards before them), homepages share the levels above.
    homepage_threshold: float | None = None
    homepage_suspicious_threshold: float | None = None
    # The SHA-256 of the file of sites a retrain learnt (learnt_sites.py); absent, it learnt none.
    learnt_sites_sha256: str | None = None

    @classmethod
    def read(cls, model_dir: Path) -> ModelCard:
        path = model_dir / CARD_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            card = cls(
                id=str(raw["id"]),
                threshold=_level(raw, "threshold"),
                max_length=int(raw["max_length"]),
                sha256=str(raw["onnx_sha256"]),
                raw=raw,
                suspicious_threshold=_optional_level(raw, "suspicious_threshold"),
                fusion=_fusion_fields(raw.get("fusion")),
                homepage_threshold=_optional_level(raw, "homepage_threshold"),
                homepage_suspicious_threshold=_optional_level(raw, "homepage_suspicious_threshold"),
                learnt_sites_sha256=str(raw["learnt_sites"]["sha256"]) if raw.get("learnt_sites") else None,
            )
        except FileNotFoundError:
            raise BaitwatchError(f"no model in {model_dir}: {CARD_FILE} is missing") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BaitwatchError(f"the model card {path} is unreadable or incomplete ({error})") from None
        for homepage in (False, True):
            threshold, suspicious = card.levels(homepage)
            if suspicious is not None and suspicious > threshold:
                high, low = card.level_names(homepage)[::-1]
                where = " for homepages" if homepage else ""
                raise BaitwatchError(f"the model card {path} has {high} ({suspicious}) above {low} ({threshold}){where}")
        return card

    def levels(self, homepage: bool) -> tuple[float, float | None]:
        """(threshold, suspicious threshold) for a homepage or for any other URL."""
        threshold, suspicious = (getattr(self, name) for name in self.level_names(homepage))
        return threshold, suspicious

    def level_names(self, homepage: bool) -> tuple[str, str]:
        """The fields ``levels(homepage)`` reads: a homepage's own where the card has them."""
        names = ("threshold", "suspicious_threshold")
        if not homepage:
            return names
        own = tuple(f"homepage_{name}" for name in names)
        return tuple(mine if getattr(self, mine) is not None else name for mine, name in zip(own, names))

    def thresholds(self, urls: list[str]) -> np.ndarray:
        """The threshold each canonical URL is judged at."""
        return np.array([self.levels(is_homepage(url))[0] for url in urls], dtype=np.float64)


# Export's "above every score" (model_export/evaluate.py choose_threshold): the float32 after 1.
HIGHEST_LEVEL = float(np.nextafter(np.float32(1), np.float32(2)))


def _level(raw: dict, name: str) -> float:
    """A threshold of the card: a number from 0 to 1 (NaN or 5 would silently switch warnings off)."""
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= HIGHEST_LEVEL:
        raise ValueError(f"{name} is {value!r}, not a number from 0 to 1")
    return float(value)


def _optional_level(raw: dict, name: str) -> float | None:
    return None if raw.get(name) is None else _level(raw, name)


FUSION_WEIGHTS = ("transformer_weight", "ngram_weight", "bias")


def _fusion_fields(fusion) -> dict | None:
    if fusion is None:
        return None
    fields = {name: float(fusion[name]) for name in FUSION_WEIGHTS}
    if not all(map(math.isfinite, fields.values())):
        raise ValueError("a fusion weight is not a finite number")
    return fields | {"ngram_sha256": str(fusion["ngram_sha256"])}


@dataclass(frozen=True)
class Fusion:
    """The shipped score: a logistic regression over the transformer's and the n-gram model's
    logits, fitted on the validation split by ``baitwatch export``."""

    ngrams: NgramModel
    transformer_weight: float
    ngram_weight: float
    bias: float

    def probability(self, urls: list[str], transformer_logits: np.ndarray) -> np.ndarray:
        return self.combine(transformer_logits, self.ngrams.logits(urls))

    def combine(self, transformer_logits: np.ndarray, ngram_logits: np.ndarray) -> np.ndarray:
        """The shipped probability from both models' logits."""
        return sigmoid(self.transformer_weight * transformer_logits + self.ngram_weight * ngram_logits + self.bias)


class Classifier:
    """Probability that each URL is phishing, from one ONNX model and its tokenizer, fused with
    an n-gram model when the model folder has one."""

    def __init__(
        self, onnx_path: Path, tokenizer_path: Path, max_length: int, threads: int | None = None, fusion: Fusion | None = None,
        learnt_sites: LearntSites | None = None,
    ):
        self.fusion = fusion
        self.learnt_sites = learnt_sites  # the person's own checks get their verdicts (service.py); scores do not
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as error:  # tokenizers raises a bare Exception for a bad file
            raise BaitwatchError(f"the tokenizer {tokenizer_path} is missing or corrupt ({error})") from None
        self._tokenizer.enable_truncation(max_length)
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id("[PAD]") or 0, pad_to_multiple_of=ROW_TILE)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # The pool's threads spin between the parallel parts of a call (sleeping there made each
        # call 40-60% slower), but not after it: spinning on, they took the cores that the
        # daemon's answer, the browser and the next request wanted (benchmarks/daemon_latency.py).
        options.add_session_config_entry("session.force_spinning_stop", "1")
        # Planned in one block per input shape, a batch's activations lifted the daemon's peak
        # from about 225 to 275 MB; tensor by tensor, calls took no longer.
        options.enable_mem_pattern = False
        try:
            self._session = onnxruntime.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED
            )
        except Exception as error:  # onnxruntime raises several unrelated types for a bad file
            raise BaitwatchError(f"the model {onnx_path} is missing or not a valid ONNX model ({error})") from None
        self._inputs = {i.name for i in self._session.get_inputs()}
        # onnxruntime's memory arena keeps the largest activations a call ever needed: 50 MB more
        # resident for good after one call on 16 long URLs. Scoring more than one URL hands what
        # it took back after its last call (after each call, a batch of 256 was 20% slower); a
        # lone URL's call, the common one, keeps its few MB ready (without an arena at all, each
        # call took 6% longer).
        self._shrink_arena = onnxruntime.RunOptions()
        self._shrink_arena.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    @classmethod
    def from_model_dir(cls, model_dir: Path = SHIPPED_MODEL_DIR, threads: int | None = None) -> tuple[Classifier, ModelCard]:
        card = ModelCard.read(model_dir)
        onnx_path = model_dir / MODEL_FILE
        if not onnx_path.is_file():
            raise BaitwatchError(f"no model in {model_dir}: {MODEL_FILE} is missing")
        if file_sha256(onnx_path) != card.sha256:
            raise BaitwatchError(f"the model {onnx_path} does not match the hash in {CARD_FILE}: it is corrupt or was replaced")
        classifier = cls(onnx_path, model_dir / TOKENIZER_FILE, card.max_length, threads, _read_fusion(model_dir, card),
                         _read_learnt_sites(model_dir, card))
        return classifier, card

    def score(self, urls: list[str]) -> np.ndarray:
        """Phishing probability for each canonical URL text, in input order."""
        return self.score_from_logits(urls, self.transformer_logits(urls))

    def score_from_logits(self, urls: list[str], transformer_logits: np.ndarray) -> np.ndarray:
        """``score(urls)`` from the transformer's logits of ``urls``, computed already."""
        return self.fusion.probability(urls, transformer_logits) if self.fusion else sigmoid(transformer_logits)

    def transformer_logits(self, urls: list[str]) -> np.ndarray:
        """The transformer's log-odds of "phishing" for each canonical URL text, in input order."""
        logits = np.empty(len(urls), dtype=np.float32)
        calls = -(-len(urls) // CHUNK_ROWS)
        for number, (rows, feeds) in enumerate(self.batches(urls)):
            last_of_several_urls = number == calls - 1 and len(urls) > 1
            (output,) = self._session.run(["logits"], feeds, self._shrink_arena if last_of_several_urls else None)
            logits[rows] = output[:, 1] - output[:, 0]
        return logits

    def batches(self, urls: list[str]) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """(positions in ``urls``, model inputs) for each model call that scoring ``urls`` makes."""
        if not urls:
            return
        encodings = self._tokenizer.encode_batch(urls, add_special_tokens=True)
        # Sorting by length keeps each chunk's padding short.
        order = np.argsort([sum(e.attention_mask) for e in encodings], kind="stable")
        for start in range(0, len(urls), CHUNK_ROWS):
            rows = order[start : start + CHUNK_ROWS]
            yield rows, self._feeds([encodings[i] for i in rows])

    def _feeds(self, encodings: list) -> dict[str, np.ndarray]:
        longest = max(sum(e.attention_mask) for e in encodings)
        width = -(-longest // ROW_TILE) * ROW_TILE
        feeds = {
            "input_ids": np.array([e.ids[:width] for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask[:width] for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids[:width] for e in encodings], dtype=np.int64),
        }
        return {name: value for name, value in feeds.items() if name in self._inputs}


def _read_fusion(model_dir: Path, card: ModelCard) -> Fusion | None:
    if card.fusion is None:
        return None
    path = model_dir / NGRAM_FILE
    if not path.is_file():
        raise BaitwatchError(f"no model in {model_dir}: its card fuses an n-gram model, and {NGRAM_FILE} is missing")
    if file_sha256(path) != card.fusion["ngram_sha256"]:
        raise BaitwatchError(f"the n-gram model {path} does not match the hash in {CARD_FILE}: it is corrupt or was replaced")
    return Fusion(NgramModel.load(path), **{name: card.fusion[name] for name in FUSION_WEIGHTS})


def _read_learnt_sites(model_dir: Path, card: ModelCard) -> LearntSites | None:
    if card.learnt_sites_sha256 is None:
        return None
    path = model_dir / LEARNT_SITES_FILE
    try:
        data = path.read_bytes()  # hashed and parsed once: the file cannot change in between
    except OSError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != card.learnt_sites_sha256:
        raise BaitwatchError(f"the learnt sites {path} are missing or do not match the hash in {CARD_FILE}: corrupt or replaced")
    return LearntSites.parse(data, path)


def phishing_probability(logits: np.ndarray) -> np.ndarray:
    """Softmax probability of the "phishing" label from two-class logits."""
    return sigmoid(logits[:, 1] - logits[:, 0])


def sigmoid(log_odds: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.asarray(log_odds, dtype=np.float64)))).astype(np.float32)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

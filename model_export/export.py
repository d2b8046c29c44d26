"""Turn a trained checkpoint into the int8 ONNX model the daemon serves, with its model card.

ONNX with dynamic batch and sequence axes -> onnxruntime's BERT graph fusions -> int8, then
the fusion with the checkpoint's n-gram model fitted on validation. The int8 transformer
must stay within the parity gate of the fp32 graph (test ROC AUC, and the shipped verdicts
over validation and test), or nothing is written.

Why the eager attention code path is traced: the default (SDPA) one exports as dozens of
small mask and reshape nodes per layer that onnxruntime cannot fuse. Traced eagerly, each
layer's attention fuses into one MultiHeadAttention node, with the Q, K and V projections
left as plain MatMuls so that they get int8 weights too: at the same file size, 9.3 against
10.0 ms a URL on 2 cores, when it was measured (benchmarks/model_speed.py).

The int8 formats and why they are what they are: ``model_export/quantize.py``. Export tries
the fastest first and ships the first that passes the parity gate; the card says which.
Why not plain dynamic quantization (``quantize_dynamic``): it scales each MatMul's input
activations by that call's largest value, so a URL's score depends on its batch companions
(up to 0.6 in a logit), and MiniLM's outlier channels moved logits by 0.2 on average.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shlex
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from baitwatch.classifier import CARD_FILE, FUSION_WEIGHTS, MODEL_FILE, TOKENIZER_FILE, Classifier, Fusion, file_sha256, sigmoid
from baitwatch.errors import BaitwatchError
from baitwatch.ngrams import NGRAM_FILE, NgramModel
from model_export.data import Dataset, load_dataset, stratified_sample
from model_export.evaluate import (
    SUSPICIOUS_TARGET_FPR,
    THRESHOLD_GROUPS,
    choose_shape_thresholds,
    choose_threshold,
    format_table,
    report,
)
from model_export.logit_memo import write_memo
from model_export.quantize import FORMATS, StaticInt8, WeightInt8, settings
from model_export.train import FUTURE_FILE, REPLAY_FILE, TEST_FILE, TRAINED_DOMAINS_FILE, TRAINING_FILE, VALIDATION_FILE

TRAINABLE_DIR = "trainable"  # fp16 weights of what ships: the next retrain warm-starts from them
RETRAIN_TEST_ROWS = 2000  # of the test split, kept to judge a retrain: enough to see a drop of a few thousandths of AUC

MAX_AUC_DROP = 0.003
MIN_VERDICT_AGREEMENT = 0.99
OPSET = 17
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def export(checkpoint: Path, out: Path, formats: Sequence[StaticInt8 | WeightInt8] = FORMATS) -> dict:
    """Write model.onnx (int8), tokenizer.json, ngrams.npz, model.json and trainable/ to ``out``; return the card."""
    config = _sequence_classifier_config(checkpoint)
    training = _training_record(checkpoint)
    validation, _ = load_dataset(checkpoint / VALIDATION_FILE)
    test, _ = load_dataset(checkpoint / TEST_FILE)
    future = load_dataset(checkpoint / FUTURE_FILE)[0] if (checkpoint / FUTURE_FILE).is_file() else None
    trained_domains = read_trained_domains(checkpoint)
    max_length = int(training["max_length"])
    with tempfile.TemporaryDirectory(prefix="baitwatch-export-") as work_dir:
        work = Path(work_dir)
        fp32_path = work / "fp32.onnx"
        _export_onnx(checkpoint, fp32_path)
        optimized_path = work / "fp32-optimized.onnx"
        _optimize(fp32_path, optimized_path, config)
        _save_tokenizer(checkpoint, work / TOKENIZER_FILE)
        fp32 = Classifier(optimized_path, work / TOKENIZER_FILE, max_length)
        held_out = {"validation": validation, "test": test} | ({"future": future} if future else {})
        fp32_logits = {name: fp32.transformer_logits(held_out[name].urls) for name in ("validation", "test")}
        ngrams = NgramModel.load(checkpoint / NGRAM_FILE) if (checkpoint / NGRAM_FILE).is_file() else None
        ngram_logits = {name: ngrams.logits(data.urls) for name, data in held_out.items()} if ngrams else {}

        def calibration(count: int) -> Iterator[dict[str, np.ndarray]]:
            return (feeds for _, feeds in fp32.batches(stratified_sample(validation, count, seed=0).urls))

        int8_path = work / MODEL_FILE
        refusals = []
        for quantization in formats:
            try:
                quantization.write(optimized_path, int8_path, calibration)
                int8 = Classifier(int8_path, work / TOKENIZER_FILE, max_length)
            except Exception as error:  # an onnxruntime that cannot write or load this format: try the next
                refusal = f"could not be written ({type(error).__name__}: {error})"
            else:
                judged = _judge(int8, held_out, fp32_logits, ngrams, ngram_logits, training["target_fpr"], trained_domains)
                refusal = judged.refusal
            if refusal is None:
                break
            refusals.append(f"{quantization.name}: {refusal}")
            print(f"{quantization.name} refused: {refusal}", flush=True)
        else:
            raise BaitwatchError(f"no int8 format could be written within the parity gate ({'; '.join(refusals)}); nothing was written")
        fusion, levels = judged.fusion, judged.levels
        shipped_report = report(test, judged.shipped["test"], levels.per_url(test), trained_domains)
        future_reports = {
            "future_int8": report(future, sigmoid(judged.logits["future"]), judged.transformer_threshold, trained_domains),
            "future_shipped": report(future, judged.shipped["future"], levels.per_url(future), trained_domains),
        } if future else {}
        if fusion:
            shutil.copyfile(checkpoint / NGRAM_FILE, work / NGRAM_FILE)

        sha256 = file_sha256(int8_path)
        fusion_card = _fusion_card(fusion, work / NGRAM_FILE) if fusion else None
        card = {
            "id": model_id(sha256, fusion_card, levels),
            "labels": ["safe", "phishing"],
            "threshold": levels.threshold,
            "homepage_threshold": levels.homepage_threshold,
            "threshold_rule": (
                f"for {' and for '.join(THRESHOLD_GROUPS)} each, the lowest score at which the shipped score's "
                f"false-positive rate on that kind of page of the validation split is at most {training['target_fpr']}"
            ),
            "target_fpr": training["target_fpr"],
            "suspicious_threshold": levels.suspicious_threshold,
            "homepage_suspicious_threshold": levels.homepage_suspicious_threshold,
            "suspicious_threshold_rule": (
                f"one level for {' and '.join(THRESHOLD_GROUPS)}: the lowest score at which the shipped score's false-positive "
                f"rate on each of them in the validation split is at most {SUSPICIOUS_TARGET_FPR}; no higher than each one's threshold"
            ),
            "fusion": fusion_card,
            "max_length": max_length,
            "quantization": settings(quantization) | {"refused": refusals},
            "onnx_sha256": sha256,
            "onnx_bytes": int8_path.stat().st_size,
            "base_model": training["base_model"],
            "freeze": training.get("freeze"),
            "training_command": training["command"],
            "export_command": "baitwatch " + shlex.join(sys.argv[1:]),
            "training_hardware": training["hardware"],
            "training_seconds": training["seconds"],
            "training_urls_per_second": training["train_urls_per_second"],
            "data": training["data"],
            "hyperparameters": training["hyperparameters"],
            "ngrams": training.get("ngrams") if fusion else None,
            "metrics": {
                "transformer_threshold": judged.transformer_threshold,
                "fp32": judged.fp32_report,
                "int8": judged.int8_report,
                "int8_fp32_verdict_agreement": judged.agreement,
                "shipped": shipped_report,
            } | future_reports,
            "versions": {name: _version(name) for name in ("baitwatch", "torch", "transformers", "onnx", "onnxruntime")},
            "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (work / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        _save_trainable(checkpoint, work / TRAINABLE_DIR, test)
        write_memo(int8, sha256, work / TRAINABLE_DIR)  # a retrain reads them instead of scoring the rows again
        out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out / TRAINABLE_DIR, ignore_errors=True)
        (out / NGRAM_FILE).unlink(missing_ok=True)
        for name in (MODEL_FILE, TOKENIZER_FILE, CARD_FILE, TRAINABLE_DIR) + ((NGRAM_FILE,) if fusion else ()):
            shutil.move(str(work / name), str(out / name))
    print(
        f"threshold {levels.threshold:.4f}, homepages {levels.homepage_threshold:.4f}; "
        f"{quantization.name} model {card['onnx_bytes'] / 1e6:.1f} MB; verdict agreement {judged.agreement:.4f}"
    )
    rows = {"test fp32 (onnx)": judged.fp32_report, "test int8 (onnx)": judged.int8_report, "test shipped": shipped_report} | future_reports
    print(format_table({name: row["overall"] for name, row in rows.items()}))
    print(f"wrote {out}")
    return card


@dataclass(frozen=True)
class Levels:
    """The shipped score's thresholds, chosen on validation: phishing from ``threshold``,
    suspicious from ``suspicious_threshold``, each for deep links and for homepages."""

    threshold: float
    homepage_threshold: float
    suspicious_threshold: float
    homepage_suspicious_threshold: float

    def per_url(self, data: Dataset) -> np.ndarray:
        """The phishing threshold of each of ``data``'s URLs."""
        return np.where(data.homepages(), self.homepage_threshold, self.threshold)


@dataclass(frozen=True)
class Judged:
    """An int8 transformer judged on the held-out splits: its scores, the fusion and thresholds
    fitted to them on validation, and why the parity gate refuses it (None: it may ship)."""

    logits: dict[str, np.ndarray]  # the int8 transformer's, per split
    transformer_threshold: float
    fp32_report: dict
    int8_report: dict
    fusion: Fusion | None
    shipped: dict[str, np.ndarray]  # the scores the daemon would give, per split
    levels: Levels
    agreement: float  # shipped verdicts of int8 and fp32 alike, over validation and test
    refusal: str | None


def _judge(
    int8: Classifier,
    held_out: dict[str, Dataset],
    fp32_logits: dict[str, np.ndarray],
    ngrams: NgramModel | None,
    ngram_logits: dict[str, np.ndarray],
    target_fpr: float,
    trained_domains: frozenset[str] | None,
) -> Judged:
    validation, test = held_out["validation"], held_out["test"]
    logits = {name: int8.transformer_logits(data.urls) for name, data in held_out.items()}
    transformer_threshold = choose_threshold(validation.labels, sigmoid(logits["validation"]), target_fpr)
    fp32_report = report(test, sigmoid(fp32_logits["test"]), transformer_threshold, trained_domains)
    int8_report = report(test, sigmoid(logits["test"]), transformer_threshold, trained_domains)
    fusion = _fit_fusion(ngrams, logits["validation"], ngram_logits["validation"], validation.labels) if ngrams else None

    def shipped_scores(split_logits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {name: fusion.combine(values, ngram_logits[name]) if fusion else sigmoid(values) for name, values in split_logits.items()}

    shipped, shipped_fp32 = shipped_scores(logits), shipped_scores(fp32_logits)
    phishing = choose_shape_thresholds(validation, shipped["validation"], target_fpr)
    # The suspicious notice shows only on pages that ask for a password, and real sign-in pages
    # score above other deep links: at 1.5% of deep links it would show on about 5% of them. So
    # it stays one level for both kinds of page, the stricter kind's, and below each one's threshold.
    suspicious = max(choose_shape_thresholds(validation, shipped["validation"], SUSPICIOUS_TARGET_FPR))
    levels = Levels(*phishing, *(min(suspicious, threshold) for threshold in phishing))
    # The gate judges the verdicts the daemon gives, over every held-out URL, not the test
    # split alone: on a small split one URL near the threshold would move it by a whole percent.
    agreement = float(np.mean(np.concatenate([
        (shipped_fp32[name] >= levels.per_url(held_out[name])) == (shipped[name] >= levels.per_url(held_out[name]))
        for name in ("validation", "test")
    ])))
    refusal = _parity_refusal(fp32_report["overall"]["roc_auc"], int8_report["overall"]["roc_auc"], agreement)
    return Judged(logits, transformer_threshold, fp32_report, int8_report, fusion, shipped, levels, agreement, refusal)


def _fit_fusion(ngrams: NgramModel, transformer_logits: np.ndarray, ngram_logits: np.ndarray, labels: np.ndarray) -> Fusion:
    """Weigh the two models' logits by a logistic regression on the validation split.

    Three numbers fitted on held-out sites, which neither model trained on: the weights say
    how far to trust each model where they disagree.
    """
    from sklearn.linear_model import LogisticRegression

    features = np.column_stack([transformer_logits, ngram_logits])
    regression = LogisticRegression(C=1.0).fit(features, labels)
    (transformer_weight, ngram_weight), bias = regression.coef_[0], regression.intercept_[0]
    print(f"fusion: {transformer_weight:.3f} x transformer + {ngram_weight:.3f} x n-grams + {bias:.3f}", flush=True)
    return Fusion(ngrams, float(transformer_weight), float(ngram_weight), float(bias))


def model_id(onnx_sha256: str, fusion_card: dict | None, levels: Levels, learnt_sites: dict | None = None) -> str:
    """Named after everything that makes its verdicts: the ONNX file, the n-gram model and
    weights it is fused with, the thresholds, and the sites a retrain learnt, if any."""
    parts = [onnx_sha256, fusion_card, asdict(levels)] + ([learnt_sites] if learnt_sites else [])
    verdicts = json.dumps(parts, sort_keys=True).encode()
    return f"baitwatch-url-{hashlib.sha256(verdicts).hexdigest()[:12]}"


def _fusion_card(fusion: Fusion, ngram_path: Path) -> dict:
    return {name: getattr(fusion, name) for name in FUSION_WEIGHTS} | {
        "ngram_sha256": file_sha256(ngram_path),
        "rule": "sigmoid of a logistic regression over both models' logits, fitted on the validation split",
    }


def _sequence_classifier_config(checkpoint: Path):
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(checkpoint)
    except (OSError, ValueError):
        raise BaitwatchError(f"{checkpoint} is not a model checkpoint folder (no readable config.json)") from None
    architectures = config.architectures or []
    if not any(name.endswith("ForSequenceClassification") for name in architectures):
        raise BaitwatchError(
            f"{checkpoint} is not a sequence classifier (its architecture is {', '.join(architectures) or 'unknown'}); "
            "export a folder written by baitwatch train"
        )
    return config


def _training_record(checkpoint: Path) -> dict:
    try:
        return json.loads((checkpoint / TRAINING_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BaitwatchError(
            f"{checkpoint} has no readable {TRAINING_FILE}; export needs a folder written by baitwatch train"
        ) from None


def _export_onnx(checkpoint: Path, path: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, attn_implementation="eager").eval()
    example = torch.ones((2, 16), dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow in the model
        torch.onnx.export(
            model,
            (example, example, torch.zeros_like(example)),
            str(path),
            input_names=INPUT_NAMES,
            output_names=["logits"],
            dynamic_axes=axes | {"logits": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def _optimize(source: Path, target: Path, config) -> None:
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    fusions = FusionOptions("bert")
    fusions.use_multi_head_attention = True  # Q, K, V stay MatMuls, so that they are quantized too
    fusions.enable_embed_layer_norm = False  # keeps the embeddings Gathers, stored int8 (quantize.py)
    # onnxruntime's SkipLayerNormalization kernel took 45 us per call on a 22-token URL, against
    # 13 us for the Add and LayerNormalization it replaces: a fifth of a static-int8 model's time.
    # The daemon keeps onnxruntime from fusing them again (classifier.UNFUSED).
    fusions.enable_skip_layer_norm = False
    optimized = optimize_model(
        str(source),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        optimization_options=fusions,
    )
    optimized.save_model_to_file(str(target))


def read_trained_domains(checkpoint: Path) -> frozenset[str] | None:
    path = checkpoint / TRAINED_DOMAINS_FILE
    if not path.is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return frozenset(line.strip() for line in stream if line.strip())


def _save_trainable(checkpoint: Path, target: Path, test: Dataset) -> None:
    """What a retrain from the user's feedback starts from: the weights in half precision (half
    the size, and a warm start needs no more) with the tokenizer, the sample of training rows
    it replays so as not to forget, the validation split its thresholds are chosen on again,
    and a sample of the test split it is judged on."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, dtype=torch.float16)
    model.save_pretrained(str(target))
    AutoTokenizer.from_pretrained(checkpoint).save_pretrained(str(target))
    for name in (REPLAY_FILE, VALIDATION_FILE):  # all of validation: thresholds need its rarer kinds of page
        if (checkpoint / name).is_file():
            shutil.copyfile(checkpoint / name, target / name)
    stratified_sample(test, RETRAIN_TEST_ROWS, seed=0).write_csv(target / TEST_FILE)


def _save_tokenizer(checkpoint: Path, path: Path) -> None:
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(checkpoint).backend_tokenizer.save(str(path))


def _parity_refusal(fp32_auc: float | None, int8_auc: float | None, agreement: float) -> str | None:
    """Why an int8 model is too far from fp32 to ship, or None."""
    auc_drop = fp32_auc - int8_auc if fp32_auc is not None and int8_auc is not None else 0.0
    if auc_drop > MAX_AUC_DROP or agreement < MIN_VERDICT_AGREEMENT:
        return (
            f"test AUC drop {auc_drop:.4f}, held-out verdict agreement {agreement:.4f}; allowed: "
            f"AUC drop <= {MAX_AUC_DROP}, agreement >= {MIN_VERDICT_AGREEMENT}"
        )
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None

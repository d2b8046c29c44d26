"""Turn a trained checkpoint into the int8 ONNX model the daemon serves, with its model card.

ONNX with dynamic batch and sequence axes -> onnxruntime's BERT graph fusions -> int8, then
the fusion with the checkpoint's n-gram model fitted on validation. The int8 transformer
must stay within the parity gate of the fp32 graph (test ROC AUC, and the shipped verdicts
over validation and test), or nothing is written.

Why the eager attention code path is traced: the default (SDPA) one exports as dozens of
small mask and reshape nodes per layer that onnxruntime cannot fuse. Traced eagerly, each
layer's attention fuses into one MultiHeadAttention node, with the Q, K and V projections
left as plain MatMuls so that they get int8 weights too: at the same file size, 9.3 against
10.0 ms a URL on 2 cores (benchmarks/model_speed.py, "exported" against "shipped").

Why not plain dynamic quantization (``quantize_dynamic``): it quantizes each MatMul's input
activations with one scale per tensor, and MiniLM's activations have outlier channels. On
the first shipped model that moved logits by 0.2 on average and agreed with fp32 on only
97.9% of test verdicts at a low-false-positive threshold, below the gate. Instead the
weights of every MatMul are int8 in blocks of 128 (MatMulNBits, 8 bits) with activations
quantized per row and block at run time (accuracy level 4), which agreed on 99.6%; the
word embeddings are int8 per channel. Each block has its own zero point (asymmetric): a
model fine-tuned from dequantized weights moved its logits by 0.34 on average when
re-quantized symmetrically, against 0.026 with zero points (the agreement gate failed at 95%). The file stays about 24 MB, a quarter of fp32, and a
URL's score no longer depends on what else is in its batch.
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
    choose_group_threshold,
    choose_threshold,
    format_table,
    report,
)
from model_export.train import FUTURE_FILE, REPLAY_FILE, TEST_FILE, TRAINED_DOMAINS_FILE, TRAINING_FILE, VALIDATION_FILE

TRAINABLE_DIR = "trainable"  # fp16 weights of what ships: the next retrain warm-starts from them
RETRAIN_TEST_ROWS = 2000  # of the test split, kept to judge a retrain: enough to see a drop of a few thousandths of AUC

MAX_AUC_DROP = 0.003
MIN_VERDICT_AGREEMENT = 0.99
OPSET = 17
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def export(checkpoint: Path, out: Path) -> dict:
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
        int8_path = work / MODEL_FILE
        _quantize(optimized_path, int8_path)
        _save_tokenizer(checkpoint, work / TOKENIZER_FILE)

        fp32 = Classifier(optimized_path, work / TOKENIZER_FILE, max_length)
        int8 = Classifier(int8_path, work / TOKENIZER_FILE, max_length)
        held_out = {"validation": validation, "test": test} | ({"future": future} if future else {})
        logits = {name: int8.transformer_logits(data.urls) for name, data in held_out.items()}
        fp32_logits = {name: fp32.transformer_logits(held_out[name].urls) for name in ("validation", "test")}
        transformer_threshold = choose_threshold(validation.labels, sigmoid(logits["validation"]), training["target_fpr"])
        fp32_report = report(test, sigmoid(fp32_logits["test"]), transformer_threshold, trained_domains)
        int8_report = report(test, sigmoid(logits["test"]), transformer_threshold, trained_domains)

        ngrams = NgramModel.load(checkpoint / NGRAM_FILE) if (checkpoint / NGRAM_FILE).is_file() else None
        ngram_logits = {name: ngrams.logits(data.urls) for name, data in held_out.items()} if ngrams else {}
        fusion = _fit_fusion(ngrams, logits["validation"], ngram_logits["validation"], validation.labels) if ngrams else None

        def shipped_scores(split_logits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {
                name: fusion.combine(values, ngram_logits[name]) if fusion else sigmoid(values) for name, values in split_logits.items()
            }

        shipped, shipped_fp32 = shipped_scores(logits), shipped_scores(fp32_logits)
        threshold = choose_group_threshold(validation, shipped["validation"], training["target_fpr"])
        suspicious_threshold = min(threshold, choose_group_threshold(validation, shipped["validation"], SUSPICIOUS_TARGET_FPR))
        # The gate judges the verdicts the daemon gives, over every held-out URL, not the test
        # split alone: on a small split one URL near the threshold would move it by a whole percent.
        agreement = float(np.mean(np.concatenate([
            (shipped_fp32[name] >= threshold) == (shipped[name] >= threshold) for name in ("validation", "test")
        ])))
        _parity_gate(fp32_report["overall"]["roc_auc"], int8_report["overall"]["roc_auc"], agreement)
        shipped_report = report(test, shipped["test"], threshold, trained_domains)
        future_reports = {
            "future_int8": report(future, sigmoid(logits["future"]), transformer_threshold, trained_domains),
            "future_shipped": report(future, shipped["future"], threshold, trained_domains),
        } if future else {}
        if fusion:
            shutil.copyfile(checkpoint / NGRAM_FILE, work / NGRAM_FILE)

        sha256 = file_sha256(int8_path)
        fusion_card = _fusion_card(fusion, work / NGRAM_FILE) if fusion else None
        card = {
            "id": _model_id(sha256, fusion_card),
            "labels": ["safe", "phishing"],
            "threshold": threshold,
            "threshold_rule": (
                f"lowest score at which the shipped score's false-positive rate on the validation split's "
                f"{' and '.join(THRESHOLD_GROUPS)} is at most {training['target_fpr']} on each"
            ),
            "target_fpr": training["target_fpr"],
            "suspicious_threshold": suspicious_threshold,
            "suspicious_threshold_rule": (
                f"lowest score at which the shipped score's false-positive rate on the validation split's "
                f"{' and '.join(THRESHOLD_GROUPS)} is at most {SUSPICIOUS_TARGET_FPR} on each"
            ),
            "fusion": fusion_card,
            "max_length": max_length,
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
                "transformer_threshold": transformer_threshold,
                "fp32": fp32_report,
                "int8": int8_report,
                "int8_fp32_verdict_agreement": agreement,
                "shipped": shipped_report,
            } | future_reports,
            "versions": {name: _version(name) for name in ("baitwatch", "torch", "transformers", "onnx", "onnxruntime")},
            "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (work / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        _save_trainable(checkpoint, work / TRAINABLE_DIR, test)
        out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out / TRAINABLE_DIR, ignore_errors=True)
        (out / NGRAM_FILE).unlink(missing_ok=True)
        for name in (MODEL_FILE, TOKENIZER_FILE, CARD_FILE, TRAINABLE_DIR) + ((NGRAM_FILE,) if fusion else ()):
            shutil.move(str(work / name), str(out / name))
    print(f"threshold {threshold:.4f}; int8 model {card['onnx_bytes'] / 1e6:.1f} MB; verdict agreement {agreement:.4f}")
    rows = {"test fp32 (onnx)": fp32_report, "test int8 (onnx)": int8_report, "test shipped": shipped_report} | future_reports
    print(format_table({name: row["overall"] for name, row in rows.items()}))
    print(f"wrote {out}")
    return card


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


def _model_id(onnx_sha256: str, fusion_card: dict | None) -> str:
    """Named after everything that makes its scores: the ONNX file, and the n-gram model and weights it is fused with."""
    if fusion_card is None:
        return f"baitwatch-url-{onnx_sha256[:12]}"
    scoring = json.dumps([onnx_sha256, fusion_card], sort_keys=True).encode()
    return f"baitwatch-url-{hashlib.sha256(scoring).hexdigest()[:12]}"


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
    fusions.use_multi_head_attention = True  # Q, K, V stay MatMuls: _quantize makes them int8
    fusions.enable_embed_layer_norm = False  # keeps the word embeddings a Gather, stored int8
    optimized = optimize_model(
        str(source),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        optimization_options=fusions,
    )
    optimized.save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    weights_int8 = target.with_name("weights-int8.onnx")
    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(source)), bits=8, block_size=128, is_symmetric=False, accuracy_level=4, op_types_to_quantize=("MatMul",)
    )
    quantizer.process()
    quantizer.model.save_model_to_file(str(weights_int8), False)
    # The fused graph has contrib ops that ONNX shape inference cannot type; they output float.
    quantize_dynamic(
        weights_int8,
        target,
        op_types_to_quantize=["Gather"],
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


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


def _parity_gate(fp32_auc: float | None, int8_auc: float | None, agreement: float) -> None:
    auc_drop = fp32_auc - int8_auc if fp32_auc is not None and int8_auc is not None else 0.0
    if auc_drop > MAX_AUC_DROP or agreement < MIN_VERDICT_AGREEMENT:
        raise BaitwatchError(
            f"the int8 model is too far from fp32 (test AUC drop {auc_drop:.4f}, held-out "
            f"verdict agreement {agreement:.4f}; allowed: AUC drop <= {MAX_AUC_DROP}, agreement >= "
            f"{MIN_VERDICT_AGREEMENT}); nothing was written"
        )


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None

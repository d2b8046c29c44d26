"""Model speed and memory: the original recipe's deployment against ours, same URLs, same run.

    .venv/bin/python benchmarks/model_speed.py [--checkpoint runs/l6] [--previous DIR] [--urls 300] [--repeats 3]

Seven ways to score a URL, each measured in a fresh process (so resident memory is its own):
  original  bert-base-uncased architecture, PyTorch fp32, transformers pipeline (the original
            article's deployment; its fine-tuned weights are not reachable offline, so it is
            built from its config: speed does not depend on weight values)
  ours-pt   our model in PyTorch fp32: the checkpoint given, or else the offline base model cut
            to the shipped model's depth with a fresh two-label head (the same shapes)
  ours-onnx the same exported to ONNX fp32 (with the BERT fusions)
  dynamic   the same with onnxruntime's plain dynamic int8 quantization: fast, but a URL's
            score then depends on its batch companions, so it does not ship
  weight-int8  the same in export's fallback int8 format: int8 weights, activations quantized
            per row at run time (MatMulNBits; every shipped model before static int8)
  static-int8  the same in export's first int8 format: int8 weights and activations, with
            activation scales calibrated on other corpus URLs
  shipped   the shipped int8 ONNX model, as the daemon runs it
  previous  with --previous DIR: that exported model folder (say, the model shipped before), as
            the daemon runs it
Per-URL latency at batch 1 (p50, p99), throughput at batch 32, size on disk, resident memory.
Writes benchmarks/model_speed.json; prints a table with ratios against the original.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import ROOT, corpus_urls, machine, median_of, one_at_a_time_ms, percentiles, resident_mb

KINDS = ("original", "ours-pt", "ours-onnx", "dynamic", "weight-int8", "static-int8", "shipped")


def _folder_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def prepare(checkpoint: Path | None, work: Path) -> None:
    """Write every kind's model files into ``work`` once, so that no measured process pays for
    (or holds the memory of) exporting: bert-base, our checkpoint, its ONNX fp32 and the int8s."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig

    from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier, ModelCard
    from model_export.export import _export_onnx, _optimize, _save_tokenizer, _sequence_classifier_config
    from model_export.quantize import StaticInt8, WeightInt8
    from model_export.train import load_base, resolve_base_model

    if checkpoint is None:  # a stand-in with the shipped model's shapes
        layers = ModelCard.read(SHIPPED_MODEL_DIR).raw["hyperparameters"].get("layers")
        tokenizer, model = load_base(resolve_base_model(None)[0], None, layers)
        model.save_pretrained(work / "ours")
        tokenizer.save_pretrained(work / "ours")
    else:
        AutoModelForSequenceClassification.from_pretrained(checkpoint).save_pretrained(work / "ours")
        AutoTokenizer.from_pretrained(checkpoint).save_pretrained(work / "ours")
    AutoModelForSequenceClassification.from_config(BertConfig(num_labels=2)).save_pretrained(work / "bert-base")
    _export_onnx(work / "ours", work / "fp32.onnx")
    _optimize(work / "fp32.onnx", work / "ours-onnx.onnx", _sequence_classifier_config(work / "ours"))
    _save_tokenizer(work / "ours", work / "tokenizer.json")
    fp32 = Classifier(work / "ours-onnx.onnx", work / "tokenizer.json", 64)

    def calibration(count: int):  # URLs other than the measured ones (seed 2)
        return (feeds for _, feeds in fp32.batches(corpus_urls(count, seed=3)))

    for quantization in (WeightInt8(), StaticInt8()):
        quantization.write(work / "ours-onnx.onnx", work / f"{quantization.name}.onnx", calibration)
    quantize_dynamic(
        work / "ours-onnx.onnx", work / "dynamic.onnx", op_types_to_quantize=["MatMul", "Gather"],
        weight_type=QuantType.QInt8, per_channel=True, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _scorer(kind: str, work: Path, previous: Path | None):
    """(score one batch of URLs, size on disk in MB) for one kind, from the files ``prepare`` wrote."""
    if kind in ("original", "ours-pt"):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

        torch.set_num_threads(os.cpu_count() or 1)
        folder = work / ("bert-base" if kind == "original" else "ours")
        model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
        tokenizer = AutoTokenizer.from_pretrained(work / "ours")  # the same bert-base-uncased vocabulary
        classify = pipeline("text-classification", model=model, tokenizer=tokenizer, device=-1, truncation=True, max_length=64)
        return (lambda urls: classify(urls, batch_size=len(urls))), _folder_mb(folder / "model.safetensors")
    from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier

    if kind in ("shipped", "previous"):
        model_dir = SHIPPED_MODEL_DIR if kind == "shipped" else previous
        classifier, _ = Classifier.from_model_dir(model_dir)
        return classifier.score, _folder_mb(model_dir / "model.onnx")
    classifier = Classifier(work / f"{kind}.onnx", work / "tokenizer.json", 64)
    return classifier.score, _folder_mb(work / f"{kind}.onnx")


def measure(kind: str, work: Path, previous: Path | None, urls: list[str]) -> dict:
    """Runs inside a child process: one kind, one set of numbers."""
    score, size = _scorer(kind, work, previous)
    score(urls[:10])  # warm up
    latencies = one_at_a_time_ms(score, urls)
    started = time.perf_counter()
    for i in range(0, len(urls), 32):
        score(urls[i : i + 32])
    throughput = len(urls) / (time.perf_counter() - started)
    return percentiles(latencies) | {"batch32_urls_per_second": throughput, "size_mb": size, "resident_mb": resident_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, help="folder written by baitwatch train (default: a stand-in of the same shapes)")
    parser.add_argument("--previous", type=Path, help="an exported model folder to measure as well, for example the model shipped before")
    parser.add_argument("--urls", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kind", choices=(*KINDS, "previous"), help=argparse.SUPPRESS)  # the child process's job
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)  # where prepare() wrote the models
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "model_speed.json")
    args = parser.parse_args()
    urls = corpus_urls(args.urls, seed=2)
    if args.kind:
        print(json.dumps(measure(args.kind, args.work, args.previous, urls)))
        return
    kinds = (*KINDS, "previous") if args.previous else KINDS
    previous = ["--previous", str(args.previous)] if args.previous else []
    results = {}
    with tempfile.TemporaryDirectory(prefix="baitwatch-model-speed-") as work:
        prepare(args.checkpoint, Path(work))
        for kind in kinds:
            runs = []
            for _ in range(args.repeats):
                child = subprocess.run(
                    [sys.executable, __file__, "--urls", str(args.urls), "--kind", kind, "--work", work, *previous],
                    capture_output=True, text=True, check=True,
                )
                runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
            results[kind] = median_of(runs)
            print(f"{kind}: {results[kind]}", flush=True)
    original = results["original"]
    for kind in kinds:
        row = results[kind]
        row["speedup_p50_vs_original"] = original["p50_ms"] / row["p50_ms"]
        row["memory_ratio_vs_original"] = original["resident_mb"] / row["resident_mb"]
    results["machine"] = machine()
    results["command"] = "python benchmarks/model_speed.py " + " ".join(sys.argv[1:])
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{'':>10} {'p50 ms':>8} {'p99 ms':>8} {'batch32/s':>10} {'MB disk':>8} {'MB RSS':>8} {'speed x':>8} {'mem x':>6}")
    for kind in kinds:
        r = results[kind]
        print(f"{kind:>10} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['batch32_urls_per_second']:10.0f} {r['size_mb']:8.1f} "
              f"{r['resident_mb']:8.0f} {r['speedup_p50_vs_original']:8.1f} {r['memory_ratio_vs_original']:6.1f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""The least time this machine needs for the shipped model's arithmetic, beside the targets.

    .venv/bin/python benchmarks/arithmetic_floor.py [--urls 2000]

At URL lengths a BERT layer's time goes to its weight matrices (attention over a few dozen
tokens is about 1% of the multiply-adds). This counts the multiply-adds of every int8 weight
matrix of the shipped model, the token counts of corpus URLs, and this machine's peak fp32
matrix-multiply rate (numpy's BLAS on all cores, on large matrices, where it runs fastest).
Their quotients are a floor under the time for one median URL and a ceiling on URLs per
second for any fp32 engine on this machine; real engines on one short URL reach a fraction
of the peak. Writes benchmarks/arithmetic_floor.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

from measure import ROOT, corpus_urls, machine

from baitwatch.classifier import MODEL_FILE, SHIPPED_MODEL_DIR, TOKENIZER_FILE, ModelCard


def weight_shapes(model_path: Path) -> list[tuple[int, int]]:
    """(K, N) of every int8 weight matrix, the encoder's, applied to every token: MatMulNBits
    nodes (weight-only int8), or MatMuls fed an int8 initializer by a DequantizeLinear (static int8)."""
    model = onnx.load(str(model_path))
    initializers = {item.name: tuple(item.dims) for item in model.graph.initializer}
    dequantized = {node.output[0]: node.input[0] for node in model.graph.node if node.op_type == "DequantizeLinear"}
    shapes = []
    for node in model.graph.node:
        if node.op_type == "MatMulNBits":
            attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            shapes.append((attributes["K"], attributes["N"]))
        elif node.op_type == "MatMul" and len(initializers.get(dequantized.get(node.input[1], ""), ())) == 2:
            shapes.append(initializers[dequantized[node.input[1]]])
    return shapes


def token_counts(urls: list[str]) -> np.ndarray:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(SHIPPED_MODEL_DIR / TOKENIZER_FILE))
    tokenizer.enable_truncation(ModelCard.read(SHIPPED_MODEL_DIR).max_length)
    return np.array([len(encoding.ids) for encoding in tokenizer.encode_batch(urls)])


def peak_gflops(k: int, n: int, rows: int = 2048, repeats: int = 200) -> float:
    """The best fp32 rate of ``rows x k`` times ``k x n`` here, in GFLOP/s."""
    rng = np.random.default_rng(0)
    activations, weights = rng.standard_normal((rows, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    activations @ weights  # warm up the BLAS threads
    best = min(_seconds(lambda: activations @ weights) for _ in range(repeats))
    return 2 * rows * k * n / best / 1e9


def _seconds(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "arithmetic_floor.json")
    args = parser.parse_args()
    shapes = weight_shapes(SHIPPED_MODEL_DIR / MODEL_FILE)
    tokens = token_counts(corpus_urls(args.urls, seed=1))
    multiply_adds = sum(k * n for k, n in shapes)
    median_tokens, mean_tokens = float(np.median(tokens)), float(tokens.mean())
    peak = peak_gflops(*max(shapes, key=lambda shape: shape[0] * shape[1]))
    result = {
        "weight_matrices": len(shapes),
        "multiply_adds_per_token": multiply_adds,
        "tokens_p50": median_tokens,
        "tokens_mean": mean_tokens,
        "fp32_peak_gflops": peak,
        "floor_ms_per_median_url": 2 * multiply_adds * median_tokens / peak / 1e6,
        "ceiling_urls_per_second": peak * 1e9 / (2 * multiply_adds * mean_tokens),
        "machine": machine(),
        "command": " ".join(["python benchmarks/arithmetic_floor.py", *sys.argv[1:]]),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{len(shapes)} weight matrices, {multiply_adds / 1e6:.1f} M multiply-adds per token; corpus URLs: "
        f"{result['tokens_p50']:.0f} tokens at the median, {result['tokens_mean']:.1f} on average\n"
        f"fp32 peak here: {peak:.0f} GFLOP/s, so at least {result['floor_ms_per_median_url']:.2f} ms for a median URL "
        f"and at most {result['ceiling_urls_per_second']:.0f} URLs/s\nwrote {args.out}"
    )


if __name__ == "__main__":
    main()

"""Rebuild a trainable checkpoint from an exported int8 model, in either int8 format: the
weights a warm start needs, which a shipped model's commit does not carry (README, "How a
shipped model travels").

Every weight matrix of the ONNX file is stored as int8 with its scales, so dequantizing it
gives back a BERT model that scores as the int8 model does (within the int8 runtime's own
rounding of activations). Names follow the exporter: a weight-only int8 MatMul node is named
after the linear layer it computes (``/bert/encoder/layer.0/attention/self/key/MatMul_Q8``);
a static int8 weight is dequantized by a DequantizeLinear node that feeds the MatMul named so
(``/bert/encoder/layer.0/attention/self/key/MatMul``); the other initializers keep their
PyTorch names.

    python -m model_export.recover daemon/baitwatch/model --out runs/recovered
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from baitwatch.classifier import CARD_FILE, MODEL_FILE
from baitwatch.errors import BaitwatchError

LINEAR_NODE = re.compile(r"^/(?P<path>.+)/MatMul_Q8$")
STATIC_LINEAR_NODE = re.compile(r"^/(?P<path>.+)/MatMul$")
# Plain MatMuls whose weights stayed float: ONNX keeps them as (in, out), PyTorch as (out, in);
# the static int8 format's graph optimization renames them NAME_Transposed.
FLOAT_MATMULS = ("bert.pooler.dense.weight", "classifier.weight")
TRANSPOSED = "_Transposed"


def recovered_state_dict(onnx_path: Path) -> dict[str, np.ndarray]:
    """PyTorch parameter name -> float32 array, from the int8 ONNX model."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    arrays = {item.name: numpy_helper.to_array(item) for item in model.graph.initializer}
    state = {
        name: value
        for name, value in arrays.items()
        if name.startswith(("bert.", "classifier.")) and value.dtype == np.float32 and not name.endswith(("_scale", TRANSPOSED))
    }
    for name in FLOAT_MATMULS:
        state[name] = (state[name] if name in state else arrays[name + TRANSPOSED]).T
    state |= _static_int8_linears(model, arrays)
    for node in model.graph.node:
        match = LINEAR_NODE.match(node.name)
        if node.op_type != "MatMulNBits" or not match:
            continue
        attributes = {a.name: a.i for a in node.attribute}
        if attributes.get("bits") != 8:
            raise BaitwatchError(f"{onnx_path}: {node.name} is not 8-bit; cannot recover its weights")
        quantized, scales = arrays[node.input[1]], arrays[node.input[2]]
        rows, blocks, block = quantized.shape
        # One zero point per block when quantized asymmetrically, else the middle of the range.
        zero_points = arrays[node.input[3]].reshape(rows, blocks, 1).astype(np.float32) if len(node.input) > 3 and node.input[3] else 128.0
        weight = (quantized.astype(np.float32) - zero_points) * scales.reshape(rows, blocks, 1)
        state[match["path"].replace("/", ".") + ".weight"] = weight.reshape(rows, blocks * block)[:, : attributes["K"]]
    for name in [n for n in arrays if n.endswith(".weight_quantized")]:
        stem = name.removesuffix("_quantized")
        zero_point = arrays[stem + "_zero_point"].astype(np.float32)
        scale = arrays[stem + "_scale"].astype(np.float32)
        quantized = arrays[name].astype(np.float32)
        if scale.ndim == 1:  # per output channel of the embedding table
            scale, zero_point = scale[None, :], zero_point[None, :]
        state[stem] = (quantized - zero_point) * scale
    return state


def _static_int8_linears(model, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The linear layers of a static int8 model: each int8 weight goes through a DequantizeLinear
    into the MatMul of its layer, which ONNX keeps as (in, out) and PyTorch as (out, in)."""
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    state = {}
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in arrays or arrays[node.input[0]].ndim != 2:
            continue
        for consumer in consumers.get(node.output[0], []):
            match = STATIC_LINEAR_NODE.match(consumer.name) if consumer.op_type == "MatMul" else None
            if match:
                quantized, scale = arrays[node.input[0]].astype(np.float32), arrays[node.input[1]].astype(np.float32)
                zero_point = arrays[node.input[2]].astype(np.float32) if len(node.input) > 2 and node.input[2] else 0.0
                state[match["path"].replace("/", ".") + ".weight"] = ((quantized - zero_point) * scale).T
    # The fused attention adds the query, key and value biases as one input, in that order.
    for node in model.graph.node:
        if node.op_type == "MultiHeadAttention" and len(node.input) > 3 and node.input[3] in arrays:
            layer = STATIC_LINEAR_NODE.match(node.input[0].removesuffix("_output_0"))
            if layer:
                prefix = layer["path"].replace("/", ".").rsplit(".", 1)[0]  # bert.encoder.layer.N.attention.self
                for part, bias in zip(("query", "key", "value"), np.split(arrays[node.input[3]].astype(np.float32), 3)):
                    state[f"{prefix}.{part}.bias"] = bias
    return state


def recover(model_dir: Path, out: Path) -> Path:
    """Write a Hugging Face checkpoint folder that ``baitwatch train --base-model`` can warm-start from."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from model_export.train import LABELS, resolve_base_model

    card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    state = recovered_state_dict(model_dir / MODEL_FILE)
    layers = 1 + max(int(m.group(1)) for m in map(re.compile(r"bert\.encoder\.layer\.(\d+)\.").match, state) if m)
    base_location, _ = resolve_base_model(None if card["base_model"] == resolve_base_model(None)[1] else card["base_model"])
    config = AutoConfig.from_pretrained(
        base_location, num_labels=2, id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)}
    )
    config.num_hidden_layers = layers
    model = AutoModelForSequenceClassification.from_config(config)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise BaitwatchError(f"{model_dir}: the ONNX weights do not fit the base model (missing {missing[:3]}, unexpected {unexpected[:3]})")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(base_location).save_pretrained(str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="an exported model folder (model.onnx, model.json)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the checkpoint")
    args = parser.parse_args()
    print(f"wrote {recover(args.model_dir, args.out)}")


if __name__ == "__main__":
    main()

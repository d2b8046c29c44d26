"""The int8 formats ``baitwatch export`` can write, each as settings that go into the model card.

Both keep a URL's score independent of what else is in its batch, which plain dynamic
quantization does not (it scales activations by each call's largest value), and both store
the word embeddings int8 with a scale per channel. Scores are the same in any batch, not
bit for bit the same on every CPU: float kernels round differently from one to the next.

``StaticInt8`` (tried first: 1.6x faster a URL and 2.2x in batches than the weight-only
  model shipped before it, on 2 cores with AVX-512 VNNI, benchmarks/model_speed.py): every MatMul has int8 weights per
  output channel and quantizes its input activations with one fixed scale and zero point,
  calibrated once (min-max) on URLs of the validation split, so the integer matrix product
  is exact and the same in any batch. Outputs stay float, as quantizing them too moved
  logits twice as far. Weights use 7 of their 8 bits: on x86 CPUs without VNNI,
  onnxruntime's u8 x s8 kernel sums pairs of products in 16 bits, which 8-bit weights can
  overflow; at 7 bits the result is exact on every CPU, and scores moved no further here.
``WeightInt8`` (the fallback, and every model shipped before static int8): MatMul weights
  int8 in blocks of 128 (MatMulNBits), activations quantized per row and block at run time
  (accuracy level 4). Closer to fp32, but slower. Each block has its own zero point: a model
  fine-tuned from dequantized weights moved its logits by 0.34 on average when quantized
  symmetrically again, against 0.026 with zero points.

Export writes a format, judges it with the parity gate, and ships the first that passes; a
format that fails to write counts as refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Feeds = dict[str, np.ndarray]  # one onnxruntime call's inputs
# calibration(n) -> the model inputs that scoring n URLs of the validation split takes
Calibration = Callable[[int], Iterable[Feeds]]


@dataclass(frozen=True)
class StaticInt8:
    name: str = "static-int8"
    weight_type: str = "QInt8"  # per output channel
    reduce_range: bool = True  # 7 of the 8 bits: exact on every x86 kernel (see above)
    activation_type: str = "QUInt8"  # one scale and zero point per tensor
    quantize_outputs: bool = False  # MatMul outputs stay float
    calibration_method: str = "MinMax"
    calibration_urls: int = 512
    embeddings: str = "QInt8"  # the word embeddings, per channel; see _embeddings_int8

    def write(self, source: Path, target: Path, calibration: Calibration) -> None:
        import onnx
        from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

        class Reader(CalibrationDataReader):
            def __init__(self, batches: Iterable[Feeds]):
                self._batches = iter(batches)

            def get_next(self) -> Feeds | None:
                return next(self._batches, None)

        batches = list(calibration(self.calibration_urls))
        typed, matmuls_int8 = target.with_name("fp32-typed.onnx"), target.with_name("matmuls-int8.onnx")
        _declare_value_types(source, typed, batches[0])
        quantize_static(
            typed,
            matmuls_int8,
            Reader(batches),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            reduce_range=self.reduce_range,
            activation_type=QuantType[self.activation_type],
            weight_type=QuantType[self.weight_type],
            calibrate_method=CalibrationMethod[self.calibration_method],
            extra_options={
                "OpTypesToExcludeOutputQuantization": [] if self.quantize_outputs else ["MatMul"],
                "DefaultTensorType": onnx.TensorProto.FLOAT,
            },
        )
        _embeddings_int8(matmuls_int8, target, self.embeddings)


@dataclass(frozen=True)
class WeightInt8:
    name: str = "weight-int8"
    bits: int = 8
    block_size: int = 128
    symmetric: bool = False
    accuracy_level: int = 4
    embeddings: str = "QInt8"

    def write(self, source: Path, target: Path, calibration: Calibration) -> None:
        del calibration  # weights only: nothing to calibrate
        import onnx
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        matmuls_int8 = target.with_name("matmuls-int8.onnx")
        quantizer = MatMulNBitsQuantizer(
            onnx.load(str(source)), bits=self.bits, block_size=self.block_size, is_symmetric=self.symmetric,
            accuracy_level=self.accuracy_level, op_types_to_quantize=("MatMul",),
        )
        quantizer.process()
        quantizer.model.save_model_to_file(str(matmuls_int8), False)
        _embeddings_int8(matmuls_int8, target, self.embeddings)


FORMATS = (StaticInt8(), WeightInt8())  # fastest first


def settings(quantization: StaticInt8 | WeightInt8) -> dict:
    """What the model card records: the format's name and the settings it was written with."""
    return dataclasses.asdict(quantization)


def recorded(card: dict) -> dict:
    """A model card's quantization record; cards written before there was one are weight-only int8."""
    return card.get("quantization") or {"name": WeightInt8.name, "refused": []}


def _embeddings_int8(source: Path, target: Path, weight_type: str) -> None:
    """Store the embedding tables int8 with a scale per channel, dequantized row by row as they are looked up."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The fused graph has contrib ops that ONNX shape inference cannot type; they output float.
    quantize_dynamic(
        source, target, op_types_to_quantize=["Gather"], weight_type=QuantType[weight_type], per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _declare_value_types(source: Path, target: Path, feeds: Feeds) -> None:
    """Copy ``source`` with the element type of every intermediate tensor declared.

    The static quantizer only quantizes tensors whose type it knows, and neither ONNX shape
    inference nor onnxruntime's symbolic one can type the outputs of the fused attention and
    layer-norm nodes. One run of the model, with each of them made an output, tells.
    """
    import onnx
    import onnxruntime

    model = onnx.load(str(source))
    declared = {v.name for v in [*model.graph.value_info, *model.graph.input, *model.graph.output]}
    declared |= {i.name for i in model.graph.initializer}
    unknown = [name for node in model.graph.node for name in node.output if name and name not in declared]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.extend(onnx.ValueInfoProto(name=name) for name in unknown)
    session = onnxruntime.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    values = session.run(unknown, {name: value for name, value in feeds.items() if name in inputs})
    model.graph.value_info.extend(
        onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(value.dtype), None)
        for name, value in zip(unknown, values)
    )
    onnx.save(model, str(target))

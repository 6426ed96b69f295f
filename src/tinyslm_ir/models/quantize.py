"""Post-training quantization of float ONNX models into the QuantLib integer operator set.

    float ONNX --import_onnx--> graph (f32) --calibrate (run_module + observer)--> ranges
        --rewrite--> graph (int8/int32: RequantShift, iSoftmax, iLayerNorm, iRMSNorm, iGELU,
                     iHardswish, MatMul/Gemm/Add/Mul on integers) + integer WeightStore

The integer graph is an ordinary graph module: the reference interpreter runs it bit-exactly
and the backend compiles it for the host or the simulated Siracusa. Its float inputs arrive
as int8 (`QuantizedModel.quantize_inputs`, on the host) and its outputs leave as int8 with a
scale (`dequantize_outputs`); integer inputs such as token ids pass through unchanged.

    qm = quantize(import_onnx("model.onnx"), calibration_samples)
    ints = qm.run_reference(float_inputs)            # or compile qm.imported() for a target
    floats = qm.dequantize_outputs(ints)

Design choices (all symmetric, zero point 0):
- activations: per-tensor int8 scale = calibrated max |x| / 127 (mask sentinels ignored);
- weights: int8 per output channel (`QuantConfig(per_channel=False)`: per tensor);
- accumulators: int32; biases, Gemm alpha and scalar Mul/Div fold into the next
  RequantShift, whose `div` is a power of two and `mul` carries ~15 bits of the ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.frontend.onnx_importer import ImportedModel
from tinyslm_ir.frontend.weights import WeightStore
from tinyslm_ir.models.quant.calibrate import Ranges, calibrate, tie_cache_ranges
from tinyslm_ir.models.quant.qgraph import QuantizeError
from tinyslm_ir.models.quant.rewrite import IOSpec, QuantConfig, quantize_function
from tinyslm_ir.models.quant.scales import quantize_array
from tinyslm_ir.reference.interpreter import run_module

__all__ = ["IOSpec", "QuantConfig", "QuantizeError", "QuantizedModel", "quantize",
           "quantize_calibrated"]


@dataclass
class QuantizedModel:
    """The integer graph, its weights, and how the host converts its inputs and outputs."""

    module: ModuleOp
    weights: WeightStore
    inputs: list[IOSpec]
    outputs: list[IOSpec]
    ranges: Ranges

    @property
    def input_names(self) -> list[str]:
        return [s.name for s in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [s.name for s in self.outputs]

    def quantize_inputs(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Float inputs -> int8 at their calibrated scales; integer inputs unchanged."""
        return [np.asarray(a).astype(s.dtype) if s.scale is None
                else quantize_array(a, s.scale, *_range(s.dtype), s.dtype)
                for a, s in zip(arrays, self.inputs, strict=True)]

    def dequantize_outputs(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Integer outputs -> float32 (value · scale); pass-through outputs unchanged."""
        return [np.asarray(a) if s.scale is None
                else (np.asarray(a, np.float64) * s.scale).astype(np.float32)
                for a, s in zip(arrays, self.outputs, strict=True)]

    def run_reference(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Integer outputs of the reference interpreter on float (host-side) inputs."""
        return run_module(self.module, self.weights, self.quantize_inputs(arrays))

    def imported(self) -> ImportedModel:
        """A fresh copy as an `ImportedModel`, ready for `driver.compile.compile_imported`
        (which rewrites the module in place)."""
        return ImportedModel(self.module.clone(), WeightStore(dict(self.weights)),
                             self.input_names, self.output_names)


def quantize(model: ImportedModel, samples: Sequence[Sequence[np.ndarray]],
             config: QuantConfig | None = None) -> QuantizedModel:
    """Calibrate `model` on `samples` (each a list of inputs in argument order) and rewrite
    it into an integer graph (`config` defaults to `QuantConfig()`). Raises `QuantizeError`
    naming the op that has no integer form."""
    ranges = calibrate(_main(model.module), model.module, model.weights, samples)
    return quantize_calibrated(model, ranges, config)


def quantize_calibrated(model: ImportedModel, ranges: Ranges,
                        config: QuantConfig | None = None) -> QuantizedModel:
    """`quantize` with ranges calibrated beforehand, possibly on another graph of the same
    model (`Ranges.from_names`)."""
    fn = _main(model.module)
    tie_cache_ranges(fn, ranges)
    new_fn, weights, inputs, outputs = quantize_function(
        fn, model.weights, ranges, config or QuantConfig(), model.input_names,
        model.output_names)
    live = _remove_dead_ops(new_fn)
    module = ModuleOp([new_fn])
    module.verify()
    return QuantizedModel(module, WeightStore({n: weights[n] for n in live}), inputs, outputs,
                          ranges)


def _range(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _main(module: ModuleOp) -> func.FuncOp:
    fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(fns) != 1:
        raise QuantizeError(f"expected one function in the module, found {len(fns)}")
    return fns[0]


def _remove_dead_ops(fn: func.FuncOp) -> list[str]:
    """Drop ops whose results nobody uses (ops emitted for a value that later turned out to
    be part of a pattern, and the constants only they used); returns the live weights."""
    for op in reversed(list(fn.body.block.ops)):
        if not isinstance(op, func.ReturnOp) and not any(r.uses for r in op.results):
            op.detach()
            op.erase()
    return [op.weight_name for op in fn.body.block.ops if isinstance(op, g.WeightOp)]

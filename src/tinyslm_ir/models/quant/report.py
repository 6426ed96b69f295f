"""Accuracy of an integer model against its float model on held-out inputs.

The float side is the reference interpreter on the float graph; the integer side is any
runner of integer inputs (the reference interpreter by default, or a compiled program), its
outputs dequantized on the host. Per output: cosine similarity per sample (flattened), the
largest absolute error and the error's RMS relative to the float RMS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tinyslm_ir.frontend.onnx_importer import ImportedModel
from tinyslm_ir.reference.interpreter import run_module

if TYPE_CHECKING:
    from tinyslm_ir.models.quantize import QuantizedModel

IntRunner = Callable[[list[np.ndarray]], list[np.ndarray]]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two arrays, flattened, in float64 (1.0 for two zero arrays)."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 and nb == 0:
        return 1.0
    return float(a @ b / (na * nb)) if na and nb else 0.0


@dataclass(frozen=True)
class OutputAccuracy:
    name: str
    cosines: tuple[float, ...]
    max_abs_err: float
    rel_rms_err: float

    @property
    def cosine_mean(self) -> float:
        return float(np.mean(self.cosines))

    @property
    def cosine_min(self) -> float:
        return float(np.min(self.cosines))


@dataclass(frozen=True)
class AccuracyReport:
    samples: int
    outputs: tuple[OutputAccuracy, ...]

    def table(self) -> str:
        rows = [f"{'output':<24} {'cos mean':>9} {'cos min':>9} {'max|err|':>10} "
                f"{'rel rms':>8}   ({self.samples} samples)"]
        rows += [f"{o.name[-24:]:<24} {o.cosine_mean:>9.5f} {o.cosine_min:>9.5f} "
                 f"{o.max_abs_err:>10.4g} {o.rel_rms_err:>8.4f}" for o in self.outputs]
        return "\n".join(rows)


def compare_outputs(names: Sequence[str], float_outs: Sequence[Sequence[np.ndarray]],
                    quant_outs: Sequence[Sequence[np.ndarray]]) -> AccuracyReport:
    """The report from per-sample float and dequantized integer outputs."""
    outputs = []
    for i, name in enumerate(names):
        f = [np.asarray(s[i], np.float64) for s in float_outs]
        q = [np.asarray(s[i], np.float64) for s in quant_outs]
        err = np.concatenate([(a - b).ravel() for a, b in zip(f, q, strict=True)])
        ref = np.concatenate([a.ravel() for a in f])
        rms = float(np.sqrt(np.mean(ref**2))) or 1.0
        outputs.append(OutputAccuracy(
            name, tuple(cosine(a, b) for a, b in zip(f, q, strict=True)),
            float(np.abs(err).max(initial=0.0)), float(np.sqrt(np.mean(err**2))) / rms))
    return AccuracyReport(len(float_outs), tuple(outputs))


def accuracy_report(float_model: ImportedModel, quantized: QuantizedModel,
                    samples: Sequence[Sequence[np.ndarray]],
                    run_int: IntRunner | None = None) -> AccuracyReport:
    """Run both models on `samples` (float inputs) and compare their outputs."""
    def reference(ints: list[np.ndarray]) -> list[np.ndarray]:
        return run_module(quantized.module, quantized.weights, ints)

    runner = run_int or reference
    float_outs, quant_outs = [], []
    for sample in samples:
        float_outs.append(run_module(float_model.module, float_model.weights, list(sample)))
        ints = runner(quantized.quantize_inputs(sample))
        quant_outs.append(quantized.dequantize_outputs(ints))
    return compare_outputs(quantized.output_names, float_outs, quant_outs)

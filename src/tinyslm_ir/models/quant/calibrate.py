"""Calibration: run the float graph on sample inputs and record the range of every value.

The reference interpreter (`run_module`) is the float model, and its `observer` hook sees
every intermediate, so the ranges are those of exactly the graph being quantized. The range
of a value is its largest magnitude over all samples, ignoring mask sentinels: additive
attention masks put -1e4 (or -1e9, or float min) where a token must not be attended, and a
scale stretched to cover them would leave no resolution for the scores. Entries with
|x| >= `SENTINEL` are left out of the range unless nothing else is there (a mask input
itself), and they saturate at -128 after quantization, which still masks them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.ir import Operation, SSAValue

from tinyslm_ir.frontend.weights import WeightStore
from tinyslm_ir.reference.interpreter import run_module

SENTINEL = 1e3


def value_range(a: np.ndarray) -> float:
    """max |a|, ignoring mask sentinels when other values exist (see the module docstring)."""
    mag = np.abs(np.asarray(a, np.float64))
    if mag.size == 0:
        return 0.0
    kept = mag[mag < SENTINEL]
    return float(kept.max() if kept.size and kept.max() > 0 else mag.max())


@dataclass
class Ranges:
    """Per float SSA value: the calibrated magnitude bound."""

    absmax: dict[SSAValue, float] = field(default_factory=dict)

    def update(self, value: SSAValue, array: np.ndarray) -> None:
        if np.asarray(array).dtype.kind != "f":
            return
        r = value_range(array)
        self.absmax[value] = max(r, self.absmax.get(value, 0.0))

    def __getitem__(self, value: SSAValue) -> float:
        return self.absmax[value]


def calibrate(fn: func.FuncOp, module, weights: WeightStore,
              samples: Sequence[Sequence[np.ndarray]]) -> Ranges:
    """Ranges of the arguments and of every op result of `fn` over `samples`."""
    if not samples:
        raise ValueError("calibration needs at least one sample")
    ranges = Ranges()
    args = list(fn.body.block.args)

    def observe(op: Operation, results: Sequence[np.ndarray]) -> None:
        for r, a in zip(op.results, results, strict=True):
            ranges.update(r, a)

    for sample in samples:
        for arg, a in zip(args, sample, strict=True):
            ranges.update(arg, np.asarray(a))
        run_module(module, weights, list(sample), func_name=fn.sym_name.data, observer=observe)
    return ranges

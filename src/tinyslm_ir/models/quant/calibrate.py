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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.ir import Operation, SSAValue

from tinyslm_ir.dialects import graph as g
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

    def by_name(self, names: Mapping[SSAValue, str]) -> dict[str, float]:
        """The ranges keyed by value name instead of by value."""
        return {names[v]: r for v, r in self.absmax.items() if v in names}

    @classmethod
    def from_names(cls, names: Mapping[SSAValue, str], table: Mapping[str, float]) -> Ranges:
        """Ranges for the values of another graph, looked up by name in `table`: how graphs
        of one model (prefill and decode) get the same scales from one calibration."""
        return cls({v: table[n] for v, n in names.items() if n in table})


def tie_cache_ranges(fn: func.FuncOp, ranges: Ranges) -> None:
    """A cache is written in place, so the cache, the rows written into it and the result
    are one tensor with one scale: give all three the widest of their ranges."""
    for op in fn.walk():
        if isinstance(op, g.CacheWriteOp):
            values = (op.cache, op.rows, op.res)
            widest = max(ranges.absmax.get(v, 0.0) for v in values)
            for v in values:
                ranges.absmax[v] = widest


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

"""Scales and integer parameters: how real numbers become int8 tensors and RequantShifts.

Every quantized tensor is symmetric (zero point 0): `real = int * scale`, with one positive
scale per tensor or, for weights, one per output channel. Changing scale is one RequantShift
`y = clip(rhu((x*mul + add) / div))` (spec §1) with `div = 2^k` and `mul/div` the scale ratio;
`requant_params` picks `k` so that `mul` keeps `MUL_BITS` significant bits while the int32
accumulator `|x|*mul + |add| + div` of Deeploy's kernels stays in range for the calibrated
magnitude of `x` (the reference and our kernels are exact either way; this keeps the graph
deployable on Deeploy's int32 arithmetic too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INT8 = (-128, 127)
UINT8 = (0, 255)
MUL_BITS = 15
MIN_MUL_BITS = 8
INT32_BUDGET = 2**30  # half of int32: headroom for inputs beyond the calibrated range
SATURATING_RATIO = 2.0**20


def scale_from_absmax(absmax: float | np.ndarray, qmax: int = 127) -> np.ndarray:
    """Symmetric scale that maps `absmax` to `qmax`; an all-zero range gets scale 1 so that
    scales stay positive and finite (zeros quantize exactly at any scale). A range below the
    smallest normal float32 counts as zero: activations are float32, and dividing a denormal
    range by `qmax` would underflow to a zero scale."""
    a = np.asarray(absmax, dtype=np.float64)
    return np.where(np.isfinite(a) & (a >= np.finfo(np.float32).tiny), a / qmax, 1.0)


def quantize_array(x: np.ndarray, scale: float | np.ndarray, lo: int = INT8[0],
                   hi: int = INT8[1], dtype: type = np.int8) -> np.ndarray:
    """round-half-to-even(x / scale), clipped to [lo, hi]; the host-side quantizer."""
    return np.clip(np.rint(np.asarray(x, np.float64) / scale), lo, hi).astype(dtype)


def quantize_weight(w: np.ndarray, axis: int | None) -> tuple[np.ndarray, np.ndarray]:
    """int8 weight and its scale: per tensor (`axis=None`) or one scale per index of `axis`."""
    w = np.asarray(w, np.float64)
    if axis is None:
        scale = scale_from_absmax(np.abs(w).max(initial=0.0))
        return quantize_array(w, scale), scale
    axis = axis % w.ndim
    reduce = tuple(i for i in range(w.ndim) if i != axis)
    scale = scale_from_absmax(np.abs(w).max(axis=reduce, initial=0.0))
    shape = [1] * w.ndim
    shape[axis] = -1
    return quantize_array(w, scale.reshape(shape)), scale


@dataclass(frozen=True)
class Requant:
    """RequantShift constants for `y = rhu((x*mul + add) / div)` (mul/add are int64 arrays)."""

    mul: np.ndarray
    add: np.ndarray
    div: int


def requant_params(ratio: float | np.ndarray, offset: float | np.ndarray = 0.0,
                   x_bound: int = 128, out_bound: int = 2**15) -> Requant:
    """Constants that compute `clip(round(x*ratio + offset))` for |x| <= x_bound.

    `ratio` (positive, scalar or per channel) is the input scale over the output scale,
    `offset` a real-valued term in output units (a folded bias). `div` is the largest power of
    two such that `max mul < 2^MUL_BITS` and `x_bound*mul + |add| + div` fits `INT32_BUDGET`,
    but never fewer than `MIN_MUL_BITS` bits of mul (precision wins over int32 headroom).
    `out_bound` bounds the magnitude of the clipped output (2^15 covers int8 and int16).
    """
    r = np.asarray(ratio, np.float64)
    if not (np.all(np.isfinite(r)) and np.all(r > 0)):
        raise ValueError(f"scale ratios must be positive and finite, got {r}")
    off = np.asarray(offset, np.float64)
    # A ratio this large saturates every nonzero input whatever the offset (an attention
    # mask scaled by float min); capping it keeps mul finite and the result unchanged.
    r = np.minimum(r, SATURATING_RATIO + 4 * float(np.abs(off).max(initial=0.0)))
    # Likewise an offset beyond |x*ratio| + out_bound saturates the output for every x (a
    # constant -1e4 causal mask folded into the add); capping it there changes no result
    # and keeps `add` within int32.
    cap = x_bound * r + out_bound + 1
    off = np.clip(off, -cap, cap)
    rmax = float(r.max())
    k_prec = MUL_BITS - 1 - math.floor(math.log2(rmax))
    k_min = MIN_MUL_BITS - 1 - math.floor(math.log2(rmax))
    omax = float(np.abs(off).max(initial=0.0))
    k = k_prec
    while k > k_min and x_bound * rmax * 2.0**k + omax * 2.0**k + 2.0**k > INT32_BUDGET:
        k -= 1
    k = max(k, 0)
    div = 2**k
    mul = np.rint(r * div).astype(np.int64)
    add = np.rint(off * div).astype(np.int64)
    return Requant(mul, add, div)


def snap_softmax_scale(scale: float) -> tuple[float, int]:
    """An iSoftmax input scale for which ln 2 is a whole number of steps, and that number.

    iSoftmax splits x - max into z*log2 + p with an integer `log2` (spec §2); I-BERT's
    derivation needs log2 = ln 2 / scale, so the scale is snapped to make that exact."""
    steps = max(1, round(math.log(2) / scale))
    return math.log(2) / steps, steps

"""Bit-exact numpy model of the NPU's functional semantics (the shim implements the same; the
compiler uses this to predict NPU results and to lay out weights).

Tensors are HWC int8, stride 1, zero padding. Per output channel o:
    acc = sum(x * w)                      int32, wrapping
    v   = acc * scale[o] + bias[o]        exact (64-bit)
    v   = max(v, 0)                       if relu
    v   = (v + 2**(shift-1)) >> shift     the rounding term only if round_
    out = clip(v, -128, 127)              int8
With out_int32 the raw accumulators are returned instead.

Weight layouts: conv1x1 w[c_out, c_in]; conv3x3 w[c_out, 3, 3, c_in]; dwconv3x3 w[c, 3, 3].
"""

from __future__ import annotations

import numpy as np

from tinyslm_ir.targets.siracusa.cost_model import NpuOp


def _pad(x: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    top, right, bottom, left = pads
    return np.pad(x, ((top, bottom), (left, right), (0, 0)))


def accumulate(op: NpuOp, x: np.ndarray, w: np.ndarray,
               pads: tuple[int, int, int, int] = (0, 0, 0, 0)) -> np.ndarray:
    """int32 accumulators, shape (h_out, w_out, c_out)."""
    x64 = x.astype(np.int64)
    if op == NpuOp.CONV1X1:
        acc = np.einsum("hwc,oc->hwo", x64, w.astype(np.int64))
    else:
        xp = _pad(x64, pads)
        h_out, w_out = xp.shape[0] - 2, xp.shape[1] - 2
        windows = np.stack([xp[dy:dy + h_out, dx:dx + w_out] for dy in range(3) for dx in range(3)],
                           axis=2)  # (h, w, 9, c)
        if op == NpuOp.CONV3X3:
            acc = np.einsum("hwkc,okc->hwo", windows, w.astype(np.int64).reshape(w.shape[0], 9, -1))
        else:
            acc = np.einsum("hwkc,ck->hwc", windows, w.astype(np.int64).reshape(w.shape[0], 9))
    return acc.astype(np.int32)  # wraps modulo 2**32 like the hardware accumulator


def requantize(acc: np.ndarray, scale: np.ndarray, bias: np.ndarray, shift: int,
               relu: bool = False, round_: bool = False) -> np.ndarray:
    """int32 accumulators -> int8 outputs (last axis is the channel)."""
    v = acc.astype(np.int64) * scale.astype(np.int64) + bias.astype(np.int64)
    if relu:
        v = np.maximum(v, 0)
    if round_ and shift:
        v = v + (1 << (shift - 1))
    return np.clip(v >> shift, -128, 127).astype(np.int8)


def run_job(op: NpuOp, x: np.ndarray, w: np.ndarray, scale: np.ndarray | None = None,
            bias: np.ndarray | None = None, shift: int = 0, *, relu: bool = False,
            round_: bool = False, out_int32: bool = False,
            pads: tuple[int, int, int, int] = (0, 0, 0, 0)) -> np.ndarray:
    """What one NPU job writes to its output buffer."""
    acc = accumulate(op, x, w, pads)
    if out_int32:
        return acc
    assert scale is not None and bias is not None, "requantization needs scale and bias"
    return requantize(acc, scale, bias, shift, relu, round_)

"""Element types as numpy storage and the exact-integer helpers shared by the op impls.

Integer tensors are stored in their natural numpy dtype (i8 -> int8, ui8 -> uint8, ...) and
every integer impl computes on exact values: int64 while a bound on the magnitudes proves that
int64 cannot overflow, Python ints (object arrays) otherwise. Only the final conversion to the
result element type may wrap, and the interpreter reports it.

bf16 tensors are stored as float32 holding values rounded to bf16 precision (round to nearest
even on the upper 16 bits), because numpy has no bfloat16 dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
)
from xdsl.ir import Attribute

from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.reference.errors import InterpreterError

INT64_LIMIT = 2**63
FLOAT64_EXACT = 2**53


@dataclass(frozen=True)
class ElementKind:
    """How values of one element type are stored, and their range when integral."""

    name: str
    dtype: np.dtype
    lo: int | None = None
    hi: int | None = None
    bf16: bool = False

    @property
    def is_int(self) -> bool:
        """Integer or boolean (i1) element type."""
        return self.lo is not None


_FLOATS = {Float16Type: np.float16, BFloat16Type: np.float32, Float32Type: np.float32,
           Float64Type: np.float64}


@cache
def element_kind(t: Attribute) -> ElementKind:
    """Storage of element type `t` (signless iN is signed, as in TOSA; i1 is bool)."""
    if isinstance(t, IntegerType):
        width = t.width.data
        if width == 1:
            return ElementKind(str(t), np.dtype(np.bool_), 0, 1)
        if width > 64:
            raise InterpreterError(f"element type {t} is wider than 64 bits")
        lo, hi = gs.int_range(t)
        bits = next(b for b in (8, 16, 32, 64) if width <= b)
        return ElementKind(str(t), np.dtype(f"{'u' if lo == 0 else ''}int{bits}"), lo, hi)
    for cls, dtype in _FLOATS.items():
        if isinstance(t, cls):
            return ElementKind(str(t), np.dtype(dtype), bf16=cls is BFloat16Type)
    raise InterpreterError(f"element type {t} is not supported by the reference interpreter")


def round_bf16(a: np.ndarray) -> np.ndarray:
    """Round float32 values to bfloat16 precision (nearest even), keeping float32 storage."""
    a = np.array(a, np.float32, order="C")  # ascontiguousarray would make 0-d arrays 1-d
    bits = a.view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return np.where(np.isnan(a), a, rounded.view(np.float32))


def int_bounds(a: np.ndarray) -> tuple[int, int]:
    """(min, max) of an integer array as Python ints; (0, 0) when empty."""
    if a.size == 0:
        return 0, 0
    return int(a.min()), int(a.max())


def maxabs(a: np.ndarray) -> int:
    lo, hi = int_bounds(a)
    return max(-lo, hi)


def exact(arrays: list[np.ndarray], bound: int) -> list[np.ndarray]:
    """int64 copies of integer arrays whose results stay below `bound`, else Python-int arrays."""
    dtype = np.int64 if bound < INT64_LIMIT else object
    return [np.asarray(a).astype(dtype) for a in arrays]


def contraction_dtype(bound: int) -> type:
    """Fastest dtype in which a sum of products bounded by `bound` is exact.

    Every partial sum of a contraction is bounded by the sum of the absolute products, so below
    2^53 float64 (BLAS) is exact; below 2^63 int64; beyond that only Python ints are.
    """
    if bound < FLOAT64_EXACT:
        return np.float64
    return np.int64 if bound < INT64_LIMIT else object


def to_int(a: np.ndarray) -> np.ndarray:
    """Back from an exact float64 contraction result to int64 (object arrays pass through)."""
    return a.astype(np.int64) if a.dtype.kind == "f" else a


def trunc_div(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """C division: the quotient rounded toward zero."""
    q = np.abs(a) // np.abs(b)
    return np.where((np.asarray(a) < 0) != (np.asarray(b) < 0), -q, q)


def rhu_div(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """rhu(a/b) = floor((2a + b) / 2b) for b > 0: round half up (spec §0)."""
    return (2 * a + b) // (2 * b)


def shift_right(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """floor(a / 2^s) for s >= 0 on int64 values, any s (numpy shifts are arithmetic)."""
    return a >> np.minimum(s, 63)


def isqrt(v: np.ndarray) -> np.ndarray:
    """Exact floor(sqrt(v)) of non-negative integers.

    float64 sqrt is within one of the answer for v < 2^63; one correction step each way makes
    it exact. Python-int arrays go through math.isqrt.
    """
    if v.dtype == object:
        return np.frompyfunc(math.isqrt, 1, 1)(v)
    s = np.floor(np.sqrt(v.astype(np.float64))).astype(np.int64)
    s = np.where(s * s > v, s - 1, s)
    return np.where((s + 1) * (s + 1) <= v, s + 1, s)


def levels_range(n_levels: int, signed: bool) -> tuple[int, int]:
    """S(n) = [-floor(n/2), floor(n/2) - 1] (Deeploy form, spec §9) or U(n) = [0, n - 1]."""
    return (-(n_levels // 2), n_levels // 2 - 1) if signed else (0, n_levels - 1)


def wrap(a: np.ndarray, kind: ElementKind) -> tuple[np.ndarray, int]:
    """Convert integer values to `kind`, wrapping modulo 2^width; returns the wrap count."""
    assert kind.lo is not None and kind.hi is not None
    if a.dtype == kind.dtype or a.size == 0:
        return a, 0
    if kind.dtype == np.bool_:
        return a.astype(np.bool_), int(np.count_nonzero((a != 0) & (a != 1)))
    lo, hi = int_bounds(a)
    if kind.lo <= lo and hi <= kind.hi:
        return a.astype(kind.dtype), 0
    count = int(np.count_nonzero((a < kind.lo) | (a > kind.hi)))
    if a.dtype == object:
        span = kind.hi - kind.lo + 1
        # np.asarray: on a 0-d object array the arithmetic yields a bare Python int.
        a = np.asarray((a - kind.lo) % span + kind.lo, dtype=object)
    return a.astype(kind.dtype), count


def convert_external(a: np.ndarray, kind: ElementKind, what: str) -> np.ndarray:
    """Convert a weight or an input to `kind`, checking that every value is representable."""
    a = np.asarray(a)
    if not kind.is_int:
        # ml_dtypes' bfloat16 (as produced by onnx.numpy_helper) is a void-kind dtype.
        if a.dtype.kind not in "biuf" and a.dtype.name != "bfloat16":
            raise InterpreterError(f"{what}: dtype {a.dtype} cannot hold {kind.name} values")
        out = a.astype(kind.dtype)
        return round_bf16(out) if kind.bf16 else out
    if a.dtype.kind == "f":
        finite = np.isfinite(a)
        if not finite.all() or (np.trunc(a) != a).any():
            raise InterpreterError(f"{what}: values are not integral, cannot convert to "
                                   f"{kind.name}")
    elif a.dtype.kind not in "biu":
        raise InterpreterError(f"{what}: dtype {a.dtype} cannot hold {kind.name} values")
    if a.size:
        lo, hi = (float(a.min()), float(a.max())) if a.dtype.kind == "f" else int_bounds(a)
        if lo < kind.lo or hi > kind.hi:  # type: ignore[operator]
            raise InterpreterError(f"{what}: values in [{lo:g}, {hi:g}] are not representable "
                                   f"in {kind.name} [{kind.lo}, {kind.hi}]")
    return a.astype(kind.dtype)

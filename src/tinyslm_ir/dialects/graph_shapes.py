"""Shape and element-type rules of the `graph` dialect, as plain Python.

The rules live outside the op classes so that three users share one definition: the op
verifiers (which recompute the result type and compare), the ONNX importer (which builds ops
with inferred result types), and the unit tests (which check the rules against numpy with
hypothesis). Nothing here imports xDSL except the element-type helpers at the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil, prod

from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
)
from xdsl.ir import Attribute


class ShapeError(ValueError):
    """A shape rule was violated; the message says which dimension and why."""


Shape = tuple[int, ...]


def broadcast_shapes(*shapes: Sequence[int]) -> Shape:
    """Multidirectional (numpy/ONNX) broadcasting of any number of shapes."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[int] = []
    for axis in range(rank):
        dims = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ShapeError(
                f"shapes {' and '.join(str(tuple(s)) for s in shapes)} do not broadcast "
                f"(dimension {axis} is {sorted(dims)})"
            )
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def normalize_axis(axis: int, rank: int) -> int:
    """Map a possibly negative axis into [0, rank), rejecting out-of-range values."""
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def matmul_shape(a: Sequence[int], b: Sequence[int]) -> Shape:
    """numpy.matmul semantics, including 1-D promotion and batch broadcasting."""
    if not a or not b:
        raise ShapeError("matmul operands must have rank >= 1")
    a2 = (1, *a) if len(a) == 1 else tuple(a)
    b2 = (*b, 1) if len(b) == 1 else tuple(b)
    if a2[-1] != b2[-2]:
        raise ShapeError(f"contracting dimensions differ: K={a2[-1]} (lhs) vs K={b2[-2]} (rhs)")
    batch = broadcast_shapes(a2[:-2], b2[:-2])
    out = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def gemm_shape(a: Sequence[int], b: Sequence[int], trans_a: bool, trans_b: bool) -> Shape:
    """Gemm: 2-D A (MxK) and B (KxN) after optional transposition."""
    if len(a) != 2 or len(b) != 2:
        raise ShapeError(f"gemm operands must be 2-D, got {tuple(a)} and {tuple(b)}")
    m, ka = (a[1], a[0]) if trans_a else (a[0], a[1])
    kb, n = (b[1], b[0]) if trans_b else (b[0], b[1])
    if ka != kb:
        raise ShapeError(f"contracting dimensions differ: K={ka} (A) vs K={kb} (B)")
    return (m, n)


def pool_out_dim(size: int, kernel: int, stride: int, pad_lo: int, pad_hi: int, dilation: int,
                 ceil_mode: bool = False) -> int:
    """Output extent of one spatial dimension of a convolution or pooling window."""
    span = dilation * (kernel - 1) + 1
    num = size + pad_lo + pad_hi - span
    if num < 0:
        raise ShapeError(f"window {span} larger than padded input {size + pad_lo + pad_hi}")
    out = (ceil(num / stride) if ceil_mode else num // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad_lo:
        out -= 1
    return out


def window_shape(x: Sequence[int], channels_out: int, kernel: Sequence[int],
                 strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int],
                 ceil_mode: bool = False) -> Shape:
    """N, C, spatial... output shape of a conv/pool over NC[D...] input with ONNX pads."""
    nsp = len(x) - 2
    if nsp < 1:
        raise ShapeError(f"expected an N, C, spatial... input, got rank {len(x)}")
    for name, vals, n in (("kernel_shape", kernel, nsp), ("strides", strides, nsp),
                          ("dilations", dilations, nsp), ("pads", pads, 2 * nsp)):
        if len(vals) != n:
            raise ShapeError(f"{name} has {len(vals)} entries, expected {n}")
    if any(s <= 0 for s in strides) or any(d <= 0 for d in dilations):
        raise ShapeError("strides and dilations must be positive")
    if any(p < 0 for p in pads):
        raise ShapeError("pads must be non-negative")
    spatial = tuple(
        pool_out_dim(x[2 + i], kernel[i], strides[i], pads[i], pads[i + nsp], dilations[i],
                     ceil_mode)
        for i in range(nsp)
    )
    return (x[0], channels_out, *spatial)


def reduce_shape(x: Sequence[int], axes: Sequence[int], keepdims: bool) -> Shape:
    """Shape after reducing `axes` (all axes when empty)."""
    rank = len(x)
    norm = {normalize_axis(a, rank) for a in axes} if axes else set(range(rank))
    if keepdims:
        return tuple(1 if i in norm else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in norm)


def transpose_shape(x: Sequence[int], perm: Sequence[int]) -> Shape:
    if sorted(perm) != list(range(len(x))):
        raise ShapeError(f"perm {list(perm)} is not a permutation of {len(x)} axes")
    return tuple(x[p] for p in perm)


def concat_shape(shapes: Sequence[Sequence[int]], axis: int) -> Shape:
    if not shapes:
        raise ShapeError("concat needs at least one operand")
    rank = len(shapes[0])
    ax = normalize_axis(axis, rank)
    for s in shapes:
        if len(s) != rank or any(s[i] != shapes[0][i] for i in range(rank) if i != ax):
            raise ShapeError(
                f"concat operands {[tuple(s) for s in shapes]} differ outside axis {axis}"
            )
    return tuple(sum(s[ax] for s in shapes) if i == ax else d for i, d in enumerate(shapes[0]))


def slice_shape(x: Sequence[int], starts: Sequence[int], ends: Sequence[int],
                steps: Sequence[int]) -> Shape:
    """Static slice with one (normalised, in-range) start/end/step per axis."""
    if not len(starts) == len(ends) == len(steps) == len(x):
        raise ShapeError("slice needs one start, end and step per dimension")
    out = []
    for d, s, e, st in zip(x, starts, ends, steps, strict=True):
        if st == 0:
            raise ShapeError("slice step must not be zero")
        lo, hi = (-1, d - 1) if st < 0 else (0, d)
        if not (lo <= s <= hi and lo <= e <= hi):
            raise ShapeError(f"slice bounds [{s}, {e}) out of range for dimension {d}")
        out.append(max(0, ceil((e - s) / st)))
    return tuple(out)


def normalize_slice(x: Sequence[int], starts: Sequence[int], ends: Sequence[int],
                    axes: Sequence[int], steps: Sequence[int]) -> tuple[Shape, Shape, Shape]:
    """Turn ONNX Slice inputs (clamped, negative, partial axes) into per-axis triples."""
    rank = len(x)
    full_s, full_e, full_st = [0] * rank, list(x), [1] * rank
    for s, e, a, st in zip(starts, ends, axes, steps, strict=True):
        ax = normalize_axis(a, rank)
        d = x[ax]
        if st == 0:
            raise ShapeError("slice step must not be zero")
        s = s + d if s < 0 else s
        e = e + d if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), d), min(max(e, 0), d)
        else:
            s, e = min(max(s, -1), d - 1), min(max(e, -1), d - 1)
        full_s[ax], full_e[ax], full_st[ax] = s, e, st
    return tuple(full_s), tuple(full_e), tuple(full_st)


def pad_shape(x: Sequence[int], pads: Sequence[int]) -> Shape:
    rank = len(x)
    if len(pads) != 2 * rank:
        raise ShapeError(f"pads has {len(pads)} entries, expected {2 * rank}")
    out = tuple(d + pads[i] + pads[i + rank] for i, d in enumerate(x))
    if any(d < 0 for d in out):
        raise ShapeError(f"negative pads remove more than the dimension: {tuple(pads)}")
    return out


def gather_shape(data: Sequence[int], indices: Sequence[int], axis: int) -> Shape:
    ax = normalize_axis(axis, len(data))
    return (*data[:ax], *indices, *data[ax + 1:])


def requant_param_ok(param: Sequence[int], x: Sequence[int]) -> bool:
    """The RequantShift rule for `mul`/`add`: scalar, broadcast without enlarging, or C=shape[1]."""
    if prod(param) == 1:
        return True
    try:
        if broadcast_shapes(param, x) == tuple(x):
            return True
    except ShapeError:
        pass
    return len(x) >= 2 and prod(param) == x[1]


# ---------------------------------------------------------------------------------------------
# Element types. Convention (as in TOSA): signless `iN` is a signed two's-complement integer,
# `uiN` is unsigned. Integer arithmetic accumulates in i32 (i64 when an operand is 64-bit).

def int_type(bits: int, signed: bool) -> IntegerType:
    return IntegerType(bits) if signed else IntegerType(bits, Signedness.UNSIGNED)


def is_float(t: Attribute) -> bool:
    return isinstance(t, Float16Type | BFloat16Type | Float32Type | Float64Type)


def is_int(t: Attribute) -> bool:
    return isinstance(t, IntegerType) and t.width.data > 1


def is_unsigned(t: IntegerType) -> bool:
    return t.signedness.data == Signedness.UNSIGNED


def int_range(t: IntegerType) -> tuple[int, int]:
    """Inclusive value range of an integer element type under the signless=signed rule."""
    w = t.width.data
    if w == 1:
        return (0, 1)
    return (0, 2**w - 1) if is_unsigned(t) else (-(2 ** (w - 1)), 2 ** (w - 1) - 1)


def levels_type(n_levels: int, signed: bool) -> IntegerType:
    """Smallest 8/16/32-bit type that holds `n_levels` levels (S(n) or U(n) of the spec)."""
    for bits in (8, 16, 32):
        if n_levels <= 2**bits:
            return int_type(bits, signed)
    raise ShapeError(f"n_levels {n_levels} exceeds 32 bits")


def accumulator_type(*types: Attribute) -> Attribute:
    """Result element type of integer or float arithmetic (add, mul, matmul, conv, ...)."""
    floats = [t for t in types if is_float(t)]
    if floats:
        return floats[0] if all(f == floats[0] for f in floats) else Float32Type()
    if any(isinstance(t, IntegerType) and t.width.data == 64 for t in types):
        return IntegerType(64)
    return IntegerType(32)


def promote_type(*types: Attribute) -> Attribute:
    """Smallest type whose value range holds every operand (concat, where, max, min)."""
    if any(is_float(t) for t in types):
        return accumulator_type(*types)
    lo = min(int_range(t)[0] for t in types)  # type: ignore[arg-type]
    hi = max(int_range(t)[1] for t in types)  # type: ignore[arg-type]
    if all(t == types[0] for t in types):
        return types[0]
    for bits in (8, 16, 32, 64):
        for signed in (False, True):
            cand = int_type(bits, signed)
            clo, chi = int_range(cand)
            if clo <= lo and hi <= chi:
                return cand
    raise ShapeError("integer types have no common 64-bit type")


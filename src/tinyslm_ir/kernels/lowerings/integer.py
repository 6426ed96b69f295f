"""The QuantLib integer operators (tsl_k_integer.h; TrueIntegerDiv uses tsl_mulconst).

Each lowering states the intermediate width it proves from the operand *types*: RequantShift
runs in int32 when |x|max*|mul|max + |add|max + div fits (e.g. i8 x with i16 mul/add), else in
int64; iRMSNorm sums squares in int32 when L * |x|max^2 fits. Parameters the spec holds in
uint32 (iSoftmax) are passed modulo 2^32.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, lowering
from tinyslm_ir.kernels.lowerings.views import (
    ARR,
    I32,
    I64,
    U32,
    U64,
    arg_in,
    arg_out,
    code,
    codes,
    elementwise_view,
    i32_levels,
    is_float,
    kcall,
    log2_exact,
    maxabs,
    numel,
    shape,
    wrap,
    wrap_signed,
)

INT32_MAX = 2**31 - 1


def _prop(op: Operation, name: str) -> int:
    return g.get_int(op.properties, name)


def _int_codes(op: Operation) -> list[str]:
    cs = codes(op, op.operands)
    if any(is_float(c) for c in cs):
        raise NoKernelError(op, "integer operator on a float tensor")
    return cs


def _rows(op: Operation) -> tuple[int, int]:
    xs = shape(op.operands[0])
    length = xs[-1] if xs else 1
    return numel(xs) // max(length, 1), length


def _requant_param_shape(p: Sequence[int], x: Sequence[int]) -> tuple[int, ...]:
    """The shape that RequantShift's mul/add take against x (spec §1): as given when scalar or
    broadcastable, else one value per channel along axis 1."""
    if numel(p) == 1:
        return ()
    try:
        if gs.broadcast_shapes(p, x) == tuple(x):
            return tuple(p)
    except gs.ShapeError:
        pass
    return (1, x[1], *([1] * (len(x) - 2)))


@lowering(g.RequantShiftOp)
def lower_requant_shift(op: Operation) -> list[KernelCall]:
    tx, tm, ta = _int_codes(op)
    r = code(op, op.results[0].type)
    x, mul, add = op.operands
    xs = shape(x)
    if numel(xs) == 0:
        return []
    div = _prop(op, "div")
    lo, hi = i32_levels(op, _prop(op, "n_levels"), g.get_bool(op.properties, "signed"))
    view, (sx, sm, sa) = elementwise_view(
        op, xs, [xs, _requant_param_shape(shape(mul), xs), _requant_param_shape(shape(add), xs)])
    bound = maxabs(tx) * maxabs(tm) + maxabs(ta) + div
    tc = "i32" if bound <= INT32_MAX else "i64"
    if div > 2**63 - 1:
        raise NoKernelError(op, f"div = {div} does not fit int64")
    return [kcall("requant", [tx, tm, ta, r, tc],
                  [arg_in(0, tx), arg_in(1, tm), arg_in(2, ta), arg_out(0, r)],
                  [(len(view), I32), (view, ARR), (sx, ARR), (sm, ARR), (sa, ARR),
                   (div, I32 if tc == "i32" else I64), (log2_exact(div), I32), (lo, I32),
                   (hi, I32)])]


@lowering(g.AddRequantOp)
def lower_add_requant(op: Operation) -> list[KernelCall]:
    """One tsl_add_rq call over the flat elements (a and b have the output's shape, every
    factor is a scalar). The int32 sum is arbitrary, so the requantization runs in int64; it
    is a few elements per core, where the 64-bit multiply costs little next to the launch."""
    cs = _int_codes(op)
    r = code(op, op.results[0].type)
    n = numel(shape(op.operands[0]))
    if n == 0:
        return []
    div = _prop(op, "div")
    if 2**31 * maxabs(cs[4]) + maxabs(cs[5]) + div > 2**63 - 1:
        raise NoKernelError(op, "the requantization does not fit int64")
    lo, hi = i32_levels(op, _prop(op, "n_levels"), g.get_bool(op.properties, "signed"))
    return [kcall("add_rq", [*cs, r], [*(arg_in(i, t) for i, t in enumerate(cs)), arg_out(0, r)],
                  [(n, I32), (log2_exact(div), I32), (lo, I32), (hi, I32)])]


@lowering(g.MulRequantOp)
def lower_mul_requant(op: Operation) -> list[KernelCall]:
    """One tsl_mul_rq call over the flat elements. The requantization runs in int32 when
    |a|max |b|max |mul|max + |add|max + div fits (int8 x int8 with an int16 mul does), else
    in int64; the product itself always wraps to int32 as the unfused Mul's does."""
    cs = _int_codes(op)
    r = code(op, op.results[0].type)
    n = numel(shape(op.operands[0]))
    if n == 0:
        return []
    div = _prop(op, "div")
    prod_max = min(maxabs(cs[0]) * maxabs(cs[1]), 2**31)
    bound = prod_max * maxabs(cs[2]) + maxabs(cs[3]) + div
    if bound > 2**63 - 1:
        raise NoKernelError(op, "the requantization does not fit int64")
    tc = "i32" if bound <= INT32_MAX else "i64"
    lo, hi = i32_levels(op, _prop(op, "n_levels"), g.get_bool(op.properties, "signed"))
    return [kcall("mul_rq", [*cs, r, tc],
                  [*(arg_in(i, t) for i, t in enumerate(cs)), arg_out(0, r)],
                  [(n, I32), (log2_exact(div), I32), (lo, I32), (hi, I32)])]


@lowering(g.ISoftmaxOp)
def lower_isoftmax(op: Operation) -> list[KernelCall]:
    (tx,) = _int_codes(op)
    r = code(op, op.results[0].type)
    rows, length = _rows(op)
    if rows * length == 0:
        return []
    return [kcall("isoftmax", [tx, r], [arg_in(0, tx), arg_out(0, r)],
                  [(rows, I32), (length, I32), (wrap(_prop(op, "coeff_a"), 32), U32),
                   (wrap(_prop(op, "coeff_b"), 32), U32), (wrap(_prop(op, "coeff_c"), 32), U32),
                   (_prop(op, "log2"), I64), (wrap(_prop(op, "n_levels") - 1, 32), U32)])]


@lowering(g.ICausalSoftmaxOp)
def lower_icausal_softmax(op: Operation) -> list[KernelCall]:
    """iSoftmax over each row's visible prefix; the kernel reads pos[0] at run time and
    takes the query of row r as r % N, so a tile must hold whole (N, C) blocks."""
    tx, tp = _int_codes(op)
    r = code(op, op.results[0].type)
    rows, length = _rows(op)
    if rows * length == 0:
        return []
    queries = shape(op.operands[0])[-2]
    return [kcall("icausal_softmax", [tx, r, tp], [arg_in(0, tx), arg_in(1, tp), arg_out(0, r)],
                  [(rows, I32), (length, I32), (queries, I32),
                   (wrap(_prop(op, "coeff_a"), 32), U32), (wrap(_prop(op, "coeff_b"), 32), U32),
                   (wrap(_prop(op, "coeff_c"), 32), U32), (_prop(op, "log2"), I64),
                   (wrap(_prop(op, "n_levels") - 1, 32), U32)])]


def _ita_params(op: Operation) -> list[tuple[int, str]]:
    n = _prop(op, "n_levels")
    return [(n, I64), (n.bit_length() - 1, I32)]


@lowering(g.ITAMaxOp)
def lower_itamax(op: Operation) -> list[KernelCall]:
    (tx,) = _int_codes(op)
    r = code(op, op.results[0].type)
    rows, length = _rows(op)
    if rows * length == 0:
        return []
    return [kcall("itamax", [tx, r], [arg_in(0, tx), arg_out(0, r)],
                  [(rows, I32), (length, I32), *_ita_params(op)])]


@lowering(g.ITAPartialMaxOp)
def lower_itapartialmax(op: Operation) -> list[KernelCall]:
    (tx,) = _int_codes(op)
    r = code(op, op.results[0].type)
    rows, length = _rows(op)
    if rows * length == 0:
        return []
    width = min(_prop(op, "group_width"), INT32_MAX)
    return [kcall("itapartialmax", [tx, r], [arg_in(0, tx), arg_out(0, r)],
                  [(rows, I32), (length, I32), (width, I32), *_ita_params(op)])]


def _i64(op: Operation, name: str) -> tuple[int, str]:
    v = _prop(op, name)
    if not -(2**63) <= v < 2**63:
        raise NoKernelError(op, f"{name} = {v} does not fit int64")
    return v, I64


@lowering(g.IHardswishOp)
def lower_ihardswish(op: Operation) -> list[KernelCall]:
    (tx,) = _int_codes(op)
    r = code(op, op.results[0].type)
    n = numel(shape(op.operands[0]))
    return [kcall("ihardswish", [tx, r], [arg_in(0, tx), arg_out(0, r)],
                  [(n, I32), _i64(op, "three"), _i64(op, "six"), _i64(op, "one_over_six")])
            ] if n else []


@lowering(g.IGeluOp)
def lower_igelu(op: Operation) -> list[KernelCall]:
    (tx,) = _int_codes(op)
    r = code(op, op.results[0].type)
    n = numel(shape(op.operands[0]))
    return [kcall("igelu", [tx, r], [arg_in(0, tx), arg_out(0, r)],
                  [(n, I32), _i64(op, "b"), _i64(op, "one")])] if n else []


@lowering(g.TrueIntegerDivOp)
def lower_true_integer_div(op: Operation) -> list[KernelCall]:
    """x * K with K = floor(Delta*eta / (y*eta + eps)) computed here (spec §5)."""
    (tx,) = _int_codes(op)
    r = code(op, op.results[0].type)
    n = numel(shape(op.operands[0]))
    eta = _prop(op, "eta")
    k = (_prop(op, "delta") * eta) // (_prop(op, "y") * eta + _prop(op, "eps"))
    bits, tc = (32, "u32") if r == "i32" else (64, "u64")
    return [kcall("mulconst", [tx, r, tc], [arg_in(0, tx), arg_out(0, r)],
                  [(n, I32), (wrap(k, bits), U32 if bits == 32 else U64)])] if n else []


@lowering(g.IntegerDivOp)
def lower_integer_div(op: Operation) -> list[KernelCall]:
    ta, tb = _int_codes(op)
    r = code(op, op.results[0].type)
    a, b = op.operands
    out = shape(op.results[0])
    if numel(out) == 0:
        return []
    view, (sa, sb) = elementwise_view(op, out, [shape(a), shape(b)])
    delta_eta = _prop(op, "delta") * _prop(op, "eta")
    return [kcall("integer_div", [ta, tb, r], [arg_in(0, ta), arg_in(1, tb), arg_out(0, r)],
                  [(len(view), I32), (view, ARR), (sa, ARR), (sb, ARR),
                   (wrap_signed(delta_eta, 64), I64), _i64(op, "eta"), _i64(op, "eps")])]


def _last_axis_stride(op: Operation, index: int, length: int) -> int:
    """Stride of a weight/bias over the last axis: 1 for L values, 0 for one value."""
    return 0 if numel(shape(op.operands[index])) == 1 and length != 1 else 1


def _norm_common(op: Operation) -> tuple[int, int, list[tuple[int, str]]]:
    rows, length = _rows(op)
    lo, hi = i32_levels(op, _prop(op, "n_levels"), True)
    return rows, length, [(log2_exact(_prop(op, "d")), I32), (lo, I32), (hi, I32)]


@lowering(g.IRMSNormOp)
def lower_irmsnorm(op: Operation) -> list[KernelCall]:
    tx, tw = _int_codes(op)
    r = code(op, op.results[0].type)
    rows, length, tail = _norm_common(op)
    if rows * length == 0:
        return []
    tacc = "i32" if maxabs(tx) ** 2 * length <= INT32_MAX else "i64"
    return [kcall("irmsnorm", [tx, tw, r, tacc], [arg_in(0, tx), arg_in(1, tw), arg_out(0, r)],
                  [(rows, I32), (length, I32), (_last_axis_stride(op, 1, length), I32), *tail])]


@lowering(g.ILayerNormOp)
def lower_ilayernorm(op: Operation) -> list[KernelCall]:
    tx, tw, tb = _int_codes(op)
    r = code(op, op.results[0].type)
    rows, length, tail = _norm_common(op)
    if rows * length == 0:
        return []
    return [kcall("ilayernorm", [tx, tw, tb, r],
                  [arg_in(0, tx), arg_in(1, tw), arg_in(2, tb), arg_out(0, r)],
                  [(rows, I32), (length, I32), (_last_axis_stride(op, 1, length), I32),
                   (_last_axis_stride(op, 2, length), I32), *tail])]


@lowering(g.INoNormOp)
def lower_inonorm(op: Operation) -> list[KernelCall]:
    tx, tw, tb = _int_codes(op)
    r = code(op, op.results[0].type)
    x, w, b = op.operands
    xs = shape(x)
    if numel(xs) == 0:
        return []
    lo, hi = i32_levels(op, _prop(op, "n_levels"), True)
    view, (sx, sw, sb) = elementwise_view(op, xs, [xs, shape(w), shape(b)])
    return [kcall("inonorm", [tx, tw, tb, r],
                  [arg_in(0, tx), arg_in(1, tw), arg_in(2, tb), arg_out(0, r)],
                  [(len(view), I32), (view, ARR), (sx, ARR), (sw, ARR), (sb, ARR),
                   _i64(op, "mul"), (log2_exact(_prop(op, "d")), I32), (lo, I32), (hi, I32)])]


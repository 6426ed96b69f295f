"""The QuantLib/Deeploy integer operators, exactly as `shared/specs/quantlib-integer-ops.md`.

Every impl computes on exact integers (int64 under a proven magnitude bound, Python ints
otherwise) and states its spec section. Where Deeploy holds a value in unsigned 32 bits and the
spec keeps that (iSoftmax, ITAMax, ITAPartialMax), the wrap modulo 2^32 is emulated and
reported; everything else is exact, and results are clipped to their level range, never
wrapped. Choices the data leave open follow spec §9's verified defaults.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.dialects.graph_layouts import unpack_k_pairs
from tinyslm_ir.reference.errors import InterpreterError, report_wrap
from tinyslm_ir.reference.numerics import (
    contraction_dtype,
    element_kind,
    exact,
    isqrt,
    levels_range,
    maxabs,
    rhu_div,
    shift_right,
    to_int,
    trunc_div,
    wrap,
)
from tinyslm_ir.reference.registry import ImplTable
from tinyslm_ir.reference.standard_ops import causal_visible

INTEGER_IMPLS = ImplTable()
register = INTEGER_IMPLS.register

_U32 = 2**32


def _prop(op: Operation, name: str) -> int:
    return g.get_int(op.properties, name)


def _clip_levels(op: Operation, y: np.ndarray, signed: bool) -> np.ndarray:
    lo, hi = levels_range(_prop(op, "n_levels"), signed)
    return np.clip(y, lo, hi)


def _u32(op: Operation, a: np.ndarray, what: str) -> np.ndarray:
    """Emulate an unsigned 32-bit intermediate of Deeploy's kernel: wrap modulo 2^32, report."""
    report_wrap(op.name, int(np.count_nonzero((a < 0) | (a >= _U32))), f"{what} (uint32)")
    return a % _U32


def _divide(op: Operation, num: np.ndarray, den: np.ndarray, what: str) -> np.ndarray:
    if (den == 0).any():
        raise InterpreterError(f"{op.name}: {what} is zero, the division is undefined")
    return num // den


def requant_param(p: np.ndarray, x_shape: tuple[int, ...]) -> np.ndarray:
    """Resolve RequantShift `mul`/`add` against x (spec §1): a scalar; else plain broadcasting
    if it does not enlarge x; else one value per channel along axis 1."""
    if p.size == 1:
        return p.reshape(())
    try:
        if gs.broadcast_shapes(p.shape, x_shape) == x_shape:
            return p
    except gs.ShapeError:
        pass
    return p.reshape(1, x_shape[1], *([1] * (len(x_shape) - 2)))


@register(g.RequantShiftOp)
def _requant_shift(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §1: clip(floor((x*mul + add + div/2) / div)) to S(n) or U(n); the rounding term
    div/2 is the op's own (0 for div = 1); x*mul + add is exact, not int32."""
    x, mul, add = args
    return [_requantize(op, x, requant_param(mul, x.shape), requant_param(add, x.shape))]


def _requantize(op: Operation, x: np.ndarray, mul: np.ndarray, add: np.ndarray) -> np.ndarray:
    """Spec §1 with `mul`/`add` already broadcastable to x, for RequantShift and the ops the
    `fuse-requant` pass folds it into: x*mul + add is exact, the rounding term div/2 the op's."""
    div = _prop(op, "div")
    x, mul, add = exact([x, mul, add], maxabs(x) * maxabs(mul) + maxabs(add) + div)
    y = (x * mul + add + div // 2) // div
    return _clip_levels(op, y, g.get_bool(op.properties, "signed"))


@register(g.MatMulRequantOp)
def _matmul_requant(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """requant_shift(matmul(lhs, rhs)) (the `fuse-requant` pass): the product wraps to the
    MatMul's integer result type exactly as the unfused MatMul's result does, then §1 with
    `mul`/`add` broadcast along the last (column) axis."""
    a, b, mul, add = args
    if g.get_bool(op.properties, "trans_rhs"):
        b = np.swapaxes(b, -1, -2)
    if g.get_bool(op.properties, "rhs_pairs"):
        b = unpack_k_pairs(b)
    dt = contraction_dtype(maxabs(a) * maxabs(b) * a.shape[-1])
    product = to_int(np.matmul(a.astype(dt), b.astype(dt)))
    kind = element_kind(gs.accumulator_type(g.elem_of(op.lhs.type), g.elem_of(op.rhs.type)))
    x, count = wrap(product, kind)
    report_wrap(op.name, count, f"the product ({kind.name})")
    return [_requantize(op, x, mul.reshape(-1), add.reshape(-1))]


@register(g.AddRequantOp)
def _add_requant(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """requant_shift(add(mul(a, a_mul), mul(b, b_mul))) (the `fuse-requant` pass): both
    products and their sum wrap to int32 exactly as the unfused Mul and Add results do, then
    §1 with scalar `mul`/`add`."""
    a, am, b, bm, mul, add = (np.asarray(v) for v in args)
    i32 = element_kind(IntegerType(32))
    terms = []
    for x, m in ((a, am), (b, bm)):
        x, m = exact([x, m.reshape(())], maxabs(x) * maxabs(m))
        t, count = wrap(x * m, i32)
        report_wrap(op.name, count, "a product (int32)")
        terms.append(t)
    s, count = wrap(terms[0].astype(np.int64) + terms[1], i32)
    report_wrap(op.name, count, "the sum (int32)")
    return [_requantize(op, s, mul.reshape(()), add.reshape(()))]


@register(g.MulRequantOp)
def _mul_requant(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """requant_shift(mul(a, b)) (the `fuse-requant` pass): the product wraps to int32 exactly
    as the unfused Mul result does, then §1 with scalar `mul`/`add`."""
    a, b, mul, add = (np.asarray(v) for v in args)
    a, b = exact([a, b], maxabs(a) * maxabs(b))
    p, count = wrap(a * b, element_kind(IntegerType(32)))
    report_wrap(op.name, count, "the product (int32)")
    return [_requantize(op, p, mul.reshape(()), add.reshape(()))]


@register(g.ISoftmaxOp)
def _isoftmax(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §2, over the last axis: z = floor(-(x - max)/log2), p = x - max + z*log2,
    e = floor((A (p + B)^2 + C) / 2^z) held in uint32 (0 for z >= 31), s = sum e (uint32),
    out = floor(e (n - 1) / s) with e (n - 1) in uint32."""
    return [_isoftmax_rows(op, args[0], np.ones(args[0].shape, bool))]


@register(g.ICausalSoftmaxOp)
def _icausal_softmax(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §2 on each row's visible prefix (query q sees positions 0..pos+q); hidden
    entries take no part in the max and the sum, and are 0 in the result."""
    x, pos = args
    return [_isoftmax_rows(op, x, causal_visible(x.shape, pos))]


def _isoftmax_rows(op: Operation, x: np.ndarray, visible: np.ndarray) -> np.ndarray:
    a, b, c = _prop(op, "coeff_a"), _prop(op, "coeff_b"), _prop(op, "coeff_c")
    log2, n = _prop(op, "log2"), _prop(op, "n_levels")
    x = exact([x], 2 * maxabs(x) + 1)[0]
    floor = x.min(initial=0) if x.size else 0
    top = np.where(visible, x, floor).max(axis=-1, keepdims=True, initial=floor)
    shifted = np.where(visible, x - top, 0)
    z = (-shifted) // log2
    p = shifted + z * log2
    (p,) = exact([p], abs(a) * (log2 + abs(b)) ** 2 + abs(c) + 1)
    poly = _u32(op, a * (p + b) ** 2 + c, "the polynomial")
    e = np.where(visible & (z < 31), shift_right(poly, z), 0)
    s = _u32(op, e.sum(axis=-1, keepdims=True), "the row sum")
    scaled = _u32(op, e * (n - 1), "e*(n-1)")
    return _divide(op, scaled, s, "a row sum")


def _norm_sigma(sum_sq: np.ndarray, length: int) -> np.ndarray:
    """floor(sqrt(floor(sum_sq / L) + 1)), the exact integer deviation of spec §3 and §7.2."""
    return isqrt(sum_sq // length + 1)


@register(g.IRMSNormOp)
def _irmsnorm(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §3 (Deeploy form, §9): sigma = isqrt(floor(sum x^2 / L) + 1),
    y = clip(floor(trunc(x*w / sigma) / D), S(n))."""
    x, w = args
    length = x.shape[-1]
    x, w = exact([x, w], maxabs(x) * max(maxabs(x) * length, maxabs(w)) + 1)
    sigma = _norm_sigma((x * x).sum(axis=-1, keepdims=True), length)
    t = trunc_div(x * w, sigma)
    return [_clip_levels(op, t // _prop(op, "d"), signed=True)]


@register(g.IHardswishOp)
def _ihardswish(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §4: x * (clip(x + three, 0, six) * one_over_six); no clip, int32 result."""
    three, six, one_over_six = _prop(op, "three"), _prop(op, "six"), _prop(op, "one_over_six")
    mx = maxabs(args[0])
    (x,) = exact(args, mx * (mx + abs(three) + six) * (abs(one_over_six) + 1) + 1)
    return [x * (np.clip(x + three, 0, six) * one_over_six)]


@register(g.IGeluOp)
def _igelu(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §7.3: q = min(|x|, -b), L = sign(x) (one - (q + b)^2),
    out = x * floor((one + L) / 2); int32 result."""
    b, one = _prop(op, "b"), _prop(op, "one")
    (x,) = exact(args, maxabs(args[0]) * (2 * abs(one) + b * b + 1) + 1)
    q = np.minimum(np.abs(x), -b)
    lx = np.sign(x) * (one - (q + b) ** 2)
    return [x * ((one + lx) // 2)]


@register(g.TrueIntegerDivOp)
def _true_integer_div(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §5 (Deeploy form, §9): x * floor(Delta*eta / (y*eta + eps)), int32 result."""
    k = (_prop(op, "delta") * _prop(op, "eta")) // (
        _prop(op, "y") * _prop(op, "eta") + _prop(op, "eps"))
    (x,) = exact(args, maxabs(args[0]) * abs(k) + 1)
    return [x * k]


@register(g.IntegerDivOp)
def _integer_div(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §7.7, Deeploy Div_s32_s32: num = (Delta*eta)*a, den = b*eta + eps,
    out = trunc((num + sign(num)*trunc(den/2)) / den), i.e. round half away from zero.
    Delta*eta is exact here; Deeploy forms it in int32, which overflows past 2^31 - 1."""
    delta_eta, eta, eps = _prop(op, "delta") * _prop(op, "eta"), _prop(op, "eta"), _prop(op, "eps")
    a, b = args
    den_bound = maxabs(b) * abs(eta) + abs(eps)
    a, b = exact([a, b], abs(delta_eta) * maxabs(a) + 2 * den_bound + 1)
    num = delta_eta * a
    den = b * eta + eps
    if (den == 0).any():
        raise InterpreterError(f"{op.name}: b*eta + eps is zero, the division is undefined")
    return [trunc_div(num + np.sign(num) * trunc_div(den, 2), den)]


@register(g.INoNormOp)
def _inonorm(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §7.1: clip(floor(((x*w + b) * mul) / D), S(n)); plain floor, no rounding term;
    clipped (QuantLib intent, §9) where Deeploy's kernel wraps to 8 bits."""
    x, w, bias = args
    mul = _prop(op, "mul")
    x, w, bias = exact([x, w, bias], (maxabs(x) * maxabs(w) + maxabs(bias)) * abs(mul) + 1)
    return [_clip_levels(op, ((x * w + bias) * mul) // _prop(op, "d"), signed=True)]


@register(g.ILayerNormOp)
def _ilayernorm(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §7.2: mu = trunc(sum x / L), d = x - mu, sigma = isqrt(floor(sum d^2 / L) + 1),
    y = clip(floor((trunc(d*w / sigma) + b) / D), S(n))."""
    x, w, bias = args
    length = x.shape[-1]
    dmax = 2 * maxabs(x)
    x, w, bias = exact([x, w, bias], dmax * max(dmax * length, maxabs(w)) + maxabs(bias) + 1)
    d = x - trunc_div(x.sum(axis=-1, keepdims=True), length)
    sigma = _norm_sigma((d * d).sum(axis=-1, keepdims=True), length)
    t = trunc_div(d * w, sigma) + bias
    return [_clip_levels(op, t // _prop(op, "d"), signed=True)]


def _ita_shift(d: np.ndarray, bits: int) -> np.ndarray:
    """rhu(d * B / 2^B): the power-of-two exponent ITA uses for a distance d from the max."""
    return rhu_div(d * bits, 2**bits)


@register(g.ITAMaxOp)
def _itamax(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §7.4, over the last axis: s = rhu((max - x) B / 2^B), E = sum floor(n / 2^s)
    (uint32), out = floor(floor(n (n - 1) / E) / 2^s)."""
    n = _prop(op, "n_levels")
    bits = n.bit_length() - 1
    (x,) = exact(args, 2 * maxabs(args[0]) * bits + 2**bits + 1)
    s = _ita_shift(x.max(axis=-1, keepdims=True) - x, bits)
    total = _u32(op, shift_right(np.int64(n), s).sum(axis=-1, keepdims=True), "the row sum")
    inv = _divide(op, np.int64(n * (n - 1)), total, "a row sum")
    return [shift_right(inv, s)]


@register(g.ITAPartialMaxOp)
def _itapartialmax(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Spec §7.5 (Deeploy ITAPartialMax_s8), streaming over column groups of `group_width`
    from P = 0, M = -n/2: a group whose max c exceeds M shifts P right by rhu((c - M) B / 2^B)
    and sets M = c; P then adds floor(n / 2^rhu((M - x) B / 2^B)) over the group. Finally
    out = floor(floor((n/2 - 1) n / P) / 2^rhu((M - x) B / 2^B)). Rows run in parallel, the
    groups in sequence, as the algorithm is sequential."""
    n, width = _prop(op, "n_levels"), _prop(op, "group_width")
    bits = n.bit_length() - 1
    (x,) = exact(args, (2 * maxabs(args[0]) + n) * bits + 2**bits + 1)
    running_max = np.full((*x.shape[:-1], 1), -(n // 2), np.int64)
    total = np.zeros_like(running_max)
    for start in range(0, x.shape[-1], width):
        group = x[..., start:start + width]
        c = group.max(axis=-1, keepdims=True)
        grew = c > running_max
        sigma = np.where(grew, _ita_shift(c - running_max, bits), 0)
        running_max = np.where(grew, c, running_max)
        terms = shift_right(np.int64(n), _ita_shift(running_max - group, bits))
        total = _u32(op, shift_right(total, sigma) + terms.sum(axis=-1, keepdims=True),
                     "the running sum")
    inv = _divide(op, np.int64((n // 2 - 1) * n), total, "a row sum")
    return [shift_right(inv, _ita_shift(running_max - x, bits))]

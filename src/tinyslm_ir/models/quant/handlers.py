"""One handler per float op class: how it becomes integer ops (see `rewrite` for the map).

A handler reads its operands from the rewriter's `env` and defines its results there. It
raises `QuantizeError` when an operand has no integer form; the rewriter then marks the
results `Pending`, so float-only subexpressions that a pattern absorbs (the `erf` of GELU, the
`sqrt(mean(x^2))` of a decomposed RMSNorm) cost nothing unless something else needs them.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Operation, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.models.quant.patterns import gelu_source, is_half_of, rms_source, silu_breakpoint
from tinyslm_ir.models.quant.qgraph import QTensor, QuantizeError, is_scalar, scalar
from tinyslm_ir.models.quant.rewrite import Rewriter, handles
from tinyslm_ir.models.quant.scales import INT8, quantize_weight, snap_softmax_scale

NORM_WEIGHT_BITS = 15  # |w| < 2^15 in iLayerNorm/iRMSNorm, so d*w stays far below 2^31
ADD_BITS = 14  # operand multipliers of an activation add stay below 2^14
SATURATING_RANGE = 64.0  # an add operand this much wider than the sum is a mask
DIV_BITS = 12  # IntegerDiv's Delta: the quotient of a sum by a count keeps 12 more bits
IBERT_A, IBERT_B = 0.2888, 1.769  # erf(u) ≈ sign(u)(1 - a(min(|u|, b) - b)^2)  (I-BERT)
IBERT_EXP = (0.3585, 1.353, 0.344)  # e^p ≈ a(p + b)^2 + c on (-ln 2, 0]  (I-BERT)


def _like(op: Operation, q_elt, index: int = 0):
    return g.tensor(g.shape_of(op.results[index].type), q_elt)


@handles(g.WeightOp)
def weight(rw: Rewriter, op: g.WeightOp) -> None:
    rw.set(op.res, np.asarray(rw.float_weights[op.weight_name]))


# -- contractions ------------------------------------------------------------------------------


@handles(g.MatMulOp)
def matmul(rw: Rewriter, op: Operation) -> None:
    a, b = op.operands
    wa, wb = rw.const(a), rw.const(b)
    name = rw.name(op)
    if wa is not None:
        raise QuantizeError(f"{rw.describe(op)}: a constant left operand is not supported")
    qa = rw.act(a, rw.describe(op))
    k = g.shape_of(a.type)[-1]
    if wb is not None:
        axis = -1 if rw.config.per_channel and wb.ndim >= 2 else None
        w_int, w_scale = quantize_weight(wb, axis)
        qb_value, qb_scale = rw.out.const(f"{name}_w", w_int), w_scale
    else:
        qb = rw.act(b, rw.describe(op))
        qb_value, qb_scale = qb.value, qb.scale
    (res,) = rw.out.emit(g.MatMulOp, [qa.value, qb_value])
    scale = qa.scale * qb_scale
    rw.set(op.results[0], QTensor(res, scale, None,
                                  rw.acc_bound(op.results[0], scale, k * 255 * 128)))


@handles(g.GemmOp)
def gemm(rw: Rewriter, op: Operation) -> None:
    props = op.properties
    a, b = op.operands[:2]
    w = rw.const(b)
    if w is None or g.get_bool(props, "trans_a"):
        raise QuantizeError(f"{rw.describe(op)}: only x @ W (+ C) with constant W is supported")
    alpha, beta = g.get_float(props, "alpha", 1.0), g.get_float(props, "beta", 1.0)
    if alpha <= 0:
        raise QuantizeError(f"{rw.describe(op)}: alpha = {alpha} must be positive")
    trans_b = g.get_bool(props, "trans_b")
    qa = rw.act(a, rw.describe(op))
    axis = (0 if trans_b else 1) if rw.config.per_channel else None
    w_int, w_scale = quantize_weight(w, axis)
    new_props = {"trans_b": g.bool_prop(trans_b)} if trans_b else {}
    (res,) = rw.out.emit(g.GemmOp, [qa.value, rw.out.const(f"{rw.name(op)}_w", w_int)],
                         new_props)
    offset = None
    if len(op.operands) > 2:
        c = rw.const(op.operands[2])
        if c is None:
            raise QuantizeError(f"{rw.describe(op)}: C must be a constant bias")
        offset = beta * np.asarray(c, np.float64)
    scale = qa.scale * w_scale * alpha
    k = w.shape[1] if trans_b else w.shape[0]
    rw.set(op.results[0], QTensor(res, scale, offset,
                                  rw.acc_bound(op.results[0], scale, k * 255 * 128)))


# -- element-wise arithmetic -------------------------------------------------------------------


def _with_offset(q: QTensor, extra: np.ndarray) -> QTensor:
    extra = np.asarray(extra, np.float64)
    if gs.broadcast_shapes(extra.shape, q.shape) != q.shape:
        raise QuantizeError(f"a constant of shape {extra.shape} would enlarge {q.shape}")
    offset = extra if q.offset is None else q.offset + extra
    return QTensor(q.value, q.scale, offset, q.bound)


@handles(g.AddOp, g.SubOp)
def add_sub(rw: Rewriter, op: Operation) -> None:
    a, b = op.operands
    sign = -1 if isinstance(op, g.SubOp) else 1
    ca, cb = rw.const(a), rw.const(b)
    if cb is not None and ca is None:
        rw.set(op.results[0], _with_offset(rw.qtensor(a, rw.describe(op)), sign * cb))
    elif ca is not None and cb is None:
        qb = rw.qtensor(b, rw.describe(op))
        rw.set(op.results[0], _with_offset(qb if sign == 1 else _negate(rw, qb, rw.name(op)),
                                           ca))
    else:
        rw.set(op.results[0], _add_activations(rw, op, sign))


def _add_activations(rw: Rewriter, op: Operation, sign: int) -> QTensor:
    """a ± b in int32 at a fine common scale s_out/2^k: a*ma ± b*mb, with the multipliers of
    the non-saturating operands below 2^ADD_BITS.

    In a residual add (one that feeds a norm), an operand that is still an accumulator (a
    projection with its bias) enters at `norm_input_bits`, like the norm input: residual
    branches carry the outlier channels. An operand whose calibrated range exceeds the sum's
    by SATURATING_RANGE (an additive attention mask of -1e4 or float min) enters as 0/±1
    with its multiplier capped at what saturates the sum whatever the other operand holds;
    the result is the same."""
    s_out = float(rw.scale_of(op.results[0]))
    out_range = rw.ranges[op.results[0]]
    residual = any(isinstance(u.operation, g.LayerNormOp | g.RMSNormOp)
                   for u in op.results[0].uses)
    operands = []
    for v, s in zip(op.operands, (1, sign), strict=True):
        q = rw.qtensor(v, rw.describe(op))
        saturating = rw.ranges[v] > SATURATING_RANGE * out_range
        if saturating:  # one step per calibrated maximum: the values are 0 and ±1
            q = rw.out.requant(q, rw.ranges[v], f"rq_{rw.name(op)}")
            q = QTensor(q.value, q.scale, None, 1)
        elif residual and not q.is_int8():
            q = rw.wide(v, rw.describe(op))
        else:
            q = rw.act(v, rw.describe(op))
        operands.append((q, float(q.scale) / s_out, s, saturating))
    normal = [r for _, r, _, sat in operands if not sat] or [r for _, r, _, _ in operands]
    k = max(0, ADD_BITS - 1 - math.floor(math.log2(max(normal))))
    mults = [round(r * 2**k) for _, r, _, _ in operands]
    fine_bound = sum(q.bound * m for (q, _, _, sat), m in zip(operands, mults, strict=True)
                     if not sat)
    name = rw.name(op)
    terms, bound = [], 0
    for (q, _, s, sat), m in zip(operands, mults, strict=True):
        if sat:
            m = min(m, 2 * (128 * 2**k + fine_bound))
        m *= s
        terms.append(q.value if m == 1 else
                     rw.out.emit(g.MulOp, [q.value, rw.out.int_const(f"{name}_m", np.array(m))])[0])
        bound += q.bound * abs(m)
    (res,) = rw.out.emit(g.AddOp, terms)
    return QTensor(res, np.asarray(s_out / 2**k), None, bound)


def _negate(rw: Rewriter, q: QTensor, name: str) -> QTensor:
    """-q exactly: int8 negation would wrap -128, so multiply by -1 into int32."""
    (res,) = rw.out.emit(g.MulOp, [q.value, rw.out.int_const(f"{name}_neg", np.array(-1))])
    return QTensor(res, q.scale, None if q.offset is None else -q.offset, q.bound)


def _scaled(rw: Rewriter, op: Operation, x: SSAValue, c: np.ndarray) -> QTensor:
    """x * c for a constant c: a positive scalar (or a positive vector along x's last axis)
    only changes the scale; a negative scalar negates; anything else multiplies the int8 x
    by an int8 constant."""
    q = rw.qtensor(x, rw.describe(op))
    c = np.asarray(c, np.float64)
    last_axis = c.ndim >= 1 and c.shape[-1] == q.shape[-1] and math.prod(c.shape) == c.shape[-1]
    if (is_scalar(c) or last_axis) and np.all(c > 0):
        cv = c.reshape(-1) if last_axis and not is_scalar(c) else np.asarray(scalar(c))
        return QTensor(q.value, q.scale * cv, None if q.offset is None else q.offset * cv,
                       q.bound)
    if is_scalar(c) and scalar(c) < 0:
        n = _negate(rw, q, rw.name(op))
        return QTensor(n.value, n.scale * -scalar(c),
                       None if n.offset is None else n.offset * -scalar(c), n.bound)
    qx = rw.act(x, rw.describe(op))
    c_int, c_scale = quantize_weight(c, None)
    (res,) = rw.out.emit(g.MulOp, [qx.value, rw.out.const(f"{rw.name(op)}_c", c_int)])
    return QTensor(res, qx.scale * c_scale, None, 128 * 128)


@handles(g.MulOp)
def mul(rw: Rewriter, op: Operation) -> None:
    a, b = op.operands
    ca, cb = rw.const(a), rw.const(b)
    if ca is not None or cb is not None:
        x, c = (b, ca) if ca is not None else (a, cb)
        rw.set(op.results[0], _scaled(rw, op, x, c))
        return
    special = _mul_pattern(rw, op)
    if special is not None:
        rw.set(op.results[0], special)
        return
    qa, qb = rw.act(a, rw.describe(op)), rw.act(b, rw.describe(op))
    (res,) = rw.out.emit(g.MulOp, [qa.value, qb.value])
    rw.set(op.results[0], QTensor(res, qa.scale * qb.scale, None, 255 * 128))


def _mul_pattern(rw: Rewriter, op: Operation) -> QTensor | None:
    """x·sigmoid(x) -> iHardswish; x·(1 + erf(x/√2)) (or ½x·...) -> iGELU; x·rsqrt(mean x²)
    -> iRMSNorm."""
    a, b = op.operands
    for p, q in ((a, b), (b, a)):
        owner = p.owner
        if isinstance(owner, g.SigmoidOp) and owner.operands[0] is q:
            return ihardswish(rw, q, rw.name(op))
        x = gelu_source(rw, p)
        if x is not None and (q is x or is_half_of(rw, q, x)):
            res = igelu(rw, x, rw.name(op))
            return res if q is not x else QTensor(res.value, res.scale * 2, None, res.bound)
        x = rms_source(rw, p, reciprocal=True)
        if x is not None and x is q:
            return irmsnorm(rw, x, np.ones(1), op.results[0], rw.name(op))
    return None


@handles(g.DivOp)
def div(rw: Rewriter, op: Operation) -> None:
    a, b = op.operands
    c = rw.const(b)
    if c is not None and rw.const(a) is None:
        rw.set(op.results[0], _scaled(rw, op, a, 1.0 / c))
        return
    if rms_source(rw, b, reciprocal=False) is a:
        rw.set(op.results[0], irmsnorm(rw, a, np.ones(1), op.results[0], rw.name(op)))
        return
    rw.set(op.results[0], _integer_div(rw, op))


def _exact(rw: Rewriter, v: SSAValue, user: str) -> QTensor:
    """v's integer tensor as it is when it needs no offset or per-channel scale (sums and
    counts stay exact in int32), else int8 at v's calibrated scale."""
    q = rw.qtensor(v, user)
    return q if q.offset is None and q.scale.size == 1 else rw.act(v, user)


def _integer_div(rw: Rewriter, op: Operation) -> QTensor:
    """a / b of two activations (mean pooling over a mask count) as IntegerDiv (spec §7.7)
    with Delta = 2^DIV_BITS, eta = 1, eps = 0: a·Delta/b rounded, at scale sa/(sb·Delta).
    b must stay positive (a clipped count)."""
    qa = _exact(rw, op.operands[0], rw.describe(op))
    qb = _exact(rw, op.operands[1], rw.describe(op))
    delta = 2**DIV_BITS
    props = {"delta": g.int_prop(delta), "eta": g.int_prop(1), "eps": g.int_prop(0)}
    (res,) = rw.out.emit(g.IntegerDivOp, [qa.value, qb.value], props)
    return QTensor(res, qa.scale / (qb.scale * delta), None, qa.bound * delta)


@handles(g.NegOp)
def neg(rw: Rewriter, op: Operation) -> None:
    rw.set(op.results[0], _negate(rw, rw.act(op.operands[0], rw.describe(op)), rw.name(op)))


@handles(g.ReluOp)
def relu(rw: Rewriter, op: Operation) -> None:
    q = rw.act(op.operands[0], rw.describe(op))
    (res,) = rw.out.emit(g.ReluOp, [q.value])
    rw.set(op.results[0], QTensor(res, q.scale))


@handles(g.ClipOp)
def clip(rw: Rewriter, op: Operation) -> None:
    """Bounds in integer units (min rounded up, max down), on whatever integer the operand
    is: int8 activations, or exact int32 counts."""
    q = _exact(rw, op.operands[0], rw.describe(op))
    s = float(q.scale)
    props = {}
    if "min" in op.properties:
        props["min"] = g.float_prop(math.ceil(g.get_float(op.properties, "min") / s))
    if "max" in op.properties:
        props["max"] = g.float_prop(math.floor(g.get_float(op.properties, "max") / s))
    (res,) = rw.out.emit(g.ClipOp, [q.value], props)
    rw.set(op.results[0], QTensor(res, q.scale, None, q.bound))


@handles(g.CastOp)
def cast(rw: Rewriter, op: Operation) -> None:
    """float -> float is the identity; an integer input cast to float is a tensor of scale 1
    (an attention mask), narrowed to int8 when its calibrated values fit."""
    src, dst = g.elem_of(op.operands[0].type), g.elem_of(op.results[0].type)
    entry = rw.entry(op.operands[0])
    if gs.is_float(src) and gs.is_float(dst):
        rw.set(op.results[0], entry)
    elif gs.is_int(src) and gs.is_float(dst) and isinstance(entry, SSAValue):
        bound = math.ceil(rw.ranges[op.results[0]])
        if bound <= INT8[1]:
            (entry,) = rw.out.emit(g.CastOp, [entry], result_types=[_like(op, IntegerType(8))])
        rw.set(op.results[0], QTensor(entry, np.asarray(1.0), None, bound))
    else:
        raise QuantizeError(f"{rw.describe(op)}: cast from {src} to {dst} is not supported")


# -- nonlinear operators -----------------------------------------------------------------------


@handles(g.SoftmaxOp)
def softmax(rw: Rewriter, op: Operation) -> None:
    x = op.operands[0]
    if gs.normalize_axis(g.get_int(op.properties, "axis"), len(g.shape_of(x.type))) != \
            len(g.shape_of(x.type)) - 1:
        raise QuantizeError(f"{rw.describe(op)}: iSoftmax normalises the last axis only")
    _isoftmax(rw, op, g.ISoftmaxOp, [])


@handles(g.CausalSoftmaxOp)
def causal_softmax(rw: Rewriter, op: Operation) -> None:
    """iSoftmax over the visible prefix of each row; the positions pass through."""
    _isoftmax(rw, op, g.ICausalSoftmaxOp, [_integer(rw, op, op.operands[1])])


def _isoftmax(rw: Rewriter, op: Operation, op_cls: type[g.GraphOp],
              extra: list[SSAValue]) -> None:
    """x at an I-BERT-friendly scale, then `op_cls` (iSoftmax or its causal form) with the
    polynomial coefficients for that scale; the result is uint8 at 1/255."""
    x = op.operands[0]
    s_in, steps = snap_softmax_scale(float(rw.scale_of(x)))
    q = rw.out.requant(rw.qtensor(x, rw.describe(op)), s_in, f"rq_{rw.name(op)}")
    a, b, c = IBERT_EXP
    props = {"coeff_a": g.int_prop(1), "coeff_b": g.int_prop(round(b / s_in)),
             "coeff_c": g.int_prop(round(c / (a * s_in * s_in))), "log2": g.int_prop(steps),
             "n_levels": g.int_prop(256)}
    (res,) = rw.out.emit(op_cls, [q.value, *extra], props)
    rw.set(op.results[0], QTensor(res, np.asarray(1 / 255)))


def _integer(rw: Rewriter, op: Operation, v: SSAValue) -> SSAValue:
    """An integer operand (indices, positions) as it is: a graph input or a constant."""
    entry = rw.entry(v)
    if isinstance(entry, np.ndarray):
        return rw.out.const(f"{rw.name(op)}_idx", entry)
    if isinstance(entry, SSAValue):
        return entry
    raise QuantizeError(f"{rw.describe(op)}: operand %{v.name_hint or '?'} must be integers")


@handles(g.CacheWriteOp)
def cache_write(rw: Rewriter, op: Operation) -> None:
    """The new rows requantized to the cache's own scale, then written in place: a cache
    keeps one scale for its whole life (the calibration ties it, `tie_cache_ranges`)."""
    cache, rows, pos = op.operands
    qc = rw.act(cache, rw.describe(op))
    qr = rw.out.requant(rw.qtensor(rows, rw.describe(op)), float(qc.scale), f"rq_{rw.name(op)}")
    (res,) = rw.out.emit(g.CacheWriteOp, [qc.value, qr.value, _integer(rw, op, pos)],
                         dict(op.properties))  # type: ignore[arg-type]
    rw.set(op.results[0], QTensor(res, qc.scale))


@handles(g.GeluOp)
def gelu(rw: Rewriter, op: Operation) -> None:
    rw.set(op.results[0], igelu(rw, op.operands[0], rw.name(op)))


def igelu(rw: Rewriter, x: SSAValue, name: str) -> QTensor:
    """I-BERT GELU on int8 x at scale s: erf is evaluated on u = x/√2 at scale s/√2, so
    b = -round(1.769/(s/√2)) and one = round(1/(0.2888 (s/√2)^2)); result scale s·0.2888·(s/√2)^2
    (spec §7.3)."""
    q = rw.act(x, name)
    s = float(q.scale)
    s_erf = s / math.sqrt(2)
    b = -max(1, round(IBERT_B / s_erf))
    one = max(1, round(1 / (IBERT_A * s_erf**2)))
    (res,) = rw.out.emit(g.IGeluOp, [q.value], {"b": g.int_prop(b), "one": g.int_prop(one)})
    return QTensor(res, np.asarray(s * IBERT_A * s_erf**2), None, 128 * one)


def ihardswish(rw: Rewriter, x: SSAValue, name: str) -> QTensor:
    """SiLU as x·clip(x/2c + 1/2, 0, 1) = iHardswish with three = c/s, six = 2·three,
    one_over_six = 1 (spec §4); the result has scale s/six."""
    q = rw.act(x, name)
    s = float(q.scale)
    c = rw.config.silu_breakpoint or silu_breakpoint(rw.ranges[x])
    three = max(1, round(c / s))
    props = {"three": g.int_prop(three), "six": g.int_prop(2 * three),
             "one_over_six": g.int_prop(1)}
    (res,) = rw.out.emit(g.IHardswishOp, [q.value], props)
    return QTensor(res, np.asarray(s / (2 * three)), None, 128 * (128 + 3 * three))


def _norm_d(weights: np.ndarray) -> int:
    """The power of two D that gives the largest integer weight NORM_WEIGHT_BITS bits."""
    wmax = float(np.abs(weights).max(initial=0.0))
    if wmax == 0:
        return 1
    return 2 ** max(0, NORM_WEIGHT_BITS - 1 - math.floor(math.log2(wmax)))


def irmsnorm(rw: Rewriter, x: SSAValue, gamma: np.ndarray, out: SSAValue, name: str) -> QTensor:
    """x/rms(x)·gamma: iRMSNorm's sigma is in x's integer units, so the scale of x cancels and the
    weight is gamma·D/s_out (spec §3)."""
    q = rw.wide(x, name)
    s_out = float(rw.scale_of(out))
    real = np.asarray(gamma, np.float64).reshape(-1) / s_out
    d = _norm_d(real)
    w = rw.out.int_const(f"{name}_w", np.rint(real * d))
    (res,) = rw.out.emit(g.IRMSNormOp, [q.value, w], {"d": g.int_prop(d),
                                                      "n_levels": g.int_prop(256)})
    return QTensor(res, np.asarray(s_out))


def _last_axis_norm(rw: Rewriter, op: Operation) -> None:
    rank = len(g.shape_of(op.operands[0].type))
    if gs.normalize_axis(g.get_int(op.properties, "axis"), rank) != rank - 1:
        raise QuantizeError(f"{rw.describe(op)}: integer norms normalise the last axis only")
    for v in op.operands[1:]:
        if rw.const(v) is None:
            raise QuantizeError(f"{rw.describe(op)}: scale and bias must be constants")


@handles(g.RMSNormOp)
def rms_norm(rw: Rewriter, op: Operation) -> None:
    _last_axis_norm(rw, op)
    gamma = rw.const(op.operands[1])
    assert gamma is not None  # checked by _last_axis_norm
    rw.set(op.results[0], irmsnorm(rw, op.operands[0], gamma, op.results[0], rw.name(op)))


@handles(g.LayerNormOp)
def layer_norm(rw: Rewriter, op: Operation) -> None:
    """(x-mu)/sigma·gamma + beta: weight gamma·D/s_out, bias beta·D/s_out + D/2 (the D/2
    turns iLayerNorm's final floor into round-half-up) (spec §7.2)."""
    _last_axis_norm(rw, op)
    name = rw.name(op)
    q = rw.wide(op.operands[0], name)
    s_out = float(rw.scale_of(op.results[0]))
    length = g.shape_of(op.operands[0].type)[-1]
    gamma = np.broadcast_to(rw.const(op.operands[1]), (length,)) / s_out  # type: ignore[arg-type]
    beta = (np.broadcast_to(rw.const(op.operands[2]), (length,)) / s_out  # type: ignore[arg-type]
            if len(op.operands) > 2 else np.zeros(length))
    d = _norm_d(gamma)
    w = rw.out.int_const(f"{name}_w", np.rint(gamma * d))
    bias = rw.out.int_const(f"{name}_b", np.rint(beta * d) + d // 2)
    (res,) = rw.out.emit(g.ILayerNormOp, [q.value, w, bias], {"d": g.int_prop(d),
                                                              "n_levels": g.int_prop(256)})
    rw.set(op.results[0], QTensor(res, np.asarray(s_out)))


# -- data movement and reductions --------------------------------------------------------------


@handles(g.TransposeOp, g.ReshapeOp, g.ExpandOp, g.SliceOp, g.SplitOp, g.ReduceMeanOp,
         g.ReduceMaxOp, g.MaxPoolOp)
def same_scale(rw: Rewriter, op: Operation) -> None:
    """Ops that move, pick or average values: int8 in, int8 out, scale unchanged (integer
    ReduceMean is QuantLib's IntegerMean, rounding half up)."""
    entry = rw.entry(op.operands[0])
    if isinstance(entry, SSAValue):
        results = rw.out.emit(type(op), [entry], dict(op.properties),  # type: ignore[arg-type]
                              [r.type for r in op.results])
        for old, new in zip(op.results, results, strict=True):
            rw.set(old, new)
        return
    q = rw.act(op.operands[0], rw.describe(op))
    results = rw.out.emit(type(op), [q.value], dict(op.properties),  # type: ignore[arg-type]
                          [_like(op, q.element, i) for i in range(len(op.results))])
    for old, new in zip(op.results, results, strict=True):
        rw.set(old, QTensor(new, q.scale))


@handles(g.ReduceSumOp)
def reduce_sum(rw: Rewriter, op: Operation) -> None:
    """An exact int32 sum at the operand's scale."""
    q = _exact(rw, op.operands[0], rw.describe(op))
    (res,) = rw.out.emit(g.ReduceSumOp, [q.value], dict(op.properties))  # type: ignore[arg-type]
    count = math.prod(g.shape_of(op.operands[0].type)) // max(1, math.prod(
        g.shape_of(op.results[0].type)))
    rw.set(op.results[0], QTensor(res, q.scale, None, q.bound * count))


@handles(g.ConcatOp)
def concat(rw: Rewriter, op: Operation) -> None:
    s_out = float(rw.scale_of(op.results[0]))
    parts = [rw.out.requant(rw.qtensor(v, rw.describe(op)), s_out, f"rq_{rw.name(op)}").value
             for v in op.operands]
    (res,) = rw.out.emit(g.ConcatOp, parts, dict(op.properties))  # type: ignore[arg-type]
    rw.set(op.results[0], QTensor(res, np.asarray(s_out)))


@handles(g.GatherOp)
def gather(rw: Rewriter, op: Operation) -> None:
    """A constant table (embeddings, RoPE tables) becomes int8 per tensor; indices stay."""
    data, indices = op.operands
    table = rw.const(data)
    name = rw.name(op)
    if table is not None:
        t_int, t_scale = quantize_weight(table, None)
        q = QTensor(rw.out.const(f"{name}_table", t_int), np.asarray(t_scale))
    else:
        q = rw.act(data, rw.describe(op))
    idx = _integer(rw, op, indices)
    (res,) = rw.out.emit(g.GatherOp, [q.value, idx], dict(op.properties))  # type: ignore[arg-type]
    rw.set(op.results[0], QTensor(res, q.scale))


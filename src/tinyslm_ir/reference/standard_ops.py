"""ONNX standard op semantics in numpy, on float and integer tensors.

Rules that hold for every impl here:
* Integer arithmetic is exact (int64, or Python ints when a magnitude bound says int64 could
  overflow); contractions run in float64 BLAS when the bound proves that exact. The interpreter
  then converts to the result type, wrapping (and warning) if a value does not fit.
* Float arithmetic runs in float64 and is rounded once to the result type, so the golden model
  is as close to correctly rounded as numpy allows; compiled float32 code is compared with a
  tolerance (spec §10.5).
* Integer specifics from spec §8: Div truncates toward zero (ONNX), ReduceMean and AveragePool
  round half up like IntegerMean (spec §7.6), MaxPool padding acts as minus infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import prod

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.reference.errors import InterpreterError
from tinyslm_ir.reference.numerics import (
    contraction_dtype,
    element_kind,
    exact,
    maxabs,
    rhu_div,
    to_int,
    trunc_div,
)
from tinyslm_ir.reference.registry import Impl, ImplTable

STANDARD_IMPLS = ImplTable()
register = STANDARD_IMPLS.register


def _is_int(*arrays: np.ndarray) -> bool:
    return all(a.dtype.kind in "biu" for a in arrays)


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _common(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Integer arrays of different dtypes in one exact dtype (numpy would pick float64)."""
    if _is_int(*arrays) and len({a.dtype for a in arrays}) > 1:
        return exact(arrays, max(maxabs(a) for a in arrays) + 1)
    return arrays


def _result_shape(op: Operation, index: int = 0) -> tuple[int, ...]:
    return g.shape_of(op.results[index].type)


# ---------------------------------------------------------------------------------------------
# Element-wise


def _binary(fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
            bound: Callable[[int, int], int]) -> Impl:
    """Element-wise arithmetic; `bound(max|a|, max|b|)` bounds the exact integer result."""

    def impl(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
        a, b = args
        if _is_int(a, b):
            a, b = exact([a, b], bound(maxabs(a), maxabs(b)))
        else:
            a, b = _f64(a), _f64(b)
        return [fn(a, b)]

    return impl


register(g.AddOp)(_binary(np.add, lambda p, q: p + q))
register(g.SubOp)(_binary(np.subtract, lambda p, q: p + q))
register(g.MulOp)(_binary(np.multiply, lambda p, q: p * q))


@register(g.DivOp)
def _div(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Float division, or ONNX integer Div: the quotient truncated toward zero."""
    a, b = args
    if not _is_int(a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return [_f64(a) / _f64(b)]
    if (b == 0).any():
        raise InterpreterError(f"{op.name}: integer division by zero")
    a, b = exact([a, b], maxabs(a) + 1)
    return [trunc_div(a, b)]


@register(g.PowOp)
def _pow(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return [np.power(_f64(args[0]), _f64(args[1]))]


@register(g.MaxOp, g.MinOp)
def _max_min(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    fn = np.maximum if isinstance(op, g.MaxOp) else np.minimum
    return [fn(*_common(args))]


@register(g.EqualOp, g.LessOp, g.GreaterOp)
def _compare(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    fn = {g.EqualOp: np.equal, g.LessOp: np.less, g.GreaterOp: np.greater}[type(op)]
    return [fn(*_common(args))]


@register(g.WhereOp)
def _where(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    cond, a, b = args
    return [np.where(cond, *_common([a, b]))]


@register(g.ReluOp)
def _relu(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    return [np.maximum(args[0], 0)]


@register(g.NegOp, g.AbsOp)
def _neg_abs(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Exact on integers: -(-128) is 128, which an i8 result then wraps (and reports)."""
    (x,) = args
    x = exact([x], maxabs(x) + 1)[0] if _is_int(x) else _f64(x)
    return [-x if isinstance(op, g.NegOp) else np.abs(x)]


def erf(x: np.ndarray) -> np.ndarray:
    """erf in float64 to within ~1.5e-15 absolute, vectorised (numpy has no erf).

    |x| < 3: the everywhere-positive series erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1}/(2n+1)!!
    (no cancellation); |x| >= 3: the continued fraction of erfc, evaluated backwards.
    """
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    near = np.minimum(a, 3.0)
    x2 = near * near
    term = near.copy()
    total = near.copy()
    for n in range(1, 60):
        term = term * (2.0 * x2) / (2 * n + 1)
        total += term
    series = (2.0 / math.sqrt(math.pi)) * np.exp(-x2) * total
    far = np.maximum(a, 3.0)
    frac = far.copy()
    for k in range(40, 0, -1):
        frac = far + (k / 2.0) / frac
    tail = 1.0 - np.exp(-far * far) / (math.sqrt(math.pi) * frac)
    return np.sign(x) * np.where(a < 3.0, series, tail)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_FLOAT_UNARY = {
    g.SigmoidOp: _sigmoid,
    g.TanhOp: np.tanh,
    g.ExpOp: np.exp,
    g.LogOp: np.log,
    g.SqrtOp: np.sqrt,
    g.ErfOp: erf,
    g.ReciprocalOp: np.reciprocal,
}


@register(*_FLOAT_UNARY)
def _float_unary(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return [_FLOAT_UNARY[type(op)](_f64(args[0]))]


@register(g.GeluOp)
def _gelu(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """ONNX Gelu: exact erf form, or the tanh form when `tanh_approx` is set."""
    x = _f64(args[0])
    if g.get_bool(op.properties, "tanh_approx"):
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        return [0.5 * x * (1.0 + np.tanh(inner))]
    return [0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))]


@register(g.ClipOp)
def _clip(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Clamp to the optional bounds; on integers a fractional bound acts as ceil(min)/floor(max)."""
    (x,) = args
    props = op.properties
    lo = g.get_float(props, "min") if "min" in props else None
    hi = g.get_float(props, "max") if "max" in props else None
    if _is_int(x):
        x = exact([x], maxabs(x) + 1)[0]
        lo = None if lo is None else math.ceil(lo)
        hi = None if hi is None else math.floor(hi)
    else:
        x = _f64(x)
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return [x]


@register(g.CastOp)
def _cast(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """ONNX Cast. Float -> int truncates toward zero (C conversion, as onnxruntime does) and
    refuses NaN, infinities and out-of-range values, which ONNX leaves undefined. Int -> int
    is two's complement: a narrowing cast that changes a value wraps and is reported. Any ->
    bool is `x != 0`.
    """
    (x,) = args
    kind = element_kind(g.elem_of(op.results[0].type))
    if kind.dtype == np.bool_:
        return [x != 0]
    if not kind.is_int:
        return [x.astype(kind.dtype)]
    if _is_int(x):
        return [exact([x], maxabs(x) + 1)[0]]
    t = np.trunc(x.astype(np.float64))
    if not np.isfinite(t).all() or (t.size and (t.min() < kind.lo or t.max() > kind.hi)):
        raise InterpreterError(f"{op.name}: float values outside {kind.name} (or NaN) cannot be "
                               f"cast; ONNX leaves that undefined")
    return [t.astype(kind.dtype)]


# ---------------------------------------------------------------------------------------------
# Contractions, convolution, pooling


@register(g.MatMulOp)
def _matmul(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    a, b = args
    if not _is_int(a, b):
        return [np.matmul(_f64(a), _f64(b))]
    dt = contraction_dtype(maxabs(a) * maxabs(b) * a.shape[-1])
    return [to_int(np.matmul(a.astype(dt), b.astype(dt)))]


@register(g.GemmOp)
def _gemm(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """alpha * A' @ B' + beta * C; alpha and beta are integral on integers (the verifier)."""
    a, b = args[:2]
    props = op.properties
    a = a.T if g.get_bool(props, "trans_a") else a
    b = b.T if g.get_bool(props, "trans_b") else b
    alpha, beta = g.get_float(props, "alpha", 1.0), g.get_float(props, "beta", 1.0)
    c = args[2] if len(args) > 2 else None
    if not _is_int(*args):
        out = alpha * np.matmul(_f64(a), _f64(b))
        return [out if c is None else out + beta * _f64(c)]
    alpha_i, beta_i = int(alpha), int(beta)
    c_bound = 0 if c is None else abs(beta_i) * maxabs(c)
    bound = abs(alpha_i) * maxabs(a) * maxabs(b) * a.shape[1] + c_bound
    dt = contraction_dtype(bound)
    out = alpha_i * to_int(np.matmul(a.astype(dt), b.astype(dt)))
    if c is not None:
        out = out + beta_i * exact([c], bound)[0]
    return [out]


def _windows(x: np.ndarray, kernel: tuple[int, ...], strides: tuple[int, ...],
             dilations: tuple[int, ...]) -> np.ndarray:
    """View (N, C, *out, *kernel) of the windows of an already padded NC[D...] tensor."""
    nsp = len(kernel)
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilations, strict=True))
    view = sliding_window_view(x, span, axis=tuple(range(2, 2 + nsp)))
    return view[(slice(None), slice(None), *(slice(None, None, s) for s in strides),
                 *(slice(None, None, d) for d in dilations))]


def _pad_widths(op: Operation, spatial: tuple[int, ...], kernel: tuple[int, ...]
                ) -> list[tuple[int, int]]:
    """Per spatial axis: `pads`, plus at the end whatever ceil_mode windows need beyond them."""
    props = op.properties
    pads, strides = g.get_ints(props, "pads"), g.get_ints(props, "strides")
    dilations = g.get_ints(props, "dilations")
    nsp = len(kernel)
    out = _result_shape(op)[2:]
    widths = []
    for i in range(nsp):
        lo, hi = pads[i], pads[i + nsp]
        need = (out[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1
        widths.append((lo, max(hi, need - spatial[i] - lo)))
    return widths


def _padded(x: np.ndarray, op: Operation, kernel: tuple[int, ...], fill: float | int
            ) -> np.ndarray:
    return np.pad(x, [(0, 0), (0, 0), *_pad_widths(op, x.shape[2:], kernel)],
                  constant_values=fill)


@register(g.ConvOp)
def _conv(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """N-D grouped correlation as one batched matmul over an im2col copy of the windows."""
    x, w = args[:2]
    bias = args[2] if len(args) > 2 else None
    props = op.properties
    group = g.get_int(props, "group")
    m, cg, *kernel = w.shape
    kernel_t = tuple(kernel)
    if _is_int(*args):
        bound = maxabs(x) * maxabs(w) * cg * prod(kernel_t)
        bound += 0 if bias is None else maxabs(bias)
        dt = contraction_dtype(bound)
    else:
        dt = np.float64
    win = _windows(_padded(x.astype(dt), op, kernel_t, 0), kernel_t, g.get_ints(props, "strides"),
                   g.get_ints(props, "dilations"))
    n, nsp = x.shape[0], len(kernel_t)
    out_sp = win.shape[2:2 + nsp]
    # (N, G, C/G, *O, *K) -> (G, N*O, C/G*K)
    win = win.reshape(n, group, cg, *out_sp, *kernel_t)
    perm = (1, 0, *range(3, 3 + nsp), 2, *range(3 + nsp, 3 + 2 * nsp))
    cols = win.transpose(perm).reshape(group, n * prod(out_sp), cg * prod(kernel_t))
    wmat = w.astype(dt).reshape(group, m // group, -1).transpose(0, 2, 1)
    out = np.matmul(cols, wmat)  # (G, N*O, M/G)
    out = out.reshape(group, n, *out_sp, m // group)
    out = out.transpose(1, 0, 2 + nsp, *range(2, 2 + nsp)).reshape(n, m, *out_sp)
    out = to_int(out) if _is_int(*args) else out
    if bias is not None:
        b = bias.astype(out.dtype) if out.dtype != object else bias.astype(object)
        out = out + b.reshape(m, *([1] * nsp))
    return [out]


@register(g.MaxPoolOp)
def _maxpool(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Max over windows; padding is -inf (the type's minimum on integers, which equals -inf
    for any window that holds an input element, as ONNX pads < kernel guarantee)."""
    (x,) = args
    kernel = g.get_ints(op.properties, "kernel_shape")
    fill = np.iinfo(x.dtype).min if _is_int(x) else -np.inf
    win = _windows(_padded(x, op, kernel, fill), kernel, g.get_ints(op.properties, "strides"),
                   g.get_ints(op.properties, "dilations"))
    return [win.max(axis=tuple(range(-len(kernel), 0)))]


@register(g.AvgPoolOp)
def _avgpool(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Window sum / element count. The count includes explicit pads only with
    `count_include_pad`, never the extra ceil_mode positions (as onnxruntime). Integer results
    round half up, as IntegerMean (spec §7.6)."""
    (x,) = args
    props = op.properties
    kernel = g.get_ints(props, "kernel_shape")
    strides, dilations = g.get_ints(props, "strides"), g.get_ints(props, "dilations")
    axes = tuple(range(-len(kernel), 0))
    nsp = len(kernel)
    pads = g.get_ints(props, "pads")
    include = g.get_bool(props, "count_include_pad")
    widths = _pad_widths(op, x.shape[2:], kernel)
    mask = np.zeros((1, 1, *(lo + d + hi for d, (lo, hi) in zip(x.shape[2:], widths,
                                                                 strict=True))), np.int64)
    counted = []  # per axis: the input, plus the explicit pads with count_include_pad
    for i, (d, (lo, _)) in enumerate(zip(x.shape[2:], widths, strict=True)):
        counted.append(slice(0, lo + d + pads[i + nsp]) if include else slice(lo, lo + d))
    mask[(0, 0, *counted)] = 1
    count = _windows(mask, kernel, strides, dilations).sum(axis=axes)
    if _is_int(x):
        xs = exact([x], maxabs(x) * prod(kernel) * 2 + prod(kernel))[0]
        total = _windows(_padded(xs, op, kernel, 0), kernel, strides, dilations).sum(axis=axes)
        return [rhu_div(total, count)]
    total = _windows(_padded(_f64(x), op, kernel, 0.0), kernel, strides, dilations).sum(axis=axes)
    return [total / count]


# ---------------------------------------------------------------------------------------------
# Reductions and normalisations


def _reduce_axes(op: Operation, x: np.ndarray) -> tuple[int, ...]:
    axes = g.get_ints(op.properties, "axes")
    return tuple(gs.normalize_axis(a, x.ndim) for a in axes) if axes else tuple(range(x.ndim))


@register(g.ReduceSumOp, g.ReduceMeanOp)
def _reduce_sum_mean(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Sum, or mean: float mean, or IntegerMean's rhu(sum / N) on integers (spec §7.6)."""
    (x,) = args
    axes = _reduce_axes(op, x)
    keep = g.get_bool(op.properties, "keepdims")
    count = prod(x.shape[a] for a in axes)
    if _is_int(x):
        xs = exact([x], 2 * maxabs(x) * count + count + 1)[0]
        total = xs.sum(axis=axes, keepdims=keep)
        return [total if isinstance(op, g.ReduceSumOp) else rhu_div(total, count)]
    fn = np.sum if isinstance(op, g.ReduceSumOp) else np.mean
    return [fn(_f64(x), axis=axes, keepdims=keep)]


@register(g.ReduceMaxOp)
def _reduce_max(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    (x,) = args
    return [x.max(axis=_reduce_axes(op, x), keepdims=g.get_bool(op.properties, "keepdims"))]


@register(g.SoftmaxOp)
def _softmax(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    x = _f64(args[0])
    axis = g.get_int(op.properties, "axis")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return [e / e.sum(axis=axis, keepdims=True)]


def _norm_axes(op: Operation, x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(gs.normalize_axis(g.get_int(op.properties, "axis"), x.ndim), x.ndim))


@register(g.LayerNormOp)
def _layer_norm(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """(x - mean) / sqrt(var + eps) * scale + bias over the axes from `axis` on (biased var)."""
    x, scale = _f64(args[0]), _f64(args[1])
    axes = _norm_axes(op, x)
    centred = x - x.mean(axis=axes, keepdims=True)
    var = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred / np.sqrt(var + g.get_float(op.properties, "epsilon")) * scale
    return [out + _f64(args[2]) if len(args) > 2 else out]


@register(g.RMSNormOp)
def _rms_norm(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    x, scale = _f64(args[0]), _f64(args[1])
    ms = (x * x).mean(axis=_norm_axes(op, x), keepdims=True)
    return [x / np.sqrt(ms + g.get_float(op.properties, "epsilon")) * scale]


# ---------------------------------------------------------------------------------------------
# Data movement (dtypes are kept; the interpreter converts to the declared result type)


@register(g.TransposeOp)
def _transpose(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    return [np.transpose(args[0], g.get_ints(op.properties, "perm"))]


@register(g.ReshapeOp)
def _reshape(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    return [args[0].reshape(_result_shape(op))]


@register(g.ExpandOp)
def _expand(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    return [np.broadcast_to(args[0], _result_shape(op))]


@register(g.ConcatOp)
def _concat(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    return [np.concatenate(_common(args), axis=g.get_int(op.properties, "axis"))]


@register(g.SplitOp)
def _split(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    sizes = g.get_ints(op.properties, "sizes")
    cuts = np.cumsum(sizes)[:-1]
    return list(np.split(args[0], cuts, axis=g.get_int(op.properties, "axis")))


@register(g.SliceOp)
def _slice(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Per-axis normalised starts/ends/steps; with a negative step, end -1 means 'past 0'."""
    props = op.properties
    index = tuple(
        slice(s, None if (st < 0 and e == -1) else e, st)
        for s, e, st in zip(g.get_ints(props, "starts"), g.get_ints(props, "ends"),
                            g.get_ints(props, "steps"), strict=True)
    )
    return [args[0][index]]


@register(g.PadOp)
def _pad(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Constant padding with `value`; negative pads crop, as in ONNX."""
    (x,) = args
    pads = g.get_ints(op.properties, "pads")
    rank = x.ndim
    begins, ends = pads[:rank], pads[rank:]
    x = x[tuple(slice(max(-b, 0), d - max(-e, 0)) for b, e, d in zip(begins, ends, x.shape,
                                                                     strict=True))]
    value = g.get_float(op.properties, "value")
    fill = int(value) if _is_int(x) else value
    return [np.pad(x, [(max(b, 0), max(e, 0)) for b, e in zip(begins, ends, strict=True)],
                   constant_values=fill)]


@register(g.GatherOp)
def _gather(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """ONNX Gather: negative indices count from the end; out-of-range indices are an error."""
    data, indices = args
    axis = gs.normalize_axis(g.get_int(op.properties, "axis"), data.ndim)
    dim = data.shape[axis]
    idx = indices.astype(np.int64)
    idx = np.where(idx < 0, idx + dim, idx)
    if idx.size and (idx.min() < 0 or idx.max() >= dim):
        raise InterpreterError(f"{op.name}: index out of range for axis {axis} of size {dim}")
    return [np.take(data, idx, axis=axis)]


def _position(pos: np.ndarray) -> int:
    return int(np.asarray(pos).reshape(-1)[0])


def causal_visible(shape: tuple[int, ...], pos: np.ndarray) -> np.ndarray:
    """Booleans of x's shape for a causal row op: query q (axis -2) sees positions 0..pos+q."""
    n, c = shape[-2:]
    visible = np.arange(c)[None, :] <= _position(pos) + np.arange(n)[:, None]
    return np.broadcast_to(visible, shape)


@register(g.CausalSoftmaxOp)
def _causal_softmax(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """Softmax over each row's visible prefix; hidden entries are 0 (a row that sees nothing
    is all 0)."""
    x, pos = _f64(args[0]), args[1]
    visible = causal_visible(x.shape, pos)
    shifted = np.where(visible, x, -np.inf)
    top = shifted.max(axis=-1, keepdims=True)
    e = np.where(visible, np.exp(shifted - np.where(np.isfinite(top), top, 0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return [np.divide(e, total, out=np.zeros_like(e), where=total > 0)]


@register(g.CacheWriteOp)
def _cache_write(op: Operation, args: list[np.ndarray]) -> list[np.ndarray]:
    """The cache with `rows` at pos.. along `axis`; a write past the capacity is an error."""
    cache, rows, pos = args
    axis = gs.normalize_axis(g.get_int(op.properties, "axis"), cache.ndim)
    start, n, cap = _position(pos), rows.shape[axis], cache.shape[axis]
    if start < 0 or start + n > cap:
        raise InterpreterError(f"{op.name}: writing {n} row(s) at position {start} overflows "
                               f"the cache capacity {cap}")
    out = cache.copy()
    index = [slice(None)] * cache.ndim
    index[axis] = slice(start, start + n)
    out[tuple(index)] = rows
    return [out]

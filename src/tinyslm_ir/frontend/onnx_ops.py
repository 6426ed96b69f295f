"""Converters for standard ONNX operators into the `graph` dialect.

Each converter handles all opsets of its op: attributes that moved to inputs (Slice, Pad,
Clip, Squeeze/Unsqueeze, Split, ReduceX axes) are read from either place and must be
constant, because graph ops take them as static properties. When every operand is constant,
the converter folds the node with numpy instead of emitting ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod

import numpy as np
import onnx

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.frontend.convert import NodeContext, converter
from tinyslm_ir.frontend.input_types import dtype_of_element_type, element_type_of_dtype

# ---------------------------------------------------------------------------------------------
# Element-wise


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return (np.trunc(a / b)).astype(np.result_type(a, b))
    return a / b


_BINARY: dict[str, tuple[type[g.GraphOp], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "Add": (g.AddOp, np.add), "Sub": (g.SubOp, np.subtract), "Mul": (g.MulOp, np.multiply),
    "Div": (g.DivOp, _int_div), "Pow": (g.PowOp, np.power),
    "Max": (g.MaxOp, np.maximum), "Min": (g.MinOp, np.minimum),
    "Equal": (g.EqualOp, np.equal), "Less": (g.LessOp, np.less),
    "Greater": (g.GreaterOp, np.greater),
}


@converter(*_BINARY)
def binary(ctx: NodeContext) -> None:
    op_cls, fold = _BINARY[ctx.node.op_type]
    if ctx.num_inputs < 2 and op_cls not in (g.MaxOp, g.MinOp):
        raise ctx.error("expected two operands")
    if ctx.all_const():
        result = ctx.const(0)
        for i in range(1, ctx.num_inputs):
            result = fold(result, ctx.const(i))
        ctx.set_output(0, np.asarray(result))
        return
    vals = ctx.operands(*range(ctx.num_inputs))
    acc = vals[0]
    for v in vals[1:]:
        acc = ctx.emit(op_cls, [acc, v]).results[0]
    ctx.set_output(0, acc)


_UNARY: dict[str, tuple[type[g.GraphOp], Callable[[np.ndarray], np.ndarray] | None]] = {
    "Relu": (g.ReluOp, lambda x: np.maximum(x, 0).astype(x.dtype)), "Neg": (g.NegOp, np.negative),
    "Abs": (g.AbsOp, np.abs), "Sigmoid": (g.SigmoidOp, None), "Tanh": (g.TanhOp, None),
    "Exp": (g.ExpOp, None), "Log": (g.LogOp, None), "Sqrt": (g.SqrtOp, np.sqrt),
    "Erf": (g.ErfOp, None), "Reciprocal": (g.ReciprocalOp, None),
}


@converter(*_UNARY)
def unary(ctx: NodeContext) -> None:
    op_cls, fold = _UNARY[ctx.node.op_type]
    x = ctx.const(0)
    if x is not None and fold is not None:
        ctx.set_output(0, np.asarray(fold(x)))
        return
    ctx.set_output(0, ctx.emit(op_cls, ctx.operands(0)))


@converter("Gelu")
def gelu(ctx: NodeContext) -> None:
    props = {"tanh_approx": g.bool_prop(True)} if ctx.attr("approximate") == "tanh" else {}
    ctx.set_output(0, ctx.emit(g.GeluOp, ctx.operands(0), props))


@converter("Where")
def where(ctx: NodeContext) -> None:
    if ctx.all_const():
        ctx.set_output(0, np.where(ctx.const(0), ctx.const(1), ctx.const(2)))
        return
    integer = ctx.is_int()
    ctx.set_output(0, ctx.emit(g.WhereOp, ctx.operands(0, 1, 2, integer=integer)))


@converter("Clip")
def clip(ctx: NodeContext) -> None:
    props = {}
    for key, idx in (("min", 1), ("max", 2)):
        if ctx.opset < 11:
            bound = ctx.attr(key)
        else:
            bound = ctx.require_const(idx, f"Clip {key}").item() if ctx.has_input(idx) else None
        if bound is not None:
            props[key] = g.float_prop(bound)
    ctx.set_output(0, ctx.emit(g.ClipOp, ctx.operands(0), props))


@converter("Cast", "CastLike")
def cast(ctx: NodeContext) -> None:
    if ctx.node.op_type == "CastLike":
        like = ctx.value(1)
        dtype = like.dtype if isinstance(like, np.ndarray) \
            else dtype_of_element_type(g.elem_of(like.type))
    else:
        dtype = onnx.helper.tensor_dtype_to_np_dtype(ctx.attr("to"))
    x = ctx.const(0)
    if x is not None:
        ctx.set_output(0, x.astype(dtype))
        return
    (v,) = ctx.operands(0)
    res = g.tensor(g.shape_of(v.type), element_type_of_dtype(dtype))
    if res == v.type:
        ctx.set_output(0, v)
    else:
        ctx.set_output(0, ctx.emit(g.CastOp, [v], result_types=[res]))


@converter("Identity", "Dropout")
def identity(ctx: NodeContext) -> None:
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        raise ctx.error("the Dropout mask output is not supported")
    ctx.set_output(0, ctx.value(0))


# ---------------------------------------------------------------------------------------------
# Constants and shape computations (always folded)


@converter("Constant")
def constant(ctx: NodeContext) -> None:
    for key, cast_to in (("value", None), ("value_float", np.float32),
                         ("value_floats", np.float32), ("value_int", np.int64),
                         ("value_ints", np.int64)):
        if ctx.has_attr(key):
            v = ctx.attr(key)
            ctx.set_output(0, np.asarray(v) if cast_to is None else np.asarray(v, cast_to))
            return
    raise ctx.error("only dense tensor and numeric Constant values are supported")


@converter("Shape")
def shape(ctx: NodeContext) -> None:
    dims = ctx.shape(0)
    start, end = ctx.attr("start", 0), ctx.attr("end", len(dims))
    ctx.set_output(0, np.asarray(dims[start:end], np.int64))


@converter("Size")
def size(ctx: NodeContext) -> None:
    ctx.set_output(0, np.asarray(prod(ctx.shape(0)), np.int64))


@converter("ConstantOfShape")
def constant_of_shape(ctx: NodeContext) -> None:
    dims = ctx.require_const(0, "shape")
    fill = ctx.attr("value")
    fill = np.zeros(1, np.float32) if fill is None else fill.reshape(-1)
    ctx.set_output(0, np.full(tuple(int(d) for d in dims), fill[0], fill.dtype))


@converter("Range")
def range_(ctx: NodeContext) -> None:
    start, limit, delta = (ctx.require_const(i, "Range bound") for i in range(3))
    ctx.set_output(0, np.arange(start.item(), limit.item(), delta.item(), dtype=start.dtype))


# ---------------------------------------------------------------------------------------------
# Contractions, convolution, pooling


@converter("MatMul")
def matmul(ctx: NodeContext) -> None:
    ctx.set_output(0, ctx.emit(g.MatMulOp, ctx.operands(0, 1)))


@converter("Gemm")
def gemm(ctx: NodeContext) -> None:
    props = {"alpha": g.float_prop(ctx.attr("alpha", 1.0)),
             "beta": g.float_prop(ctx.attr("beta", 1.0)),
             "trans_a": g.bool_prop(ctx.attr("transA", 0)),
             "trans_b": g.bool_prop(ctx.attr("transB", 0))}
    ctx.set_output(0, ctx.emit(g.GemmOp, ctx.operands(0, 1, 2), props))


def _window_props(ctx: NodeContext, x: Sequence[int], kernel: Sequence[int]) -> dict:
    nsp = len(x) - 2
    strides = list(ctx.attr("strides", [1] * nsp))
    dilations = list(ctx.attr("dilations", [1] * nsp))
    pads = list(ctx.attr("pads", [0] * (2 * nsp)))
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if auto_pad == "VALID":
        pads = [0] * (2 * nsp)
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        for i in range(nsp):
            out = -(-x[2 + i] // strides[i])
            total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - x[2 + i])
            small, big = total // 2, total - total // 2
            pads[i], pads[i + nsp] = (small, big) if auto_pad == "SAME_UPPER" else (big, small)
    elif auto_pad != "NOTSET":
        raise ctx.error(f"unsupported auto_pad '{auto_pad}'")
    return {"strides": g.ints_prop(strides), "pads": g.ints_prop(pads),
            "dilations": g.ints_prop(dilations)}


@converter("Conv")
def conv(ctx: NodeContext) -> None:
    x, w = ctx.shape(0), ctx.shape(1)
    props = _window_props(ctx, x, ctx.attr("kernel_shape", w[2:]))
    props["group"] = g.int_prop(ctx.attr("group", 1))
    ctx.set_output(0, ctx.emit(g.ConvOp, ctx.operands(0, 1, 2), props))


@converter("MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool")
def pool(ctx: NodeContext) -> None:
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        raise ctx.error("the MaxPool Indices output is not supported")
    x = ctx.shape(0)
    is_global = ctx.node.op_type.startswith("Global")
    kernel = x[2:] if is_global else ctx.attr("kernel_shape")
    props = _window_props(ctx, x, kernel)
    props["kernel_shape"] = g.ints_prop(kernel)
    props["ceil_mode"] = g.bool_prop(ctx.attr("ceil_mode", 0))
    is_max = "Max" in ctx.node.op_type
    if not is_max:
        props["count_include_pad"] = g.bool_prop(ctx.attr("count_include_pad", 0))
    ctx.set_output(0, ctx.emit(g.MaxPoolOp if is_max else g.AvgPoolOp, ctx.operands(0), props))


# ---------------------------------------------------------------------------------------------
# Reductions and normalisations


_REDUCE = {"ReduceSum": (g.ReduceSumOp, 13), "ReduceMean": (g.ReduceMeanOp, 18),
           "ReduceMax": (g.ReduceMaxOp, 18)}


def reduce_axes(ctx: NodeContext, axes_input_since: int) -> list[int]:
    if ctx.opset < axes_input_since:
        return list(ctx.attr("axes", []))
    return [int(a) for a in ctx.require_const(1, "axes")] if ctx.has_input(1) else []


def emit_reduce(ctx: NodeContext, op_cls: type[g.GraphOp], axes: list[int]) -> None:
    if not axes and ctx.attr("noop_with_empty_axes", 0):
        ctx.set_output(0, ctx.value(0))
        return
    props = {"axes": g.ints_prop(axes), "keepdims": g.bool_prop(ctx.attr("keepdims", 1))}
    ctx.set_output(0, ctx.emit(op_cls, ctx.operands(0), props))


@converter(*_REDUCE)
def reduce(ctx: NodeContext) -> None:
    op_cls, since = _REDUCE[ctx.node.op_type]
    emit_reduce(ctx, op_cls, reduce_axes(ctx, since))


@converter("Softmax")
def softmax(ctx: NodeContext) -> None:
    """Before opset 13 Softmax normalises the flattened trailing axes from `axis` on."""
    x = ctx.shape(0)
    axis = gs.normalize_axis(ctx.attr("axis", 1 if ctx.opset < 13 else -1), len(x))
    (v,) = ctx.operands(0)
    if ctx.opset >= 13 or axis == len(x) - 1:
        ctx.set_output(0, ctx.emit(g.SoftmaxOp, [v], {"axis": g.int_prop(axis)}))
        return
    flat = reshape_value(ctx, v, (prod(x[:axis]), prod(x[axis:])))
    sm = ctx.emit(g.SoftmaxOp, [flat], {"axis": g.int_prop(1)}).results[0]
    ctx.set_output(0, reshape_value(ctx, sm, x))


@converter("LayerNormalization", "RMSNormalization")
def layer_norm(ctx: NodeContext) -> None:
    if any(ctx.node.output[1:]):
        raise ctx.error("only the normalised output is supported (Mean/InvStdDev unused)")
    op_cls = g.LayerNormOp if ctx.node.op_type == "LayerNormalization" else g.RMSNormOp
    props = {"axis": g.int_prop(ctx.attr("axis", -1)),
             "epsilon": g.float_prop(ctx.attr("epsilon", 1e-5))}
    ctx.set_output(0, ctx.emit(op_cls, ctx.operands(0, 1, 2), props))


# ---------------------------------------------------------------------------------------------
# Data movement


def reshape_value(ctx: NodeContext, v, shape: Sequence[int]):
    if g.shape_of(v.type) == tuple(shape):
        return v
    res = g.tensor(shape, g.elem_of(v.type))
    return ctx.emit(g.ReshapeOp, [v], result_types=[res]).results[0]


def set_reshaped(ctx: NodeContext, shape: Sequence[int]) -> None:
    """Output 0 is input 0 reshaped: folded for constants, `graph.reshape` otherwise."""
    x = ctx.const(0)
    if x is not None:
        ctx.set_output(0, x.reshape(tuple(shape)))
    else:
        ctx.set_output(0, reshape_value(ctx, ctx.operand(0), shape))


@converter("Reshape")
def reshape(ctx: NodeContext) -> None:
    x = ctx.shape(0)
    target = [int(d) for d in ctx.require_const(1, "shape")] if ctx.opset >= 5 \
        else list(ctx.attr("shape"))
    if not ctx.attr("allowzero", 0):
        target = [x[i] if d == 0 else d for i, d in enumerate(target)]
    if target.count(-1) > 1:
        raise ctx.error(f"shape {target} has more than one -1")
    if -1 in target:
        known = prod(d for d in target if d != -1)
        if known == 0 or prod(x) % known:
            raise ctx.error(f"cannot reshape {x} to {target}")
        target[target.index(-1)] = prod(x) // known
    if prod(target) != prod(x):
        raise ctx.error(f"cannot reshape {x} ({prod(x)} elements) to {target}")
    set_reshaped(ctx, target)


@converter("Flatten")
def flatten(ctx: NodeContext) -> None:
    x = ctx.shape(0)
    axis = ctx.attr("axis", 1)
    axis = axis + len(x) if axis < 0 else axis
    set_reshaped(ctx, (prod(x[:axis]), prod(x[axis:])))


def _axes(ctx: NodeContext) -> list[int] | None:
    if ctx.opset < 13:
        a = ctx.attr("axes")
        return None if a is None else list(a)
    return [int(a) for a in ctx.require_const(1, "axes")] if ctx.has_input(1) else None


@converter("Squeeze")
def squeeze(ctx: NodeContext) -> None:
    x = ctx.shape(0)
    axes = _axes(ctx)
    drop = {i for i, d in enumerate(x) if d == 1} if axes is None \
        else {gs.normalize_axis(a, len(x)) for a in axes}
    if any(x[a] != 1 for a in drop):
        raise ctx.error(f"cannot squeeze axes {sorted(drop)} of shape {x}")
    set_reshaped(ctx, [d for i, d in enumerate(x) if i not in drop])


@converter("Unsqueeze")
def unsqueeze(ctx: NodeContext) -> None:
    x = list(ctx.shape(0))
    axes = _axes(ctx)
    if axes is None:
        raise ctx.error("missing axes")
    rank = len(x) + len(axes)
    for a in sorted(gs.normalize_axis(a, rank) for a in axes):
        x.insert(a, 1)
    set_reshaped(ctx, x)


@converter("Expand")
def expand(ctx: NodeContext) -> None:
    target = gs.broadcast_shapes(ctx.shape(0), [int(d) for d in ctx.require_const(1, "shape")])
    x = ctx.const(0)
    if x is not None:
        ctx.set_output(0, np.broadcast_to(x, target).copy())
        return
    (v,) = ctx.operands(0)
    if g.shape_of(v.type) == target:
        ctx.set_output(0, v)
    else:
        res = g.tensor(target, g.elem_of(v.type))
        ctx.set_output(0, ctx.emit(g.ExpandOp, [v], result_types=[res]))


@converter("Transpose")
def transpose(ctx: NodeContext) -> None:
    perm = list(ctx.attr("perm", range(len(ctx.shape(0)) - 1, -1, -1)))
    x = ctx.const(0)
    if x is not None:
        ctx.set_output(0, np.transpose(x, perm))
    else:
        ctx.set_output(0, ctx.emit(g.TransposeOp, ctx.operands(0), {"perm": g.ints_prop(perm)}))


@converter("Concat")
def concat(ctx: NodeContext) -> None:
    """Zero-size operands are dropped: an empty KV cache (prefill) contributes nothing."""
    axis = ctx.attr("axis")
    idx = [i for i in range(ctx.num_inputs) if ctx.has_input(i) and prod(ctx.shape(i)) > 0]
    if not idx:
        idx = [0]
    if all(ctx.const(i) is not None for i in idx):
        ctx.set_output(0, np.concatenate([ctx.const(i) for i in idx], axis=axis))
        return
    vals = ctx.operands(*idx)
    if len(vals) == 1:
        ctx.set_output(0, vals[0])
        return
    ctx.set_output(0, ctx.emit(g.ConcatOp, vals, {"axis": g.int_prop(axis)}))


@converter("Split")
def split(ctx: NodeContext) -> None:
    x = ctx.shape(0)
    axis = gs.normalize_axis(ctx.attr("axis", 0), len(x))
    n = len(ctx.node.output)
    if ctx.opset < 13 and ctx.has_attr("split"):
        sizes = list(ctx.attr("split"))
    elif ctx.opset >= 13 and ctx.has_input(1):
        sizes = [int(s) for s in ctx.require_const(1, "split")]
    else:
        n = ctx.attr("num_outputs", n)
        chunk = -(-x[axis] // n)
        sizes = [min(chunk, x[axis] - i * chunk) for i in range(n)]
    props = {"axis": g.int_prop(axis), "sizes": g.ints_prop(sizes)}
    ctx.set_outputs(ctx.emit(g.SplitOp, ctx.operands(0), props))


@converter("Slice")
def slice_(ctx: NodeContext) -> None:
    x = ctx.shape(0)
    if ctx.opset < 10:
        starts, ends = list(ctx.attr("starts")), list(ctx.attr("ends"))
        axes = list(ctx.attr("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = ([int(v) for v in ctx.require_const(i, name)]
                        for i, name in ((1, "starts"), (2, "ends")))
        axes = [int(v) for v in ctx.require_const(3, "axes")] if ctx.has_input(3) \
            else list(range(len(starts)))
        steps = [int(v) for v in ctx.require_const(4, "steps")] if ctx.has_input(4) \
            else [1] * len(starts)
    s, e, st = gs.normalize_slice(x, starts, ends, axes, steps)
    c = ctx.const(0)
    if c is not None:
        index = tuple(slice(a, None if b < 0 else b, k) for a, b, k in zip(s, e, st, strict=True))
        ctx.set_output(0, c[index])
        return
    props = {"starts": g.ints_prop(s), "ends": g.ints_prop(e), "steps": g.ints_prop(st)}
    ctx.set_output(0, ctx.emit(g.SliceOp, ctx.operands(0), props))


@converter("Pad")
def pad(ctx: NodeContext) -> None:
    mode = ctx.attr("mode", "constant")
    if mode != "constant":
        raise ctx.error(f"only constant padding is supported, got mode '{mode}'")
    x = ctx.shape(0)
    if ctx.has_attr("pads"):
        pads, value = list(ctx.attr("pads")), float(ctx.attr("value", 0.0))
    else:
        pads = [int(p) for p in ctx.require_const(1, "pads")]
        value = ctx.require_const(2, "constant_value").item() if ctx.has_input(2) else 0.0
    if ctx.has_input(3):
        axes = [gs.normalize_axis(int(a), len(x)) for a in ctx.require_const(3, "axes")]
        full = [0] * (2 * len(x))
        for k, a in enumerate(axes):
            full[a], full[a + len(x)] = pads[k], pads[k + len(axes)]
        pads = full
    props = {"pads": g.ints_prop(pads), "value": g.float_prop(value)}
    ctx.set_output(0, ctx.emit(g.PadOp, ctx.operands(0), props))


@converter("Gather")
def gather(ctx: NodeContext) -> None:
    data = ctx.shape(0)
    axis = gs.normalize_axis(ctx.attr("axis", 0), len(data))
    idx = ctx.const(1)
    if idx is not None:
        idx = np.where(idx < 0, idx + data[axis], idx).astype(np.int64)
        c = ctx.const(0)
        if c is not None:
            ctx.set_output(0, np.take(c, idx, axis=axis))
            return
        indices = ctx.importer.weight(ctx.node.input[1], idx, False, ctx)
    else:
        indices = ctx.operand(1)
    data_v = ctx.operand(0, integer=False)
    ctx.set_output(0, ctx.emit(g.GatherOp, [data_v, indices], {"axis": g.int_prop(axis)}))


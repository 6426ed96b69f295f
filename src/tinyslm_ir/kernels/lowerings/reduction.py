"""ReduceSum/Mean/Max over any axes, and the float row ops Softmax, LayerNorm, RMSNorm
(tsl_k_reduce.h).

A reduction is passed as two strided views of its input, the kept dims (in output order, the
output being contiguous) and the reduced dims, so non-contiguous axes need no transpose.
"""

from __future__ import annotations

from math import prod

from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, lowering
from tinyslm_ir.kernels.lowerings.views import (
    ARR,
    I32,
    NULL,
    arg_in,
    arg_out,
    check_rank,
    code,
    collapse,
    contiguous,
    is_float,
    kcall,
    numel,
    scalar_type,
    shape,
)

_REDUCE = {g.ReduceSumOp: "sum", g.ReduceMeanOp: "mean", g.ReduceMaxOp: "max"}


def _accumulator(kind: str, x: str, r: str) -> str:
    if kind == "max" or is_float(x):
        return x
    if kind == "mean":
        return "i64"
    return "u32" if r == "i32" else "u64"


@lowering(*_REDUCE)
def lower_reduce(op: Operation) -> list[KernelCall]:
    kind = _REDUCE[type(op)]
    x = op.operands[0]
    tx, r = code(op, x.type), code(op, op.results[0].type)
    xs = shape(x)
    axes = g.get_ints(op.properties, "axes")
    red = {gs.normalize_axis(a, len(xs)) for a in axes} if axes else set(range(len(xs)))
    if numel(shape(op.results[0])) == 0:
        return []
    if numel([xs[a] for a in red]) == 0:
        raise NoKernelError(op, "reduction over an empty axis")
    strides = contiguous(xs)
    kept = [i for i in range(len(xs)) if i not in red]
    oshape, (ostr,) = collapse([xs[i] for i in kept], [[strides[i] for i in kept]])
    rshape, (rstr,) = collapse([xs[i] for i in sorted(red)], [[strides[i] for i in sorted(red)]])
    check_rank(op, max(len(oshape), len(rshape)))
    tacc = _accumulator(kind, tx, r)
    return [kcall(f"reduce_{kind}", [tx, r, tacc], [arg_in(0, tx), arg_out(0, r)],
                  [(len(oshape), I32), (oshape, ARR), (ostr, ARR), (len(rshape), I32),
                   (rshape, ARR), (rstr, ARR)], macro="reduce", lead=[kind])]


def _float_code(op: Operation) -> str:
    t = code(op, op.operands[0].type)
    if not is_float(t):
        raise NoKernelError(op, "defined on float tensors only")
    return t


@lowering(g.SoftmaxOp)
def lower_softmax(op: Operation) -> list[KernelCall]:
    t = _float_code(op)
    xs = shape(op.operands[0])
    ax = gs.normalize_axis(g.get_int(op.properties, "axis"), len(xs))
    if numel(xs) == 0:
        return []
    return [kcall("softmax", [t], [arg_in(0, t), arg_out(0, t)],
                  [(prod(xs[:ax]), I32), (xs[ax], I32), (prod(xs[ax + 1:]), I32)])]


@lowering(g.CausalSoftmaxOp)
def lower_causal_softmax(op: Operation) -> list[KernelCall]:
    """Softmax over each row's visible prefix; the kernel reads pos[0] at run time and takes
    the query of row r as r % N, so a tile must hold whole (N, C) blocks."""
    t = _float_code(op)
    tp = code(op, op.operands[1].type)
    xs = shape(op.operands[0])
    if numel(xs) == 0:
        return []
    return [kcall("causal_softmax", [t, tp], [arg_in(0, t), arg_in(1, tp), arg_out(0, t)],
                  [(prod(xs[:-1]), I32), (xs[-1], I32), (xs[-2], I32)])]


def _param_stride(op: Operation, index: int, length: int) -> int:
    """Stride of a scale/bias operand over the normalised elements: 1 if it has all of them,
    0 if it is a single value."""
    n = numel(shape(op.operands[index]))
    if n == length:
        return 1
    if n == 1:
        return 0
    raise NoKernelError(op, f"operand #{index} broadcasts within the normalised axes; only "
                            "full-size or single-value scale/bias are supported")


def _rows(op: Operation) -> tuple[int, int]:
    xs = shape(op.operands[0])
    ax = gs.normalize_axis(g.get_int(op.properties, "axis"), len(xs))
    return prod(xs[:ax]), prod(xs[ax:])


@lowering(g.LayerNormOp)
def lower_layer_norm(op: Operation) -> list[KernelCall]:
    t = _float_code(op)
    rows, length = _rows(op)
    if rows * length == 0:
        return []
    has_bias = len(op.operands) > 2
    eps = (g.get_float(op.properties, "epsilon"), scalar_type(t))
    return [kcall("layernorm", [t],
                  [arg_in(0, t), arg_in(1, t), arg_in(2, t) if has_bias else NULL, arg_out(0, t)],
                  [(rows, I32), (length, I32), (_param_stride(op, 1, length), I32),
                   (_param_stride(op, 2, length) if has_bias else 0, I32), eps])]


@lowering(g.RMSNormOp)
def lower_rms_norm(op: Operation) -> list[KernelCall]:
    t = _float_code(op)
    rows, length = _rows(op)
    if rows * length == 0:
        return []
    eps = (g.get_float(op.properties, "epsilon"), scalar_type(t))
    return [kcall("rmsnorm", [t], [arg_in(0, t), arg_in(1, t), arg_out(0, t)],
                  [(rows, I32), (length, I32), (_param_stride(op, 1, length), I32), eps])]

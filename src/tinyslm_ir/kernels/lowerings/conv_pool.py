"""Conv, MaxPool and AveragePool on NCHW; 1-D runs as 2-D with H = 1 (tsl_k_conv.h).

Only the top/left pads are passed: the bottom/right ones (and ceil_mode's extra windows) are
implied by the output size, since the kernels skip every tap outside the input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, c_type, lowering
from tinyslm_ir.kernels.lowerings.views import (
    I32,
    NULL,
    arg_in,
    arg_out,
    code,
    code_range,
    is_float,
    kcall,
    numel,
    shape,
)


def _window(op: Operation, kernel: Sequence[int]) -> tuple[tuple[int, int], list]:
    """(H, W) of the input and kernel, strides, dilations, pads (top, left, bottom, right)
    as 2-D; a 1-D window gets H = 1."""
    props = op.properties
    spatial = shape(op.operands[0])[2:]
    per_axis = [tuple(kernel), g.get_ints(props, "strides"), g.get_ints(props, "dilations")]
    pads = g.get_ints(props, "pads")
    if len(spatial) == 1:
        return (1, spatial[0]), [*((1, v[0]) for v in per_axis), (0, pads[0], 0, pads[1])]
    if len(spatial) != 2:
        raise NoKernelError(op, f"{len(spatial)}-D windows are not supported by the kernel "
                                "library (1-D and 2-D only)")
    return (spatial[0], spatial[1]), [*per_axis, pads]


@lowering(g.ConvOp)
def lower_conv(op: Operation) -> list[KernelCall]:
    x, w = op.operands[:2]
    tx, tw, r = code(op, x.type), code(op, w.type), code(op, op.results[0].type)
    out = shape(op.results[0])
    if numel(out) == 0:
        return []
    n, c = shape(x)[:2]
    m = shape(w)[0]
    (h, wd), (k, s, d, p) = _window(op, shape(w)[2:])
    (oh, ow) = (1, out[2]) if len(out) == 3 else out[2:]
    has_bias = len(op.operands) > 2
    tb = code(op, op.operands[2].type) if has_bias else r
    args = [arg_in(0, tx), arg_in(1, tw), arg_in(2, tb) if has_bias else NULL, arg_out(0, r)]
    ints = [n, c, h, wd, m, k[0], k[1], oh, ow, s[0], s[1], p[0], p[1], d[0], d[1],
            g.get_int(op.properties, "group"), 0]
    return [kcall("conv2d", [tx, tw, tb, r], args, [(v, I32) for v in ints])]


def accumulating_conv(call: KernelCall) -> list[KernelCall]:
    """``call`` (a tsl_conv2d) adding its sums to what its output holds (the bias is not
    added again): the input-channel tiles after the first of a tiled conv run this."""
    if not call.callee.startswith("tsl_conv2d__"):
        raise ValueError(f"{call.callee} has no accumulating form")
    return [replace(call, params=(*call.params[:-1], 1))]


def _pool_geometry(op: Operation) -> tuple[list[int], list]:
    out = shape(op.results[0])
    n, c = shape(op.operands[0])[:2]
    (h, w), (k, s, d, p) = _window(op, g.get_ints(op.properties, "kernel_shape"))
    (oh, ow) = (1, out[2]) if len(out) == 3 else out[2:]
    ints = [n * c, h, w, oh, ow, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]]
    return ints, p


@lowering(g.MaxPoolOp)
def lower_maxpool(op: Operation) -> list[KernelCall]:
    t = code(op, op.operands[0].type)
    if numel(shape(op.results[0])) == 0:
        return []
    ints, _ = _pool_geometry(op)
    init = -math.inf if is_float(t) else code_range(t)[0]
    return [kcall("maxpool2d", [t], [arg_in(0, t), arg_out(0, t)],
                  [*((v, I32) for v in ints), (init, c_type(t))])]


@lowering(g.AvgPoolOp)
def lower_avgpool(op: Operation) -> list[KernelCall]:
    t = code(op, op.operands[0].type)
    if numel(shape(op.results[0])) == 0:
        return []
    ints, p = _pool_geometry(op)
    h, w = ints[1], ints[2]
    if g.get_bool(op.properties, "count_include_pad"):
        counted = [-p[0], h + p[2], -p[1], w + p[3]]
    else:
        counted = [0, h, 0, w]
    tacc = t if is_float(t) else "i64"
    return [kcall("avgpool2d", [t, tacc], [arg_in(0, t), arg_out(0, t)],
                  [(v, I32) for v in (*ints, *counted)])]

"""Graph op -> tile-constraint description: the only module of `analysis.tiling` that reads IR.

Everything else in the package works on `OpTiling` values, so the solver and its tests never
build IR; the tiling pass calls `describe` per layer and writes the `TilingSolution` back.
Layers are named as bufferization names them (`analysis.layer_names.layer_name`), so a diagnostic
names the same layer as the cycle report and `layers.json`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from math import ceil, prod

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue

from tinyslm_ir.analysis.layer_names import layer_name
from tinyslm_ir.analysis.tiling import constraints as c
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs

_ELEMENTWISE = (g.BinaryOp, g.UnaryOp, g.WhereOp, g.CastOp, g.IntegerDivOp, g.IHardswishOp,
                g.IGeluOp, g.TrueIntegerDivOp, g.INoNormOp, g.ExpandOp)
_ROWS = (g.SoftmaxOp, g.LayerNormOp, g.RMSNormOp, g.ISoftmaxOp, g.ITAMaxOp, g.ITAPartialMaxOp,
         g.IRMSNormOp, g.ILayerNormOp)


class NoTilingDescription(ValueError):
    """The op kind has no tile-constraint description (yet)."""


def _shape(v: SSAValue) -> tuple[int, ...]:
    assert isinstance(v.type, TensorType)
    return tuple(v.type.get_shape())


def _bytes(v: SSAValue) -> int:
    assert isinstance(v.type, TensorType)
    return ceil(v.type.get_element_type().bitwidth / 8)  # type: ignore[attr-defined]


def _operands(op: Operation) -> list[tuple[tuple[int, ...], int]]:
    return [(_shape(v), _bytes(v)) for v in op.operands]


def _requant_param(p: tuple[int, ...], x: tuple[int, ...]) -> tuple[int, ...]:
    """RequantShift's mul/add shape against x (spec §1): scalar, broadcastable as given,
    or one value per channel along axis 1."""
    if prod(p) == 1:
        return ()
    try:
        if gs.broadcast_shapes(p, x) == x:
            return p
    except gs.ShapeError:
        pass
    return (1, x[1], *([1] * (len(x) - 2)))


def _window(op: Operation, kernel: tuple[int, ...]) -> tuple[tuple[int, int], c.Window]:
    """(H, W) of the input and the window as 2-D; a 1-D window gets H = 1."""
    spatial = _shape(op.operands[0])[2:]
    strides, dil = g.get_ints(op.properties, "strides"), g.get_ints(op.properties, "dilations")
    pads = g.get_ints(op.properties, "pads")
    if len(spatial) == 1:
        return (1, spatial[0]), c.Window((1, kernel[0]), (1, strides[0]), (1, dil[0]),
                                         (0, pads[0]))
    if len(spatial) != 2:
        raise NoTilingDescription(f"{op.name}: only 1-D and 2-D windows are tiled")
    return (spatial[0], spatial[1]), c.Window((kernel[0], kernel[1]), (strides[0], strides[1]),
                                              (dil[0], dil[1]), (pads[0], pads[1]))


def _as_4d(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    return (shape[0], shape[1], 1, shape[2]) if len(shape) == 3 else shape  # type: ignore


def describe(op: Operation) -> c.OpTiling:
    """The tile-constraint description of one graph op (unnamed: `layers` names it)."""
    out = _shape(op.results[0])
    ob = _bytes(op.results[0])
    if isinstance(op, g.RequantShiftOp):
        x = _shape(op.x)
        params = [(_requant_param(_shape(v), x), _bytes(v)) for v in (op.mul, op.add)]
        return c.elementwise("requant_shift", out, ob, [(x, _bytes(op.x)), *params],
                             kernel="requant")
    if isinstance(op, g.AddRequantOp):
        # a and b are tiled like the output; the four scalar factors are read whole.
        shapes = [out, (), out, (), (), ()]
        ins = [(sh, _bytes(v)) for sh, v in zip(shapes, op.operands, strict=True)]
        return c.elementwise("add_rq", out, ob, ins, kernel="requant")
    if isinstance(op, g.MulRequantOp):
        ins = [(sh, _bytes(v)) for sh, v in zip([out, out, (), ()], op.operands, strict=True)]
        return c.elementwise("mul_rq", out, ob, ins, kernel="requant")
    if isinstance(op, _ELEMENTWISE):
        kind = op.name.removeprefix("graph.")
        return c.elementwise(kind, out, ob, _operands(op))
    if isinstance(op, _ROWS):
        kind = op.name.removeprefix("graph.")
        axis = g.get_int(op.properties, "axis") if "axis" in op.properties else -1
        x, xb = _operands(op)[0]
        params = [(_shape(v), _bytes(v)) for v in op.operands[1:]]
        return c.rows(kind, x, xb, ob, axis=axis, params=params)
    if isinstance(op, g.ICausalSoftmaxOp | g.CausalSoftmaxOp):
        # The kernel takes row r's query as r % N: a tile holds whole (N, C) blocks. The
        # positions are read whole (the kernel needs pos[0] in L1).
        x, xb = _operands(op)[0]
        desc = c.rows(op.name.removeprefix("graph."), x, xb, ob, axis=-2)
        pos = c.Operand("p0", tuple(c.Axis(e) for e in _shape(op.pos)), _bytes(op.pos))
        return replace(desc, operands=(desc.operands[0], pos, *desc.operands[1:]))
    if isinstance(op, g.MatMulOp):
        sa, sb = _shape(op.operands[0]), _shape(op.operands[1])
        a2 = (1, *sa) if len(sa) == 1 else sa
        b2 = (*sb, 1) if len(sb) == 1 else sb
        batch = gs.broadcast_shapes(a2[:-2], b2[:-2])
        return c.gemm("matmul", batch or (1,), a2[-2], b2[-1], a2[-1],
                      a_batch=a2[:-2], b_batch=b2[:-2], a_bytes=_bytes(op.operands[0]),
                      b_bytes=_bytes(op.operands[1]), out_bytes=ob)
    if isinstance(op, g.MatMulRequantOp):
        sa, sb = _shape(op.lhs), g.MatMulRequantOp.rhs_kn(_shape(op.rhs), op.properties)
        pairs = g.get_bool(op.properties, "rhs_pairs")
        batch = gs.broadcast_shapes(sa[:-2], sb[:-2])
        n = sb[-1]
        columns = [(() if prod(_shape(v)) == 1 else (n,), _bytes(v)) for v in (op.mul, op.add)]
        return c.gemm("matmul_rq", batch or (1,), sa[-2], n, sa[-1], a_batch=sa[:-2],
                      b_batch=sb[:-2], a_bytes=_bytes(op.lhs), b_bytes=_bytes(op.rhs),
                      out_bytes=ob, trans_b=g.get_bool(op.properties, "trans_rhs"),
                      columns=columns, b_pairs=pairs,
                      kernel="gemm_rq_pairs" if pairs else "gemm_rq")
    if isinstance(op, g.GemmOp):
        ta, tb = g.get_bool(op.properties, "trans_a"), g.get_bool(op.properties, "trans_b")
        (ra, ca), (rb, cb) = _shape(op.operands[0]), _shape(op.operands[1])
        m, k = (ca, ra) if ta else (ra, ca)
        bias = (_shape(op.operands[2]), _bytes(op.operands[2])) if len(op.operands) > 2 else None
        return c.gemm("gemm", (1,), m, rb if tb else cb, k, a_batch=(), b_batch=(),
                      a_bytes=_bytes(op.operands[0]), b_bytes=_bytes(op.operands[1]),
                      out_bytes=ob, trans_a=ta, trans_b=tb, bias=bias)
    if isinstance(op, g.ConvOp):
        (h, w), window = _window(op, _shape(op.operands[1])[2:])
        n, ch = _shape(op.operands[0])[:2]
        bias = _bytes(op.operands[2]) if len(op.operands) > 2 else None
        return c.conv2d((n, ch, h, w), _as_4d(out), window,
                        group=g.get_int(op.properties, "group"), x_bytes=_bytes(op.operands[0]),
                        w_bytes=_bytes(op.operands[1]), out_bytes=ob, bias_bytes=bias)
    if isinstance(op, g.PoolOp):
        (h, w), window = _window(op, g.get_ints(op.properties, "kernel_shape"))
        n, ch = _shape(op.operands[0])[:2]
        return c.pool2d(op.name.removeprefix("graph."), (n, ch, h, w), _as_4d(out), window,
                        elem_bytes=ob)
    if isinstance(op, g.TransposeOp):
        return c.transpose(_shape(op.operands[0]), g.get_ints(op.properties, "perm"), ob)
    if isinstance(op, g.ReshapeOp):
        # A reshape copies the bytes in order: a flat element-wise copy.
        return c.elementwise("reshape", (prod(out),), ob, [((prod(out),), ob)], kernel="move")
    if isinstance(op, g.ConcatOp):
        return c.concat([_shape(v) for v in op.operands], g.get_int(op.properties, "axis"), ob)
    if isinstance(op, g.SplitOp):
        return c.split(_shape(op.operands[0]), g.get_int(op.properties, "axis"),
                       g.get_ints(op.properties, "sizes"), ob)
    if isinstance(op, g.SliceOp):
        return c.slice_(_shape(op.operands[0]), g.get_ints(op.properties, "starts"),
                        g.get_ints(op.properties, "steps"), out, ob)
    if isinstance(op, g.PadOp):
        x = _shape(op.operands[0])
        pads = g.get_ints(op.properties, "pads")
        return c.pad(x, pads[:len(x)], pads[len(x):], ob)
    if isinstance(op, g.ReduceOp):
        return c.reduce(op.name.removeprefix("graph."), _shape(op.operands[0]),
                        g.get_ints(op.properties, "axes"),
                        g.get_bool(op.properties, "keepdims"), _bytes(op.operands[0]), ob)
    if isinstance(op, g.GatherOp):
        return c.gather(_shape(op.operands[0]), _shape(op.operands[1]),
                        g.get_int(op.properties, "axis"), ob, _bytes(op.operands[1]))
    raise NoTilingDescription(f"{op.name} has no tile-constraint description")


def layers(module: ModuleOp) -> Iterator[c.OpTiling | NoTilingDescription]:
    """The description of every layer of ``module``'s functions, named like bufferization
    names them; an op without one yields its `NoTilingDescription` (named) instead."""
    for fn in module.walk():
        if not isinstance(fn, func.FuncOp) or fn.is_declaration:
            continue
        computed = [op for op in fn.body.block.ops
                    if isinstance(op, g.GraphOp) and not isinstance(op, g.WeightOp)]
        for i, op in enumerate(computed):
            name = layer_name(op, i)
            try:
                yield replace(describe(op), layer=name)
            except NoTilingDescription as e:
                yield NoTilingDescription(f"layer {name}: {e}")

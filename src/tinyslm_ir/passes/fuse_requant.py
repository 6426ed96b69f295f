"""Fuse a RequantShift into the integer MatMul that produces its input.

QuantLib graphs follow nearly every MatMul by a RequantShift. Unfused, the int32 product makes
a round trip through memory (4 bytes per element, written and read back) and each op pays a
kernel launch; a decode step's GEMVs are small enough that those fixed costs dominate. The
fused `graph.matmul_rq` requantizes the accumulators while they are still in registers and
writes int8 directly (what Deeploy's RQGemm/RQMatMul kernels do, spec §1 "Fused forms").

Fused only where the fused op computes exactly the same values:
- the MatMul's only user is the RequantShift, its operands are integers of rank >= 2 and its
  result is the int32 accumulator (which the fused kernel wraps to, just as the MatMul does);
- `div` is a power of two (the kernel shifts);
- `mul` and `add` are scalars or one value per output column that numpy-broadcast against the
  product (spec §1 rule 2); per-channel parameters along another axis stay unfused.

A `graph.matmul_rq` whose rhs is a transpose of only its last two dims (attention's K^T) reads
the transpose's operand with `trans_rhs` instead, so the transposed copy disappears.

The requantized residual add of QuantLib graphs, requant_shift(add(mul(a, sa), mul(b, sb)))
with scalar factors, becomes one `graph.add_rq`: four launches of a few hundred elements each
(mostly fixed cost) become one, and the three int32 intermediates never reach memory. Fused only
when both Muls and the Add are int32 (the fused kernel wraps exactly as they do), have no other
users, and every factor and the requant mul/add are scalars with a power-of-two div. Likewise
requant_shift(mul(a, b)) of two same-shaped tensors (SwiGLU's gate times up) becomes one
`graph.mul_rq`, whose int8 x int8 product then requantizes in int32 instead of int64.
"""

from dataclasses import dataclass
from math import prod
from typing import TypeVar

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerType, ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs

_Op = TypeVar("_Op", bound=g.GraphOp)


def _per_column(param: tuple[int, ...], x: tuple[int, ...]) -> bool:
    """Whether `param` resolves against `x` (spec §1) to a scalar or a per-column vector."""
    if not g.per_column_param_ok(param, x[-1]):
        return False
    try:
        return len(param) <= len(x) and gs.broadcast_shapes(param, x) == x
    except gs.ShapeError:
        return False


def _fusable(rq: g.RequantShiftOp, mm: g.MatMulOp) -> bool:
    div = g.get_int(rq.properties, "div")
    a, b, x = g.shape_of(mm.lhs.type), g.shape_of(mm.rhs.type), g.shape_of(mm.res.type)
    return (mm.res.has_one_use() and len(a) >= 2 and len(b) >= 2
            and all(isinstance(g.elem_of(v.type), IntegerType) for v in mm.operands)
            and g.elem_of(mm.res.type) == IntegerType(32)
            and div & (div - 1) == 0
            and all(_per_column(g.shape_of(p.type), x) for p in (rq.mul, rq.add)))


def _replace_fused(rewriter: PatternRewriter, rq: g.RequantShiftOp,
                   op_cls: type[g.GraphOp], operands: list[SSAValue]) -> None:
    """Replace `rq` by `op_cls` on `operands` with rq's requant properties and name."""
    props = {k: rq.properties[k] for k in ("div", "n_levels", "signed")}
    fused = op_cls.from_operands(operands, props)
    fused.results[0].name_hint = rq.res.name_hint
    rewriter.replace(rq, fused)


def _scalar_int32_producer(rq: g.RequantShiftOp, op_cls: type[_Op]) -> _Op | None:
    """rq's input op when it is an `op_cls` whose int32 result only rq reads, rq's mul/add are
    scalars and its div a power of two: what the element-wise fused kernels take."""
    producer = rq.x.owner
    div = g.get_int(rq.properties, "div")
    if (not isinstance(producer, op_cls) or not rq.x.has_one_use() or div & (div - 1)
            or g.elem_of(rq.x.type) != IntegerType(32)
            or any(prod(g.shape_of(p.type)) != 1 for p in (rq.mul, rq.add))):
        return None
    return producer


class FuseMatMulRequant(RewritePattern):
    """requant_shift(matmul(a, b), mul, add) -> matmul_rq(a, b, mul, add)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.RequantShiftOp, rewriter: PatternRewriter) -> None:
        mm = op.x.owner
        if not isinstance(mm, g.MatMulOp) or not _fusable(op, mm):
            return
        _replace_fused(rewriter, op, g.MatMulRequantOp, [mm.lhs, mm.rhs, op.mul, op.add])


class AbsorbRhsTranspose(RewritePattern):
    """matmul_rq(a, transpose(k) swapping the last two dims) -> matmul_rq(a, k, trans_rhs)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.MatMulRequantOp, rewriter: PatternRewriter) -> None:
        t = op.rhs.owner
        if not isinstance(t, g.TransposeOp) or not t.res.has_one_use():
            return
        perm = g.get_ints(t.properties, "perm")
        r = len(perm)
        if perm != (*range(r - 2), r - 1, r - 2):
            return
        props = dict(op.properties)
        props["trans_rhs"] = g.bool_prop(not g.get_bool(op.properties, "trans_rhs"))
        fused = g.MatMulRequantOp.from_operands([op.lhs, t.x, op.mul, op.add], props)
        fused.res.name_hint = op.res.name_hint
        rewriter.replace(op, fused)


def _scaled(v: SSAValue, shape: tuple[int, ...]) -> tuple[SSAValue, SSAValue] | None:
    """(x, s) when `v` is a single-use int32 mul(x, s) or mul(s, x) of an integer `x` of
    `shape` by an integer scalar `s`."""
    mul = v.owner
    if not isinstance(mul, g.MulOp) or not v.has_one_use():
        return None
    if g.elem_of(v.type) != IntegerType(32) or g.shape_of(v.type) != shape:
        return None
    for x, f in ((mul.lhs, mul.rhs), (mul.rhs, mul.lhs)):
        if (g.shape_of(x.type) == shape and prod(g.shape_of(f.type)) == 1
                and all(isinstance(g.elem_of(t.type), IntegerType) for t in (x, f))):
            return x, f
    return None


class FuseAddRequant(RewritePattern):
    """requant_shift(add(mul(a, sa), mul(b, sb)), mul, add) -> add_rq(a, sa, b, sb, mul, add)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.RequantShiftOp, rewriter: PatternRewriter) -> None:
        add = _scalar_int32_producer(op, g.AddOp)
        if add is None:
            return
        shape = g.shape_of(add.res.type)
        a, b = _scaled(add.lhs, shape), _scaled(add.rhs, shape)
        if a is None or b is None:
            return
        _replace_fused(rewriter, op, g.AddRequantOp, [*a, *b, op.mul, op.add])


class FuseMulRequant(RewritePattern):
    """requant_shift(mul(a, b), mul, add) with a, b shaped like the product -> mul_rq."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.RequantShiftOp, rewriter: PatternRewriter) -> None:
        mul = _scalar_int32_producer(op, g.MulOp)
        if mul is None:
            return
        shape = g.shape_of(mul.res.type)
        if any(g.shape_of(v.type) != shape or not isinstance(g.elem_of(v.type), IntegerType)
               for v in (mul.lhs, mul.rhs)):
            return
        _replace_fused(rewriter, op, g.MulRequantOp, [mul.lhs, mul.rhs, op.mul, op.add])


@dataclass(frozen=True)
class FuseRequantPass(ModulePass):
    """Fuse RequantShift into MatMul and residual adds, then absorb rhs transposes (see the
    module docstring); the walker's DCE removes the dead MatMuls, Muls, Adds and transposes."""

    name = "fuse-requant"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FuseMatMulRequant(), FuseAddRequant(),
                                         FuseMulRequant(), AbsorbRhsTranspose()]),
            apply_recursively=True,
        ).rewrite_module(op)

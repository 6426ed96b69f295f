"""Fold chains of pure data-movement ops that the ONNX exporters leave behind.

PyTorch and QuantLib exports are full of Reshape->Reshape and Transpose->Transpose chains
(and identity reshapes/transposes). Each one costs a kernel launch and a buffer later on, so
they are folded while the graph is still at value semantics, where that is trivially safe.

A transpose that only moves dims of extent 1 keeps every element at its flat index: it is a
reshape, and becomes one, so that it folds into reshape chains and bufferization can make it
a view of its operand's buffer instead of a copy.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tinyslm_ir.dialects.graph import ReshapeOp, TransposeOp, get_ints, ints_prop, shape_of


class FoldReshapeChain(RewritePattern):
    """reshape(reshape(x)) -> reshape(x); a reshape to the same type disappears."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        if op.x.type == op.res.type:
            rewriter.replace(op, [], [op.x])
            return
        inner = op.x.owner
        if isinstance(inner, ReshapeOp):
            rewriter.replace(op, ReshapeOp.from_operands([inner.x], result_types=[op.res.type]))


class FoldTransposeChain(RewritePattern):
    """transpose(transpose(x)) -> one transpose; an identity permutation disappears."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        perm = get_ints(op.properties, "perm")
        if perm == tuple(range(len(perm))):
            rewriter.replace(op, [], [op.x])
            return
        inner = op.x.owner
        if isinstance(inner, TransposeOp):
            first = get_ints(inner.properties, "perm")
            composed = [first[p] for p in perm]
            fused = TransposeOp.from_operands([inner.x], {"perm": ints_prop(composed)})
            rewriter.replace(op, fused)


def moves_only_unit_dims(shape: tuple[int, ...], perm: tuple[int, ...]) -> bool:
    """Whether transposing `shape` by `perm` keeps the dims of extent > 1 in order, i.e. the
    row-major element order is unchanged and the transpose is a reshape."""
    big = [p for p in perm if shape[p] != 1]
    return big == sorted(big)


class TransposeOfUnitDims(RewritePattern):
    """transpose(x) -> reshape(x) when it only moves dims of extent 1."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        if moves_only_unit_dims(shape_of(op.x.type), get_ints(op.properties, "perm")):
            rewriter.replace(op, ReshapeOp.from_operands([op.x], result_types=[op.res.type]))


@dataclass(frozen=True)
class FoldDataMovementPass(ModulePass):
    """Fold reshape and transpose chains and turn unit-dim transposes into reshapes; dead
    producers are removed by the walker's DCE."""

    name = "fold-data-movement"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FoldReshapeChain(), FoldTransposeChain(),
                                         TransposeOfUnitDims()]),
            apply_recursively=True,
        ).rewrite_module(op)

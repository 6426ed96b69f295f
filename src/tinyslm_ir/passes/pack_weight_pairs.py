"""Store the int8 weights of integer MatMuls as k_pairs, for the pair-packed GEMV kernel.

A `graph.matmul_rq` whose lhs is int8 and whose rhs is an int8 weight matrix (K, N) gets the
weight as int32 words (K/2, N), two K rows per word (`graph_layouts`), and `rhs_pairs`: its
kernel then does two MACs per multiply, exactly, for any int8 values. The rearrangement is a
`layout` on the `graph.weight`, applied to the store tensor when the weight is emitted, so
the IR stays data-free and the reference interpreter runs the rewritten op as well.

The pair-packed kernel keeps K whole in a tile (a tile holds whole words). In tiled mode
(`l1` > 0) a MatMul is therefore packed only when a tile with K whole is small against the
L1 budget: one lhs row and a double-buffered word column take 5 K bytes, and this pass asks
for 8 K, so the tiler keeps its freedom in N and M. The rule depends on K and the budget
only, so the programs of one image (prefill and decode) pack the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import BoolAttr, IntegerType, ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects.graph_layouts import K_PAIRS, packed_shape

BYTES_PER_K = 8
"""L1 bytes per unit of K that a packed MatMul may take at least (see the module doc)."""


def packable(op: g.MatMulRequantOp, l1: int) -> bool:
    """Whether `op` can read its rhs as k_pairs (the module doc says when)."""
    w = op.rhs.owner
    if (not isinstance(w, g.WeightOp) or w.layout_name is not None
            or g.get_bool(op.properties, "trans_rhs") or g.get_bool(op.properties, "rhs_pairs")
            or g.elem_of(op.lhs.type) != IntegerType(8)
            or g.elem_of(op.rhs.type) != IntegerType(8)):
        return False
    shape = g.shape_of(op.rhs.type)
    return len(shape) == 2 and shape[0] % 2 == 0 and (l1 <= 0 or BYTES_PER_K * shape[0] <= l1)


@dataclass(frozen=True)
class PackWeightPairsPass(ModulePass):
    """Give packable integer MatMuls k_pairs weights; see the module docstring."""

    name = "pack-weight-pairs"

    l1: int = 0

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewriter = Rewriter()
        for fn in [f for f in op.walk() if isinstance(f, func.FuncOp) and not f.is_declaration]:
            packed: dict[g.WeightOp, g.WeightOp] = {}
            for mm in [o for o in fn.body.walk() if isinstance(o, g.MatMulRequantOp)]:
                if not packable(mm, self.l1):
                    continue
                w = mm.rhs.owner
                assert isinstance(w, g.WeightOp)
                if w not in packed:
                    t = w.res.type
                    assert isinstance(t, TensorType)
                    shape = packed_shape(tuple(t.get_shape()), K_PAIRS)
                    packed[w] = g.WeightOp(w.weight_name, TensorType(IntegerType(32), shape),
                                           K_PAIRS)
                    rewriter.insert_op(packed[w], InsertPoint.after(w))
                mm.operands[1] = packed[w].res
                mm.properties["rhs_pairs"] = BoolAttr.from_bool(True)
            for w in packed:
                if not w.res.uses:
                    rewriter.erase_op(w)

"""Recognisers for float subgraphs that map onto one integer operator.

PyTorch exports GELU as x·½·(1 + erf(x/√2)) and, without the opset-23 op, RMSNorm as
x / sqrt(mean(x²) + eps) (or x · 1/sqrt(...)). The rewriter asks these functions at the
multiplication or division that closes such a subgraph; the inner float ops stay `Pending`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from xdsl.ir import SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.models.quant.qgraph import close_to

if TYPE_CHECKING:
    from tinyslm_ir.models.quant.rewrite import Rewriter


def _other(rw: Rewriter, op, value: float) -> SSAValue | None:
    """The non-constant operand of a binary op whose other operand is ≈ `value`."""
    a, b = op.operands
    if close_to(rw.const(b), value):
        return a
    if close_to(rw.const(a), value):
        return b
    return None


def gelu_source(rw: Rewriter, v: SSAValue) -> SSAValue | None:
    """x if v = 1 + erf(x/√2) (or erf(x·(1/√2)) + 1), else None."""
    add = v.owner
    if not isinstance(add, g.AddOp):
        return None
    erf_out = _other(rw, add, 1.0)
    if erf_out is None or not isinstance(erf_out.owner, g.ErfOp):
        return None
    arg = erf_out.owner.operands[0].owner
    if isinstance(arg, g.DivOp) and close_to(rw.const(arg.operands[1]), math.sqrt(2)):
        return arg.operands[0]
    if isinstance(arg, g.MulOp):
        return _other(rw, arg, 1 / math.sqrt(2))
    return None


def is_half_of(rw: Rewriter, v: SSAValue, x: SSAValue) -> bool:
    """v = x·0.5 (or x/2)."""
    op = v.owner
    if isinstance(op, g.MulOp):
        return _other(rw, op, 0.5) is x
    return isinstance(op, g.DivOp) and op.operands[0] is x and close_to(rw.const(op.operands[1]),
                                                                        2.0)


def rms_source(rw: Rewriter, v: SSAValue, *, reciprocal: bool) -> SSAValue | None:
    """x if v = sqrt(mean(x², last axis) + eps) (or its reciprocal, when `reciprocal`)."""
    op = v.owner
    if reciprocal:
        if isinstance(op, g.DivOp) and close_to(rw.const(op.operands[0]), 1.0):
            op = op.operands[1].owner
        elif isinstance(op, g.ReciprocalOp):
            op = op.operands[0].owner
        else:
            return None
    if not isinstance(op, g.SqrtOp) or not isinstance(op.operands[0].owner, g.AddOp):
        return None
    add = op.operands[0].owner
    mean = next((o.owner for o in add.operands if rw.const(o) is None), None)
    if not isinstance(mean, g.ReduceMeanOp) or not all(rw.const(o) is None or
                                                       rw.const(o).size == 1  # type: ignore[union-attr]
                                                       for o in add.operands):
        return None
    rank = len(g.shape_of(mean.operands[0].type))
    axes = [gs.normalize_axis(a, rank) for a in g.get_ints(mean.properties, "axes")]
    if axes != [rank - 1]:
        return None
    sq = mean.operands[0].owner
    if isinstance(sq, g.PowOp) and close_to(rw.const(sq.operands[1]), 2.0):
        return sq.operands[0]
    if isinstance(sq, g.MulOp) and sq.operands[0] is sq.operands[1]:
        return sq.operands[0]
    return None


@cache
def silu_breakpoint(absmax: float) -> float:
    """The c minimising the squared error of x·clip(x/2c + 1/2, 0, 1) against SiLU for x
    uniform on [-absmax, absmax] (c = 3 is hardswish; small ranges favour c near 2, where
    the slopes at 0 agree)."""
    r = max(absmax, 1e-3)
    x = np.linspace(-r, r, 2001)
    silu = x / (1 + np.exp(-x))
    grid = np.linspace(1.0, 4.0, 121)
    err = [np.mean((silu - x * np.clip(x / (2 * c) + 0.5, 0, 1)) ** 2) for c in grid]
    return float(grid[int(np.argmin(err))])

"""Converters for tinyslm's decoder-state operators, the ONNX spelling of the graph ops
`cache_write` and `causal_softmax` (dialects/graph.py).

Standard ONNX has no op that writes into a tensor at a runtime position, nor a softmax that
hides the positions after one, so a decode graph with a fixed-capacity KV cache (the Llama
builder's cached form, models/llama.py) uses these two nodes. Like the QuantLib ops they are
dispatched on `op_type` whatever the domain; the builder puts them in `STATE_DOMAIN`.
"""

from __future__ import annotations

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.frontend.convert import NodeContext, converter

STATE_DOMAIN = "ai.tinyslm"
STATE_OP_TYPES = frozenset({"CacheWrite", "CausalSoftmax"})


@converter("CacheWrite")
def cache_write(ctx: NodeContext) -> None:
    """CacheWrite(cache, rows, pos; axis): `rows` written at pos.. along `axis`."""
    if ctx.num_inputs != 3:
        raise ctx.error(f"expected cache, rows and pos, got {ctx.num_inputs} operands")
    cache, rows = ctx.operands(0, 1)
    pos = ctx.operand(2, integer=True)
    ctx.set_output(0, ctx.emit(g.CacheWriteOp, [cache, rows, pos],
                               {"axis": g.int_prop(int(ctx.attr("axis", -2)))}))


@converter("CausalSoftmax")
def causal_softmax(ctx: NodeContext) -> None:
    """CausalSoftmax(x, pos): softmax over the last axis, query q seeing 0..pos+q."""
    if ctx.num_inputs != 2:
        raise ctx.error(f"expected x and pos, got {ctx.num_inputs} operands")
    x = ctx.operand(0)
    pos = ctx.operand(1, integer=True)
    ctx.set_output(0, ctx.emit(g.CausalSoftmaxOp, [x, pos]))

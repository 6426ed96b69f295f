"""The graph op and the multiply-accumulates (MatMul, Gemm, Conv) of every layer.

Read off the graph, where shapes still say what an op computes, under the same layer names
bufferization gives the calls: `layers.json`, the cycle report and the benchmarks use them.
"""

from __future__ import annotations

from math import prod

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation

from tinyslm_ir.analysis.layer_names import layer_name
from tinyslm_ir.dialects.graph import (
    ConvOp,
    GemmOp,
    GraphOp,
    MatMulOp,
    MatMulRequantOp,
    WeightOp,
)


def _shape(value) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


def op_macs(op: Operation) -> int:
    """MACs of one graph op; 0 for everything that is not a contraction."""
    if isinstance(op, MatMulOp | MatMulRequantOp):
        return prod(_shape(op.res)) * _shape(op.lhs)[-1]
    if isinstance(op, GemmOp):
        out = _shape(op.res)
        return prod(out) * (prod(_shape(op.a)) // out[0])
    if isinstance(op, ConvOp):
        return prod(_shape(op.res)) * prod(_shape(op.w)[1:])
    return 0


def layer_ops(module: ModuleOp) -> dict[str, tuple[str, int]]:
    """(graph op name, MACs) by layer name, before bufferization (after graph folding)."""
    layers: dict[str, tuple[str, int]] = {}
    for fn in module.walk():
        if not isinstance(fn, func.FuncOp):
            continue
        computed = [op for op in fn.body.block.ops
                    if isinstance(op, GraphOp) and not isinstance(op, WeightOp)]
        for i, op in enumerate(computed):
            layers[layer_name(op, i)] = (op.name, op_macs(op))
    return layers

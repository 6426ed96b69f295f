"""Canonicalise Concat-form KV caches into in-place cache appends.

QuantLib/Deeploy decode graphs (microLlamaN) grow each cache by a Concat: a graph input of t
cached positions, the new rows after it, and the (t+N)-position result returned as an output.
Run as written, every step copies every cache. This rewrite gives the cache input the
capacity of the output, t+N positions, and replaces the Concat with `graph.cache_write` of the
new rows at position t (a small int32 weight), so bufferization updates the cache in place
and returns the input's buffer as the output: a step moves the new rows only.

The caller's arrays still hold t positions: `ImportedModel.grown_inputs` records, per grown
input, the axis and the positions the caller gives, and `tinyslm run` places them at the start
of the larger buffer (the rest is written before anything reads it).

A Concat qualifies when its first operand is a graph input that nothing else reads, it joins
exactly two tensors, and its result is a graph output.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import i32
from xdsl.ir import BlockArgument, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.frontend.onnx_importer import ImportedModel


def canonicalize_kv_caches(model: ImportedModel) -> int:
    """Rewrite every qualifying Concat of `model` in place; returns how many."""
    fn = next(op for op in model.module.ops if isinstance(op, func.FuncOp))
    block = fn.body.block
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    for op in list(block.ops):
        if isinstance(op, g.RequantShiftOp) and isinstance(op.x.owner, g.ConcatOp) and \
                _is_identity(model, op):
            op.res.replace_all_uses_with(op.x)
            op.detach()
            op.erase()
    returned = set(ret.operands)
    count = 0
    for op in list(block.ops):
        if not (isinstance(op, g.ConcatOp) and len(op.inputs) == 2 and op.res in returned):
            continue
        past, rows = op.inputs
        if not (isinstance(past, BlockArgument) and past.has_one_use()):
            continue
        axis = g.get_int(op.properties, "axis") % len(g.shape_of(past.type))
        given = g.shape_of(past.type)[axis]
        if given == 0:
            continue
        _rewrite(model, op, past, rows, axis, given, count)
        count += 1
    if count:
        fn.update_function_type()
    return count


def _is_identity(model: ImportedModel, op: g.RequantShiftOp) -> bool:
    """Whether a RequantShift returns its input unchanged: mul == div, add == 0, and every
    value of the input type inside the output levels (QuantLib emits these after a cache
    Concat; spec §1: floor((x*div + div/2) / div) = x)."""
    params = []
    for v in (op.mul, op.add):
        if not isinstance(v.owner, g.WeightOp):
            return False
        params.append(np.asarray(model.weights[v.owner.weight_name]))
    mul, add = params
    div = g.get_int(op.properties, "div")
    if not (np.all(mul == div) and np.all(add == 0)):
        return False
    x_type, y_type = g.elem_of(op.x.type), g.elem_of(op.res.type)
    return x_type == y_type


def _rewrite(model: ImportedModel, op: g.ConcatOp, past: BlockArgument, rows: SSAValue,
             axis: int, given: int, k: int) -> None:
    block = past.block
    input_name = model.value_names.get(past) or model.input_names[past.index]
    cache = block.insert_arg(op.res.type, past.index)
    cache.name_hint = past.name_hint
    model.value_names[cache] = input_name
    name = f"kv_cache_position.{k}"
    model.weights[name] = np.array([given], np.int32)
    pos = g.WeightOp(name, g.tensor((1,), i32))
    write = g.CacheWriteOp.from_operands([cache, rows, pos], {"axis": g.int_prop(axis)})
    block.insert_ops_before([pos, write], op)
    op.res.replace_all_uses_with(write.res)
    op.detach()
    op.erase()
    model.value_names.pop(past, None)
    block.erase_arg(past)
    model.grown_inputs[input_name] = (axis, given)

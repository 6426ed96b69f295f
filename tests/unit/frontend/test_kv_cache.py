"""Concat-form KV caches become in-place cache appends (frontend.kv_cache)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper
from xdsl.dialects import func
from xdsl.dialects.builtin import i8

from tinyslm_ir.frontend.kv_cache import canonicalize_kv_caches
from tinyslm_ir.frontend.onnx_importer import import_onnx
from tinyslm_ir.reference.interpreter import run_module


def _decode_graph(shared_past: bool = False) -> onnx.ModelProto:
    """past (1,2,3,4) + new (1,2,1,4) -> present (1,2,4,4), and present summed as `y`."""
    nodes = [helper.make_node("Concat", ["past", "new"], ["present"], axis=2),
             helper.make_node("ReduceSum", ["present"], ["y"], keepdims=0)]
    outputs = [helper.make_tensor_value_info("y", TensorProto.INT32, []),
               helper.make_tensor_value_info("present", TensorProto.INT32, [1, 2, 4, 4])]
    if shared_past:
        nodes.append(helper.make_node("Identity", ["past"], ["past_copy"]))
        outputs.append(helper.make_tensor_value_info("past_copy", TensorProto.INT32,
                                                     [1, 2, 3, 4]))
    graph = helper.make_graph(
        nodes, "decode",
        [helper.make_tensor_value_info("past", TensorProto.INT32, [1, 2, 3, 4]),
         helper.make_tensor_value_info("new", TensorProto.INT32, [1, 2, 1, 4])], outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _ops(model) -> list[str]:
    fn = next(op for op in model.module.ops if isinstance(op, func.FuncOp))
    return [op.name for op in fn.body.block.ops]


def test_a_grown_cache_becomes_an_in_place_write_with_the_same_values():
    rng = np.random.default_rng(0)
    past = rng.integers(-9, 9, (1, 2, 3, 4)).astype(np.int32)
    new = rng.integers(-9, 9, (1, 2, 1, 4)).astype(np.int32)
    model = import_onnx(_decode_graph())
    want = run_module(model.module, model.weights, [past, new])
    assert canonicalize_kv_caches(model) == 1
    assert "graph.concat" not in _ops(model) and "graph.cache_write" in _ops(model)
    assert model.grown_inputs == {"past": (2, 3)}
    model.module.verify()
    room = np.zeros((1, 2, 4, 4), np.int32)
    room[:, :, :3] = past
    got = run_module(model.module, model.weights, [room, new])
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_cache_read_elsewhere_is_left_as_a_concat():
    model = import_onnx(_decode_graph(shared_past=True))
    assert canonicalize_kv_caches(model) == 0
    assert "graph.concat" in _ops(model)
    assert model.grown_inputs == {}


def test_an_identity_requant_after_the_concat_is_folded():
    """QuantLib writes present = RequantShift(Concat(...)) with mul = div, add = 0."""
    nodes = [helper.make_node("Concat", ["past", "new"], ["joined"], axis=2),
             helper.make_node("RequantShift", ["joined", "mul", "add"], ["present"],
                              div=onnx.numpy_helper.from_array(np.array(256, np.float32)),
                              n_levels_out=onnx.numpy_helper.from_array(
                                  np.array(256, np.float32)),
                              signed=onnx.numpy_helper.from_array(np.array(1, np.float32)))]
    inits = [onnx.numpy_helper.from_array(np.array([256], np.float32), "mul"),
             onnx.numpy_helper.from_array(np.array([0], np.float32), "add")]
    graph = helper.make_graph(
        nodes, "ql",
        [helper.make_tensor_value_info("past", TensorProto.FLOAT, [1, 2, 3, 4]),
         helper.make_tensor_value_info("new", TensorProto.FLOAT, [1, 2, 1, 4])],
        [helper.make_tensor_value_info("present", TensorProto.FLOAT, [1, 2, 4, 4])],
        initializer=inits)
    model = import_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)]),
                        input_types={"past": i8, "new": i8})
    assert canonicalize_kv_caches(model) == 1
    assert "graph.requant_shift" not in _ops(model)

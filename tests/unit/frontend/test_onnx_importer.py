"""Importer tests on small in-memory ONNX models: converters, typing, folding and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx_model_builders import float_tensor_attr, init, make_model, vi
from xdsl.dialects.builtin import IntegerType, Signedness

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.frontend.onnx_importer import (
    OnnxImportError,
    import_onnx,
    input_types_from_arrays,
)

I8, I32 = IntegerType(8), IntegerType(32)
UI8 = IntegerType(8, Signedness.UNSIGNED)


def body_ops(imported) -> list:
    fn = imported.module.ops.first
    return [op for op in fn.body.block.ops if not isinstance(op, g.WeightOp)][:-1]


def one_op(model, **kw):
    imported = import_onnx(model, **kw)
    imported.module.verify()
    ops = body_ops(imported)
    return imported, ops


def result_type(op) -> str:
    return str(op.results[0].type)


# ---------------------------------------------------------------------------------------------
# Standard converters: node -> graph op and inferred result type.

STANDARD = [
    ("Add", [("a", [2, 3]), ("b", [3])], {}, "graph.add", "tensor<2x3xf32>"),
    ("Sub", [("a", [2, 3]), ("b", [2, 3])], {}, "graph.sub", "tensor<2x3xf32>"),
    ("Mul", [("a", [4, 1]), ("b", [1, 5])], {}, "graph.mul", "tensor<4x5xf32>"),
    ("Div", [("a", [2]), ("b", [2])], {}, "graph.div", "tensor<2xf32>"),
    ("Pow", [("a", [2]), ("b", [2])], {}, "graph.pow", "tensor<2xf32>"),
    ("Max", [("a", [2]), ("b", [2])], {}, "graph.max", "tensor<2xf32>"),
    ("Min", [("a", [2]), ("b", [2])], {}, "graph.min", "tensor<2xf32>"),
    ("Equal", [("a", [2]), ("b", [2])], {}, "graph.equal", "tensor<2xi1>"),
    ("Less", [("a", [2]), ("b", [2])], {}, "graph.less", "tensor<2xi1>"),
    ("Greater", [("a", [2]), ("b", [2])], {}, "graph.greater", "tensor<2xi1>"),
    ("Relu", [("x", [3])], {}, "graph.relu", "tensor<3xf32>"),
    ("Neg", [("x", [3])], {}, "graph.neg", "tensor<3xf32>"),
    ("Abs", [("x", [3])], {}, "graph.abs", "tensor<3xf32>"),
    ("Sigmoid", [("x", [3])], {}, "graph.sigmoid", "tensor<3xf32>"),
    ("Tanh", [("x", [3])], {}, "graph.tanh", "tensor<3xf32>"),
    ("Exp", [("x", [3])], {}, "graph.exp", "tensor<3xf32>"),
    ("Log", [("x", [3])], {}, "graph.log", "tensor<3xf32>"),
    ("Sqrt", [("x", [3])], {}, "graph.sqrt", "tensor<3xf32>"),
    ("Erf", [("x", [3])], {}, "graph.erf", "tensor<3xf32>"),
    ("Reciprocal", [("x", [3])], {}, "graph.reciprocal", "tensor<3xf32>"),
    ("Gelu", [("x", [3])], {"approximate": "tanh"}, "graph.gelu", "tensor<3xf32>"),
    ("Cast", [("x", [3])], {"to": TensorProto.INT32}, "graph.cast", "tensor<3xi32>"),
    ("MatMul", [("a", [2, 4, 3]), ("b", [3, 5])], {}, "graph.matmul", "tensor<2x4x5xf32>"),
    ("Gemm", [("a", [3, 4]), ("b", [5, 4]), ("c", [5])], {"transB": 1}, "graph.gemm",
     "tensor<3x5xf32>"),
    ("Conv", [("x", [1, 2, 8, 8]), ("w", [4, 2, 3, 3]), ("b", [4])],
     {"pads": [1, 1, 1, 1], "strides": [2, 2]}, "graph.conv", "tensor<1x4x4x4xf32>"),
    ("Conv", [("x", [1, 2, 7]), ("w", [4, 2, 3])], {"auto_pad": "SAME_UPPER"}, "graph.conv",
     "tensor<1x4x7xf32>"),
    ("MaxPool", [("x", [1, 2, 8, 8])], {"kernel_shape": [2, 2], "strides": [2, 2]},
     "graph.maxpool", "tensor<1x2x4x4xf32>"),
    ("AveragePool", [("x", [1, 2, 8])], {"kernel_shape": [3], "ceil_mode": 1, "strides": [2]},
     "graph.avgpool", "tensor<1x2x4xf32>"),
    ("GlobalAveragePool", [("x", [1, 2, 5, 5])], {}, "graph.avgpool", "tensor<1x2x1x1xf32>"),
    ("ReduceMax", [("x", [2, 3, 4])], {"axes": [1], "keepdims": 0}, "graph.reduce_max",
     "tensor<2x4xf32>"),
    ("Softmax", [("x", [2, 5])], {}, "graph.softmax", "tensor<2x5xf32>"),
    ("LayerNormalization", [("x", [2, 5]), ("s", [5]), ("b", [5])], {"epsilon": 1e-3},
     "graph.layer_norm", "tensor<2x5xf32>"),
    ("Transpose", [("x", [2, 3, 4])], {"perm": [2, 0, 1]}, "graph.transpose",
     "tensor<4x2x3xf32>"),
    ("Flatten", [("x", [2, 3, 4])], {"axis": 2}, "graph.reshape", "tensor<6x4xf32>"),
    ("Concat", [("a", [2, 3]), ("b", [2, 1])], {"axis": -1}, "graph.concat", "tensor<2x4xf32>"),
    ("Identity", [("x", [2])], {}, None, "tensor<2xf32>"),
]


@pytest.mark.parametrize(("op_type", "inputs", "attrs", "op_name", "rtype"), STANDARD,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(STANDARD)])
def test_standard_converter(op_type, inputs, attrs, op_name, rtype) -> None:
    node = helper.make_node(op_type, [n for n, _ in inputs], ["y"], name="n0", **attrs)
    model = make_model([node], [vi(n, s) for n, s in inputs], [vi("y", None)])
    imported, ops = one_op(model)
    assert [op.name for op in ops] == ([op_name] if op_name else [])
    ret = imported.module.ops.first.body.block.last_op
    assert str(ret.operands[0].type) == rtype


def test_opset_input_operands_become_properties() -> None:
    inits = [init("starts", np.array([1, -3])), init("ends", np.array([4, 100])),
             init("axes", np.array([0, 2])), init("steps", np.array([1, 2])),
             init("pads", np.array([0, 1, 0, 2])), init("cval", np.array(5.0, np.float32)),
             init("ax", np.array([1])), init("lo", np.array(-1.0, np.float32)),
             init("shape", np.array([0, -1])), init("split", np.array([1, 2]))]
    nodes = [
        helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"]),
        helper.make_node("Pad", ["m", "pads", "cval"], ["p"]),
        helper.make_node("ReduceSum", ["x", "ax"], ["r"], keepdims=1),
        helper.make_node("Clip", ["m", "lo"], ["c"]),
        helper.make_node("Unsqueeze", ["m", "ax"], ["u"]),
        helper.make_node("Squeeze", ["u", "ax"], ["q"]),
        helper.make_node("Reshape", ["x", "shape"], ["rs"]),
        helper.make_node("Split", ["m", "split"], ["sp0", "sp1"], axis=1),
    ]
    outs = ["s", "p", "r", "c", "u", "q", "rs", "sp0", "sp1"]
    model = make_model(nodes, [vi("x", [5, 4, 6]), vi("m", [2, 3])],
                       [vi(o, None) for o in outs], inits, opset=18)
    imported, ops = one_op(model)
    by_name = {op.name: op for op in ops}
    sl = by_name["graph.slice"]
    assert g.get_ints(sl.properties, "starts") == (1, 0, 3)
    assert g.get_ints(sl.properties, "ends") == (4, 4, 6)
    assert g.get_ints(sl.properties, "steps") == (1, 1, 2)
    assert result_type(sl) == "tensor<3x4x2xf32>"
    assert g.get_ints(by_name["graph.pad"].properties, "pads") == (0, 1, 0, 2)
    assert g.get_float(by_name["graph.pad"].properties, "value") == 5.0
    assert result_type(by_name["graph.reduce_sum"]) == "tensor<5x1x6xf32>"
    assert g.get_float(by_name["graph.clip"].properties, "min") == -1.0
    assert result_type(by_name["graph.split"]) == "tensor<2x1xf32>"
    rets = [str(v.type) for v in imported.module.ops.first.body.block.last_op.operands]
    assert rets[4:7] == ["tensor<2x1x3xf32>", "tensor<2x3xf32>", "tensor<5x24xf32>"]
    assert not any(isinstance(op, g.WeightOp)
                   for op in imported.module.ops.first.body.block.ops)


def test_non_constant_slice_parameter_is_an_error() -> None:
    node = helper.make_node("Slice", ["x", "st", "en"], ["y"], name="dyn_slice")
    model = make_model([node], [vi("x", [4]), vi("st", [1], TensorProto.INT64),
                                vi("en", [1], TensorProto.INT64)], [vi("y", None)])
    with pytest.raises(OnnxImportError, match=r"node 'dyn_slice' \(Slice\): starts .* constant"):
        import_onnx(model)


def test_constant_subgraph_is_folded_into_one_weight() -> None:
    """Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as PyTorch exports it."""
    nodes = [
        helper.make_node("Shape", ["x"], ["sh"]),
        helper.make_node("Constant", [], ["i0"], value=helper.make_tensor("", 7, [], [0])),
        helper.make_node("Gather", ["sh", "i0"], ["d0"], axis=0),
        helper.make_node("Unsqueeze", ["d0", "ax"], ["d0u"]),
        helper.make_node("Concat", ["d0u", "minus1"], ["newshape"], axis=0),
        helper.make_node("Reshape", ["x", "newshape"], ["y"]),
        helper.make_node("ConstantOfShape", ["newshape_c"], ["zeros"],
                         value=helper.make_tensor("", TensorProto.FLOAT, [1], [2.0])),
        helper.make_node("Range", ["r0", "r1", "r2"], ["rng"]),
        helper.make_node("Add", ["y", "zeros"], ["y2"]),
        helper.make_node("Add", ["y2", "rng"], ["z"]),
    ]
    inits = [init("ax", np.array([0])), init("minus1", np.array([-1])),
             init("newshape_c", np.array([2, 12])), init("r0", np.array(0.0, np.float32)),
             init("r1", np.array(12.0, np.float32)), init("r2", np.array(1.0, np.float32))]
    model = make_model(nodes, [vi("x", [2, 3, 4])], [vi("z", [2, 12])], inits)
    imported, ops = one_op(model)
    assert [op.name for op in ops] == ["graph.reshape", "graph.add", "graph.add"]
    assert sorted(imported.weights) == ["rng", "zeros"]
    np.testing.assert_array_equal(imported.weights["rng"], np.arange(12, dtype=np.float32))
    assert imported.weights["zeros"].shape == (2, 12)


def test_unsorted_graph_and_identity_removal() -> None:
    nodes = [helper.make_node("Identity", ["s"], ["out"], name="idnt"),
             helper.make_node("Add", ["a", "b"], ["s"], name="add")]
    model = make_model(nodes, [vi("a", [1, 4]), vi("b", [1, 4])], [vi("out", [1, 4])])
    imported, ops = one_op(model)
    assert [op.name for op in ops] == ["graph.add"]
    assert imported.input_names == ["a", "b"] and imported.output_names == ["out"]


def test_output_that_is_an_input_or_a_weight() -> None:
    model = make_model([], [vi("a", [2])], [vi("a", [2]), vi("w", [3])],
                       [init("w", np.ones(3, np.float32))])
    imported = import_onnx(model)
    imported.module.verify()
    ret = imported.module.ops.first.body.block.last_op
    assert ret.operands[0] is imported.module.ops.first.body.block.args[0]
    assert isinstance(ret.operands[1].owner, g.WeightOp)


def test_weight_names_are_sanitised_symbols() -> None:
    node = helper.make_node("Add", ["x", "onnx::Add_1/w"], ["y"])
    model = make_model([node], [vi("x", [2])], [vi("y", [2])],
                       [init("onnx::Add_1/w", np.ones(2, np.float32))])
    imported = import_onnx(model)
    assert list(imported.weights) == ["onnx__Add_1_w"]
    assert "graph.weight @onnx__Add_1_w" in str(imported.module)
    assert 'dense<' not in str(imported.module)


# ---------------------------------------------------------------------------------------------
# Element types of integer graphs


def test_integer_graph_types_follow_dialect_rules() -> None:
    """Float-declared QuantLib graph typed from data: i8 activations, int-valued float weights."""
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "bias"], ["acc"]),
        helper.make_node("RequantShift", ["acc", "mul", "add"], ["y"], name="rq",
                         div=float_tensor_attr(256), n_levels_out=float_tensor_attr(256),
                         signed=float_tensor_attr(0)),
    ]
    inits = [init("w", np.array([[1, -2], [3, 4], [-5, 6]], np.float32)),
             init("bias", np.array([1000.0, -7.0], np.float32)),
             init("mul", np.array(3.0, np.float32)), init("add", np.array(0, np.int32))]
    model = make_model(nodes, [vi("x", [4, 3])], [vi("y", [4, 2])], inits, opset=10)
    types = input_types_from_arrays(model, [np.array([[-1, 2, 3]] * 4), np.zeros(1)])
    assert types == {"x": I8}
    imported, ops = one_op(model, input_types=types)
    assert [result_type(op) for op in ops] == ["tensor<4x2xi32>", "tensor<4x2xi32>",
                                                "tensor<4x2xui8>"]
    assert imported.weights["w"].dtype == np.int8
    assert imported.weights["bias"].dtype == np.int16
    assert imported.weights["mul"].dtype == np.uint8
    assert imported.weights["add"].dtype == np.int32


def test_float_graph_keeps_float_weights() -> None:
    node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)
    model = make_model([node], [vi("x", [2, 3])], [vi("y", [2, 4])],
                       [init("w", np.ones((4, 3), np.float32)), init("b", np.zeros(4, np.float32))])
    imported, ops = one_op(model)
    assert imported.weights["w"].dtype == np.float32
    assert result_type(ops[0]) == "tensor<2x4xf32>"


def test_integer_constant_must_be_integral() -> None:
    node = helper.make_node("RequantShift", ["x", "mul", "add"], ["y"], name="rq",
                            div=1, n_levels=256, signed=1)
    model = make_model([node], [vi("x", [2])], [vi("y", [2])],
                       [init("mul", np.array(0.5, np.float32)), init("add", np.array(0.0))])
    with pytest.raises(OnnxImportError, match=r"node 'rq' \(RequantShift\).*integers"):
        import_onnx(model, input_types={"x": I32})


# ---------------------------------------------------------------------------------------------
# QuantLib converters and attribute encodings


QUANTLIB = [
    ("RequantShift", ["x", "m", "a"], {"div": 65536, "n_levels": 256, "signed": 1},
     "graph.requant_shift", "tensor<1x4x8xi8>"),
    ("iSoftmax", ["x"], {"coeffA": 1, "coeffB": 345, "coeffC": 62395, "log2": 255,
                         "n_levels": 256}, "graph.isoftmax", "tensor<1x4x8xui8>"),
    ("ITAMax", ["x"], {"n_levels": 256}, "graph.itamax", "tensor<1x4x8xui8>"),
    ("ITAPartialMax", ["x"], {"group_width": 4, "n_levels": 256}, "graph.itapartialmax",
     "tensor<1x4x8xui8>"),
    ("iHardswish", ["x"], {"three": 181, "six": 362, "one_over_six": 42}, "graph.ihardswish",
     "tensor<1x4x8xi32>"),
    ("iGELU", ["x"], {"b": -40, "one": 1743}, "graph.igelu", "tensor<1x4x8xi32>"),
    ("TrueIntegerDiv", ["x"], {"Delta": 16384, "eps": 1, "eta": 200000, "y": 2},
     "graph.true_integer_div", "tensor<1x4x8xi32>"),
    ("IntegerDiv", ["x", "x"], {"Delta": 16384, "eps": 1, "eta": 200000},
     "graph.integer_div", "tensor<1x4x8xi32>"),
    ("iRMSNorm", ["x", "w8"], {"D": 65536, "n_levels": 256}, "graph.irmsnorm",
     "tensor<1x4x8xi8>"),
    ("iLayerNorm", ["x", "w8", "b8"], {"D": 16384, "n_levels": 256}, "graph.ilayernorm",
     "tensor<1x4x8xi8>"),
    ("iNoNorm", ["x", "w48", "b8"], {"D": 65536, "mul": 425, "n_levels": 256},
     "graph.inonorm", "tensor<1x4x8xi8>"),
    ("IntegerMean", ["x"], {"axes": [2], "keepdims": 1}, "graph.reduce_mean",
     "tensor<1x4x1xi8>"),
]
QL_INITS = [init("m", np.array([3.0], np.float32)), init("a", np.array([-5.0], np.float32)),
            init("w8", np.full(8, 3.5e6, np.float32)), init("b8", np.arange(8.0, dtype=np.float32)),
            init("w48", np.ones((4, 8), np.float32))]


@pytest.mark.parametrize("encoding", ["int", "float_tensor"])
@pytest.mark.parametrize(("op_type", "inputs", "attrs", "op_name", "rtype"), QUANTLIB,
                         ids=[q[0] for q in QUANTLIB])
def test_quantlib_converter(op_type, inputs, attrs, op_name, rtype, encoding) -> None:
    if encoding == "float_tensor":
        attrs = {k: v if isinstance(v, list) else float_tensor_attr(v) for k, v in attrs.items()}
    node = helper.make_node(op_type, inputs, ["y"], name="q", domain="", **attrs)
    model = make_model([node], [vi("x", [1, 4, 8])], [vi("y", None)], QL_INITS, opset=10)
    _, ops = one_op(model, input_types={"x": I8})
    assert [op.name for op in ops] == [op_name]
    assert result_type(ops[0]) == rtype


def test_requant_shift_in_contrib_domain_with_n_levels_out() -> None:
    node = helper.make_node("RequantShift", ["x", "m", "a"], ["y"], domain="ai.onnx.contrib",
                            div=float_tensor_attr(4), n_levels_out=float_tensor_attr(16),
                            signed=float_tensor_attr(0))
    model = make_model([node], [vi("x", [1, 4, 8])], [vi("y", [1, 4, 8])], QL_INITS, opset=18)
    model.opset_import.append(helper.make_opsetid("ai.onnx.contrib", 1))
    _, ops = one_op(model, input_types={"x": I32})
    assert g.get_int(ops[0].properties, "n_levels") == 16
    assert result_type(ops[0]) == "tensor<1x4x8xui8>"


def test_non_integral_quantlib_attribute() -> None:
    node = helper.make_node("iSoftmax", ["x"], ["y"], name="sm", coeffA=float_tensor_attr(1.5),
                            coeffB=1, coeffC=1, log2=1, n_levels=256)
    model = make_model([node], [vi("x", [2, 4])], [vi("y", [2, 4])], opset=10)
    with pytest.raises(OnnxImportError, match=r"node 'sm' \(iSoftmax\): attribute 'coeffA'"):
        import_onnx(model, input_types={"x": I8})


# ---------------------------------------------------------------------------------------------
# Errors: one line, naming node and op


def test_truncated_file(tmp_path: Path) -> None:
    node = helper.make_node("Relu", ["x"], ["y"])
    data = make_model([node], [vi("x", [2])], [vi("y", [2])]).SerializeToString()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(OnnxImportError, match="cannot load ONNX model") as info:
        import_onnx(path)
    assert "\n" not in str(info.value)


def test_unknown_op() -> None:
    node = helper.make_node("FancyOp", ["x"], ["y"], name="f0")
    model = make_model([node], [vi("x", [2])], [vi("y", [2])])
    with pytest.raises(OnnxImportError, match=r"^node 'f0' \(FancyOp\): unsupported op type"):
        import_onnx(model)


def test_gemm_with_mismatched_k() -> None:
    node = helper.make_node("Gemm", ["a", "b"], ["y"], name="Gemm_0")
    model = make_model([node], [vi("a", [2, 3]), vi("b", [4, 5])], [vi("y", [2, 5])])
    with pytest.raises(OnnxImportError) as info:
        import_onnx(model)
    msg = str(info.value)
    assert msg.startswith("node 'Gemm_0' (Gemm): ") and "K=3" in msg and "\n" not in msg


def test_shape_disagreeing_with_onnx_inference() -> None:
    node = helper.make_node("Relu", ["x"], ["y"], name="r")
    model = make_model([node], [vi("x", [2, 3])], [vi("y", [3, 2])])
    with pytest.raises(OnnxImportError, match=r"node 'r' \(Relu\): inconsistent shape"):
        import_onnx(model)


def test_unknown_input_in_type_map() -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [2])], [vi("y", [2])])
    with pytest.raises(OnnxImportError, match=r"unknown input.*'nope'"):
        import_onnx(model, input_types={"nope": I8})


def test_empty_inputs_are_skipped_and_concat_drops_them() -> None:
    node = helper.make_node("Concat", ["cache", "x"], ["y"], axis=1)
    model = make_model([node], [vi("cache", [1, 0, 4]), vi("x", [1, 2, 4])], [vi("y", [1, 2, 4])])
    imported, ops = one_op(model, input_types={"cache": I8, "x": I8})
    assert imported.input_names == ["x"]
    assert ops == []

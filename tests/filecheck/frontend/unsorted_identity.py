# RUN: python %s > %t.onnx && tinyslm-opt %t.onnx --input-types a=i8,b=ui8 | filecheck %s
# Nodes out of order are scheduled by data dependence; Identity disappears; the type map
# sets integer input types (ui8 + i8 accumulates in i32).
import sys

from onnx import TensorProto, helper

graph = helper.make_graph(
    [helper.make_node("Identity", ["s"], ["out"], name="Identity_1"),
     helper.make_node("Add", ["a", "b"], ["s"], name="Add_0")],
    "g",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [3])],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 3])])
sys.stdout.buffer.write(
    helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]).SerializeToString())

# CHECK:      func.func @main(%a: tensor<2x3xi8>, %b: tensor<3xui8>) -> tensor<2x3xi32> {
# CHECK-NEXT:   %[[S:.*]] = graph.add %a, %b : (tensor<2x3xi8>, tensor<3xui8>) -> tensor<2x3xi32>
# CHECK-NEXT:   func.return %[[S]] : tensor<2x3xi32>
# CHECK-NOT:    identity

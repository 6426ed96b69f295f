# RUN: python %s > %t.onnx && tinyslm-opt %t.onnx | filecheck %s
# QuantLib graphs: custom ops in the default domain, scalar attributes as INT or float
# TENSOR, integer-valued float initializers, FLOAT-declared inputs that hold int8.
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

w = numpy_helper.from_array(np.arange(-8, 8, dtype=np.float32).reshape(4, 4), "w")
mul = numpy_helper.from_array(np.array([3.0], np.float32), "mul")
add = numpy_helper.from_array(np.array([-5.0], np.float32), "add")
nodes = [
    helper.make_node("MatMul", ["x", "w"], ["acc"], name="MatMul_0"),
    helper.make_node("RequantShift", ["acc", "mul", "add"], ["q"], name="RQS_0",
                     div=numpy_helper.from_array(np.array(256.0, np.float32)),
                     n_levels_out=numpy_helper.from_array(np.array([256.0], np.float32)),
                     signed=0),
    helper.make_node("iHardswish", ["q"], ["h"], name="HS_0", one_over_six=3, six=12, three=6),
]
graph = helper.make_graph(
    nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4])],
    [helper.make_tensor_value_info("h", TensorProto.FLOAT, [1, 2, 4])], initializer=[w, mul, add])
sys.stdout.buffer.write(
    helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)]).SerializeToString())

# CHECK:      func.func @main(%x: tensor<1x2x4xi8>) -> tensor<1x2x4xi32> {
# CHECK-NEXT:   %[[W:.*]] = graph.weight @w : tensor<4x4xi8>
# CHECK-NEXT:   %[[ACC:.*]] = graph.matmul %x, %[[W]] : (tensor<1x2x4xi8>, tensor<4x4xi8>) -> tensor<1x2x4xi32>
# CHECK-NEXT:   %[[MUL:.*]] = graph.weight @mul : tensor<1xui8>
# CHECK-NEXT:   %[[ADD:.*]] = graph.weight @add : tensor<1xi8>
# CHECK-NEXT:   %[[Q:.*]] = graph.requant_shift %[[ACC]], %[[MUL]], %[[ADD]] {div = 256 : i64, n_levels = 256 : i64, signed = false} : (tensor<1x2x4xi32>, tensor<1xui8>, tensor<1xi8>) -> tensor<1x2x4xui8>
# CHECK-NEXT:   %[[H:.*]] = graph.ihardswish %[[Q]] {three = 6 : i64, six = 12 : i64, one_over_six = 3 : i64} : tensor<1x2x4xui8> -> tensor<1x2x4xi32>
# CHECK-NEXT:   func.return %[[H]] : tensor<1x2x4xi32>

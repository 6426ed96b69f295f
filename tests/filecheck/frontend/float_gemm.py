# RUN: python %s > %t.onnx && tinyslm-opt %t.onnx | filecheck %s
# A PyTorch-style float Linear: Gemm with transB and bias keeps f32 and its attributes.
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

w = numpy_helper.from_array(np.ones((6, 4), np.float32), "fc.weight")
b = numpy_helper.from_array(np.zeros(6, np.float32), "fc.bias")
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "fc.weight", "fc.bias"], ["y"], name="Gemm_0", transB=1),
     helper.make_node("Relu", ["y"], ["z"], name="Relu_0")],
    "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [3, 6])], initializer=[w, b])
sys.stdout.buffer.write(
    helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())

# CHECK:      func.func @main(%x: tensor<3x4xf32>) -> tensor<3x6xf32> {
# CHECK-NEXT:   %[[W:.*]] = graph.weight @fc.weight : tensor<6x4xf32>
# CHECK-NEXT:   %[[B:.*]] = graph.weight @fc.bias : tensor<6xf32>
# CHECK-NEXT:   %[[Y:.*]] = graph.gemm %x, %[[W]], %[[B]] {{{.*}}trans_b = true{{.*}}} : (tensor<3x4xf32>, tensor<6x4xf32>, tensor<6xf32>) -> tensor<3x6xf32>
# CHECK-NEXT:   %[[Z:.*]] = graph.relu %[[Y]] : tensor<3x6xf32> -> tensor<3x6xf32>
# CHECK-NEXT:   func.return %[[Z]] : tensor<3x6xf32>

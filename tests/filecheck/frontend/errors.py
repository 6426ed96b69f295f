# RUN: python %s unknown > %t.unknown.onnx && not tinyslm-opt %t.unknown.onnx 2>&1 | filecheck %s --check-prefix=UNKNOWN
# RUN: python %s gemm > %t.gemm.onnx && not tinyslm-opt %t.gemm.onnx 2>&1 | filecheck %s --check-prefix=GEMM
# RUN: python %s truncated > %t.trunc.onnx && not tinyslm-opt %t.trunc.onnx 2>&1 | filecheck %s --check-prefix=TRUNC
# Bad models give one diagnostic line naming the node, the op type and the reason.
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def model(node, inits=()):
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


kind = sys.argv[1]
if kind == "unknown":
    data = model(helper.make_node("Swizzle", ["x"], ["y"], name="Swizzle_4")).SerializeToString()
elif kind == "gemm":
    w = numpy_helper.from_array(np.ones((4, 5), np.float32), "w")
    data = model(helper.make_node("Gemm", ["x", "w"], ["y"], name="Gemm_9"), [w]).SerializeToString()
else:
    full = model(helper.make_node("Relu", ["x"], ["y"], name="Relu_0")).SerializeToString()
    data = full[: len(full) // 2]
sys.stdout.buffer.write(data)

# UNKNOWN: tinyslm-opt: error: node 'Swizzle_4' (Swizzle): unsupported op type 'Swizzle'
# GEMM: tinyslm-opt: error: node 'Gemm_9' (Gemm): contracting dimensions differ: K=3 (A) vs K=4 (B)
# TRUNC: tinyslm-opt: error: {{.*}}cannot parse ONNX file

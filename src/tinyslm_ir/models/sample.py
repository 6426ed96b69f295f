"""A tiny QuantLib-style int8 attention-score block, built in code and shipped for the demo.

It exercises the path every real model takes (ONNX with QuantLib ops in the default domain,
weights as float initializers holding integers) while staying small enough to read in full.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEQ, DIM = 4, 16


def _scalar(value: float) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(value, dtype=np.float32))


def build_sample_model(seed: int = 0) -> onnx.ModelProto:
    """x(1,SEQ,DIM) int8 -> Q/K projections -> RQS -> Q·Kᵀ -> RQS -> iSoftmax."""
    rng = np.random.default_rng(seed)
    wq = rng.integers(-128, 128, (DIM, DIM)).astype(np.float32)
    wk = rng.integers(-128, 128, (DIM, DIM)).astype(np.float32)
    inits = [
        numpy_helper.from_array(wq, "wq"),
        numpy_helper.from_array(wk, "wk"),
        numpy_helper.from_array(np.array([3.0], np.float32), "rq_mul"),
        numpy_helper.from_array(np.array([0.0], np.float32), "rq_add"),
        numpy_helper.from_array(np.array([200.0], np.float32), "sc_mul"),
    ]

    def rqs(x: str, mul: str, out: str, div: float, signed: int = 1) -> onnx.NodeProto:
        return helper.make_node(
            "RequantShift", [x, mul, "rq_add"], [out], name=f"RQS_{out}",
            div=_scalar(div), n_levels_out=_scalar(256), signed=signed,
        )

    nodes = [
        helper.make_node("MatMul", ["x", "wq"], ["q32"], name="MatMul_q"),
        rqs("q32", "rq_mul", "q", 4096),
        helper.make_node("MatMul", ["x", "wk"], ["k32"], name="MatMul_k"),
        rqs("k32", "rq_mul", "k", 4096),
        helper.make_node("Transpose", ["k"], ["kt"], name="Transpose_k", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["s32"], name="MatMul_qk"),
        rqs("s32", "sc_mul", "s", 8192),
        helper.make_node(
            # I-BERT coefficients for an input scale of 1/16 (spec §2): B = round(1.353*16),
            # C = round(0.344 / (0.3585 / 16**2)), log2 = 16.
            "iSoftmax", ["s"], ["p"], name="iSoftmax_0", coeffA=_scalar(1),
            coeffB=_scalar(22), coeffC=_scalar(246), log2=_scalar(16), n_levels=_scalar(256),
        ),
    ]
    graph = helper.make_graph(
        nodes, "sample_attention",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, SEQ, DIM])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, SEQ, SEQ])],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)])


def sample_input(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(-128, 128, (1, SEQ, DIM)).astype(np.int8)

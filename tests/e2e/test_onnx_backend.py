"""ONNX backend node tests through `TinySLMBackend` (importer + reference interpreter).

Only ops the graph dialect supports are included. Every exclusion names its reason; the
table in docs/onnx-backend-coverage.md is generated from these lists by
scripts/onnx_backend_coverage.py.
"""

from __future__ import annotations

import onnx.backend.test

from tinyslm_ir.backend import TinySLMBackend, TinySLMHostBackend

#: ONNX op name -> regex (without the `test_` prefix) selecting its node tests.
INCLUDED_OPS: dict[str, str] = {
    "Abs": "abs", "Add": "add", "AveragePool": "averagepool", "Cast": "cast",
    "Clip": "clip", "Concat": "concat", "Constant": "constant", "ConstantOfShape":
    "constantofshape", "Conv": "conv", "Div": "div", "Dropout": "dropout", "Equal": "equal",
    "Erf": "erf", "Exp": "exp", "Expand": "expand", "Flatten": "flatten", "Gather": "gather",
    "Gelu": "gelu", "Gemm": "gemm", "GlobalAveragePool": "globalaveragepool",
    "GlobalMaxPool": "globalmaxpool", "Greater": "greater", "Identity": "identity",
    "LayerNormalization": "layer_normalization", "Less": "less", "Log": "log",
    "MatMul": "matmul", "Max": "max", "MaxPool": "maxpool", "Min": "min", "Mul": "mul",
    "Neg": "neg", "Pad": "constant_pad", "Pow": "pow", "Range": "range",
    "Reciprocal": "reciprocal", "ReduceMax": "reduce_max", "ReduceMean": "reduce_mean",
    "ReduceSum": "reduce_sum", "Relu": "relu", "Reshape": "reshape",
    "RMSNormalization": "rms_normalization", "Shape": "shape", "Sigmoid": "sigmoid",
    "Size": "size", "Slice": "slice", "Softmax": "softmax", "Split": "split", "Sqrt": "sqrt",
    "Squeeze": "squeeze", "Sub": "sub", "Tanh": "tanh", "Transpose": "transpose",
    "Unsqueeze": "unsqueeze", "Where": "where",
}

#: regex (without `test_` and `_cpu`) -> reason the matching cases are excluded.
EXCLUDED: dict[str, str] = {
    r"cast_.*(FLOAT8|FLOAT4|INT4|UINT4|INT2|UINT2|e8m0).*":
        "8/4/2-bit float and int element types are not graph element types",
    r"layer_normalization_((?!expanded).)*":
        "Mean/InvStdDev outputs of LayerNormalization are not supported",
    r"(greater|less)_equal.*": "GreaterOrEqual/LessOrEqual/Or are not graph ops",
    r"equal_string.*": "string tensors",
    r"reduce_sum_square.*": "ReduceSumSquare is not a graph op",
    r"reduce_max_empty_set.*": "reductions over zero-size tensors",
    r"gather_elements.*": "GatherElements is not a graph op",
    r"dropout_default_mask.*": "Dropout mask output (training) is not supported",
    r"identity_(opt|sequence)": "optional and sequence types",
    r"split_to_sequence.*": "sequence types",
    r"maxpool_with_argmax.*": "MaxPool Indices output is not supported",
    r"pow_types_int.*": "graph.pow is defined on float bases only",
    r"range_.*_expanded": "expanded form uses Loop and Ceil, not graph ops",
    r"gelu_.*_expanded": "expanded form uses Sum, not a graph op",
}


#: regex (as in EXCLUDED) -> reason the host target (the C kernel library) cannot run the
#: matching cases, which the reference path runs. Each fails with a NoKernelError.
HOST_EXCLUDED: dict[str, str] = {
    r"cast_.*FLOAT16.*": "f16/bf16 tensors: the kernel library has no half-precision storage",
    r"(max|min)_float16": "f16 tensors: the kernel library has no half-precision storage",
    r"range_b?float16_type_.*": "f16/bf16 tensors: the kernel library has no half-precision "
                                "storage",
    r"(averagepool|maxpool)_3d_.*": "3-D pooling windows: the kernel library has 1-D and 2-D",
    r"reduce_sum_empty_set": "no kernel reduces over an empty axis",
    r"(constantofshape_int_shape_zero|reduce_sum_empty_set_non_reduced_axis_zero"
    r"|reshape_allowzero_reordered|shape_start_greater_than_end|slice_start_out_of_bounds"
    r"|split_zero_size_splits_opset1[38])":
        "zero-size results lower to no kernel call, which select-kernels rejects",
}


def make_backend_test(name: str, backend: type[TinySLMBackend] = TinySLMBackend,
                      excluded: dict[str, str] = EXCLUDED) -> onnx.backend.test.BackendTest:
    test = onnx.backend.test.BackendTest(backend, name)
    for pattern in INCLUDED_OPS.values():
        test.include(rf"^test_{pattern}(_.*)?_cpu$")
    for pattern in excluded:
        test.exclude(rf"^test_{pattern}_cpu$")
    return test


#: Only the node tests: the model suites (pytorch-converted, real, ...) need other ops.
OnnxBackendNodeModelTest = make_backend_test(__name__).test_cases["OnnxBackendNodeModelTest"]

#: The same cases compiled to C and run natively (one program per case; builds are cached).
OnnxBackendNodeModelTestHost = make_backend_test(
    f"{__name__}_host", TinySLMHostBackend, EXCLUDED | HOST_EXCLUDED
).test_cases["OnnxBackendNodeModelTest"]

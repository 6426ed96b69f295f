"""Invariants of the post-training quantizer: scales, integer ranges, exact requantization,
and accuracy of small float models (built with onnx.helper) after quantization."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import TensorType

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.driver.compile import CompileOptions, compile_imported
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.frontend.onnx_importer import import_onnx
from tinyslm_ir.models.quant.report import accuracy_report
from tinyslm_ir.models.quant.scales import (
    MIN_MUL_BITS,
    quantize_weight,
    requant_params,
    scale_from_absmax,
)
from tinyslm_ir.models.quantize import QuantConfig, QuantizedModel, quantize
from tinyslm_ir.reference.errors import IntegerWrapWarning
from tinyslm_ir.reference.interpreter import run_module

from ..reference.graph_builder import run_op

SEQ, DIM, FFN = 8, 32, 64
finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=32)


# -- scales -----------------------------------------------------------------------------------


@given(st.lists(finite, min_size=1, max_size=64), st.integers(2, 3), st.booleans())
def test_weight_scales_are_positive_and_finite(values, rank, per_channel):
    w = np.resize(np.array(values, np.float32), (4,) * rank)
    q, scale = quantize_weight(w, -1 if per_channel else None)
    assert np.all(np.isfinite(scale)) and np.all(scale > 0)
    assert q.dtype == np.int8 and q.min() >= -128 and q.max() <= 127
    # symmetric rounding: every weight is within half a step of its dequantized value
    step = scale.reshape(1, -1) if per_channel else scale
    deq = q.reshape(-1, 4) * step if per_channel else q * step
    assert np.all(np.abs(deq.reshape(w.shape) - w) <= np.broadcast_to(step, deq.shape)
                  .reshape(w.shape) * 0.5 + 1e-6)


@given(st.floats(0, 1e30, allow_nan=False))
def test_activation_scale_is_positive_and_finite(absmax):
    s = float(scale_from_absmax(absmax))
    assert np.isfinite(s) and s > 0


# -- exact requantization ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-5, 1e4), st.floats(-300, 300), st.integers(1, 2**20),
       st.lists(st.integers(-(2**20), 2**20), min_size=1, max_size=32))
def test_requant_shift_is_exact_rounding_of_the_ratio(ratio, offset, bound, xs):
    """The RequantShift the quantizer emits computes, in the reference, exactly
    clip(rhu((x*mul + add)/div)); that equals round(x*ratio + offset) to within the
    representation error of mul/div, and mul/div keeps at least MIN_MUL_BITS bits."""
    x = np.clip(np.array(xs, np.int64), -bound, bound).astype(np.int32)
    rq = requant_params(ratio, offset, bound)
    mul, add, div = int(rq.mul), int(rq.add), rq.div
    if ratio < 2.0**20:
        assert abs(mul / div - ratio) <= ratio * 2.0 ** -(MIN_MUL_BITS - 1)
    props = {"div": g.int_prop(div), "n_levels": g.int_prop(256), "signed": g.bool_prop(True)}
    (out,) = run_op(g.RequantShiftOp, [x, np.array([mul], np.int64), np.array([add], np.int64)],
                    props)
    exact = [min(127, max(-128, (int(v) * mul + add + div // 2) // div)) for v in x]
    assert out.tolist() == exact
    ideal = np.clip(x.astype(np.float64) * ratio + offset, -128, 127)
    slack = 0.5 + np.abs(x) * abs(mul / div - ratio) + abs(add / div - offset) + 1e-9
    assert np.all(np.abs(out - ideal) <= slack)


# -- small models -----------------------------------------------------------------------------


def _model(nodes, inputs, outputs, inits, opset: int = 20) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "m", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        initializer=[numpy_helper.from_array(a.astype(np.float32), n) for n, a in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _mlp(rng: np.random.Generator) -> onnx.ModelProto:
    inits = {"w1": rng.normal(0, 0.3, (DIM, FFN)), "b1": rng.normal(0, 0.1, FFN),
             "w2": rng.normal(0, 0.2, (FFN, DIM)), "b2": rng.normal(0, 0.1, DIM)}
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], alpha=0.5)]
    return _model(nodes, [("x", TensorProto.FLOAT, [SEQ, DIM])], [("y", [SEQ, DIM])], inits)


def _attention(rng: np.random.Generator) -> onnx.ModelProto:
    """Single-head attention with an additive padding mask from an int64 input."""
    inits = {n: rng.normal(0, 0.3, (DIM, DIM)) for n in ("wq", "wk", "wv")}
    inits |= {"bq": rng.normal(0, 0.1, DIM), "one": np.array(1.0),
              "big": np.array(-10000.0), "sqrt_d": np.array(np.sqrt(DIM))}
    nodes = [helper.make_node("MatMul", ["x", "wq"], ["q0"]),
             helper.make_node("Add", ["q0", "bq"], ["q"]),
             helper.make_node("MatMul", ["x", "wk"], ["k"]),
             helper.make_node("MatMul", ["x", "wv"], ["v"]),
             helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["q", "kt"], ["s0"]),
             helper.make_node("Div", ["s0", "sqrt_d"], ["s1"]),
             helper.make_node("Cast", ["mask"], ["mf"], to=TensorProto.FLOAT),
             helper.make_node("Sub", ["one", "mf"], ["inv"]),
             helper.make_node("Mul", ["inv", "big"], ["bias"]),
             helper.make_node("Add", ["s1", "bias"], ["s"]),
             helper.make_node("Softmax", ["s"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["o"]),
             helper.make_node("Add", ["o", "x"], ["y"])]
    return _model(nodes, [("x", TensorProto.FLOAT, [1, SEQ, DIM]),
                          ("mask", TensorProto.INT64, [1, 1, SEQ])], [("y", [1, SEQ, DIM])],
                  inits)


def _norm_gelu(rng: np.random.Generator) -> onnx.ModelProto:
    """LayerNorm then PyTorch's erf GELU, x·½·(1 + erf(x/√2)), then a projection."""
    inits = {"g": rng.normal(1, 0.1, DIM), "b": rng.normal(0, 0.1, DIM),
             "w": rng.normal(0, 0.3, (DIM, FFN)), "r2": np.array(np.sqrt(2)),
             "one": np.array(1.0), "half": np.array(0.5)}
    nodes = [helper.make_node("LayerNormalization", ["x", "g", "b"], ["n"], axis=-1),
             helper.make_node("MatMul", ["n", "w"], ["h"]),
             helper.make_node("Div", ["h", "r2"], ["u"]),
             helper.make_node("Erf", ["u"], ["e"]),
             helper.make_node("Add", ["e", "one"], ["e1"]),
             helper.make_node("Mul", ["h", "e1"], ["m"]),
             helper.make_node("Mul", ["m", "half"], ["y"])]
    return _model(nodes, [("x", TensorProto.FLOAT, [1, SEQ, DIM])], [("y", [1, SEQ, FFN])],
                  inits)


def _rms_swiglu(rng: np.random.Generator) -> onnx.ModelProto:
    """Decomposed RMSNorm, then a SwiGLU MLP (SiLU as x·sigmoid(x)), with a residual."""
    inits = {"two": np.array(2.0), "eps": np.array(1e-6), "g": rng.normal(1, 0.1, DIM),
             "wg": rng.normal(0, 0.3, (DIM, FFN)), "wu": rng.normal(0, 0.3, (DIM, FFN)),
             "wd": rng.normal(0, 0.2, (FFN, DIM))}
    nodes = [helper.make_node("Pow", ["x", "two"], ["x2"]),
             helper.make_node("ReduceMean", ["x2"], ["ms"], axes=[-1], keepdims=1),
             helper.make_node("Add", ["ms", "eps"], ["mse"]),
             helper.make_node("Sqrt", ["mse"], ["rms"]),
             helper.make_node("Div", ["x", "rms"], ["xn"]),
             helper.make_node("Mul", ["xn", "g"], ["n"]),
             helper.make_node("MatMul", ["n", "wg"], ["gate"]),
             helper.make_node("Sigmoid", ["gate"], ["sg"]),
             helper.make_node("Mul", ["gate", "sg"], ["act"]),
             helper.make_node("MatMul", ["n", "wu"], ["up"]),
             helper.make_node("Mul", ["act", "up"], ["h"]),
             helper.make_node("MatMul", ["h", "wd"], ["d"]),
             helper.make_node("Add", ["x", "d"], ["y"])]
    return _model(nodes, [("x", TensorProto.FLOAT, [1, SEQ, DIM])], [("y", [1, SEQ, DIM])],
                  inits, opset=17)


def _samples(model: onnx.ModelProto, rng: np.random.Generator, n: int) -> list[list[np.ndarray]]:
    out = []
    for _ in range(n):
        sample = []
        for vi in model.graph.input:
            shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
            if vi.type.tensor_type.elem_type == TensorProto.INT64:
                mask = np.ones(shape, np.int64)
                mask[..., rng.integers(SEQ // 2, SEQ + 1):] = 0
                sample.append(mask)
            else:
                sample.append(rng.normal(0, 1, shape).astype(np.float32))
        out.append(sample)
    return out


BUILDERS = {"mlp": _mlp, "attention": _attention, "layernorm_gelu": _norm_gelu,
            "rmsnorm_swiglu": _rms_swiglu}
MIN_COSINE = {"rmsnorm_swiglu": 0.98}  # iHardswish only approximates SiLU


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def case(request) -> tuple[str, object, QuantizedModel, list[list[np.ndarray]]]:
    rng = np.random.default_rng(0)
    model = BUILDERS[request.param](rng)
    imported = import_onnx(model)
    samples = _samples(model, rng, 24)
    return request.param, imported, quantize(imported, samples[:12]), samples


def test_small_models_track_the_float_model(case):
    name, imported, qm, samples = case
    report = accuracy_report(imported, qm, samples[12:])
    assert report.outputs[0].cosine_mean >= MIN_COSINE.get(name, 0.99), report.table()


def test_every_integer_tensor_stays_in_its_type(case):
    """On calibration and held-out data: no op result wraps (the interpreter warns on every
    wrap), every value lies in its declared type, and the graph holds no float tensor."""
    _, _, qm, samples = case
    for op in qm.module.walk():
        for r in op.results:
            if isinstance(r.type, TensorType):
                assert gs.is_int(g.elem_of(r.type)), f"{op.name} produces {r.type}"
    seen = []

    def observe(op, results):
        for r, a in zip(op.results, results, strict=True):
            lo, hi = gs.int_range(g.elem_of(r.type))
            seen.append(a.size == 0 or (lo <= int(a.min()) and int(a.max()) <= hi))

    with warnings.catch_warnings():
        warnings.simplefilter("error", IntegerWrapWarning)
        for sample in samples:
            run_module(qm.module, qm.weights, qm.quantize_inputs(sample), observer=observe)
    assert seen and all(seen)


def test_per_tensor_option_uses_one_weight_scale():
    rng = np.random.default_rng(1)
    model = _mlp(rng)
    imported = import_onnx(model)
    samples = _samples(model, rng, 16)
    qm = quantize(imported, samples[:8], QuantConfig(per_channel=False))
    assert accuracy_report(imported, qm, samples[8:]).outputs[0].cosine_mean >= 0.99
    rqs = [op for op in qm.module.walk() if isinstance(op, g.RequantShiftOp)]
    assert all(g.shape_of(op.mul.type) == (1,) for op in rqs)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no host C compiler")
def test_compiled_host_program_equals_the_integer_reference(case, tmp_path):
    _, _, qm, samples = case
    compile_imported(qm.imported(), tuple(qm.input_names), tmp_path,
                     CompileOptions(target="host"))
    for sample in samples[12:15]:
        ints = qm.quantize_inputs(sample)
        want = run_module(qm.module, qm.weights, ints)
        got = run_compiled(tmp_path, ints).outputs
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)

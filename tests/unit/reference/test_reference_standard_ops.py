"""Standard ops against plain numpy on small cases, and against onnxruntime where it has the op."""

from __future__ import annotations

import itertools
import math

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from xdsl.dialects.builtin import TensorType, i8

from tests.unit.reference.graph_builder import run1, run_op
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.reference import InterpreterError
from tinyslm_ir.reference.standard_ops import erf

RNG = np.random.default_rng(0)


def window_props(kernel, strides=None, pads=None, dilations=None, **extra):
    n = len(kernel)
    props = {"kernel_shape": g.ints_prop(kernel), "strides": g.ints_prop(strides or [1] * n),
             "pads": g.ints_prop(pads or [0] * 2 * n),
             "dilations": g.ints_prop(dilations or [1] * n)}
    props.update({k: g.bool_prop(v) for k, v in extra.items()})
    return props


def run_onnx(node: onnx.NodeProto, inputs: dict[str, np.ndarray], out_dtype=TensorProto.FLOAT
             ) -> np.ndarray:
    graph = helper.make_graph(
        [node], "t",
        [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for k, v in inputs.items()],
        [helper.make_tensor_value_info(node.output[0], out_dtype, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=9)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, inputs)[0]


# ---------------------------------------------------------------------------------------------
# Element-wise


def test_integer_div_truncates_toward_zero():
    a = np.array([7, -7, 7, -7, 0], np.int32)
    b = np.array([2, 2, -2, -2, 3], np.int32)
    np.testing.assert_array_equal(run1(g.DivOp, [a, b]), [3, -3, -3, 3, 0])


def test_integer_arithmetic_is_exact_then_i32():
    a = np.array([[-128, 127]], np.int8)
    b = np.array([[-128], [127]], np.int8)
    for op, fn in ((g.AddOp, np.add), (g.SubOp, np.subtract), (g.MulOp, np.multiply)):
        out = run1(op, [a, b])
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out, fn(a.astype(np.int64), b.astype(np.int64)))


def test_float_elementwise_matches_numpy():
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    pos = np.abs(x) + 0.5
    cases = [(g.ExpOp, x, np.exp), (g.TanhOp, x, np.tanh), (g.LogOp, pos, np.log),
             (g.SqrtOp, pos, np.sqrt), (g.ReciprocalOp, pos, np.reciprocal),
             (g.SigmoidOp, x, lambda v: 1 / (1 + np.exp(-v)))]
    for op, arg, fn in cases:
        out = run1(op, [arg])
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, fn(arg.astype(np.float64)), rtol=1e-6)
    np.testing.assert_array_equal(run1(g.ReluOp, [x]), np.maximum(x, 0))


def test_erf_is_float64_accurate():
    xs = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 1e-300, -1e-8, 30.0, -30.0]])
    ref = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(erf(xs), ref, rtol=0, atol=4e-15)


@pytest.mark.parametrize("tanh", [False, True])
def test_gelu_matches_onnxruntime(tanh):
    x = RNG.standard_normal((4, 7)).astype(np.float32) * 3
    props = {"tanh_approx": g.bool_prop(True)} if tanh else {}
    expected = run_onnx(helper.make_node("Gelu", ["x"], ["y"],
                                         approximate="tanh" if tanh else "none"), {"x": x})
    np.testing.assert_allclose(run1(g.GeluOp, [x], props), expected, rtol=1e-5, atol=1e-6)


def test_clip_optional_bounds_and_integers():
    x = np.array([-100, -3, 0, 3, 100], np.int8)
    np.testing.assert_array_equal(run1(g.ClipOp, [x], {"max": g.float_prop(3.5)}),
                                  [-100, -3, 0, 3, 3])
    np.testing.assert_array_equal(
        run1(g.ClipOp, [x], {"min": g.float_prop(-2.5), "max": g.float_prop(50)}),
        [-2, -2, 0, 3, 50])


def test_cast_float_to_int_truncates_and_rejects_out_of_range():
    x = np.array([-2.7, -0.5, 0.5, 2.7, 127.9], np.float32)
    out = run1(g.CastOp, [x], result_types=[TensorType(i8, [5])])
    np.testing.assert_array_equal(out, [-2, 0, 0, 2, 127])
    with pytest.raises(InterpreterError, match=r"graph\.cast"):
        run1(g.CastOp, [np.array([128.0], np.float32)], result_types=[TensorType(i8, [1])])


# ---------------------------------------------------------------------------------------------
# Contractions, convolution, pooling


def test_matmul_and_gemm_integer():
    a = RNG.integers(-128, 128, (2, 3, 4)).astype(np.int8)
    b = RNG.integers(-128, 128, (4, 5)).astype(np.int8)
    np.testing.assert_array_equal(run1(g.MatMulOp, [a, b]), a.astype(np.int64) @ b)
    a2, c = a[0], RNG.integers(-1000, 1000, (5,)).astype(np.int32)
    bt = np.ascontiguousarray(b.T)
    props = {"alpha": g.float_prop(2), "beta": g.float_prop(3), "trans_b": g.bool_prop(True)}
    out = run1(g.GemmOp, [a2, bt, c], props)
    np.testing.assert_array_equal(out, 2 * (a2.astype(np.int64) @ b) + 3 * c)


def naive_conv(x, w, bias, strides, pads, dilations, group):
    nsp = x.ndim - 2
    xp = np.pad(x.astype(np.int64), [(0, 0), (0, 0)] + [(pads[i], pads[i + nsp])
                                                         for i in range(nsp)])
    m, cg = w.shape[:2]
    k = w.shape[2:]
    out_sp = [(xp.shape[2 + i] - ((k[i] - 1) * dilations[i] + 1)) // strides[i] + 1
              for i in range(nsp)]
    out = np.zeros((x.shape[0], m, *out_sp), np.int64)
    for n, oc, *pos in itertools.product(range(x.shape[0]), range(m), *map(range, out_sp)):
        gidx = oc // (m // group)
        acc = 0
        for ic, *kk in itertools.product(range(cg), *map(range, k)):
            src = tuple(pos[i] * strides[i] + kk[i] * dilations[i] for i in range(nsp))
            acc += int(xp[(n, gidx * cg + ic, *src)]) * int(w[(oc, ic, *kk)])
        out[(n, oc, *pos)] = acc + (0 if bias is None else int(bias[oc]))
    return out


@pytest.mark.parametrize(("xshape", "wshape", "group", "strides", "pads", "dilations"), [
    ((1, 4, 6, 7), (6, 2, 3, 3), 2, [1, 2], [1, 0, 2, 1], [1, 1]),
    ((2, 3, 9), (3, 1, 3), 3, [2], [1, 1], [2]),
    ((1, 2, 4, 5, 3), (2, 2, 2, 2, 1), 1, [1, 1, 1], [0, 1, 0, 1, 0, 0], [1, 2, 1]),
])
def test_conv_nd_grouped_matches_direct_loops(xshape, wshape, group, strides, pads, dilations):
    x = RNG.integers(-128, 128, xshape).astype(np.int8)
    w = RNG.integers(-128, 128, wshape).astype(np.int8)
    bias = RNG.integers(-5000, 5000, (wshape[0],)).astype(np.int32)
    props = {"strides": g.ints_prop(strides), "pads": g.ints_prop(pads),
             "dilations": g.ints_prop(dilations), "group": g.int_prop(group)}
    out = run1(g.ConvOp, [x, w, bias], props)
    np.testing.assert_array_equal(out, naive_conv(x, w, bias, strides, pads, dilations, group))


def test_conv_float_matches_onnxruntime():
    x = RNG.standard_normal((1, 4, 8, 8)).astype(np.float32)
    w = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32)
    props = {"strides": g.ints_prop([2, 1]), "pads": g.ints_prop([1, 1, 0, 1]),
             "dilations": g.ints_prop([1, 2]), "group": g.int_prop(2)}
    node = helper.make_node("Conv", ["x", "w"], ["y"], strides=[2, 1], pads=[1, 1, 0, 1],
                            dilations=[1, 2], group=2)
    np.testing.assert_allclose(run1(g.ConvOp, [x, w], props), run_onnx(node, {"x": x, "w": w}),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("op_type", "op", "attrs"), [
    ("MaxPool", g.MaxPoolOp, {}),
    ("MaxPool", g.MaxPoolOp, {"ceil_mode": 1}),
    ("AveragePool", g.AvgPoolOp, {}),
    ("AveragePool", g.AvgPoolOp, {"count_include_pad": 1}),
    ("AveragePool", g.AvgPoolOp, {"ceil_mode": 1, "count_include_pad": 1}),
    ("AveragePool", g.AvgPoolOp, {"ceil_mode": 1}),
])
def test_float_pools_match_onnxruntime(op_type, op, attrs):
    x = RNG.standard_normal((1, 2, 7, 6)).astype(np.float32)
    kernel, strides, pads = [3, 2], [2, 2], [1, 0, 1, 1]
    node = helper.make_node(op_type, ["x"], ["y"], kernel_shape=kernel, strides=strides,
                            pads=pads, **attrs)
    props = window_props(kernel, strides, pads, **{k: bool(v) for k, v in attrs.items()})
    np.testing.assert_allclose(run1(op, [x], props), run_onnx(node, {"x": x}), rtol=1e-6,
                               atol=1e-6)


def test_integer_maxpool_pads_act_as_minus_infinity():
    x = np.full((1, 1, 2, 2), -128, np.int8)
    out = run1(g.MaxPoolOp, [x], window_props([2, 2], pads=[1, 1, 1, 1]))
    np.testing.assert_array_equal(out, np.full((1, 1, 3, 3), -128))


# ---------------------------------------------------------------------------------------------
# Reductions and normalisations


def test_reductions():
    x = RNG.integers(-128, 128, (3, 4, 5)).astype(np.int8)
    props = {"axes": g.ints_prop([0, 2]), "keepdims": g.bool_prop(True)}
    np.testing.assert_array_equal(run1(g.ReduceSumOp, [x], props),
                                  x.astype(np.int64).sum(axis=(0, 2), keepdims=True))
    np.testing.assert_array_equal(run1(g.ReduceMaxOp, [x], props),
                                  x.max(axis=(0, 2), keepdims=True))
    all_axes = {"axes": g.ints_prop([]), "keepdims": g.bool_prop(False)}
    assert run1(g.ReduceSumOp, [x], all_axes) == x.astype(np.int64).sum()


def test_softmax_and_norms_match_numpy():
    x = RNG.standard_normal((2, 3, 8)).astype(np.float32)
    scale = RNG.standard_normal((8,)).astype(np.float32)
    bias = RNG.standard_normal((8,)).astype(np.float32)
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(-1, keepdims=True))
    np.testing.assert_allclose(run1(g.SoftmaxOp, [x], {"axis": g.int_prop(-1)}),
                               e / e.sum(-1, keepdims=True), rtol=1e-6)
    props = {"axis": g.int_prop(-1), "epsilon": g.float_prop(1e-5)}
    mean, var = x64.mean(-1, keepdims=True), x64.var(-1, keepdims=True)
    np.testing.assert_allclose(run1(g.LayerNormOp, [x, scale, bias], props),
                               (x64 - mean) / np.sqrt(var + 1e-5) * scale + bias, rtol=1e-5)
    rms = np.sqrt((x64 * x64).mean(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(run1(g.RMSNormOp, [x, scale], props), x64 / rms * scale,
                               rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Data movement


def test_data_movement():
    x = np.arange(24, dtype=np.int8).reshape(2, 3, 4)
    np.testing.assert_array_equal(
        run1(g.TransposeOp, [x], {"perm": g.ints_prop([2, 0, 1])}), x.transpose(2, 0, 1))
    outs = run_op(g.SplitOp, [x], {"axis": g.int_prop(2), "sizes": g.ints_prop([1, 3])})
    np.testing.assert_array_equal(outs[1], x[:, :, 1:])
    sl = {"starts": g.ints_prop([1, 2, 0]), "ends": g.ints_prop([2, -1, 4]),
          "steps": g.ints_prop([1, -1, 2])}
    np.testing.assert_array_equal(run1(g.SliceOp, [x], sl), x[1:2, 2::-1, 0:4:2])
    pad = {"pads": g.ints_prop([0, 1, -1, 0, 0, 2]), "value": g.float_prop(-5)}
    np.testing.assert_array_equal(
        run1(g.PadOp, [x], pad), np.pad(x[:, :, 1:], [(0, 0), (1, 0), (0, 2)],
                                        constant_values=-5))
    idx = np.array([[-1, 0], [2, -3]], np.int64)
    np.testing.assert_array_equal(run1(g.GatherOp, [x, idx], {"axis": g.int_prop(1)}),
                                  np.take(x, idx % 3, axis=1))
    y = np.array([200], np.uint8)
    out = run1(g.ConcatOp, [x.reshape(-1)[:2].copy(), y], {"axis": g.int_prop(0)})
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out, [0, 1, 200])


def test_cache_write_puts_rows_at_the_position_and_refuses_overflow():
    cache = np.arange(2 * 5 * 3, dtype=np.int8).reshape(1, 2, 5, 3)
    rows = -np.ones((1, 2, 2, 3), np.int8)
    props = {"axis": g.int_prop(2)}
    out = run1(g.CacheWriteOp, [cache, rows, np.array([[3, 4]], np.int32)], props)
    want = cache.copy()
    want[:, :, 3:5] = -1
    np.testing.assert_array_equal(out, want)
    with pytest.raises(InterpreterError, match="2 row\\(s\\) at position 4 overflows the cache "
                       "capacity 5"):
        run1(g.CacheWriteOp, [cache, rows, np.array([4], np.int32)], props)


def test_causal_softmax_hides_positions_after_each_query():
    x = np.random.default_rng(0).normal(size=(1, 3, 6))
    out = run1(g.CausalSoftmaxOp, [x, np.array([1], np.int32)])
    for q in range(3):
        seen = q + 2
        e = np.exp(x[0, q, :seen] - x[0, q, :seen].max())
        np.testing.assert_allclose(out[0, q, :seen], e / e.sum())
        assert not out[0, q, seen:].any()

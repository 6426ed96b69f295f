"""run_module: value conversion, diagnostics, wrap reporting and per-op overhead."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from xdsl.dialects import test as xdsl_test
from xdsl.dialects.builtin import TensorType, f32, i8, i32

from tests.unit.reference.graph_builder import bf16, build_module, run1, tensor_of
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.reference import IntegerWrapWarning, InterpreterError, run_module

ui8 = gs.int_type(8, False)


def test_i32_overflow_wraps_and_is_reported():
    a = np.array([2**30, 2**30, -(2**31), 5], np.int32)
    with pytest.warns(IntegerWrapWarning, match=r"graph\.add.*3 value"):
        out = run1(g.AddOp, [a, a])
    np.testing.assert_array_equal(out, [-(2**31), -(2**31), 0, 10])
    assert out.dtype == np.int32


def test_scalar_i64_overflow_wraps():
    # 0-d results beyond int64 are computed in Python ints; the wrap must keep them arrays.
    a, b = np.array(2**62, np.int64), np.array(-(2**62), np.int64)
    with pytest.warns(IntegerWrapWarning, match=r"graph\.sub"):
        out = run1(g.SubOp, [a, b])
    assert out.shape == () and out.dtype == np.int64
    assert int(out) == -(2**63)


def test_ihardswish_past_int32_wraps_and_is_reported():
    props = {"three": g.int_prop(3), "six": g.int_prop(2**20), "one_over_six": g.int_prop(2**20)}
    with pytest.warns(IntegerWrapWarning, match=r"graph\.ihardswish"):
        run1(g.IHardswishOp, [np.array([100], np.int8)], props)


def test_isoftmax_uint32_intermediate_wrap_is_reported():
    props = {k: g.int_prop(v) for k, v in
             {"coeff_a": 4, "coeff_b": 40000, "coeff_c": 1, "log2": 255, "n_levels": 256}.items()}
    with pytest.warns(IntegerWrapWarning, match=r"graph\.isoftmax.*uint32"):
        run1(g.ISoftmaxOp, [np.array([[0, 1]], np.int8)], props)


def test_requant_shift_clips_never_wraps():
    props = {"div": g.int_prop(1), "n_levels": g.int_prop(256), "signed": g.bool_prop(True)}
    x = np.array([2**31 - 1, -(2**31)], np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = run1(g.RequantShiftOp, [x, np.array([2**31 - 1], np.int32),
                                      np.array([2**31 - 1], np.int32)], props)
    np.testing.assert_array_equal(out, [127, -128])


def _identity_module(elt):
    t = TensorType(elt, [3])
    return build_module([t], lambda x: [g.ReshapeOp.from_operands([x], result_types=[t]).res])


def test_inputs_are_checked_and_converted():
    module = _identity_module(i8)
    (out,) = run_module(module, {}, [np.array([1.0, -2.0, 127.0])])
    assert out.dtype == np.int8
    with pytest.raises(InterpreterError, match=r"input #0.*not integral"):
        run_module(module, {}, [np.array([1.5, 0, 0])])
    with pytest.raises(InterpreterError, match=r"input #0.*not representable in i8"):
        run_module(module, {}, [np.array([128, 0, 0], np.int64)])
    with pytest.raises(InterpreterError, match=r"takes 1 inputs"):
        run_module(module, {}, [])
    with pytest.raises(InterpreterError, match=r"shape \(4,\)"):
        run_module(module, {}, [np.zeros(4)])


@pytest.mark.parametrize(("elt", "dtype"), [(ui8, np.uint8), (i32, np.int32), (f32, np.float32),
                                            (bf16, np.float32)])
def test_result_dtypes(elt, dtype):
    (out,) = run_module(_identity_module(elt), {}, [np.array([1, 2, 3])])
    assert out.dtype == dtype


def test_bf16_rounds_to_nearest_even():
    """bf16 is float32 storage rounded to 8 significant bits, on inputs and on results."""
    x = np.array([1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-7 + 2**-9)], np.float32)
    (out,) = run_module(_identity_module(bf16), {}, [x])
    np.testing.assert_array_equal(out, [1.0, 1 + 2**-6, -(1 + 2**-7)])
    t = TensorType(bf16, [2])
    module = build_module([t, t], lambda a, b: [g.AddOp.from_operands([a, b]).res])
    (out,) = run_module(module, {}, [np.ones(2), np.array([2**-8, 3 * 2**-8])])
    np.testing.assert_array_equal(out, [1.0, 1 + 2**-6])


def test_weights_are_checked_by_name():
    w = g.WeightOp("w", TensorType(i8, [2]))

    def body(x):
        w_op = w.clone()
        return [g.AddOp.from_operands([x, w_op]).res]

    module = build_module([TensorType(i8, [2])], body)
    (out,) = run_module(module, {"w": np.array([3.0, -4.0], np.float32)}, [np.array([1, 1])])
    np.testing.assert_array_equal(out, [4, -3])
    with pytest.raises(InterpreterError, match=r"weight @w.*not representable"):
        run_module(module, {"w": np.array([300, 0])}, [np.array([1, 1])])
    with pytest.raises(InterpreterError, match=r"weight @w is missing"):
        run_module(module, {}, [np.array([1, 1])])


def test_unsupported_op_is_named():
    t = TensorType(f32, [2])
    module = build_module(
        [t], lambda x: [xdsl_test.TestOp.create(operands=[x], result_types=[t]).res[0]])
    with pytest.raises(InterpreterError, match=r"unsupported op 'test.op'"):
        run_module(module, {}, [np.zeros(2)])


def test_1500_op_module_runs_well_under_a_second():
    """microLlama-sized: 300 blocks of matmul -> requant -> add -> requant -> hardswish."""
    hidden, rows = 64, 8
    x0 = np.random.default_rng(1).integers(-128, 128, (1, rows, hidden)).astype(np.int8)
    w = np.random.default_rng(2).integers(-128, 128, (hidden, hidden)).astype(np.int8)
    rq = {"div": g.int_prop(65536), "n_levels": g.int_prop(256), "signed": g.bool_prop(True)}
    hs = {"three": g.int_prop(3), "six": g.int_prop(6), "one_over_six": g.int_prop(100)}

    def body(x, weight, mul, add):
        for _ in range(300):
            mm = g.MatMulOp.from_operands([x, weight])
            y = g.RequantShiftOp.from_operands([mm, mul, add], rq)
            s = g.AddOp.from_operands([x, y])
            r = g.RequantShiftOp.from_operands([s, mul, add], rq)
            x = g.IHardswishOp.from_operands([r], hs)
            x = g.RequantShiftOp.from_operands([x, mul, add], rq).res
        return [x]

    scalars = [np.array([100], np.int32), np.array([0], np.int32)]
    module = build_module([tensor_of(x0), tensor_of(w), *map(tensor_of, scalars)], body)
    assert sum(1 for _ in module.walk()) > 1500
    run_module(module, {}, [x0, w, *scalars])

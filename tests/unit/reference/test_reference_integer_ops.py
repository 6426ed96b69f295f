"""The vectorised QuantLib integer ops against scalar Python-int transcriptions of the spec.

Each `spec_*` function below is written element by element from
`shared/specs/quantlib-integer-ops.md` with Python ints only, independently of the numpy code.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from tests.unit.reference.graph_builder import run1
from tinyslm_ir.dialects import graph as g

settings.register_profile("reference", max_examples=40, deadline=None)
settings.load_profile("reference")

int8_arrays = arrays(np.int8, array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
row_arrays = arrays(np.int8, array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=12))
levels = st.sampled_from([2, 15, 16, 255, 256, 65536])


def tdiv(a: int, b: int) -> int:
    """C division, toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def clip(v: int, lo: int, hi: int) -> int:
    return min(max(v, lo), hi)


def s_range(n: int) -> tuple[int, int]:
    return -(n // 2), n // 2 - 1


def rows(x: np.ndarray) -> list[list[int]]:
    return [[int(v) for v in r] for r in x.reshape(-1, x.shape[-1])]


def pack(values: list[list[int]], shape: tuple[int, ...]) -> np.ndarray:
    return np.array(values, dtype=object).reshape(shape)


# ---------------------------------------------------------------------------------------------
# §1 RequantShift


def broadcasts_into(p: tuple[int, ...], x: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(p, x) == x
    except ValueError:
        return False


def spec_requant(x, mul, add, div, n, signed):
    out = np.empty(x.shape, dtype=object)
    for idx in itertools.product(*map(range, x.shape)):
        params = []
        for p in (mul, add):
            if p.size == 1:
                params.append(int(p.reshape(-1)[0]))
            elif broadcasts_into(p.shape, x.shape):
                params.append(int(np.broadcast_to(p, x.shape)[idx]))
            else:
                params.append(int(p.reshape(-1)[idx[1]]))
        acc = int(x[idx]) * params[0] + params[1]
        y = math.floor(Fraction(acc, div) + Fraction(1, 2))
        out[idx] = clip(y, *(s_range(n) if signed else (0, n - 1)))
    return out


@st.composite
def requant_cases(draw):
    x = draw(arrays(np.int32, array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4),
                    elements=st.integers(-2**20, 2**20)))
    c = x.shape[1]
    shapes = [(1,), (), (1, c) + (1,) * (x.ndim - 2), x.shape[1:], (c,) + (1,) * (x.ndim - 2)]
    if x.ndim > 2 and c > 1 and x.shape[-1] != c:
        shapes.append((c,))  # only the per-channel rule of spec §1 fits
    params = [draw(arrays(np.int32, draw(st.sampled_from(shapes)),
                          elements=st.integers(-2**16, 2**16))) for _ in range(2)]
    div = draw(st.one_of(st.sampled_from([1, 2, 1024, 65536, 131072]),
                         st.integers(1, 1000)))
    return x, params[0], params[1], div, draw(levels), draw(st.booleans())


@given(requant_cases())
def test_requant_shift_matches_spec(case):
    x, mul, add, div, n, signed = case
    props = {"div": g.int_prop(div), "n_levels": g.int_prop(n), "signed": g.bool_prop(signed)}
    out = run1(g.RequantShiftOp, [x, mul, add], props)
    assert (out.astype(object) == spec_requant(x, mul, add, div, n, signed)).all()


def test_requant_identity_instance_is_exact():
    """Spec §1: mul = div = 65536, add = 0 is the identity on int8."""
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    props = {"div": g.int_prop(65536), "n_levels": g.int_prop(256), "signed": g.bool_prop(True)}
    out = run1(g.RequantShiftOp, [x, np.array([65536], np.int32), np.array([0], np.int32)],
               props)
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, x)


# ---------------------------------------------------------------------------------------------
# §2 iSoftmax


def spec_isoftmax(x, a, b, c, log2, n):
    out = []
    for row in rows(x):
        m = max(row)
        es = []
        for v in row:
            xt = v - m
            z = (-xt) // log2
            p = xt + z * log2
            poly = (a * (p + b) ** 2 + c) % 2**32
            es.append(poly >> z if z < 31 else 0)
        s = sum(es) % 2**32
        out.append([((e * (n - 1)) % 2**32) // s for e in es])
    return pack(out, x.shape)


@given(row_arrays, st.integers(1, 3), st.integers(0, 500), st.integers(1, 70000),
       st.integers(1, 300), st.sampled_from([16, 128, 256]))
def test_isoftmax_matches_spec(x, a, b, c, log2, n):
    props = {k: g.int_prop(v) for k, v in
             {"coeff_a": a, "coeff_b": b, "coeff_c": c, "log2": log2, "n_levels": n}.items()}
    out = run1(g.ISoftmaxOp, [x], props)
    assert out.dtype == np.uint8
    assert (out.astype(object) == spec_isoftmax(x, a, b, c, log2, n)).all()


# ---------------------------------------------------------------------------------------------
# §3 iRMSNorm, §7.2 iLayerNorm, §7.1 iNoNorm


def spec_irmsnorm(x, w, d, n):
    out = []
    for row in rows(x):
        sigma = math.isqrt(sum(v * v for v in row) // len(row) + 1)
        ws = np.broadcast_to(w, (len(row),))
        out.append([clip(tdiv(v * int(wj), sigma) // d, *s_range(n))
                    for v, wj in zip(row, ws, strict=True)])
    return pack(out, x.shape)


@given(row_arrays, st.data(), st.sampled_from([1, 1024, 65536]), levels)
def test_irmsnorm_matches_spec(x, data, d, n):
    w = data.draw(arrays(np.int32, st.sampled_from([(x.shape[-1],), (1,)]),
                         elements=st.integers(-2**22, 2**22)))
    props = {"d": g.int_prop(d), "n_levels": g.int_prop(n)}
    out = run1(g.IRMSNormOp, [x, w], props)
    assert (out.astype(object) == spec_irmsnorm(x, w, d, n)).all()


def spec_ilayernorm(x, w, bias, d, n):
    out = []
    for row in rows(x):
        length = len(row)
        mu = tdiv(sum(row), length)
        ds = [v - mu for v in row]
        sigma = math.isqrt(sum(v * v for v in ds) // length + 1)
        out.append([clip((tdiv(dj * int(w[j]), sigma) + int(bias[j])) // d, *s_range(n))
                    for j, dj in enumerate(ds)])
    return pack(out, x.shape)


@given(row_arrays, st.data(), st.sampled_from([1, 256, 16384]), levels)
def test_ilayernorm_matches_spec(x, data, d, n):
    length = x.shape[-1]
    w = data.draw(arrays(np.int32, (length,), elements=st.integers(-2**15, 2**15)))
    bias = data.draw(arrays(np.int32, (length,), elements=st.integers(-2**20, 2**20)))
    props = {"d": g.int_prop(d), "n_levels": g.int_prop(n)}
    out = run1(g.ILayerNormOp, [x, w, bias], props)
    assert (out.astype(object) == spec_ilayernorm(x, w, bias, d, n)).all()


def spec_inonorm(x, w, bias, mul, d, n):
    out = np.empty(x.shape, dtype=object)
    wb, bb = np.broadcast_to(w, x.shape), np.broadcast_to(bias, x.shape)
    for idx in itertools.product(*map(range, x.shape)):
        v = ((int(x[idx]) * int(wb[idx]) + int(bb[idx])) * mul) // d
        out[idx] = clip(v, *s_range(n))
    return out


@given(int8_arrays, st.data(), st.integers(-1000, 1000), st.sampled_from([1, 256, 65536]),
       levels)
def test_inonorm_matches_spec(x, data, mul, d, n):
    w = data.draw(arrays(np.int8, x.shape[-2:]))
    bias = data.draw(arrays(np.int32, x.shape[-1:], elements=st.integers(-2**15, 2**15)))
    props = {"d": g.int_prop(d), "mul": g.int_prop(mul), "n_levels": g.int_prop(n)}
    out = run1(g.INoNormOp, [x, w, bias], props)
    assert (out.astype(object) == spec_inonorm(x, w, bias, mul, d, n)).all()


# ---------------------------------------------------------------------------------------------
# §4 iHardswish, §7.3 iGELU, §5 TrueIntegerDiv, §7.7 IntegerDiv


def elementwise(x, fn):
    return np.array([fn(int(v)) for v in x.reshape(-1)], dtype=object).reshape(x.shape)


@given(int8_arrays, st.integers(0, 400), st.integers(0, 800), st.integers(-3000, 3000))
def test_ihardswish_matches_spec(x, three, six, one_over_six):
    props = {"three": g.int_prop(three), "six": g.int_prop(six),
             "one_over_six": g.int_prop(one_over_six)}
    out = run1(g.IHardswishOp, [x], props)
    assert out.dtype == np.int32
    expected = elementwise(x, lambda v: v * (clip(v + three, 0, six) * one_over_six))
    assert (out.astype(object) == expected).all()


@given(int8_arrays, st.integers(-60, -1), st.integers(0, 4000))
def test_igelu_matches_spec(x, b, one):
    def spec(v: int) -> int:
        q = min(abs(v), -b)
        sign = (v > 0) - (v < 0)
        return v * math.floor(Fraction(one + sign * (one - (q + b) ** 2), 2))

    out = run1(g.IGeluOp, [x], {"b": g.int_prop(b), "one": g.int_prop(one)})
    assert (out.astype(object) == elementwise(x, spec)).all()


@given(int8_arrays, st.integers(1, 2**16), st.integers(0, 10), st.integers(1, 300000),
       st.integers(1, 64))
def test_true_integer_div_matches_spec(x, delta, eps, eta, y):
    props = {"delta": g.int_prop(delta), "eps": g.int_prop(eps), "eta": g.int_prop(eta),
             "y": g.int_prop(y)}
    out = run1(g.TrueIntegerDivOp, [x], props)
    k = math.floor(Fraction(delta * eta, y * eta + eps))
    assert (out.astype(object) == elementwise(x, lambda v: v * k)).all()


def test_true_integer_div_data_constants():
    """Spec §5: Delta = 16384, eps = 1, eta = 200000, y = 2 give K = 8191."""
    props = {"delta": g.int_prop(16384), "eps": g.int_prop(1), "eta": g.int_prop(200000),
             "y": g.int_prop(2)}
    out = run1(g.TrueIntegerDivOp, [np.array([1, -3], np.int8)], props)
    np.testing.assert_array_equal(out, [8191, -3 * 8191])


@given(int8_arrays, st.data(), st.integers(1, 2**14), st.integers(-5, 5), st.integers(1, 3000))
def test_integer_div_matches_spec(a, data, delta, eps, eta):
    b = data.draw(arrays(np.int8, a.shape[-1:], elements=st.integers(1, 127)))

    def spec(num: int, den: int) -> int:
        sign = (num > 0) - (num < 0)
        return tdiv(num + sign * tdiv(den, 2), den)

    props = {"delta": g.int_prop(delta), "eps": g.int_prop(eps), "eta": g.int_prop(eta)}
    out = run1(g.IntegerDivOp, [a, b], props)
    bb = np.broadcast_to(b, a.shape)
    expected = np.empty(a.shape, dtype=object)
    for idx in itertools.product(*map(range, a.shape)):
        expected[idx] = spec(delta * eta * int(a[idx]), int(bb[idx]) * eta + eps)
    assert (out.astype(object) == expected).all()


# ---------------------------------------------------------------------------------------------
# §7.4 ITAMax, §7.5 ITAPartialMax


def rhu(a: int, b: int) -> int:
    return math.floor(Fraction(a, b) + Fraction(1, 2))


def spec_itamax(x, n):
    bits = n.bit_length() - 1
    out = []
    for row in rows(x):
        m = max(row)
        shifts = [rhu((m - v) * bits, 2**bits) for v in row]
        total = sum(n // 2**s for s in shifts) % 2**32
        inv = n * (n - 1) // total
        out.append([inv // 2**s for s in shifts])
    return pack(out, x.shape)


@given(row_arrays, st.sampled_from([16, 128, 256]))
def test_itamax_matches_spec(x, n):
    out = run1(g.ITAMaxOp, [x], {"n_levels": g.int_prop(n)})
    assert (out.astype(object) == spec_itamax(x, n)).all()


def spec_itapartialmax(x, width, n):
    bits = n.bit_length() - 1
    out = []
    for row in rows(x):
        p, m = 0, -(n // 2)
        for start in range(0, len(row), width):
            group = row[start:start + width]
            c = max(group)
            sigma = 0
            if c > m:
                sigma, m = rhu((c - m) * bits, 2**bits), c
            p = p // 2**sigma + sum(n // 2 ** rhu((m - v) * bits, 2**bits) for v in group)
        inv = (n // 2 - 1) * n // p
        out.append([inv // 2 ** rhu((m - v) * bits, 2**bits) for v in row])
    return pack(out, x.shape)


@given(row_arrays, st.integers(1, 8), st.sampled_from([16, 256]))
def test_itapartialmax_matches_spec(x, width, n):
    if n == 16:
        x = np.clip(x, -8, 7)  # the running max starts at -n/2
    out = run1(g.ITAPartialMaxOp, [x], {"group_width": g.int_prop(width),
                                        "n_levels": g.int_prop(n)})
    assert (out.astype(object) == spec_itapartialmax(x, width, n)).all()


# ---------------------------------------------------------------------------------------------
# §7.6 IntegerMean (ReduceMean and AveragePool on integers)


@given(int8_arrays, st.data(), st.booleans())
def test_integer_mean_rounds_half_up(x, data, keepdims):
    axes = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, min_size=1))
    props = {"axes": g.ints_prop(axes), "keepdims": g.bool_prop(keepdims)}
    out = run1(g.ReduceMeanOp, [x], props)
    count = math.prod(x.shape[a] for a in axes)
    sums = x.astype(np.int64).sum(axis=tuple(axes), keepdims=keepdims)
    expected = np.array([rhu(int(s), count) for s in sums.reshape(-1)], dtype=object)
    assert (out.astype(object).reshape(-1) == expected).all()


def test_integer_mean_negative_tie_rounds_up():
    """rhu(-3/2) = -1 (round half up), where Deeploy's non-power-of-two form gives -2."""
    x = np.array([[-1, -2]], np.int8)
    props = {"axes": g.ints_prop([1]), "keepdims": g.bool_prop(False)}
    np.testing.assert_array_equal(run1(g.ReduceMeanOp, [x], props), [-1])


def test_integer_avgpool_rounds_half_up():
    x = np.array([[[[1, 2], [-4, -1]]]], np.int8)  # windows of 1x2: 1.5 -> 2, -2.5 -> -2
    props = {"kernel_shape": g.ints_prop([1, 2]), "strides": g.ints_prop([1, 1]),
             "pads": g.ints_prop([0, 0, 0, 0]), "dilations": g.ints_prop([1, 1])}
    np.testing.assert_array_equal(run1(g.AvgPoolOp, [x], props), [[[[2], [-2]]]])


def _isoftmax_row_spec(row: list[int], a: int, b: int, c: int, log2: int, n: int) -> list[int]:
    """Spec §2 for one row, in plain Python integers (uint32 wraps where the spec has them)."""
    m = max(row)
    es = []
    for x in row:
        z = (m - x) // log2
        p = x - m + z * log2
        es.append(0 if z >= 31 else ((a * (p + b) ** 2 + c) % 2**32) >> z)
    s = sum(es) % 2**32
    return [(e * (n - 1) % 2**32) // s for e in es]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 12), st.integers(0, 12), st.integers(0, 2**31))
def test_icausal_softmax_is_isoftmax_on_each_visible_prefix(n: int, c: int, pos: int, seed: int):
    """Query q sees positions 0..pos+q; the hidden ones are 0 and take no part in the row."""
    x = np.random.default_rng(seed).integers(-128, 128, (2, n, c)).astype(np.int8)
    props = {k: g.int_prop(v) for k, v in
             {"coeff_a": 1, "coeff_b": 345, "coeff_c": 62395, "log2": 255, "n_levels": 256}.items()}
    got = run1(g.ICausalSoftmaxOp, [x, np.array([[pos]], np.int32)], props)
    for h in range(2):
        for q in range(n):
            seen = min(c, pos + q + 1)
            want = _isoftmax_row_spec([int(v) for v in x[h, q, :seen]], 1, 345, 62395, 255, 256)
            assert got[h, q, :seen].tolist() == want
            assert not got[h, q, seen:].any()

"""The QuantLib integer operator kernels (tsl_k_integer.h), bit-exact against the reference."""

from __future__ import annotations

import numpy as np

from tests.unit.kernels.harness import Case, batched, ints, pick, rand_shape
from tinyslm_ir.dialects import graph as g

I = g.int_prop  # noqa: E741


def make_requant(rng: np.random.Generator) -> Case:
    """RequantShift: scalar, broadcast and per-channel parameters; int32 x up to 2^20 with
    scalar mul/add falls on both sides of the kernel's int32 window (tsl_rq_window)."""
    shape = rand_shape(rng, int(rng.integers(1, 5)), 5)
    tx = pick(rng, (np.int8, np.uint8, np.int16, np.int32))
    tm, ta = pick(rng, (np.int8, np.int16, np.int32)), pick(rng, (np.int16, np.int32))
    kind = int(rng.integers(3))
    if kind == 0 or len(shape) < 2:
        pshape = (1,)
    elif kind == 1:
        pshape = tuple(1 if rng.random() < 0.5 else d for d in shape[int(rng.integers(2)):])
    else:
        pshape = pick(rng, [(shape[1],), (shape[1], *([1] * (len(shape) - 2)))])
    big = np.dtype(tx).itemsize == 4
    x = ints(rng, shape, tx, -(2**20) if big else None, 2**20 if big else None)
    mul = ints(rng, pshape, tm, -(2**10), 2**16)
    add = ints(rng, pshape, ta, -(2**20), 2**20)
    div = int(pick(rng, [1, 2, 256, 1024, 65536, 3, 1000]))
    return Case(g.RequantShiftOp, [x, mul, add],
                {"div": I(div), "n_levels": I(int(pick(rng, [256, 256, 16, 65536]))),
                 "signed": g.bool_prop(bool(rng.random() < 0.5))})


def make_add_rq(rng: np.random.Generator) -> Case:
    """graph.add_rq (the fused residual add): products and sums that wrap int32 (full-range
    int32 inputs and factors), and the power-of-two divisors from 1 up."""
    shape = rand_shape(rng, int(rng.integers(1, 4)), 9)
    ta, tb = pick(rng, (np.int8, np.int16, np.int32)), pick(rng, (np.int8, np.uint8, np.int16))
    tsa, tsb = pick(rng, (np.int8, np.int16, np.int32)), pick(rng, (np.int16, np.int32))
    tm, td = pick(rng, (np.int16, np.int32)), pick(rng, (np.int8, np.int32))
    scalar = [ints(rng, (1,), t) for t in (tsa, tsb, tm, td)]
    div = int(pick(rng, [1, 2, 2**14, 2**21, 2**40]))
    return Case(g.AddRequantOp, [ints(rng, shape, ta), scalar[0], ints(rng, shape, tb),
                                 *scalar[1:]],
                {"div": I(div), "n_levels": I(int(pick(rng, [256, 65536, 16]))),
                 "signed": g.bool_prop(bool(rng.random() < 0.8))})


def make_mul_rq(rng: np.random.Generator) -> Case:
    """graph.mul_rq (the fused SwiGLU product): int8 x int8 with an int16 mul (the kernel's
    int32 path) and wide operands whose product wraps int32 (the int64 path)."""
    shape = rand_shape(rng, int(rng.integers(1, 4)), 9)
    ta, tb = pick(rng, (np.int8, np.uint8, np.int32)), pick(rng, (np.int8, np.int16))
    tm, td = pick(rng, (np.int8, np.int16, np.int32)), pick(rng, (np.int8, np.int32))
    div = int(pick(rng, [1, 2, 2**14, 2**21, 2**40]))
    return Case(g.MulRequantOp, [ints(rng, shape, ta), ints(rng, shape, tb), ints(rng, (1,), tm),
                                 ints(rng, (1,), td)],
                {"div": I(div), "n_levels": I(int(pick(rng, [256, 65536, 16]))),
                 "signed": g.bool_prop(bool(rng.random() < 0.8))})


def _rows(rng: np.random.Generator, t=np.int8) -> np.ndarray:
    shape = (*rand_shape(rng, int(rng.integers(0, 3)), 3), int(rng.integers(1, 40)))
    return ints(rng, shape, t)


def make_softmaxes(rng: np.random.Generator) -> Case:
    kind = int(rng.integers(3))
    x = _rows(rng, pick(rng, (np.int8, np.uint8)))
    if kind == 0:
        eps = float(rng.uniform(1 / 400, 1 / 20))
        return Case(g.ISoftmaxOp, [x], {
            "coeff_a": I(1), "coeff_b": I(round(1.353 / eps)),
            "coeff_c": I(round(0.344 / (0.3585 * eps * eps))), "log2": I(round(1 / eps)),
            "n_levels": I(256)})
    if kind == 1:
        return Case(g.ITAMaxOp, [x], {"n_levels": I(256)})
    return Case(g.ITAPartialMaxOp, [x], {"n_levels": I(256),
                                         "group_width": I(int(rng.integers(1, 17)))})


def make_long_softmax(rng: np.random.Generator) -> Case:
    """iSoftmax rows longer than the kernel keeps on the stack (TSL_ISOFTMAX_KEEP = 80): the
    32-bit path that recomputes e (long KV caches)."""
    x = ints(rng, (*rand_shape(rng, int(rng.integers(0, 2)), 3), int(rng.integers(81, 300))),
             pick(rng, (np.int8, np.uint8)))
    eps = float(rng.uniform(1 / 400, 1 / 20))
    return Case(g.ISoftmaxOp, [x], {
        "coeff_a": I(1), "coeff_b": I(round(1.353 / eps)),
        "coeff_c": I(round(0.344 / (0.3585 * eps * eps))), "log2": I(round(1 / eps)),
        "n_levels": I(256)})


def make_icausal_softmax(rng: np.random.Generator) -> Case:
    """iSoftmax over each query's visible prefix (graph.icausal_softmax): visible lengths
    from 1 to the whole row and beyond (an empty row's zero sum is undefined), around the
    4-element unrolling of the kernel's loops and past TSL_ISOFTMAX_KEEP, with inputs at the
    type's extremes (d up to 255) and both coefficient ends (e = 0 at z >= 31 when log2 is
    small)."""
    t = pick(rng, (np.int8, np.uint8))
    length = int(pick(rng, [1, 2, 3, 4, 5, 7, 8, 9, 65, 66, 67, 81, 90]))
    x = ints(rng, (*rand_shape(rng, int(rng.integers(0, 2)), 3), int(rng.integers(1, 4)),
                   length), t)
    if rng.random() < 0.5:
        info = np.iinfo(t)
        x[rng.random(x.shape) < 0.3] = pick(rng, [info.min, info.max])
    pos = np.array([int(rng.integers(0, length + 2))], np.int32)
    eps = float(rng.uniform(1 / 400, 1 / 20)) if rng.random() < 0.8 else 1 / 4
    return Case(g.ICausalSoftmaxOp, [x, pos], {
        "coeff_a": I(int(pick(rng, [1, 1, 3]))), "coeff_b": I(round(1.353 / eps)),
        "coeff_c": I(round(0.344 / (0.3585 * eps * eps))), "log2": I(round(1 / eps)),
        "n_levels": I(256)})


def make_ihardswish(rng: np.random.Generator) -> Case:
    """iHardswish with parameters on both sides of the kernel's int32 path (|three| <= 2^30,
    0 <= six < 2^31), six < 0, and one_over_six past 2^32: products that wrap the int32
    result."""
    x = ints(rng, rand_shape(rng, int(rng.integers(1, 3)), 9), pick(rng, (np.int8, np.int16)))
    x[rng.random(x.shape) < 0.2] = np.iinfo(x.dtype).min
    three = int(pick(rng, [-(2**31), -5, 0, 3, 90, 2**30, 2**30 + 1, 2**40]))
    six = int(pick(rng, [-3, 0, 1, 182, 2**31 - 1, 2**31]))
    return Case(g.IHardswishOp, [x], {"three": I(three), "six": I(six), "one_over_six": I(
        int(pick(rng, [1, 7, 2**20, 2**33 + 5])))})


def make_irmsnorm16(rng: np.random.Generator) -> Case:
    """iRMSNorm of int16 rows (the decoder's residual stream): sums of squares beyond 2^32,
    which the kernel accumulates as 32-bit squares, two at a time, plus a carry (rows of
    -32768: pairs of 2^30 squares); odd and even lengths."""
    shape = (*rand_shape(rng, int(rng.integers(0, 2)), 3), int(rng.integers(1, 80)))
    x = ints(rng, shape, np.int16)
    if rng.random() < 0.3:
        x[rng.random(x.shape) < 0.8] = -32768
    w = ints(rng, pick(rng, [(shape[-1],), (1,)]), np.int16)
    return Case(g.IRMSNormOp, [x, w], {"d": I(int(pick(rng, [1, 256, 65536]))),
                                       "n_levels": I(256)})


def make_norms(rng: np.random.Generator) -> Case:
    x = _rows(rng)
    length = x.shape[-1]
    kind = int(rng.integers(3))
    wshape = (length,) if rng.random() < 0.8 else (1,)
    if kind == 0:
        w = ints(rng, wshape, np.int32, 2**20, 4 * 10**6)
        return Case(g.IRMSNormOp, [x, w], {"d": I(65536), "n_levels": I(256)})
    if kind == 1:
        w = ints(rng, wshape, np.int32, -(2**16), 2**16)
        b = ints(rng, wshape, np.int32, -(2**20), 2**20)
        return Case(g.ILayerNormOp, [x, w, b], {"d": I(int(pick(rng, [256, 1024]))),
                                                 "n_levels": I(256)})
    w = ints(rng, pick(rng, [x.shape, (length,), (1,)]), np.int8)
    b = ints(rng, pick(rng, [x.shape, (length,), (1,)]), np.int32, -(2**14), 2**14)
    return Case(g.INoNormOp, [x, w, b], {"d": I(int(pick(rng, [256, 4096]))),
                                          "mul": I(int(rng.integers(-50, 300))),
                                          "n_levels": I(256)})


def make_pointwise(rng: np.random.Generator) -> Case:
    shape = rand_shape(rng, int(rng.integers(1, 4)), 6)
    x = ints(rng, shape, pick(rng, (np.int8, np.uint8, np.int16)))
    kind = int(rng.integers(4))
    if kind == 0:
        three = int(rng.integers(10, 90))
        return Case(g.IHardswishOp, [x], {"three": I(three),
                                          "six": I(2 * three + int(rng.integers(-5, 5))),
                                          "one_over_six": I(int(rng.integers(1, 400)))})
    if kind == 1:
        return Case(g.IGeluOp, [x], {"b": I(-int(rng.integers(20, 200))),
                                     "one": I(int(rng.integers(100, 20000)))})
    if kind == 2:
        return Case(g.TrueIntegerDivOp, [x], {"delta": I(16384), "eps": I(1), "eta": I(200000),
                                              "y": I(int(rng.integers(1, 9)))})
    b = ints(rng, pick(rng, [shape, shape[-1:], (1,)]), pick(rng, (np.int8, np.int32)), 1, 100)
    return Case(g.IntegerDivOp, [x, b], {"delta": I(int(rng.integers(1, 64))),
                                         "eps": I(int(rng.integers(1, 5))), "eta": I(int(
                                             rng.integers(1, 1000)))})


test_requant_shift = batched(make_requant, size=32)
test_add_rq = batched(make_add_rq, size=24)
test_mul_rq = batched(make_mul_rq, size=24)
test_softmaxes = batched(make_softmaxes, size=24)
test_long_softmax = batched(make_long_softmax, size=8)
test_icausal_softmax = batched(make_icausal_softmax, size=24)
test_irmsnorm16 = batched(make_irmsnorm16, size=8)
test_ihardswish = batched(make_ihardswish, size=24)
test_norms = batched(make_norms, size=24)
test_pointwise = batched(make_pointwise, size=24)

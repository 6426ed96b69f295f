"""MatMul and Gemm through the batched GEMM kernel (tsl_k_gemm.h), on the host."""

from __future__ import annotations

import numpy as np

from tests.unit.kernels.harness import (
    FLOAT_TYPES,
    Case,
    batched,
    broadcast_operand,
    ints,
    pick,
    rand_shape,
    values,
)
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects.graph_layouts import K_PAIRS, stored

SMALL_INTS = (np.int8, np.uint8, np.int16, np.int32)


def _operand(rng: np.random.Generator, shape: tuple[int, ...], t) -> np.ndarray:
    return values(rng, shape, t) if np.dtype(t).kind == "f" else ints(rng, shape, t, -300, 300)


def make_matmul(rng: np.random.Generator) -> Case:
    m, k, n = (int(v) for v in rng.integers(1, 11, size=3))
    batch = rand_shape(rng, int(rng.integers(0, 3)), 3)
    ba, bb = broadcast_operand(rng, batch), broadcast_operand(rng, batch)
    sa, sb = (*ba, m, k), (*bb, k, n)
    if rng.random() < 0.15:
        sa = (k,)
    elif rng.random() < 0.15:
        sb = (k,)
    t = pick(rng, (*SMALL_INTS, *FLOAT_TYPES))
    tb = t if rng.random() < 0.7 else pick(rng, SMALL_INTS)
    return Case(g.MatMulOp, [_operand(rng, sa, t), _operand(rng, sb, tb)])


def make_gemm(rng: np.random.Generator) -> Case:
    m, k, n = (int(v) for v in rng.integers(1, 11, size=3))
    ta_, tb_ = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    t = pick(rng, (*SMALL_INTS, *FLOAT_TYPES))
    a = _operand(rng, (k, m) if ta_ else (m, k), t)
    b = _operand(rng, (n, k) if tb_ else (k, n), t)
    ints_ = np.dtype(t).kind != "f"
    props = {"trans_a": g.bool_prop(ta_), "trans_b": g.bool_prop(tb_),
             "alpha": g.float_prop(float(rng.integers(-3, 4)) if ints_ else 0.5),
             "beta": g.float_prop(float(rng.integers(-3, 4)) if ints_ else 1.5)}
    args = [a, b]
    if rng.random() < 0.7:
        args.append(_operand(rng, pick(rng, [(m, n), (n,), (m, 1), (1,), ()]), t))
    return Case(g.GemmOp, args, props)


def make_gemm_i8(rng: np.random.Generator) -> Case:
    """The int8 fast path: row counts around the 4-row blocking and GEMV shapes."""
    m = int(pick(rng, [1, 2, 3, 4, 5, 8, 9]))
    k, n = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    return Case(g.MatMulOp, [ints(rng, (m, k), np.int8), ints(rng, (k, n), np.int8)])


test_matmul = batched(make_matmul, size=24)
test_gemm = batched(make_gemm, size=24)
test_gemm_i8 = batched(make_gemm_i8, size=16)



def make_matmul_rq(rng: np.random.Generator) -> Case:
    """MatMul fused with RequantShift (tsl_k_gemm_rq.h): GEMV shapes around the 16/8/4-column
    blocks and the row split, transposed rhs (attention scores; K = 4 is head dim 4), scalar
    and per-column parameters, and mul/add values both small and large, with accumulators on
    both sides of the kernel's per-output int32/int64 limit."""
    m = int(pick(rng, [1, 1, 2, 3, 9]))
    k = int(pick(rng, [1, 3, 4, 4, 8, 33, 64]))
    n = int(pick(rng, [1, 3, 4, 7, 8, 16, 17, 40, 65, 130]))
    batch = rand_shape(rng, int(rng.integers(0, 3)), 4)
    ba, bb = broadcast_operand(rng, batch), broadcast_operand(rng, batch)
    trans = bool(rng.random() < 0.3)
    ta = pick(rng, (np.int8, np.uint8))
    a = ints(rng, (*ba, m, k), ta)
    b = ints(rng, (*bb, n, k) if trans else (*bb, k, n), np.int8)
    tm, td = pick(rng, (np.int16, np.int32)), pick(rng, (np.int8, np.int32))
    big = rng.random() < 0.3
    pshape = pick(rng, [(1,), (n,), (1, n)])
    mul = ints(rng, pshape, tm, -(2**20) if big else -(2**7), 2**20 if big else 2**9)
    add = ints(rng, pshape, td, -(2**24) if big else -100, 2**24 if big else 100)
    div = int(pick(rng, [1, 2, 2**10, 2**16, 2**21]))
    props = {"div": g.int_prop(div), "n_levels": g.int_prop(int(pick(rng, [256, 256, 16]))),
             "signed": g.bool_prop(bool(rng.random() < 0.8)), "trans_rhs": g.bool_prop(trans)}
    return Case(g.MatMulRequantOp, [a, b, mul, add], props)


test_matmul_rq = batched(make_matmul_rq, size=24)


def make_matmul_rq_pairs(rng: np.random.Generator) -> Case:
    """The pair-packed GEMV (tsl_k_gemm_rq_pairs.h): the rhs arrives as k_pairs words, so two
    MACs share a multiply; exact for every int8 value, so half the cases hold only the
    extremes -128 and 127, where the pair's dot product reaches its largest (2 * 128 * 128)."""
    m = int(pick(rng, [1, 1, 2, 9]))
    k = int(pick(rng, [2, 4, 8, 34, 64, 256]))
    n = int(pick(rng, [1, 3, 4, 7, 8, 16, 17, 40, 65]))
    batch = rand_shape(rng, int(rng.integers(0, 2)), 3)
    extremes = rng.random() < 0.5
    if extremes:
        a = rng.choice([-128, 127], (*batch, m, k))
        b = rng.choice([-128, 127], (k, n))
    else:
        a, b = ints(rng, (*batch, m, k), np.int8), ints(rng, (k, n), np.int8)
    pshape = pick(rng, [(1,), (n,)])
    mul = ints(rng, pshape, np.int16, -(2**7), 2**9)
    add = ints(rng, pshape, np.int8, -100, 100)
    props = {"div": g.int_prop(int(pick(rng, [2**10, 2**16, 2**21]))),
             "n_levels": g.int_prop(256), "signed": g.bool_prop(True),
             "rhs_pairs": g.bool_prop(True)}
    return Case(g.MatMulRequantOp, [np.asarray(a, np.int8), stored(b, K_PAIRS), mul, add], props)


test_matmul_rq_pairs = batched(make_matmul_rq_pairs, size=16)


def make_matmul_rq_gemv(rng: np.random.Generator) -> Case:
    """A decode step's GEMV: one row (M = 1, batch absent or of ones), per-column (mostly) or
    scalar mul and add, plain or pair-packed rhs. Odd column counts leave one output after
    the store's two-output steps, within a core's share on 8 cores (spike) or in the last
    block (host); accumulators of the extremes -128/127 take the int64 requantization where
    the mul is large, and an int32 add of tens of output steps shows a wrong add."""
    k = int(pick(rng, [2, 4, 8, 34, 64]))
    n = int(pick(rng, [1, 3, 5, 7, 9, 13, 17, 23, 33, 65]))
    lead = pick(rng, [(), (1,), (1, 1)])
    pairs, trans = bool(rng.random() < 0.5), bool(rng.random() < 0.3)
    extremes = rng.random() < 0.4
    a = rng.choice([-128, 127], (*lead, 1, k)) if extremes else ints(rng, (*lead, 1, k), np.int8)
    b = rng.choice([-128, 127], (k, n)) if extremes else ints(rng, (k, n), np.int8)
    a, b = np.asarray(a, np.int8), np.asarray(b, np.int8)
    big = rng.random() < 0.3
    pshape = pick(rng, [(n,), (n,), (1,)])
    mul = ints(rng, pshape, np.int16, -(2**15) if big else -(2**7), 2**15 if big else 2**9)
    div = int(pick(rng, [2**10, 2**16, 2**21]))
    if rng.random() < 0.5:
        add = ints(rng, pshape, np.int32, -64 * div, 64 * div)
    else:
        add = ints(rng, pshape, np.int8, -100, 100)
    props = {"div": g.int_prop(div), "n_levels": g.int_prop(int(pick(rng, [256, 16]))),
             "signed": g.bool_prop(True)}
    if pairs:
        props["rhs_pairs"] = g.bool_prop(True)
        return Case(g.MatMulRequantOp, [a, stored(b, K_PAIRS), mul, add], props)
    props["trans_rhs"] = g.bool_prop(trans)
    return Case(g.MatMulRequantOp, [a, np.ascontiguousarray(b.T) if trans else b, mul, add], props)


test_matmul_rq_gemv = batched(make_matmul_rq_gemv, size=24)


def make_matmul_rq_k4(rng: np.random.Generator) -> Case:
    """Attention scores at head dim 4 (transposed rhs, K = 4, scalar mul/add): the path that
    folds mul into A when a row's (|a0| + ... + |a3|) |b|max is within acc_lim. Rows of
    -128s (or 255s) against columns of -128s put the bound just past acc_lim and |acc| at
    its maximum, where extreme int16 muls overflow int32; an int8 mul makes the
    requantization int32 (no bound needed); 4-bit levels push outputs past both clip
    bounds."""
    m, n = int(pick(rng, [1, 2, 3])), int(pick(rng, [1, 2, 7, 65, 66]))
    batch = rand_shape(rng, int(rng.integers(0, 2)), 3)
    ta = pick(rng, (np.int8, np.int8, np.int8, np.uint8))
    a = ints(rng, (*batch, m, 4), ta)
    if rng.random() < 0.7:  # whole rows at the type's extreme
        a[rng.random((*batch, m)) < 0.7] = -128 if ta == np.int8 else 255
    b = ints(rng, (*batch, n, 4), np.int8)
    b[rng.random(b.shape) < 0.4] = pick(rng, [-128, 127])
    b[..., rng.random(n) < 0.3, :] = -128  # whole columns
    tm, td = pick(rng, (np.int8, np.int16, np.int16, np.int16)), pick(rng, (np.int8,) * 3 +
                                                                      (np.int32,))
    mul = ints(rng, (1,), tm)
    add = ints(rng, (1,), td, -(2**20), 2**20)
    if rng.random() < 0.6:  # the extremes, where int32 has the least room
        mul[:] = pick(rng, [np.iinfo(tm).min, np.iinfo(tm).max, np.iinfo(tm).max])
        add[:] = pick(rng, [np.iinfo(td).min, np.iinfo(td).max])
    div = int(pick(rng, [1, 2**8, 2**14, 2**21, 2**21, 2**21]))
    if rng.random() < 0.2:  # 4 * 128 * 128 * 32767 + 2^20 is past INT32_MAX: the int64 path
        a = np.full_like(a, -128, dtype=np.int8)
        b[..., 0, :] = -128
        mul, add, div = np.array([32767], np.int16), np.array([127], np.int8), 2**21
    props = {"div": g.int_prop(div), "n_levels": g.int_prop(int(pick(rng, [256, 16]))),
             "signed": g.bool_prop(bool(rng.random() < 0.8)), "trans_rhs": g.bool_prop(True)}
    return Case(g.MatMulRequantOp, [a, b, mul, add], props)


test_matmul_rq_k4 = batched(make_matmul_rq_k4, size=24)

"""Reductions and the float row normalisations (tsl_k_reduce.h), on the host."""

from __future__ import annotations

import numpy as np

from tests.unit.kernels.harness import (
    FLOAT_TYPES,
    INT_TYPES,
    Case,
    batched,
    floats,
    ints,
    pick,
    rand_shape,
)
from tinyslm_ir.dialects import graph as g


def make_reduce(rng: np.random.Generator) -> Case:
    shape = rand_shape(rng, int(rng.integers(1, 5)), 5)
    op = pick(rng, (g.ReduceSumOp, g.ReduceMeanOp, g.ReduceMaxOp))
    t = pick(rng, (*INT_TYPES[:6], *FLOAT_TYPES))
    x = floats(rng, shape, t) if np.dtype(t).kind == "f" else ints(rng, shape, t)
    axes = [a for a in range(len(shape)) if rng.random() < 0.5]
    axes = [a - len(shape) if rng.random() < 0.3 else a for a in axes]
    return Case(op, [x], {"axes": g.ints_prop(axes),
                          "keepdims": g.bool_prop(bool(rng.random() < 0.5))})


def make_norm(rng: np.random.Generator) -> Case:
    shape = rand_shape(rng, int(rng.integers(1, 4)), 6)
    t = pick(rng, FLOAT_TYPES)
    x = floats(rng, shape, t)
    axis = int(rng.integers(-len(shape), len(shape)))
    if rng.random() < 0.34:
        return Case(g.SoftmaxOp, [x], {"axis": g.int_prop(axis)})
    norm = shape[axis % len(shape):]
    pshape = norm if rng.random() < 0.7 else (1,)
    args = [x, floats(rng, pshape, t)]
    props = {"axis": g.int_prop(axis), "epsilon": g.float_prop(1e-5)}
    if rng.random() < 0.5:
        return Case(g.RMSNormOp, args, props)
    if rng.random() < 0.7:
        args.append(floats(rng, pshape, t))
    return Case(g.LayerNormOp, args, props)


test_reduce = batched(make_reduce, size=24)
test_norm = batched(make_norm, size=24)


def make_causal_softmax(rng: np.random.Generator) -> Case:
    """Float softmax over each query's visible prefix (graph.causal_softmax): positions that
    show one entry, all of them, more than the row has, and none (pos < 0: the row is 0)."""
    t = pick(rng, FLOAT_TYPES)
    length = int(pick(rng, [1, 2, 5, 8, 33]))
    x = floats(rng, (*rand_shape(rng, int(rng.integers(0, 2)), 3), int(rng.integers(1, 4)),
                     length), t, scale=4.0)
    pos = np.array([int(rng.integers(-2, length + 2))], np.int32)
    return Case(g.CausalSoftmaxOp, [x, pos])


test_causal_softmax = batched(make_causal_softmax, size=16)

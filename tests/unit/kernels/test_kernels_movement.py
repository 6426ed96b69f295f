"""Data movement through the strided copy, fill and gather kernels (tsl_k_move.h), host."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import TensorType

from tests.unit.kernels.harness import (
    FLOAT_TYPES,
    INT_TYPES,
    Case,
    batched,
    broadcast_operand,
    elt,
    ints,
    pick,
    rand_shape,
    values,
)
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs

TYPES = (*INT_TYPES, *FLOAT_TYPES, np.bool_)


def make_reshape_transpose_expand(rng: np.random.Generator) -> Case:
    t = pick(rng, TYPES)
    shape = rand_shape(rng, int(rng.integers(1, 6)), 4)
    kind = int(rng.integers(3))
    if kind == 0:
        x = values(rng, shape, t)
        return Case(g.TransposeOp, [x], {"perm": g.ints_prop(rng.permutation(len(shape)))})
    if kind == 1:
        x = values(rng, shape, t)
        out = (int(np.prod(shape)),)
        return Case(g.ReshapeOp, [x], result_types=[TensorType(elt(t), list(out))])
    x = values(rng, broadcast_operand(rng, shape), t)
    return Case(g.ExpandOp, [x], result_types=[TensorType(elt(t), list(shape))])


def make_concat_split(rng: np.random.Generator) -> Case:
    shape = rand_shape(rng, int(rng.integers(1, 4)), 4)
    axis = int(rng.integers(len(shape)))
    if rng.random() < 0.5:
        parts = []
        for _ in range(int(rng.integers(1, 4))):
            s = list(shape)
            s[axis] = int(rng.integers(0, 4))
            parts.append(values(rng, s, pick(rng, (np.int8, np.uint8, np.int16))))
        return Case(g.ConcatOp, parts, {"axis": g.int_prop(axis - len(shape))})
    x = values(rng, shape, pick(rng, TYPES))
    cuts = sorted(int(c) for c in rng.integers(0, shape[axis] + 1, size=2))
    sizes = [cuts[0], cuts[1] - cuts[0], shape[axis] - cuts[1]]
    return Case(g.SplitOp, [x], {"axis": g.int_prop(axis), "sizes": g.ints_prop(sizes)})


def make_slice_pad(rng: np.random.Generator) -> Case:
    t = pick(rng, TYPES)
    shape = rand_shape(rng, int(rng.integers(1, 4)), 5)
    x = values(rng, shape, t)
    if rng.random() < 0.5:
        starts, ends, steps = [], [], []
        for d in shape:
            s, e, st = int(rng.integers(-d, d)), int(rng.integers(-d, d + 1)), \
                int(pick(rng, [1, 1, 2, -1, -2]))
            full = gs.normalize_slice((d,), (s,), (e,), (0,), (st,))
            starts.append(full[0][0])
            ends.append(full[1][0])
            steps.append(st)
        return Case(g.SliceOp, [x], {"starts": g.ints_prop(starts), "ends": g.ints_prop(ends),
                                     "steps": g.ints_prop(steps)})
    pads = [int(rng.integers(-1 if d > 1 else 0, 3)) for d in shape * 2]
    value = 0.0 if t == np.bool_ else (float(rng.integers(-5, 6)) if np.dtype(t).kind != "u"
                                       else 7.0)
    return Case(g.PadOp, [x], {"pads": g.ints_prop(pads), "value": g.float_prop(value)})


def make_gather(rng: np.random.Generator) -> Case:
    shape = rand_shape(rng, int(rng.integers(1, 4)), 5)
    axis = int(rng.integers(len(shape)))
    d = shape[axis]
    idx = ints(rng, rand_shape(rng, int(rng.integers(0, 3)), 3), pick(rng, (np.int64, np.int32)),
               -d, d - 1)
    return Case(g.GatherOp, [values(rng, shape, pick(rng, TYPES)), idx],
                {"axis": g.int_prop(axis)})


test_reshape_transpose_expand = batched(make_reshape_transpose_expand, size=24)
test_concat_split = batched(make_concat_split, size=24)
test_slice_pad = batched(make_slice_pad, size=24)
test_gather = batched(make_gather, size=16)

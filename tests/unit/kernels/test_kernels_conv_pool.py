"""Conv, MaxPool and AveragePool kernels (tsl_k_conv.h), 1-D and 2-D, on the host."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.kernels.harness import Case, batched, ints, pick, values
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels.catalog import NoKernelError

TYPES = (np.int8, np.uint8, np.int16, np.float32, np.float64)


def _window_props(rng: np.random.Generator, nsp: int, kernel: tuple[int, ...]) -> dict:
    pads = [int(rng.integers(0, k)) for k in kernel] * 2
    return {"strides": g.ints_prop([int(rng.integers(1, 3)) for _ in range(nsp)]),
            "dilations": g.ints_prop([int(rng.integers(1, 3)) for _ in range(nsp)]),
            "pads": g.ints_prop(pads)}


def make_conv(rng: np.random.Generator) -> Case:
    nsp = int(rng.integers(1, 3))
    group = int(pick(rng, [1, 1, 2, 3]))
    cg, mg = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    kernel = tuple(int(rng.integers(1, 4)) for _ in range(nsp))
    spatial = tuple(int(rng.integers(4, 12)) for _ in range(nsp))
    t = pick(rng, TYPES)
    x = values(rng, (int(rng.integers(1, 3)), cg * group, *spatial), t)
    w = values(rng, (mg * group, cg, *kernel), t)
    args = [x, w]
    if rng.random() < 0.6:
        args.append(values(rng, (mg * group,), np.int32 if np.dtype(t).kind != "f" else t))
    props = {**_window_props(rng, nsp, kernel), "group": g.int_prop(group)}
    return Case(g.ConvOp, args, props)


def make_pool(rng: np.random.Generator) -> Case:
    nsp = int(rng.integers(1, 3))
    kernel = tuple(int(rng.integers(1, 4)) for _ in range(nsp))
    spatial = tuple(int(rng.integers(4, 10)) for _ in range(nsp))
    t = pick(rng, TYPES)
    x = values(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 4)), *spatial), t)
    props = {**_window_props(rng, nsp, kernel), "kernel_shape": g.ints_prop(kernel),
             "ceil_mode": g.bool_prop(bool(rng.random() < 0.3))}
    if rng.random() < 0.5:
        return Case(g.MaxPoolOp, [x], props)
    props["count_include_pad"] = g.bool_prop(bool(rng.random() < 0.5))
    return Case(g.AvgPoolOp, [x], props)


test_conv = batched(make_conv, size=24)
test_pool = batched(make_pool, size=24)


def test_conv_3d_has_no_kernel() -> None:
    rng = np.random.default_rng(0)
    x, w = ints(rng, (1, 1, 3, 3, 3), np.int8), ints(rng, (1, 1, 1, 1, 1), np.int8)
    props = {"strides": g.ints_prop([1] * 3), "dilations": g.ints_prop([1] * 3),
             "pads": g.ints_prop([0] * 6), "group": g.int_prop(1)}
    with pytest.raises(NoKernelError, match="3-D windows"):
        Case(g.ConvOp, [x, w], props)  # Case lowers the op after running the reference

"""Properties of the tiler on random op shapes and L1 budgets (issue 5 item 2 acceptance):
every tiling covers the iteration space exactly once, every plan passes the verifier, the
solver never returns a plan over capacity, and infeasibility comes from the closed form."""

from __future__ import annotations

import itertools
from math import prod

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.unit.analysis.tiling_strategies import conv, descriptions, gemm
from tinyslm_ir.analysis.memory_plan import Buffer, aligned_lower_bound, verify_plan
from tinyslm_ir.analysis.planners.driver import DEFAULT_ALIGNMENT
from tinyslm_ir.analysis.tiling.constraints import OpTiling, Window
from tinyslm_ir.analysis.tiling.cost import evaluate
from tinyslm_ir.analysis.tiling.errors import TilingInfeasibleError
from tinyslm_ir.analysis.tiling.local import clipped
from tinyslm_ir.analysis.tiling.solver import pareto_front, solve_tiling
from tinyslm_ir.analysis.tiling.tiles import iter_tiles


def budget(data: st.DataObject, desc: OpTiling) -> int:
    """An L1 budget from a little under the layer's minimum to a little over what its
    untiled form needs: the range where tile sizes have to change."""
    front = pareto_front(desc)
    return data.draw(st.integers(front[0].min_peak * 3 // 4, front[-1].min_peak + 64))


def _check_tiles(desc: OpTiling, sizes: dict[str, int], buffer_sizes: dict[str, int]) -> None:
    """Each iteration point once; each output element finished once; every slice fits its
    L1 buffer."""
    order = [d.name for d in desc.dims]
    points = np.zeros([d.extent for d in desc.dims], dtype=np.int32)
    written = {o.name: np.zeros(o.shape, dtype=np.int32) for o in desc.outputs}
    for tile in iter_tiles(desc, sizes):
        points[tuple(slice(*tile.ranges[n]) for n in order)] += 1
        for o in desc.outputs:
            if tile.last:
                written[o.name][tuple(slice(*r) for r in tile.slices[o.name])] += 1
        for op in desc.operands:
            nbytes = op.elem_bytes * prod(hi - lo for lo, hi in tile.slices[op.name])
            assert nbytes <= buffer_sizes[f"{op.name}.0"]
    assert (points == 1).all()
    for w in written.values():
        assert (w == 1).all()


@settings(max_examples=150, deadline=None)
@given(descriptions, st.data())
def test_solutions_cover_verify_and_fit(desc: OpTiling, data: st.DataObject) -> None:
    capacity = budget(data, desc)
    try:
        sol = solve_tiling(desc, capacity, time_limit_s=0.2)
    except TilingInfeasibleError as e:
        assert e.min_bytes > capacity
        assert e.min_bytes == pareto_front(desc)[0].min_peak
        return
    assert sol.peak <= capacity
    verify_plan(sol.plan.buffers, sol.plan, capacity)
    assert sol.peak == sol.lower_bound  # one time step: packing is tight
    sizes = {b.name: b.size for b in sol.plan.buffers}
    _check_tiles(desc, dict(sol.tile_sizes), sizes)


@settings(max_examples=40, deadline=None)
@given(descriptions)
def test_minimum_is_the_minimum_over_every_legal_tiling(desc: OpTiling) -> None:
    """The closed-form minimum (the front's first entry) against brute force over all
    legal tile sizes, not only the candidates."""
    legal = [[t for t in range(1, d.extent + 1) if d.legal(t)] for d in desc.dims]
    assume(prod(len(ts) for ts in legal) <= 600)
    names = [d.name for d in desc.dims]

    def least_l1(combo: tuple[int, ...]) -> int:
        cost = evaluate(desc, dict(zip(names, combo, strict=True)))
        return aligned_lower_bound([Buffer(n, s, 0, 1, DEFAULT_ALIGNMENT)
                                    for n, s in cost.buffers])

    brute = min(least_l1(combo) for combo in itertools.product(*legal))
    assert pareto_front(desc)[0].min_peak == brute


@settings(max_examples=60, deadline=None)
@given(gemm(), st.data(), st.randoms(use_true_random=False))
def test_tiled_gemm_computes_the_product(desc: OpTiling, data: st.DataObject, rnd) -> None:
    """Accumulating per-tile products over the tiles' slices gives A @ B (+ bias): the
    slices index the operands the way the kernel would be called on them."""
    capacity = budget(data, desc)
    try:
        sol = solve_tiling(desc, capacity, time_limit_s=0.2)
    except TilingInfeasibleError:
        return
    rng = np.random.default_rng(rnd.randint(0, 2**32))
    ops = {o.name: o for o in desc.operands}
    arrays = {n: rng.integers(-5, 5, o.shape) for n, o in ops.items() if not o.output}
    a, b = arrays["a"], arrays["b"]
    a_mk = np.swapaxes(a, -1, -2) if desc.operands[0].axes[-1].dim == "m" else a
    b_kn = np.swapaxes(b, -1, -2) if desc.operands[1].axes[-1].dim == "k" else b
    expected = a_mk @ b_kn + arrays.get("bias", 0)
    out = np.zeros(ops["out"].shape, dtype=np.int64)
    for tile in iter_tiles(desc, dict(sol.tile_sizes)):
        ta = a[tuple(slice(*r) for r in tile.slices["a"])]
        tb = b[tuple(slice(*r) for r in tile.slices["b"])]
        ta = np.swapaxes(ta, -1, -2) if a_mk is not a else ta
        tb = np.swapaxes(tb, -1, -2) if b_kn is not b else tb
        part = ta @ tb
        if "bias" in arrays and tile.first:
            part = part + arrays["bias"][tuple(slice(*r) for r in tile.slices["bias"])]
        out[tuple(slice(*r) for r in tile.slices["out"])] += np.broadcast_to(
            part, [hi - lo for lo, hi in tile.slices["out"]])
    assert (out == np.broadcast_to(expected, out.shape)).all()


@settings(max_examples=80, deadline=None)
@given(conv(), st.data())
def test_conv_input_tiles_hold_their_halo(conv_window: tuple[OpTiling, Window],
                                          data: st.DataObject) -> None:
    """Every in-bounds input row/column that a tile's outputs read lies in the tile's input
    slice: checked tap by tap from the window, not from the Axis that computed the slice."""
    desc, w = conv_window
    capacity = budget(data, desc)
    try:
        sol = solve_tiling(desc, capacity, time_limit_s=0.2)
    except TilingInfeasibleError:
        return
    extent = desc.operands[0].shape
    for tile in iter_tiles(desc, dict(sol.tile_sizes)):
        for i, dim in enumerate(("oh", "ow")):
            lo, hi = tile.slices["x"][2 + i]
            for o in range(*tile.ranges[dim]):
                for tap in range(w.kernel[i]):
                    idx = o * w.strides[i] - w.pads[i] + tap * w.dilations[i]
                    if 0 <= idx < extent[2 + i]:
                        assert lo <= idx < hi


@settings(max_examples=80, deadline=None)
@given(gemm(), st.data())
def test_k_tiles_of_an_output_tile_run_once_in_order_between_first_and_last(
        desc: OpTiling, data: st.DataObject) -> None:
    """With K split (any legal K tile), each output tile's K tiles follow each other: K
    starts at 0 on the one flagged first, ends at the extent on the one flagged last, and
    every K index is visited exactly once per output tile (the accumulation order the tiled
    code generator relies on: write on first, accumulate, write back after last)."""
    sizes = {d.name: data.draw(st.sampled_from([t for t in range(1, d.extent + 1)
                                                if d.legal(t)]), label=d.name)
             for d in desc.dims}
    k = desc.dim("k")
    current: tuple | None = None
    seen: set[tuple] = set()
    covered = np.zeros(k.extent, dtype=np.int32)
    for tile in iter_tiles(desc, sizes):
        out = tuple(r for n, r in sorted(tile.ranges.items()) if n != "k")
        lo, hi = tile.ranges["k"]
        assert tile.first == (lo == 0)
        assert tile.last == (hi == k.extent)
        if tile.first:
            assert current is None and out not in seen
            current, covered[:] = out, 0
            seen.add(out)
        assert out == current
        covered[lo:hi] += 1
        if tile.last:
            assert (covered == 1).all()
            current = None
    assert current is None


@settings(max_examples=80, deadline=None)
@given(conv(), st.data())
def test_tile_local_pads_compute_the_tile_of_the_conv(conv_window: tuple[OpTiling, Window],
                                                      data: st.DataObject) -> None:
    """A conv computed on a tile's input slice with the tile's own pads (`clipped`: border
    tiles keep the border padding, interior ones none) gives that tile of the whole conv."""
    desc, w = conv_window
    sizes = {d.name: data.draw(st.sampled_from([t for t in range(1, d.extent + 1)
                                                if d.legal(t)]), label=d.name)
             for d in desc.dims}
    x = desc.operands[0]
    rng = np.random.default_rng(0)
    image = rng.integers(-5, 5, x.shape[2:])

    def conv_rows(img: np.ndarray, pads: tuple[int, int], out: tuple[int, int]) -> np.ndarray:
        res = np.zeros(out, dtype=np.int64)
        for o in np.ndindex(*out):
            for tap in np.ndindex(*w.kernel):
                idx = [o[i] * w.strides[i] - pads[i] + tap[i] * w.dilations[i] for i in (0, 1)]
                if all(0 <= idx[i] < img.shape[i] for i in (0, 1)):
                    res[o] += img[tuple(idx)] * (1 + tap[0] * 3 + tap[1])
        return res

    whole = conv_rows(image, w.pads, desc.operands[-1].shape[2:])
    for tile in iter_tiles(desc, sizes):
        (r0, r1), (c0, c1) = tile.ranges["oh"], tile.ranges["ow"]
        pads = (clipped(x.axes[2], r0, r1 - r0)[0], clipped(x.axes[3], c0, c1 - c0)[0])
        part = image[tuple(slice(*r) for r in tile.slices["x"][2:])]
        assert (conv_rows(part, pads, (r1 - r0, c1 - c0)) == whole[r0:r1, c0:c1]).all()

"""Unit tests of the tiling analysis: descriptions, cost, solver, diagnostics, graph glue."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tinyslm_ir.analysis.tiling import constraints as c
from tinyslm_ir.analysis.tiling.cost import evaluate
from tinyslm_ir.analysis.tiling.errors import TilingInfeasibleError
from tinyslm_ir.analysis.tiling.local import clipped
from tinyslm_ir.analysis.tiling.solver import Tiler, candidate_sizes, pareto_front, solve_tiling
from tinyslm_ir.analysis.tiling.tiles import iter_tiles

MICROLLAMA8 = "/work/shared/data/deeploy-tests/Models/microLlama/INT8/microLlama8/network.onnx"


def _norm(layer: str = "irmsnorm_0") -> c.OpTiling:
    return replace(c.rows("irmsnorm", (1, 8, 64), 1, 1, params=[((64,), 4)]), layer=layer)


def test_candidates_are_legal_and_span_extent_to_granule() -> None:
    d = c.Dim("n", 100, granule=4)
    sizes = candidate_sizes(d)
    assert sizes[0] == 100 and sizes[-1] == 4
    assert all(d.legal(t) for t in sizes)
    assert candidate_sizes(c.Dim("l", 64, fixed="whole")) == [64]


def test_row_op_tiles_rows_only() -> None:
    sol = solve_tiling(_norm(), 700)
    assert sol.tile_sizes["d2"] == 64
    assert sol.tile_sizes["d1"] == 1  # two rows need 768 B
    assert sol.peak <= 700


def test_infeasible_row_op_names_layer_minimum_and_constraint() -> None:
    with pytest.raises(TilingInfeasibleError) as info:
        solve_tiling(_norm(), 256)
    e = info.value
    # One row, double-buffered: x 2 x 64 B + the weight once 256 B + out 2 x 64 B.
    assert (e.layer, e.min_bytes, e.capacity) == ("irmsnorm_0", 512, 256)
    assert "normalised axis of irmsnorm must stay whole" in str(e)
    assert "x 2 x 64 B + p0 256 B + out 2 x 64 B" in str(e)


def test_split_reduction_keeps_int32_partial_sums_for_a_narrow_output() -> None:
    desc = c.gemm("gemm", (1,), 16, 64, 256, a_batch=(), b_batch=(), a_bytes=1, b_bytes=1,
                  out_bytes=1)
    cost = evaluate(desc, {"b0": 1, "m": 16, "n": 64, "k": 64})
    assert dict(cost.buffers)["out.acc"] == 16 * 64 * 4
    wide = replace(desc, operands=(*desc.operands[:-1], replace(desc.operands[-1], elem_bytes=4)))
    assert "out.acc" not in dict(evaluate(wide, {"b0": 1, "m": 16, "n": 64, "k": 64}).buffers)


def test_invariant_operand_is_loaded_once_and_single_buffered() -> None:
    cost = evaluate(_norm(), {"d0": 1, "d1": 1, "d2": 64})
    names = [n for n, _ in cost.buffers]
    assert names.count("p0.0") == 1 and "p0.1" not in names
    assert {"x.0", "x.1", "out.0", "out.1"} <= set(names)
    # Eight rows of x and out, the weight once.
    assert cost.bytes_moved == 8 * 64 * 2 + 64 * 4


def test_cycles_prefer_fewer_tiles_when_everything_fits() -> None:
    desc = c.elementwise("add", (64, 64), 4, [((64, 64), 1), ((64,), 1)])
    whole = evaluate(desc, {"d0": 64, "d1": 64})
    split = evaluate(desc, {"d0": 1, "d1": 64})
    assert whole.bytes_moved == split.bytes_moved  # bytes alone cannot tell them apart
    assert whole.cycles < split.cycles


def test_conv_rows_carry_the_halo() -> None:
    desc = c.conv2d((1, 4, 8, 8), (1, 4, 8, 8), c.Window((3, 3), pads=(1, 1)), group=1,
                    x_bytes=1, w_bytes=1, out_bytes=1, bias_bytes=None)
    tiles = list(iter_tiles(desc, {"n": 1, "m": 4, "oh": 4, "ow": 8, "c": 4}))
    assert [t.slices["x"][2] for t in tiles] == [(0, 5), (3, 8)]


def test_pareto_front_trades_memory_for_cycles() -> None:
    desc = c.gemm("matmul", (1,), 8, 256, 64, a_batch=(1,), b_batch=(), a_bytes=1, b_bytes=1,
                  out_bytes=4)
    front = pareto_front(desc)
    peaks = [f.min_peak for f in front]
    cycles = [f.cost.cycles for f in front]
    assert peaks == sorted(peaks) and cycles == sorted(cycles, reverse=True)
    assert len(set(peaks)) == len(peaks)


def test_tiler_shares_solutions_between_identical_layers() -> None:
    tiler = Tiler(700)
    a, b = tiler.solve(_norm("a")), tiler.solve(_norm("b"))
    assert (a.layer, b.layer) == ("a", "b")
    assert a.plan is b.plan
    with pytest.raises(TilingInfeasibleError, match="layer b "):
        Tiler(256).solve(_norm("b"))


def test_microllama8_layers_all_described_and_shrink_to_16k() -> None:
    from tinyslm_ir.analysis.tiling.from_graph import layers
    from tinyslm_ir.driver.macs import layer_ops
    from tinyslm_ir.frontend.onnx_importer import import_onnx

    module = import_onnx(MICROLLAMA8).module
    descs = list(layers(module))
    assert all(isinstance(d, c.OpTiling) for d in descs)
    assert [d.layer for d in descs] == list(layer_ops(module))
    tiler = Tiler(16384)
    assert all(tiler.solve(d).peak <= 16384 for d in descs)
    with pytest.raises(TilingInfeasibleError) as info:
        for d in descs:
            Tiler(256).solve(d)
    assert info.value.layer == "irmsnorm_0" and info.value.min_bytes == 384


def test_no_time_to_search_still_returns_the_best_fitting_hint() -> None:
    desc = c.conv2d((1, 16, 16, 16), (1, 16, 16, 16), c.Window((3, 3), pads=(1, 1)), group=1,
                    x_bytes=1, w_bytes=1, out_bytes=1, bias_bytes=4)
    sol = solve_tiling(desc, 2048, time_limit_s=0.0)
    assert sol.peak <= 2048
    assert sol.cycles == min(f.cost.cycles for f in pareto_front(desc) if f.min_peak <= 2048)


def test_graph_ops_beyond_microllama_are_described() -> None:
    from xdsl.dialects.builtin import TensorType, f32, i8, i32
    from xdsl.ir import Block

    from tinyslm_ir.analysis.tiling.from_graph import describe
    from tinyslm_ir.dialects import graph as g

    b = Block(arg_types=[TensorType(i8, [1, 8, 16, 16]), TensorType(i8, [16, 8, 3, 3]),
                         TensorType(i32, [16]), TensorType(i8, [32, 64]),
                         TensorType(i8, [64, 48]), TensorType(f32, [2, 5, 7]),
                         TensorType(i32, [3])])
    x, w, bias, a, bb, fl, idx = b.args
    win = {"strides": g.ints_prop([1, 1]), "pads": g.ints_prop([1, 1, 1, 1]),
           "dilations": g.ints_prop([1, 1])}
    ops = [
        g.ConvOp.from_operands([x, w, bias], {**win, "group": g.int_prop(1)}),
        g.MaxPoolOp.from_operands([x], {**win, "kernel_shape": g.ints_prop([3, 3])}),
        g.GemmOp.from_operands([a, bb], {"trans_a": g.bool_prop(False),
                                         "trans_b": g.bool_prop(False),
                                         "alpha": g.float_prop(1.0), "beta": g.float_prop(1.0)}),
        g.SoftmaxOp.from_operands([fl], {"axis": g.int_prop(-1)}),
        g.SliceOp.from_operands([fl], {"starts": g.ints_prop([0, 1, 6]),
                                       "ends": g.ints_prop([2, 5, -1]),
                                       "steps": g.ints_prop([1, 2, -1])}),
        g.GatherOp.from_operands([fl, idx], {"axis": g.int_prop(1)}),
        g.TransposeOp.from_operands([x], {"perm": g.ints_prop([0, 2, 3, 1])}),
        g.PadOp.from_operands([fl], {"pads": g.ints_prop([0, 1, 2, 0, 1, -1]),
                                     "value": g.float_prop(0.0)}),
        g.ReduceMeanOp.from_operands([fl], {"axes": g.ints_prop([1]),
                                            "keepdims": g.bool_prop(True)}),
    ]
    kinds = []
    for op in ops:
        desc = describe(op)
        kinds.append(desc.kind)
        assert solve_tiling(desc, 2048).peak <= 2048
    assert kinds == ["conv", "maxpool", "gemm", "softmax", "slice", "gather", "transpose", "pad",
                     "reduce_mean"]


def test_reduce_tiles_kept_axes_and_reads_reduced_ones_whole() -> None:
    desc = c.reduce("reduce_sum", (4, 16, 8), (1,), False, 1, 4)
    assert [d.name for d in desc.dims] == ["d0", "d2"]
    x, out = desc.operands
    assert [a.dim for a in x.axes] == ["d0", None, "d2"] and out.shape == (4, 8)
    for t in iter_tiles(desc, {"d0": 1, "d2": 4}):
        assert t.slices["x"][1] == (0, 16)


def test_pad_tiles_take_their_share_of_the_padding() -> None:
    """Output [0, 12) of a 2 + 8 + 2 pad in tiles of 4: the border tiles keep 2 rows of
    padding (begin, then end), the middle one none; every input row is read once."""
    desc = c.pad((8,), (2,), (2,), 1)
    axis = desc.operands[0].axes[0]
    tiles = list(iter_tiles(desc, {"d0": 4}))
    assert [t.slices["x"][0] for t in tiles] == [(0, 2), (2, 6), (6, 8)]
    assert [clipped(axis, start, 4) for start in (0, 4, 8)] == [(2, 0), (0, 0), (0, 2)]

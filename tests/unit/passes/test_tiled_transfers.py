"""The 2-D DMAs of a tile slice (`tiled_layer.transfers`): they copy exactly the slice into
its dense L1 buffer, and there are as many as the tiler's cost model charges for, so the
tile sizes it picks are priced on the transfers that are really emitted."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyslm_ir.analysis.tiling.constraints import Axis, Operand
from tinyslm_ir.analysis.tiling.cost import _transfers
from tinyslm_ir.passes.tiled_layer import Slice, transfers


@st.composite
def slices(draw: st.DrawFn) -> tuple[Operand, Slice]:
    """A tensor of rank 1-4 with 1-2 byte elements and a box slice of it; unit lengths are
    common, as in a one-row tile of attention scores."""
    shape = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    ranges = []
    for n in shape:
        lo = draw(st.integers(0, n - 1))
        ranges.append((lo, draw(st.integers(lo + 1, n))))
    elem = draw(st.sampled_from([1, 2]))
    return Operand("x", tuple(Axis(n, "d") for n in shape), elem), tuple(ranges)


def _run(o: Operand, s: Slice) -> tuple[np.ndarray, np.ndarray]:
    """The DMAs applied to a tensor of distinct bytes: (what they load, the slice itself)."""
    nbytes = int(np.prod(o.shape)) * o.elem_bytes
    src = (np.arange(nbytes) % 251).astype(np.uint8)
    lens = [hi - lo for lo, hi in s]
    dense = np.full(int(np.prod(lens)) * o.elem_bytes, 255, np.uint8)
    for t_off, d_off, row, rows, t_stride, d_stride in transfers(o, s):
        for r in range(rows):
            dense[d_off + r * d_stride:d_off + r * d_stride + row] = \
                src[t_off + r * t_stride:t_off + r * t_stride + row]
    view = src.reshape(*o.shape, o.elem_bytes)[tuple(slice(lo, hi) for lo, hi in s)]
    return dense, view.reshape(-1)


@settings(max_examples=300, deadline=None)
@given(slices())
def test_transfers_copy_exactly_the_slice(case: tuple[Operand, Slice]) -> None:
    o, s = case
    loaded, expected = _run(o, s)
    np.testing.assert_array_equal(loaded, expected)


@settings(max_examples=300, deadline=None)
@given(slices())
def test_transfer_count_is_what_the_cost_model_charges(case: tuple[Operand, Slice]) -> None:
    o, s = case
    spans = tuple(hi - lo for lo, hi in s)
    assert len(transfers(o, s)) == _transfers(spans, o.shape)


def test_a_unit_axis_between_row_and_rows_is_one_transfer() -> None:
    """All heads of one score row: one 2-D DMA, not one per head."""
    o = Operand("scores", (Axis(16, "h"), Axis(32, "i"), Axis(32, "j")), 4)
    assert transfers(o, ((0, 16), (5, 6), (0, 16))) == [(5 * 128, 0, 64, 16, 4096, 64)]

"""Hypothesis strategies for buffer sets, shared by the memory-plan tests."""

from __future__ import annotations

from hypothesis import strategies as st

from tinyslm_ir.analysis.memory_plan import Buffer


@st.composite
def buffer_sets(
    draw: st.DrawFn, *, min_buffers: int = 0, max_buffers: int = 14, pinned: bool = True
) -> list[Buffer]:
    """Random buffers on a short schedule; pinned ones are stacked so they never collide."""
    n = draw(st.integers(min_buffers, max_buffers))
    buffers = []
    pinned_top = 0
    for i in range(n):
        start = draw(st.integers(0, 20))
        end = start + draw(st.integers(1, 10))
        alignment = draw(st.sampled_from([1, 2, 4, 8]))
        size = draw(st.integers(0, 16)) * draw(st.sampled_from([1, 4]))
        offset = None
        if pinned and draw(st.integers(0, 9)) == 0:
            offset = -(-pinned_top // alignment) * alignment
            pinned_top = offset + size
        buffers.append(Buffer(f"b{i}", size, start, end, alignment, offset))
    return buffers

"""Tile-local geometry: how an op's index offsets re-base onto one tile's L1 slices.

A tile's input slice is the clipped range `Axis.span` reads, so the kernel that computes the
tile sees its input starting at the slice, not at the tensor: a window op's padding, a pad's
begin and a slice's start have to be given relative to the slice. A tile at the border keeps
the part of the padding that falls before its slice; an interior tile, whose slice starts
where its first window does, gets none.
"""

from __future__ import annotations

from tinyslm_ir.analysis.tiling.constraints import Axis


def clipped(axis: Axis, start: int, size: int) -> tuple[int, int]:
    """How many indices the tile ``[start, start + size)`` reads before and after its slice
    of ``axis`` (padding that is not in the tensor); (0, 0) for an axis read whole."""
    if axis.dim is None:
        return 0, 0
    lo, hi = axis.span(start, size)
    first = axis.offset + axis.stride * start
    last = axis.offset + axis.stride * (start + size - 1) + axis.window
    return max(lo - first, 0), max(last - hi, 0)


def local_start(axis: Axis, start: int) -> int:
    """The index, in the tile's slice of ``axis`` (which a dim indexes), that iteration
    ``start`` reads first; negative when its window begins in the padding."""
    assert axis.dim is not None, "an axis read whole is not re-based"
    lo, _ = axis.span(start, 1)
    return axis.offset + axis.stride * start - lo

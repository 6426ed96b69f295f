"""The loop nest of a tiling: every tile, in execution order, with the slice of each operand.

This is what the coverage property tests check (the tiles partition the iteration space)
and what the IR pass materialises. The last tile along a dim is partial when the tile size
does not divide the extent.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from math import ceil

from tinyslm_ir.analysis.tiling.constraints import Operand, OpTiling

Range = tuple[int, int]
"""A half-open index range ``[start, stop)``."""


@dataclass(frozen=True)
class Tile:
    """One step of the loop nest.

    ``ranges`` maps every dim to its iteration range; ``slices`` maps every operand to its
    index range per axis. ``first``/``last`` say whether this is the first/last step of a
    reduction (always True when no reduction dim is split): partial sums are initialised on
    the first step and the output is written back after the last.
    """

    ranges: Mapping[str, Range]
    slices: Mapping[str, tuple[Range, ...]]
    first: bool
    last: bool


def tile_counts(desc: OpTiling, sizes: Mapping[str, int]) -> dict[str, int]:
    """Number of tiles along every dim."""
    return {d.name: ceil(d.extent / sizes[d.name]) for d in desc.dims}


def check_sizes(desc: OpTiling, sizes: Mapping[str, int]) -> None:
    """Raise ValueError unless ``sizes`` gives every dim a size its kernel accepts."""
    for d in desc.dims:
        t = sizes.get(d.name)
        if t is None or not d.legal(t):
            raise ValueError(f"{desc.kind}: tile size {t} is not legal for dim {d.name!r} "
                             f"(extent {d.extent}, granule {d.granule}, fixed={d.fixed!r})")


def operand_slice(op: Operand, ranges: Mapping[str, Range]) -> tuple[Range, ...]:
    """The index range per axis of ``op`` read or written for the given dim ranges."""
    return tuple(
        a.span(ranges[a.dim][0], ranges[a.dim][1] - ranges[a.dim][0]) if a.dim else (0, a.extent)
        for a in op.axes
    )


def iter_tiles(desc: OpTiling, sizes: Mapping[str, int]) -> Iterator[Tile]:
    """Every tile of the tiling ``sizes`` (dim name -> tile size), in `loop_order`."""
    check_sizes(desc, sizes)
    order = desc.loop_order
    per_dim = [
        [(s, min(s + sizes[d.name], d.extent)) for s in range(0, d.extent, sizes[d.name])]
        for d in order
    ]
    red = [i for i, d in enumerate(order) if d.reduction]
    for combo in itertools.product(*per_dim):
        ranges = {d.name: r for d, r in zip(order, combo, strict=True)}
        first = all(combo[i][0] == 0 for i in red)
        last = all(combo[i][1] == order[i].extent for i in red)
        slices = {op.name: operand_slice(op, ranges) for op in desc.operands}
        yield Tile(ranges, slices, first, last)

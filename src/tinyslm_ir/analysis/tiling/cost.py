"""What a tiling costs: its L1 buffers, its modelled cycles and the bytes it moves.

Closed-form and IR-free, so the solver can score thousands of candidate tilings per second.
The model follows DESIGN.md §5 with the constants of `targets.siracusa.cost_model`:

- Each tile step is one parallel region on the cluster: fork + barrier, plus the critical
  core's instructions. The cores split the parallel dim with the largest tile extent, so a
  tile that is thin along every parallel dim leaves cores idle.
- DMA is asynchronous and double-buffered: an input whose slice changes between steps has two
  L1 copies (the next tile loads while the current one computes), and so does an output that
  is written back more than once. A step lasts max(compute, its share of the DMA); the first
  load and the last write-back are not hidden.
- A transfer moves one contiguous run per index of the outer axes, two levels at a time (the
  DMA does 2-D strided copies), and costs `dma_cycles` each.
- An operand is reloaded whenever a dim it depends on, or any dim outside it in the loop
  order, advances; one that depends on no split dim is loaded once (irmsnorm's weight).
- When a reduction dim is split, partial sums stay in L1 in ``acc_bytes``-wide elements; an
  output already that wide accumulates in place, a narrower one gets its own accumulator.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import ceil, prod

from tinyslm_ir.analysis.tiling.constraints import Axis, Operand, OpTiling
from tinyslm_ir.analysis.tiling.tiles import tile_counts
from tinyslm_ir.targets.siracusa.cost_model import (
    BARRIER_CYCLES,
    FORK_CYCLES,
    NUM_CORES,
    dma_cycles,
)

INSTRUCTIONS_PER_POINT: Mapping[str, float] = {
    # Measured: int8 GEMM/GEMV, 3.43-3.69 instructions per MAC per core on spike
    # (benchmarks/results/kernel_ipm.json); conv runs the same inner loop.
    "gemm": 3.4,
    # [ours] estimates until the kernels are measured: loads, op, store, loop per element.
    "eltwise": 5.0,
    "requant": 8.0,  # multiply-add, rounding shift, clip
    "row": 12.0,  # norms and softmax: about three passes over the row
    "pool": 3.0,  # per window tap
    "move": 2.0,  # a copy: load + store
    "gemm_rq": 3.25,  # at best; see GEMM_RQ_COLUMNS
    "gemm_rq_pairs": 2.72,  # at best; see GEMM_RQ_PAIRS_COLUMNS
}
"""Kernel instructions per unit of work (a MAC, an element, a tap) on one core."""

GEMM_RQ_COLUMNS = ((16, 3.25), (8, 3.5), (4, 4.0), (1, 7.0))
"""tsl_gemm_rq: instructions per MAC by how many columns a core computes per A load (its
16/8/4-column blocks, else one dot product per column), measured on spike. A decode GEMV's
N tile is split over the cores, so an N tile of 32 leaves each core a 4-column block."""
GEMM_RQ_PAIRS_COLUMNS = ((16, 2.72), (8, 2.94), (4, 3.38), (1, 6.0))
"""tsl_gemm_rq_pairs (k_pairs weights): per word row, 7 instructions to pack the activation
pair and step, then 5 per column for its two MACs; instructions per MAC by block width."""
GEMM_RQ_PER_OUTPUT = 20
"""tsl_gemm_rq: the int32 requantization, clip and store of one output."""
DMA_ISSUE_INSTRUCTIONS = 40
"""[measured] The runtime's instructions to issue one transfer (tsl_dma_start_2d on spike: 35,
plus the call site's arguments), on the orchestrating core before the tile's fork: serial,
so never hidden behind compute."""
FORK_INSTRUCTIONS = 200
"""[measured] The runtime's instructions per parallel region beyond FORK_CYCLES and
BARRIER_CYCLES: tsl_fork and the orchestrating core's side of the barrier, on spike."""


@dataclass(frozen=True)
class TilingCost:
    """The L1 buffers and modelled cost of one tiling.

    ``buffers`` are (name, bytes): one entry per copy (``x.0``, ``x.1`` for a double-buffered
    input) plus ``acc`` for a separate accumulator. ``bytes_moved`` counts DMA traffic both
    ways; ``cycles`` is the layer's modelled latency.
    """

    sizes: Mapping[str, int]
    counts: Mapping[str, int]
    buffers: tuple[tuple[str, int], ...]
    cycles: int
    compute_cycles: int
    dma_cycles: int
    bytes_moved: int

    @property
    def steps(self) -> int:
        return prod(self.counts.values())


def evaluate(desc: OpTiling, sizes: Mapping[str, int], *, cores: int = NUM_CORES) -> TilingCost:
    """Score the tiling ``sizes`` (dim -> tile size) of ``desc``; sizes are assumed legal."""
    counts = tile_counts(desc, sizes)
    order = [d.name for d in desc.loop_order]
    buffers: list[tuple[str, int]] = []
    dma_total = first = last = moved = issues = 0
    for op in desc.operands:
        events = _events(op, order, counts)
        spans = _max_spans(op, sizes)
        tile_bytes = op.elem_bytes * prod(spans)
        buffers += [(f"{op.name}.{i}", tile_bytes) for i in range(2 if events > 1 else 1)]
        nbytes = op.elem_bytes * _moved_elements(op, order, sizes, counts, desc)
        per_tile = _transfers(spans, op.shape)
        dma_total += events * per_tile * dma_cycles(ceil(nbytes / (events * per_tile)))
        issues += events * per_tile
        moved += nbytes
        one = per_tile * dma_cycles(ceil(tile_bytes / per_tile))
        if op.output:
            last += one
        else:
            first += one
    split_reduction = any(d.reduction and counts[d.name] > 1 for d in desc.dims)
    for out in desc.outputs:
        if split_reduction and out.elem_bytes < desc.acc_bytes:
            buffers.append((f"{out.name}.acc", desc.acc_bytes * prod(_max_spans(out, sizes))))

    steps = prod(counts.values())
    hidden = max(dma_total - first - last, 0) / steps
    compute = cycles = 0
    for extents, n in _tile_classes(desc, sizes):
        c = _compute_cycles(desc, extents, cores)
        compute += n * c
        cycles += n * max(c, hidden)
    return TilingCost(
        sizes=dict(sizes), counts=counts, buffers=tuple(buffers),
        cycles=ceil(first + cycles + last + issues * DMA_ISSUE_INSTRUCTIONS),
        compute_cycles=compute, dma_cycles=dma_total,
        bytes_moved=moved,
    )


def _events(op: Operand, order: list[str], counts: Mapping[str, int]) -> int:
    """How often the operand's tile changes: the product of the trip counts of every loop
    down to the innermost split dim that indexes it (1 if none does)."""
    split = [i for i, d in enumerate(order) if d in op.dims and counts[d] > 1]
    return prod(counts[d] for d in order[: split[-1] + 1]) if split else 1


def _max_spans(op: Operand, sizes: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(a.max_span(sizes[a.dim]) if a.dim else a.extent for a in op.axes)


def _transfers(span: tuple[int, ...], full: tuple[int, ...]) -> int:
    """DMA transfers for one slice: the innermost partial axis and everything inside it is
    one contiguous run; the first outer axis is the 2-D stride; the rest are separate."""
    k = len(full) - 1
    while k > 0 and span[k] == full[k]:
        k -= 1
    outer = [s for s in span[:k] if s > 1]
    return prod(outer[:-1]) if outer else 1


def _moved_elements(op: Operand, order: list[str], sizes: Mapping[str, int],
                    counts: Mapping[str, int], desc: OpTiling) -> int:
    """Exact elements moved over the whole loop nest, halos and partial tiles included."""
    split = [i for i, d in enumerate(order) if d in op.dims and counts[d] > 1]
    outer = order[: split[-1] + 1] if split else []
    total = prod(counts[d] for d in outer if d not in op.dims)
    for d in op.dims:
        axes = tuple(a for a in op.axes if a.dim == d)
        total *= _span_sum(axes, desc.dim(d).extent, sizes[d])
    return total * prod(a.extent for a in op.axes if a.dim is None)


@lru_cache(maxsize=65536)
def _span_sum(axes: tuple[Axis, ...], extent: int, tile: int) -> int:
    """Sum over the tiles of one dim of the volume its axes read (clipped, with halos)."""
    total = 0
    for s in range(0, extent, tile):
        size = min(tile, extent - s)
        total += prod(hi - lo for lo, hi in (a.span(s, size) for a in axes))
    return total


def _tile_classes(desc: OpTiling, sizes: Mapping[str, int]):
    """(tile extents by dim, how many tiles have them): full tiles and partial last ones."""
    per_dim = []
    for d in desc.dims:
        t = sizes[d.name]
        full, rest = divmod(d.extent, t)
        per_dim.append([(t, full)] + ([(rest, 1)] if rest else []))
    for combo in itertools.product(*per_dim):
        yield {d.name: e for d, (e, _) in zip(desc.dims, combo, strict=True)}, prod(
            n for _, n in combo)


def _gemm_rq_cycles(desc: OpTiling, extents: Mapping[str, int], cores: int) -> int:
    """The critical core's instructions for one tsl_gemm_rq tile: rows over the cores when
    there are enough, else the N columns (tsl_k_gemm_rq.h, tsl_k_gemm_rq_pairs.h)."""
    n, k = extents["n"], extents["k"]
    rows = prod(extents[d.name] for d in desc.dims if d.name not in ("n", "k"))
    if rows >= cores:
        rows, cols = ceil(rows / cores), n
    else:
        cols = ceil(n / cores)
    table = GEMM_RQ_PAIRS_COLUMNS if desc.kernel == "gemm_rq_pairs" else GEMM_RQ_COLUMNS
    per_mac = next(c for w, c in table if cols >= w or w == 1)
    return ceil(rows * cols * (k * per_mac + GEMM_RQ_PER_OUTPUT))


def _compute_cycles(desc: OpTiling, extents: Mapping[str, int], cores: int) -> int:
    """One tile's parallel region: fork + barrier + the critical core's instructions."""
    if desc.kernel in ("gemm_rq", "gemm_rq_pairs"):
        return FORK_CYCLES + BARRIER_CYCLES + FORK_INSTRUCTIONS + \
            _gemm_rq_cycles(desc, extents, cores)
    parallel = max((extents[d.name] for d in desc.dims if not d.reduction), default=1)
    points = prod(extents.values()) * desc.work_per_point
    per_core = ceil(parallel / cores) * (points // parallel)
    return FORK_CYCLES + BARRIER_CYCLES + FORK_INSTRUCTIONS + \
        ceil(per_core * INSTRUCTIONS_PER_POINT[desc.kernel])

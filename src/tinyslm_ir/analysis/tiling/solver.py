"""Tile sizes and the layer's static L1 allocation, solved together in one CP-SAT model.

The objective is the layer's modelled cycles (`cost.evaluate`), with the L1 peak as a tie
breaker. Data movement alone is a poor proxy here: an element-wise op moves the same bytes
whatever its tiles, and so does any layer whose operands are each loaded once, so bytes cannot
tell one big tile from a hundred small ones, while cycles charge every tile its fork/barrier
and every transfer its DMA setup, and reward tiles that let DMA hide behind compute.

How the search stays in milliseconds per layer:

1. Candidate tile sizes per dim are the whole extent and successive halvings rounded up to the
   dim's granule, down to the granule: balanced tiles, O(log extent) of them.
2. Every combination is scored in closed form and only the Pareto front of (least L1 it can
   be packed into, cycles) is kept: a tiling that needs more L1 and is no faster never wins.
3. CP-SAT chooses one front entry (a one-hot over choices; each buffer's size is a linear
   function of the choice) and packs its buffers with the NoOverlap2D/cumulative blocks of
   `planners.cpsat` under the capacity, minimising cycles, then peak. The best entry that
   fits is the hint, so the time limit only ever cuts an improvement, never the answer.
4. Identical layers (equal descriptions) share one solution through `Tiler`'s cache.

Time in the packing: every buffer of a layer lives over the layer's whole loop nest. In the
steady state of a double-buffered loop both copies of every input (one computed on, one
being filled), both output copies (one written, one draining) and the accumulator are all
live at once, so splitting the layer into load/compute/store phases would only relabel the
same peak. The buffers therefore share one time step, and L1 is reused across layers
because each layer is planned alone.

If no front entry fits, `TilingInfeasibleError` comes from the closed-form minimum (step 2),
before any model is built: the diagnostic is instant.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import ceil, prod

from ortools.sat.python import cp_model

from tinyslm_ir.analysis.memory_plan import Buffer, Plan, aligned_lower_bound, verify_plan
from tinyslm_ir.analysis.planners.cpsat import add_buffer, add_no_overlap, add_peak
from tinyslm_ir.analysis.planners.driver import DEFAULT_ALIGNMENT
from tinyslm_ir.analysis.tiling.constraints import Dim, OpTiling
from tinyslm_ir.analysis.tiling.cost import TilingCost, evaluate
from tinyslm_ir.analysis.tiling.errors import TilingInfeasibleError
from tinyslm_ir.targets.siracusa.cost_model import NUM_CORES

MAX_CHOICES = 4096
"""Cap on the combinations scored per layer: candidate lists are thinned above it."""


@dataclass(frozen=True)
class TilingSolution:
    """The chosen tiling of one layer and its L1 plan.

    ``plan`` places every L1 buffer (names as in `TilingCost.buffers`) and has passed
    `verify_plan` against the capacity; ``optimal`` is True when CP-SAT proved that no
    candidate tiling has fewer modelled cycles (or, at equal cycles, a lower peak).
    """

    layer: str
    kind: str
    tile_sizes: Mapping[str, int]
    tile_counts: Mapping[str, int]
    plan: Plan
    cycles: int
    bytes_moved: int
    optimal: bool

    @property
    def peak(self) -> int:
        return self.plan.peak

    @property
    def lower_bound(self) -> int:
        """The least L1 these buffers can occupy, alignment padding included."""
        return aligned_lower_bound(self.plan.buffers)


@dataclass(frozen=True)
class Candidate:
    """A scored tiling: its cost and the least L1 its buffers pack into (alignment included)."""

    cost: TilingCost
    min_peak: int


def candidate_sizes(d: Dim) -> list[int]:
    """Tile sizes tried for ``d``, largest first: the extent, halvings, the granule."""
    if d.fixed is not None:
        return [d.extent]
    out = {d.extent}
    parts = 2
    while True:
        t = ceil(ceil(d.extent / parts) / d.granule) * d.granule
        if t < d.extent:
            out.add(t)
        if t <= d.granule:
            break
        parts *= 2
    return sorted(out, reverse=True)


def _thinned(lists: list[list[int]]) -> list[list[int]]:
    """Drop every other middle candidate of the longest list until the product is capped;
    the extent and the smallest size always stay, so the minimum L1 is still found."""
    lists = [list(c) for c in lists]
    while prod(len(c) for c in lists) > MAX_CHOICES:
        longest = max(lists, key=len)
        if len(longest) <= 2:
            break
        longest[1:-1] = longest[2:-1:2]
    return lists


def _buffers(cost: TilingCost, alignment: int) -> list[Buffer]:
    return [Buffer(name, size, 0, 1, alignment) for name, size in cost.buffers]


def pareto_front(desc: OpTiling, *, alignment: int = DEFAULT_ALIGNMENT,
                 cores: int = NUM_CORES) -> list[Candidate]:
    """Every candidate tiling that is not both larger and slower than another, least L1 first.

    The first entry needs the least L1 of *any* legal tiling, not just of the candidates:
    once it is known which dims are split (which fixes the copies and the accumulator),
    every buffer grows with every tile size, so the minimum has each dim at its extent or
    at its smallest split (the granule), and both are always candidates.
    """
    lists = _thinned([candidate_sizes(d) for d in desc.dims])
    names = [d.name for d in desc.dims]
    scored = []
    for combo in itertools.product(*lists):
        cost = evaluate(desc, dict(zip(names, combo, strict=True)), cores=cores)
        scored.append(Candidate(cost, aligned_lower_bound(_buffers(cost, alignment))))
    scored.sort(key=lambda c: (c.min_peak, c.cost.cycles))
    front: list[Candidate] = []
    for c in scored:
        if not front or c.cost.cycles < front[-1].cost.cycles:
            front.append(c)
    return front


def solve_tiling(desc: OpTiling, capacity: int, *, time_limit_s: float = 0.5,
                 alignment: int = DEFAULT_ALIGNMENT, cores: int = NUM_CORES) -> TilingSolution:
    """The fastest tiling of ``desc`` whose buffers fit ``capacity`` bytes, with its plan.

    Raises `TilingInfeasibleError` at once when even the smallest legal tiles do not fit.
    """
    front = pareto_front(desc, alignment=alignment, cores=cores)
    if front[0].min_peak > capacity:
        raise _infeasible(desc, capacity, front[0])
    fitting = [c for c in front if c.min_peak <= capacity]
    chosen, offsets, optimal = _solve_model(fitting, capacity, alignment, time_limit_s)
    buffers = [b for b in _buffers(chosen.cost, alignment) if b.size > 0]
    plan = Plan(tuple(buffers), {b.name: offsets[b.name] for b in buffers},
                method="tiling-cp-sat", optimal=optimal)
    verify_plan(buffers, plan, capacity)
    return TilingSolution(
        layer=desc.layer, kind=desc.kind, tile_sizes=dict(chosen.cost.sizes),
        tile_counts=dict(chosen.cost.counts), plan=plan, cycles=chosen.cost.cycles,
        bytes_moved=chosen.cost.bytes_moved, optimal=optimal,
    )


def _solve_model(choices: Sequence[Candidate], capacity: int, alignment: int,
                 time_limit_s: float) -> tuple[Candidate, dict[str, int], bool]:
    """One CP-SAT model: pick a choice, place its buffers, minimise (cycles, peak).

    Returns the choice, the offsets of its buffers and whether optimality was proven. When
    CP-SAT finds nothing in time, the hint (the fastest choice that fits, packed by size
    order) is returned: it is feasible by construction.
    """
    model = cp_model.CpModel()
    pick = [model.new_bool_var(f"choice{i}") for i in range(len(choices))]
    model.add_exactly_one(pick)
    names = sorted({n for c in choices for n, _ in c.cost.buffers})
    sizes = [dict(c.cost.buffers) for c in choices]
    placed = {}
    for name in names:
        options = [s.get(name, 0) for s in sizes]
        size = model.new_int_var_from_domain(
            cp_model.Domain.from_values(sorted(set(options))), f"{name}.size")
        model.add(size == sum(o * p for o, p in zip(options, pick, strict=True)))
        placed[name] = add_buffer(model, name, start=0, end=1, size=size, capacity=capacity,
                                  alignment=alignment)
    add_no_overlap(model, list(placed.values()), capacity)
    peak = add_peak(model, list(placed.values()), 0, capacity)
    # Each choice's aligned lower bound, which packing reaches: without it CP-SAT would
    # enumerate placements to prove that alignment padding cannot be packed away.
    model.add(peak >= sum(c.min_peak * p for c, p in zip(choices, pick, strict=True)))
    cycles = sum(c.cost.cycles * p for c, p in zip(choices, pick, strict=True))
    model.minimize(cycles * (capacity + 1) + peak)

    best = min(range(len(choices)), key=lambda i: choices[i].cost.cycles)
    hint = _packed(choices[best], alignment)
    for i, p in enumerate(pick):
        model.add_hint(p, i == best)
    for name, v in placed.items():
        if v.slot is not None:
            model.add_hint(v.slot, hint.get(name, 0) // alignment)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    solver.parameters.cp_model_presolve = False  # a model this small: presolve costs the most
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return choices[best], hint, False
    i = next(k for k, p in enumerate(pick) if solver.boolean_value(p))
    offsets = {n: solver.value(v.offset) for n, v in placed.items()}
    return choices[i], offsets, status == cp_model.OPTIMAL


def _packed(choice: Candidate, alignment: int) -> dict[str, int]:
    """Buffers back to back at aligned offsets, the most padded last: its peak is the
    aligned lower bound, which is how `min_peak` was computed."""
    order = sorted(choice.cost.buffers, key=lambda b: -b[1] % alignment)
    offsets, top = {}, 0
    for name, size in order:
        offsets[name] = top
        top += ceil(size / alignment) * alignment
    return offsets


def _infeasible(desc: OpTiling, capacity: int, smallest: Candidate) -> TilingInfeasibleError:
    """The diagnostic for a layer whose smallest tiling is over capacity."""
    sizes = smallest.cost.sizes
    reasons: dict[str, list[str]] = {}
    for d in desc.dims:
        if d.fixed is not None and d.extent > 1:
            reasons.setdefault(d.fixed, []).append(f"{d.name}={d.extent}")
        elif d.fixed is None and sizes[d.name] == d.granule > 1:
            reasons.setdefault(f"the kernel tiles {d.name} in multiples of {d.granule}", [])
    parts = [f"{why} ({', '.join(dims)})" if dims else why for why, dims in reasons.items()]
    constraint = "; ".join(parts) if parts else "every dim is already at its smallest tile"
    copies: dict[str, list[int]] = {}
    for name, size in smallest.cost.buffers:
        copies.setdefault(name.rsplit(".", 1)[0] if name[-1].isdigit() else name, []).append(size)
    breakdown = " + ".join(
        f"{op} {len(s)} x {s[0]} B" if len(s) > 1 else f"{op} {s[0]} B" for op, s in copies.items()
    )
    tiles = ", ".join(f"{n}={t}" for n, t in sizes.items())
    return TilingInfeasibleError(desc.layer or desc.kind, desc.kind, capacity,
                                 smallest.min_peak, constraint, f"tiles {tiles}: {breakdown}")


class Tiler:
    """Solves layers for one L1 budget, reusing the solution of identical layers."""

    def __init__(self, capacity: int, *, time_limit_s: float = 0.5,
                 alignment: int = DEFAULT_ALIGNMENT, cores: int = NUM_CORES) -> None:
        self.capacity = capacity
        self.time_limit_s = time_limit_s
        self.alignment = alignment
        self.cores = cores
        self._cache: dict[OpTiling, TilingSolution | TilingInfeasibleError] = {}

    def solve(self, desc: OpTiling) -> TilingSolution:
        """`solve_tiling` for this budget; raises `TilingInfeasibleError` like it."""
        found = self._cache.get(desc)
        if found is None:
            try:
                found = solve_tiling(desc, self.capacity, time_limit_s=self.time_limit_s,
                                     alignment=self.alignment, cores=self.cores)
            except TilingInfeasibleError as e:
                found = e
            self._cache[desc] = found
        if isinstance(found, TilingInfeasibleError):
            raise TilingInfeasibleError(desc.layer or desc.kind, found.kind, found.capacity,
                                        found.min_bytes, found.constraint, found.breakdown)
        return replace(found, layer=desc.layer)

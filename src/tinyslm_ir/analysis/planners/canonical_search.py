"""Exact feasibility search over canonical plans (the MiniMalloc algorithm, re-implemented).

Greedy placement leaves holes that a tight level cannot afford, and CP-SAT's generic 2D
no-overlap reasoning is slow to close them on hundreds of buffers. This depth-first search,
after Moffitt's MiniMalloc (ASPLOS 2023), decides "do these buffers fit in ``capacity``?" and
only visits *canonical* plans: buffers are placed in non-decreasing offset order, each at the
lowest offset the buffers below it allow. Every feasible instance has a canonical plan (push all
buffers down as far as they go and sort them by offset), so nothing is lost, and the search
prunes with three facts that hold for canonical plans:

- *dominance*: if some unplaced buffer would end below the offset of the candidate, placing the
  candidate first would leave a hole that buffer could drop into, so the branch is skipped;
- *section inference*: in every time section the unplaced buffers must stack above the section's
  floor (the last offset used, and the lowest offset any unplaced buffer there can take) and
  still end within ``capacity``; the last-offset part is one cut-off per node on the candidates,
  the rest is re-checked only on the sections a placement changed;
- *restarts*: several static orderings (by lifetime width, area and section load) are tried in
  turn under a node limit that doubles each round, so one bad early choice cannot eat the
  whole time budget.

Pinned buffers are obstacles: offsets skip over them, and section inference ignores them (a
weaker but still valid bound).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tinyslm_ir.analysis.memory_plan import Buffer, Plan


class _OutOfNodes(Exception):
    """The current restart used up its node budget."""


class _OutOfTime(Exception):
    """The whole search used up its time budget."""


@dataclass
class _Problem:
    """The searched buffers as flat arrays over compressed time sections (indices, not names)."""

    sizes: list[int]
    aligns: list[int]
    first: list[int]  # first section of each buffer
    last: list[int]  # one past its last section
    overlaps: list[list[int]]  # searched buffers live together with each buffer
    obstacles: list[list[tuple[int, int]]]  # address ranges of pinned buffers live with it
    sections: int


def canonical_search(
    buffers: Sequence[Buffer], capacity: int, *, time_limit_s: float
) -> Plan | None:
    """Return a plan within ``capacity``, or None if none was found in ``time_limit_s``.

    None does not prove infeasibility (the search stops at its time limit); the caller keeps
    the trivial lower bound, or CP-SAT's bound, for that.
    """
    deadline = time.monotonic() + time_limit_s
    searched = [i for i, b in enumerate(buffers) if b.offset is None and b.size > 0]
    offsets = {b.name: b.offset if b.offset is not None else 0 for b in buffers}
    if searched:
        problem = _build(buffers, searched)
        found = _restarts(problem, capacity, deadline)
        if found is None:
            return None
        for k, i in enumerate(searched):
            offsets[buffers[i].name] = found[k]
    if any(offsets[b.name] + b.size > capacity for b in buffers):
        return None  # a pinned buffer alone breaks the capacity
    return Plan(tuple(buffers), offsets, method="canonical-search")


def _build(buffers: Sequence[Buffer], searched: list[int]) -> _Problem:
    chosen = [buffers[i] for i in searched]
    steps = sorted({b.start for b in chosen} | {b.end for b in chosen})
    rank = {t: k for k, t in enumerate(steps)}
    pinned = [b for b in buffers if b.offset is not None and b.size > 0]
    overlaps: list[list[int]] = [[] for _ in chosen]
    for i, a in enumerate(chosen):
        for j in range(i + 1, len(chosen)):
            b = chosen[j]
            if a.start < b.end and b.start < a.end:
                overlaps[i].append(j)
                overlaps[j].append(i)
    return _Problem(
        sizes=[b.size for b in chosen],
        aligns=[b.alignment for b in chosen],
        first=[rank[b.start] for b in chosen],
        last=[rank[b.end] for b in chosen],
        overlaps=overlaps,
        obstacles=[
            sorted(
                (p.offset, p.offset + p.size)
                for p in pinned
                if p.start < b.end and b.start < p.end and p.offset is not None
            )
            for b in chosen
        ],
        sections=max(len(steps) - 1, 0),
    )


_PREORDERS: dict[str, Callable[[int, int, int], tuple[int, ...]]] = {
    # (width in sections, area, heaviest section load), larger first; MiniMalloc's WAT/TAW/TWA.
    "WAT": lambda w, a, t: (-w, -a, -t),
    "TAW": lambda w, a, t: (-t, -a, -w),
    "TWA": lambda w, a, t: (-t, -w, -a),
}


def _restarts(problem: _Problem, capacity: int, deadline: float) -> list[int] | None:
    load = [0] * problem.sections
    for i, size in enumerate(problem.sizes):
        for s in range(problem.first[i], problem.last[i]):
            load[s] += size
    if max(load, default=0) > capacity:
        return None
    n = len(problem.sizes)
    features = [
        (
            problem.last[i] - problem.first[i],
            problem.sizes[i] * (problem.last[i] - problem.first[i]),
            max(load[problem.first[i] : problem.last[i]]),
        )
        for i in range(n)
    ]
    ranks = []
    for key in _PREORDERS.values():
        order = sorted(range(n), key=lambda i: (*key(*features[i]), i))
        rank = [0] * n
        for r, i in enumerate(order):
            rank[i] = r
        ranks.append(rank)
    node_limit = 2 * n
    while time.monotonic() < deadline:
        for rank in ranks:
            try:
                return _Search(problem, capacity, rank, load, node_limit, deadline).run()
            except _OutOfNodes:
                continue
            except _OutOfTime:
                return None
        node_limit *= 2
    return None


class _Search:
    """One depth-first search under a fixed static ordering and node budget.

    State is kept incrementally with an undo log, so a candidate costs O(its overlaps) plus one
    numpy pass over the sections it can affect. Two invariants keep the per-candidate test
    small: placements start at non-decreasing offsets (so one bound per node,
    ``capacity - max(remaining)``, rejects every candidate that the last offset alone would
    sink), and an unplaced buffer's lowest offset is never below the top of a placed buffer it
    overlaps (so a section's highest placed buffer never bounds it more than its unplaced ones).
    """

    def __init__(
        self,
        problem: _Problem,
        capacity: int,
        rank: list[int],
        load: list[int],
        node_limit: int,
        deadline: float,
    ) -> None:
        self.p = problem
        self.capacity = capacity
        self.rank = rank
        self.nodes_left = node_limit
        self.deadline = deadline
        n = len(problem.sizes)
        self.offset: list[int | None] = [None] * n
        self.min_offset = [self._lift(i, 0) for i in range(n)]
        # Vector mirrors for section inference: unplaced buffers' lowest offsets (capacity once
        # placed: no longer a lower bound), bytes still to place per section, and `absent`
        # (capacity where a buffer is not live in a section, 0 where it is), so that
        # min(absent[s] + lowest) is the lowest offset of an unplaced buffer in section s.
        self.lowest = np.array(self.min_offset, dtype=np.int64)
        self.remaining = np.array(load, dtype=np.int64)
        self.absent = np.full((problem.sections, n), capacity, dtype=np.int64)
        for i in range(n):
            self.absent[problem.first[i] : problem.last[i], i] = 0
        # crossing[s]: unplaced buffers live in both section s - 1 and section s.
        self.crossing = [0] * (problem.sections + 1)
        for i in range(n):
            for s in range(problem.first[i] + 1, problem.last[i]):
                self.crossing[s] += 1

    def run(self) -> list[int] | None:
        unplaced = sorted(range(len(self.p.sizes)), key=lambda i: self.rank[i])
        if not self._consistent(0, self.p.sections):
            return None
        if not self._dfs(unplaced, 0, self.p.sections, 0, -1):
            return None
        return [o if o is not None else 0 for o in self.offset]

    def _lift(self, i: int, base: int) -> int:
        """Lowest offset >= base for buffer i that is aligned and clear of pinned buffers."""
        align, size = self.p.aligns[i], self.p.sizes[i]
        offset = -(-base // align) * align
        for lo, hi in self.p.obstacles[i]:
            if offset + size <= lo:
                break
            if hi > offset:
                offset = -(-hi // align) * align
        return offset

    def _dfs(self, unplaced: list[int], lo: int, hi: int, last_offset: int, last_rank: int) -> bool:
        """Place ``unplaced``, which all live within sections ``[lo, hi)``; keep them on success."""
        if not unplaced:
            return True
        self.nodes_left -= 1
        if self.nodes_left < 0:
            raise _OutOfNodes
        if self.nodes_left % 256 == 0 and time.monotonic() > self.deadline:
            raise _OutOfTime
        min_offset, sizes, rank, capacity = self.min_offset, self.p.sizes, self.rank, self.capacity
        # Dominance: a candidate at or above some buffer's lowest top would leave a hole that
        # buffer fits into. Sections: every later placement starts at or above the candidate,
        # so a section still holding `remaining` bytes needs offset + remaining <= capacity (a
        # section where the candidate is alone is covered by its own capacity test).
        bound = min(
            min(min_offset[i] + sizes[i] for i in unplaced),
            capacity - int(self.remaining[lo:hi].max()) + 1,
        )
        candidates = sorted(
            (i for i in unplaced if min_offset[i] < bound), key=lambda i: (min_offset[i], rank[i])
        )
        for i in candidates:
            offset = min_offset[i]
            if offset < last_offset or (offset == last_offset and rank[i] < last_rank):
                continue  # not canonical: it would have been placed earlier
            if offset + sizes[i] > capacity:
                continue
            undo, touched_lo, touched_hi = self._place(i, offset)
            cuts = self._cut(i, lo, hi)
            if self._consistent(max(lo, touched_lo), min(hi, touched_hi)):
                rest = [j for j in unplaced if j != i]
                if len(cuts) == 2:
                    if self._dfs(rest, lo, hi, offset, rank[i]):
                        return True
                elif self._solve_parts(rest, cuts):
                    return True
            self._uncut(i)
            self._unplace(i, undo)
        return False

    def _cut(self, i: int, lo: int, hi: int) -> list[int]:
        """Drop buffer i from the section-boundary counts; return the partition's split points.

        When no unplaced buffer crosses a boundary any more, the buffers on either side never
        interact again and are solved one after the other (MiniMalloc's dynamic decomposition).
        """
        points = [lo]
        crossing = self.crossing
        for s in range(self.p.first[i] + 1, self.p.last[i]):
            crossing[s] -= 1
            if crossing[s] == 0 and lo < s < hi:
                points.append(s)
        points.append(hi)
        return sorted(points)

    def _uncut(self, i: int) -> None:
        for s in range(self.p.first[i] + 1, self.p.last[i]):
            self.crossing[s] += 1

    def _solve_parts(self, rest: list[int], cuts: list[int]) -> bool:
        lists = (self.offset, self.min_offset, self.crossing)
        arrays = (self.lowest, self.remaining)
        saved_lists = [list(values) for values in lists]
        saved_arrays = [values.copy() for values in arrays]
        for lo, hi in itertools.pairwise(cuts):
            part = [j for j in rest if lo <= self.p.first[j] and self.p.last[j] <= hi]
            if part and not self._dfs(part, lo, hi, 0, -1):
                # In place: callers' frames hold these objects.
                for values, copy in zip(lists, saved_lists, strict=True):
                    values[:] = copy
                for array, copy in zip(arrays, saved_arrays, strict=True):
                    array[:] = copy
                return False
        return True

    def _place(self, i: int, offset: int) -> tuple[list[tuple[int, int]], int, int]:
        """Place buffer i; return the undo log and the sections whose bounds changed."""
        p, min_offset, lowest = self.p, self.min_offset, self.lowest
        self.offset[i] = offset
        top = offset + p.sizes[i]
        first, last = p.first[i], p.last[i]
        self.remaining[first:last] -= p.sizes[i]
        lowest[i] = self.capacity
        undo = []
        for j in p.overlaps[i]:
            if self.offset[j] is None and min_offset[j] < top:
                undo.append((j, min_offset[j]))
                min_offset[j] = lowest[j] = self._lift(j, top)
                first, last = min(first, p.first[j]), max(last, p.last[j])
        return undo, first, last

    def _unplace(self, i: int, undo: list[tuple[int, int]]) -> None:
        p = self.p
        self.offset[i] = None
        self.remaining[p.first[i] : p.last[i]] += p.sizes[i]
        self.lowest[i] = self.min_offset[i]
        for j, old in undo:
            self.min_offset[j] = self.lowest[j] = old

    def _consistent(self, lo: int, hi: int) -> bool:
        """Section inference over ``[lo, hi)``: each section's unplaced buffers, stacked from the
        lowest offset any of them can take, end within capacity."""
        if lo >= hi:
            return True
        remaining = self.remaining[lo:hi]
        floor = (self.absent[lo:hi] + self.lowest).min(axis=1)
        return not ((floor + remaining > self.capacity) & (remaining > 0)).any()

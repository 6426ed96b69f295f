"""The fast planner: first-fit placement over a portfolio of buffer orderings.

Each run places buffers one at a time, in a given order, at the lowest aligned offset where
they do not collide with an already placed buffer that is live at the same time ("greedy by
size" in TFLite Micro's planner, and the placement step of best-fit-decreasing). Which order is
best depends on the schedule: large-first packs transformer activations tightly, longest-first
keeps long-lived buffers (residual streams, KV caches) at the bottom so short-lived scratch
fills the holes above, and the most contended buffers first helps when the peak is one crowded
step. Running every ordering costs a few milliseconds per hundred buffers, so the planner runs
them all and keeps the lowest peak; that is what makes it a good warm start for CP-SAT too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tinyslm_ir.analysis.memory_plan import Buffer, Plan

Order = Callable[[Buffer, int], tuple[int, ...]]
"""A sort key for a buffer, given the total bytes of the buffers live together with it."""

ORDERS: dict[str, Order] = {
    "size": lambda b, _: (-b.size, b.start - b.end, b.start),
    "lifetime": lambda b, _: (b.start - b.end, -b.size, b.start),
    "area": lambda b, _: (-(b.size * (b.end - b.start)), -b.size, b.start),
    "contention": lambda b, c: (-c, -b.size, b.start),
    "start": lambda b, _: (b.start, b.start - b.end, -b.size),
}


def greedy_plan(buffers: Sequence[Buffer]) -> Plan:
    """Return the lowest-peak first-fit plan over all orderings in `ORDERS`.

    Pinned buffers keep their offsets and are treated as already placed. The plan is never
    checked against a capacity here: the caller compares its peak with the level size.
    """
    conflicts = _time_conflicts(buffers)
    contention = [
        b.size + sum(buffers[j].size for j in conflicts[i]) for i, b in enumerate(buffers)
    ]
    best: tuple[int, str, list[int]] | None = None
    for name, key in ORDERS.items():
        order = sorted(range(len(buffers)), key=lambda i: key(buffers[i], contention[i]))
        offsets = first_fit(buffers, conflicts, order)
        top = max((o + b.size for o, b in zip(offsets, buffers, strict=True)), default=0)
        if best is None or top < best[0]:
            best = (top, name, offsets)
    assert best is not None
    _, name, offsets = best
    return Plan(
        tuple(buffers),
        {b.name: o for b, o in zip(buffers, offsets, strict=True)},
        method=f"greedy/{name}",
    )


def first_fit(
    buffers: Sequence[Buffer], conflicts: Sequence[Sequence[int]], order: Sequence[int]
) -> list[int]:
    """Place ``buffers`` in ``order`` at their lowest free aligned offset; return the offsets.

    ``conflicts[i]`` lists the buffers live at some step together with buffer ``i``. Pinned
    buffers are placed first, wherever ``order`` puts them.
    """
    offsets: list[int | None] = [b.offset for b in buffers]
    for i in order:
        b = buffers[i]
        if offsets[i] is not None:
            continue
        taken = sorted(
            (offsets[j], offsets[j] + buffers[j].size)
            for j in conflicts[i]
            if offsets[j] is not None and buffers[j].size > 0
        )
        offset = 0
        for lo, hi in taken:
            if offset + b.size <= lo:
                break
            if hi > offset:
                offset = -(-hi // b.alignment) * b.alignment
        offsets[i] = offset
    return [o if o is not None else 0 for o in offsets]


def _time_conflicts(buffers: Sequence[Buffer]) -> list[list[int]]:
    """For each buffer, the indices of the others live at some common step (sweep over time)."""
    events = sorted(
        [(b.start, 1, i) for i, b in enumerate(buffers)]
        + [(b.end, 0, i) for i, b in enumerate(buffers)]
    )
    conflicts: list[list[int]] = [[] for _ in buffers]
    live: set[int] = set()
    for _, is_alloc, i in events:
        if not is_alloc:
            live.discard(i)
            continue
        for j in live:
            conflicts[i].append(j)
            conflicts[j].append(i)
        live.add(i)
    return conflicts

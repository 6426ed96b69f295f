"""`plan_memory`: the planner the compiler calls, trading time for peak in three stages.

1. Greedy first-fit over several orderings: milliseconds, and on transformer schedules usually
   at or near the lower bound. If it reaches the bound it is optimal and we stop.
2. The canonical (MiniMalloc) search, asked for the lower bound itself and then, if the greedy
   plan does not fit, for the capacity: it is the stage that closes tight, puzzle-like levels.
3. CP-SAT, warm-started from the best plan so far, minimising the peak for the time left; it
   also proves infeasibility and tightens the bound reported when nothing fits.

Every returned plan has passed `verify_plan`: a planner bug surfaces as an exception here,
never as two tensors sharing memory on the chip.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace

from tinyslm_ir.analysis.memory_plan import (
    Buffer,
    MemoryPlanInfeasibleError,
    Plan,
    aligned_lower_bound,
    verify_plan,
)
from tinyslm_ir.analysis.planners.canonical_search import canonical_search
from tinyslm_ir.analysis.planners.cpsat import Status, solve_cpsat
from tinyslm_ir.analysis.planners.greedy import greedy_plan

DEFAULT_ALIGNMENT = 8
"""Bytes: the cluster DMA and 64-bit loads want 8-byte aligned buffers."""


def plan_memory(
    buffers: Sequence[Buffer],
    capacity: int,
    *,
    time_limit_s: float = 10.0,
    alignment: int = DEFAULT_ALIGNMENT,
    workers: int = 8,
) -> Plan:
    """Place ``buffers`` in a level of ``capacity`` bytes with as low a peak as time allows.

    Every planned offset is aligned to the least common multiple of ``alignment`` and the
    buffer's own alignment (pinned buffers keep theirs: they were placed by someone else); the
    returned plan's buffers carry that effective alignment. ``time_limit_s``
    bounds the search stages (greedy always runs). Raises `MemoryPlanInfeasibleError` when no
    plan within ``capacity`` is found, with the lower bound and the best peak seen.
    """
    names = [b.name for b in buffers]
    if len(set(names)) != len(names):
        raise ValueError("buffer names must be unique")
    aligned = [
        b if b.offset is not None else replace(b, alignment=math.lcm(b.alignment, alignment))
        for b in buffers
    ]
    deadline = time.monotonic() + time_limit_s
    bound = aligned_lower_bound(aligned)
    best = greedy_plan(aligned)
    if bound > capacity:
        raise MemoryPlanInfeasibleError(capacity, bound, best.peak, proven=True)
    if best.peak == bound:
        return _checked(aligned, replace(best, optimal=True), capacity)

    # The search only answers "does it fit in N bytes?": ask for the bound, then the capacity.
    targets = [bound] if best.peak <= capacity or bound == capacity else [bound, capacity]
    for k, target in enumerate(targets):
        # Two thirds of the time left go to the search: on tight levels it is the stage that
        # succeeds; CP-SAT keeps the rest to improve a loose plan or prove infeasibility.
        share = 2 * (deadline - time.monotonic()) / (3 * (len(targets) - k))
        found = canonical_search(aligned, target, time_limit_s=share)
        if found is not None:
            if found.peak <= bound:
                return _checked(aligned, replace(found, optimal=True), capacity)
            if found.peak < best.peak:
                best = found
            break

    hint = best if best.peak <= capacity else None
    result = solve_cpsat(
        aligned,
        capacity,
        time_limit_s=max(deadline - time.monotonic(), 0.1),
        hint=hint,
        workers=workers,
    )
    if result.plan is not None and result.plan.peak <= best.peak:
        best = result.plan
    if best.peak > capacity:
        raise MemoryPlanInfeasibleError(
            capacity, result.bound, best.peak, proven=result.status is Status.INFEASIBLE
        )
    return _checked(aligned, best, capacity)


def _checked(buffers: list[Buffer], plan: Plan, capacity: int) -> Plan:
    verify_plan(buffers, plan, capacity)
    return plan

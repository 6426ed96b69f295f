"""Give every `lmem.alloc` of one memory level a static offset.

The planner (`tinyslm_ir.analysis.planners.plan_memory`) works on plain `Buffer`s; this pass
only translates: each alloc of the level becomes a buffer (closed `live` interval -> the
planner's half-open one), and the planned offsets are written back as the allocs' `offset`
property. The result of each planned level is recorded on the module as

    lmem.plan = {L2 = {peak = P, lower_bound = B, capacity = C, optimal = true, method = "..."}}

so that drivers can report the peak against the lower bound: the most bytes live at once, with
each size rounded up to the alignment every offset keeps (`aligned_lower_bound`).
A level that cannot fit is a diagnostic naming the level, its capacity and the bytes needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import (
    BoolAttr,
    DictionaryAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    i64,
)
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from tinyslm_ir.analysis.memory_plan import (
    Buffer,
    MemoryPlanInfeasibleError,
    aligned_lower_bound,
)
from tinyslm_ir.analysis.planners import plan_memory
from tinyslm_ir.dialects import lmem

PLAN_ATTR = "lmem.plan"
"""Module attribute: per-level planning results, a dictionary of dictionaries."""


def level_allocs(module: ModuleOp, level: str) -> list[lmem.AllocOp]:
    """The allocs of `level`, in IR order: the index (with the type) names the planner buffer."""
    return [op for op in module.walk() if isinstance(op, lmem.AllocOp) and op.level.data == level]


def as_buffer(index: int, alloc: lmem.AllocOp) -> Buffer:
    """The planner's view of an alloc: closed live [s, e] becomes half-open [s, e + 1)."""
    start, end = alloc.live_range
    return Buffer(f"{alloc.level.data}#{index}:{alloc.res.type}", alloc.size, start, end + 1,
                  alloc.alignment.value.data)


def record_plan(module: ModuleOp, level: str, entries: dict[str, int | bool | str]) -> None:
    """Set this level's entry of `lmem.plan`, keeping the other levels'."""
    current = module.attributes.get(PLAN_ATTR)
    levels = dict(current.data) if isinstance(current, DictionaryAttr) else {}
    levels[level] = DictionaryAttr({
        k: BoolAttr.from_bool(v) if isinstance(v, bool)
        else StringAttr(v) if isinstance(v, str) else IntegerAttr(v, i64)
        for k, v in entries.items()
    })
    module.attributes[PLAN_ATTR] = DictionaryAttr(levels)


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    """Plan the offsets of `level` within `capacity` bytes, searching for up to `time-limit` s."""

    name = "plan-memory"

    level: str = "L2"
    capacity: int = 2097152
    time_limit: float | int = 10.0
    """Seconds of planner search; `time-limit=2` parses as an int, hence the union."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        allocs = level_allocs(op, self.level)
        buffers = [as_buffer(i, a) for i, a in enumerate(allocs)]
        try:
            plan = plan_memory(buffers, self.capacity, time_limit_s=self.time_limit)
        except MemoryPlanInfeasibleError as e:
            if e.lower_bound > self.capacity:
                raise DiagnosticException(
                    f"plan-memory: level {self.level} needs at least {e.lower_bound} bytes "
                    f"but its capacity is {self.capacity} bytes"
                ) from e
            raise DiagnosticException(
                f"plan-memory: level {self.level} does not fit its capacity of "
                f"{self.capacity} bytes: {e}"
            ) from e
        for alloc, buf in zip(allocs, buffers, strict=True):
            alloc.properties["offset"] = IntegerAttr(plan.offsets[buf.name], i64)
        record_plan(op, self.level, {
            "peak": plan.peak,
            "lower_bound": aligned_lower_bound(buffers),
            "capacity": self.capacity,
            "optimal": plan.optimal,
            "method": plan.method,
        })

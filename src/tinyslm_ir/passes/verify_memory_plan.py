"""Check the memory plan written on the IR, independently of the pass that wrote it.

Two things must hold for the generated C to be right, and both are checked from the IR alone:

1. every alloc's `live` range covers every call that uses it (recomputed from the calls with
   `tinyslm_ir.analysis.lifetimes`), so a bufferization bug cannot hide behind a correct plan
   of wrong lifetimes;
2. the offsets are a valid plan of those ranges: every alloc of the level has one, no two
   allocs live at the same step overlap, all end within the capacity and are aligned
   (`tinyslm_ir.analysis.memory_plan.verify_plan`, which shares no code with the planners).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from tinyslm_ir.analysis.lifetimes import live_intervals
from tinyslm_ir.analysis.memory_plan import Plan, PlanVerificationError, verify_plan
from tinyslm_ir.dialects import lmem
from tinyslm_ir.passes.plan_memory import as_buffer, level_allocs


def check_live_ranges(fn: func.FuncOp) -> None:
    """Every alloc of `fn` must be live at every call (schedule step) that uses it."""
    calls = [op for op in fn.walk() if isinstance(op, lmem.CallOp)]
    used = live_intervals([(c.buffers, ()) for c in calls])
    for alloc in fn.walk():
        if not isinstance(alloc, lmem.AllocOp) or alloc.res not in used:
            continue
        (start, end), (first, last) = alloc.live_range, used[alloc.res]
        if not start <= first <= last <= end:
            raise DiagnosticException(
                f"verify-memory-plan: {alloc.res.type} allocated in {alloc.level.data} is live "
                f"over [{start}, {end}] but used by calls {first} to {last}"
            )


@dataclass(frozen=True)
class VerifyMemoryPlanPass(ModulePass):
    """Fail with a diagnostic unless the plan of `level` is valid within `capacity` bytes."""

    name = "verify-memory-plan"

    level: str = "L2"
    capacity: int = 2097152

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.walk():
            if isinstance(fn, func.FuncOp):
                check_live_ranges(fn)
        allocs = level_allocs(op, self.level)
        buffers = [as_buffer(i, a) for i, a in enumerate(allocs)]
        offsets = {b.name: a.offset.value.data
                   for b, a in zip(buffers, allocs, strict=True) if a.offset is not None}
        try:
            verify_plan(buffers, Plan(tuple(buffers), offsets, "ir"), self.capacity)
        except PlanVerificationError as e:
            raise DiagnosticException(
                f"verify-memory-plan: invalid plan of level {self.level} "
                f"(capacity {self.capacity} bytes): {e}"
            ) from e

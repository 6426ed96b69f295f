"""CP-SAT memory planning: reusable model pieces, and a solver that minimises the peak.

A plan is a set of rectangles in (time x address) that must not overlap: each buffer is a fixed
interval in time and a sized interval in address, and `AddNoOverlap2D` forbids overlap. The
pieces are separate functions (`add_buffer`, `add_no_overlap`, `add_peak`) so that the tiling
pass can put buffers whose *sizes* are variables (one per candidate tile size) into its own
model and co-optimise tile sizes with the L1 allocation; `solve_cpsat` is the fixed-size use.

Two reductions make the fixed-size model small without losing any plan:
- time is compressed to the ranks of the distinct start/end steps;
- addresses are counted in units of the gcd of all sizes, alignments and pinned offsets: pushing
  every buffer down as far as it goes yields offsets that are sums of sizes rounded up to
  alignments, hence multiples of that unit, so some optimal plan lives on the coarse grid.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from tinyslm_ir.analysis.memory_plan import Buffer, Plan, lower_bound


@dataclass(frozen=True)
class BufferVars:
    """The CP-SAT view of one buffer.

    ``slot`` is the decision variable (None when the offset is pinned); the offset is
    ``alignment * slot``, so alignment costs no extra constraint.
    """

    slot: cp_model.IntVar | None
    alignment: int
    offset: cp_model.LinearExprT
    size: cp_model.LinearExprT
    time: cp_model.IntervalVar
    address: cp_model.IntervalVar


def add_buffer(
    model: cp_model.CpModel,
    name: str,
    *,
    start: int,
    end: int,
    size: int | cp_model.IntVar,
    capacity: int,
    alignment: int = 1,
    fixed_offset: int | None = None,
) -> BufferVars:
    """Add one buffer live over ``[start, end)`` with a constant or variable ``size``.

    The offset is a multiple of ``alignment`` and the buffer ends within ``capacity`` (all in
    the caller's address unit). A variable size is what lets a tiling model choose tile sizes.
    """
    time = model.new_fixed_size_interval_var(start, end - start, f"{name}.time")
    smallest = size if isinstance(size, int) else size.proto.domain[0]
    slot: cp_model.IntVar | None = None
    if fixed_offset is None:
        slot = model.new_int_var(0, max(capacity - smallest, 0) // alignment, f"{name}.slot")
        offset: cp_model.LinearExprT = alignment * slot
    else:
        offset = fixed_offset
        if isinstance(size, int) and fixed_offset + size > capacity:
            model.add_bool_or([])  # a pinned buffer beyond the capacity: nothing fits
    if isinstance(size, int):
        address = model.new_fixed_size_interval_var(offset, size, f"{name}.address")
    else:
        top = model.new_int_var(0, capacity, f"{name}.top")
        address = model.new_interval_var(offset, size, top, f"{name}.address")
    return BufferVars(
        slot=slot, alignment=alignment, offset=offset, size=size, time=time, address=address
    )


def add_no_overlap(
    model: cp_model.CpModel, buffers: Sequence[BufferVars], capacity: int | cp_model.IntVar
) -> None:
    """Forbid two buffers live at once from sharing an address.

    The cumulative constraint is implied by the 2D one (at any step the live sizes add up to
    at most the capacity) but lets CP-SAT prune with the live-bytes bound directly.
    """
    model.add_no_overlap_2d([b.time for b in buffers], [b.address for b in buffers])
    model.add_cumulative([b.time for b in buffers], [b.size for b in buffers], capacity)


def add_peak(
    model: cp_model.CpModel, buffers: Sequence[BufferVars], lower: int, upper: int
) -> cp_model.IntVar:
    """A variable in ``[lower, upper]`` that is at least every buffer's end address."""
    peak = model.new_int_var(lower, upper, "peak")
    for b in buffers:
        model.add(peak >= b.offset + b.size)
    return peak


class Status(enum.Enum):
    """What a CP-SAT run established."""

    OPTIMAL = "optimal"  # the plan has the least possible peak
    FEASIBLE = "feasible"  # a plan within capacity, maybe not the best
    INFEASIBLE = "infeasible"  # proven: nothing fits the capacity
    UNKNOWN = "unknown"  # time ran out before any plan within capacity was found


@dataclass(frozen=True)
class CpSatResult:
    """The outcome of `solve_cpsat`: a plan within capacity (or None) and a proven bound."""

    status: Status
    plan: Plan | None
    bound: int  # no plan has a smaller peak than this


def solve_cpsat(
    buffers: Sequence[Buffer],
    capacity: int,
    *,
    time_limit_s: float,
    hint: Plan | None = None,
    workers: int = 8,
) -> CpSatResult:
    """Minimise the peak of ``buffers`` within ``capacity``, for at most ``time_limit_s``.

    ``hint`` (a greedy plan, say) warm-starts the search; when it fits, its peak also caps
    the objective so CP-SAT only looks for improvements. The returned plan never exceeds
    ``capacity``: the model cannot express one that does.
    """
    unit = _address_unit(buffers)
    steps = sorted({b.start for b in buffers} | {b.end for b in buffers})
    rank = {t: k for k, t in enumerate(steps)}
    trivial = lower_bound(buffers)
    top = capacity // unit
    if hint is not None and hint.peak <= capacity:
        top = hint.peak // unit
    if trivial > top * unit:
        return CpSatResult(Status.INFEASIBLE, None, trivial)

    model = cp_model.CpModel()
    variables: dict[str, BufferVars] = {}
    for b in buffers:
        variables[b.name] = add_buffer(
            model,
            b.name,
            start=rank[b.start],
            end=rank[b.end],
            size=b.size // unit,
            capacity=top,
            alignment=b.alignment // math.gcd(b.alignment, unit),
            fixed_offset=None if b.offset is None else b.offset // unit,
        )
    placed = list(variables.values())
    # A zero-size buffer occupies no address, but CP-SAT would still keep it out of the
    # interior of other boxes; leave it out of the packing, as the verifier does.
    occupying = [v for b, v in zip(buffers, placed, strict=True) if b.size > 0]
    add_no_overlap(model, occupying, top)
    peak = add_peak(model, placed, -(-trivial // unit), top)
    model.minimize(peak)
    if hint is not None:
        _add_hint(model, variables, hint.offsets, unit)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    bound = max(trivial, int(solver.best_objective_bound) * unit)
    if status == cp_model.INFEASIBLE:
        return CpSatResult(Status.INFEASIBLE, None, max(trivial, top * unit + 1))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CpSatResult(Status.UNKNOWN, None, trivial)
    offsets = {
        name: (v.offset if isinstance(v.offset, int) else solver.value(v.offset)) * unit
        for name, v in variables.items()
    }
    optimal = status == cp_model.OPTIMAL
    plan = Plan(tuple(buffers), offsets, method="cp-sat", optimal=optimal)
    return CpSatResult(Status.OPTIMAL if optimal else Status.FEASIBLE, plan, bound)


def _address_unit(buffers: Sequence[Buffer]) -> int:
    """The gcd of every size, alignment and pinned offset: a lossless address grid."""
    unit = 0
    for b in buffers:
        unit = math.gcd(unit, b.size, b.alignment, b.offset or 0)
    return unit or 1


def _add_hint(
    model: cp_model.CpModel,
    variables: Mapping[str, BufferVars],
    offsets: Mapping[str, int],
    unit: int,
) -> None:
    for name, v in variables.items():
        offset = offsets.get(name)
        if v.slot is None or offset is None:
            continue
        model.add_hint(v.slot, offset // (unit * v.alignment))

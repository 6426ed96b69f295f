"""Static memory plans: the data model, the trivial lower bound and an independent verifier.

A memory level (L1, L2, weight memory) is planned once, at compile time: every buffer gets a
fixed byte offset inside the level, so the generated C needs no allocator. This module holds
what every planner and every consumer of a plan shares, and nothing that searches for a plan:

- `Buffer`: a size, a live range over the schedule, an alignment and an optional pinned offset;
- `Plan`: the offset of every buffer;
- `lower_bound` / `peak`: the numbers the compiler reports a plan against;
- `verify_plan`: the checker that runs after every planner. It deliberately shares no helper
  with the planners (`tinyslm_ir.analysis.planners`), so that a bug in a shared routine cannot
  make a wrong plan look right.

Live ranges are half-open intervals ``[start, end)`` of integer schedule steps, the MiniMalloc
convention: a buffer with ``end == k`` and one with ``start == k`` are never live together and
may share addresses.

The module imports no IR: the `plan-memory` pass builds `Buffer`s from `lmem` allocations and
writes the offsets back.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Buffer:
    """One allocation to place: ``size`` bytes live over schedule steps ``[start, end)``.

    ``alignment`` is the byte alignment the buffer's offset must have (1 = none); planners may
    be asked for a stronger, level-wide alignment on top of it. ``offset``, when given, pins the
    buffer (a KV cache that lives across decode steps, or a buffer placed by an outer level):
    planners must use it as-is and plan everything else around it.
    """

    name: str
    size: int
    start: int
    end: int
    alignment: int = 1
    offset: int | None = None

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"buffer {self.name!r}: negative size {self.size}")
        if self.start >= self.end:
            raise ValueError(f"buffer {self.name!r}: empty live range [{self.start}, {self.end})")
        if self.alignment < 1:
            raise ValueError(f"buffer {self.name!r}: alignment {self.alignment} < 1")
        if self.offset is not None and (self.offset < 0 or self.offset % self.alignment):
            raise ValueError(
                f"buffer {self.name!r}: pinned offset {self.offset} is negative or not "
                f"a multiple of its alignment {self.alignment}"
            )

    @property
    def interval(self) -> str:
        """The live range as text, for diagnostics."""
        return f"[{self.start}, {self.end})"


@dataclass(frozen=True)
class Plan:
    """Offsets for a set of buffers, plus which planner produced them and whether it is optimal.

    ``buffers`` are the buffers as planned (with the effective alignment the planner used), so a
    plan can report its own peak and be drawn without the caller keeping the inputs around.
    ``optimal`` is True only when the planner proved no smaller peak exists.
    """

    buffers: tuple[Buffer, ...]
    offsets: Mapping[str, int]
    method: str
    optimal: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "offsets", MappingProxyType(dict(self.offsets)))

    @property
    def peak(self) -> int:
        """Bytes of the level the plan uses: the highest end address of any buffer."""
        return peak(self)


class PlanVerificationError(ValueError):
    """A plan breaks a rule. ``kind`` says which rule and ``buffers`` names the culprits."""

    def __init__(self, kind: str, buffers: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.buffers = buffers


class MemoryPlanInfeasibleError(Exception):
    """No plan fits the capacity: carries what the compiler needs to say how much is missing.

    ``lower_bound`` is a proven minimum for the peak (no level smaller than it can hold the
    buffers); ``best_peak`` is the smallest peak any planner found (a level of that size
    suffices), or None when none was found. ``proven`` is True when a solver proved that nothing
    fits, and False when the search merely ran out of time.
    """

    def __init__(
        self, capacity: int, lower_bound: int, best_peak: int | None, *, proven: bool
    ) -> None:
        found = "no plan found" if best_peak is None else f"best plan found needs {best_peak}"
        why = "proven infeasible" if proven else "search timed out"
        super().__init__(
            f"buffers do not fit in {capacity} bytes: at least {lower_bound} bytes are live "
            f"at once, {found} ({why})"
        )
        self.capacity = capacity
        self.lower_bound = lower_bound
        self.best_peak = best_peak
        self.proven = proven


def lower_bound(buffers: Iterable[Buffer]) -> int:
    """The least peak any plan can have: the most bytes live at one step, or a pinned end.

    This is the trivial bound that plans are reported against (it ignores fragmentation and
    alignment padding). Pinned buffers add their end address, since no plan can move them.
    """
    events: list[tuple[int, int]] = []
    pinned_end = 0
    for b in buffers:
        events.append((b.start, b.size))
        events.append((b.end, -b.size))
        if b.offset is not None:
            pinned_end = max(pinned_end, b.offset + b.size)
    # At equal steps, frees (negative) sort first: half-open ranges ending at k are dead at k.
    events.sort()
    live = best = 0
    for _, delta in events:
        live += delta
        best = max(best, live)
    return max(best, pinned_end)


def aligned_lower_bound(buffers: Sequence[Buffer]) -> int:
    """A tighter bound that counts alignment padding, for proving a plan optimal.

    With every offset a multiple of A (the smallest alignment, when all alignments and pinned
    offsets are multiples of it), two buffers live together cannot be closer than the first
    one's size rounded up to A. So at any step the buffers live then need at least the sum of
    their rounded sizes, less the padding of whichever ends highest (at most the largest
    padding among them). Falls back to `lower_bound` when alignments share no such A.
    """
    if not buffers:
        return 0
    a = min(b.alignment for b in buffers)
    if any(b.alignment % a or (b.offset is not None and b.offset % a) for b in buffers):
        return lower_bound(buffers)

    def rounded(b: Buffer) -> int:
        return -(-b.size // a) * a

    starts = sorted(buffers, key=lambda b: b.start)
    ends = sorted(buffers, key=lambda b: b.end)
    live_pads: dict[int, int] = {}
    live = best = j = 0
    for i, b in enumerate(starts):
        while j < len(ends) and ends[j].end <= b.start:  # half-open: dead at its end
            live -= rounded(ends[j])
            live_pads[rounded(ends[j]) - ends[j].size] -= 1
            j += 1
        live += rounded(b)
        pad = rounded(b) - b.size
        live_pads[pad] = live_pads.get(pad, 0) + 1
        if i + 1 == len(starts) or starts[i + 1].start != b.start:
            max_pad = max((p for p, n in live_pads.items() if n > 0), default=0)
            best = max(best, live - max_pad)
    return max(best, lower_bound(buffers))


def peak(plan: Plan) -> int:
    """Highest end address (offset + size) over the plan's buffers; 0 for an empty plan."""
    return max((plan.offsets[b.name] + b.size for b in plan.buffers), default=0)


def verify_plan(buffers: Sequence[Buffer], plan: Plan, capacity: int) -> None:
    """Raise `PlanVerificationError` unless ``plan`` is a valid placement of ``buffers``.

    Checks, against ``buffers`` (not ``plan.buffers``, which the planner wrote): every buffer
    has exactly one integer offset, ends within ``capacity``, is aligned, keeps its pinned
    offset, and shares no byte with a buffer live at the same step. The overlap check is a sweep
    over time that keeps the live buffers sorted by address; because the live set is always
    disjoint, a newcomer only needs comparing with its two address neighbours, which makes the
    check O(n log n) comparisons.
    """
    names = [b.name for b in buffers]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise PlanVerificationError("duplicate", (dup,), f"buffer name {dup!r} appears twice")
    missing = sorted(set(names) - set(plan.offsets))
    if missing:
        raise PlanVerificationError(
            "missing", tuple(missing), f"plan has no offset for {', '.join(missing)}"
        )
    extra = sorted(set(plan.offsets) - set(names))
    if extra:
        raise PlanVerificationError(
            "unknown", tuple(extra), f"plan places unknown buffers {', '.join(extra)}"
        )

    for b in buffers:
        off = plan.offsets[b.name]
        if not isinstance(off, int) or isinstance(off, bool) or off < 0:
            raise PlanVerificationError(
                "offset", (b.name,), f"buffer {b.name!r} has invalid offset {off!r}"
            )
        if off + b.size > capacity:
            raise PlanVerificationError(
                "capacity",
                (b.name,),
                f"buffer {b.name!r} at offset {off} with size {b.size} ends at "
                f"{off + b.size}, beyond the capacity {capacity}",
            )
        if off % b.alignment:
            raise PlanVerificationError(
                "alignment",
                (b.name,),
                f"buffer {b.name!r} at offset {off} is not aligned to {b.alignment}",
            )
        if b.offset is not None and off != b.offset:
            raise PlanVerificationError(
                "pinned",
                (b.name,),
                f"buffer {b.name!r} is pinned at {b.offset} but planned at {off}",
            )

    _verify_no_overlap(buffers, plan.offsets)


def _verify_no_overlap(buffers: Sequence[Buffer], offsets: Mapping[str, int]) -> None:
    # Zero-byte buffers occupy no address, so they can never collide.
    real = [b for b in buffers if b.size > 0]
    # (step, 0 = free / 1 = allocate, index): frees at a step happen before allocations.
    events = sorted(
        [(b.start, 1, i) for i, b in enumerate(real)] + [(b.end, 0, i) for i, b in enumerate(real)]
    )
    live: list[tuple[int, int]] = []  # (offset, index), sorted; pairwise disjoint in address
    for _, is_alloc, i in events:
        key = (offsets[real[i].name], i)
        if not is_alloc:
            del live[bisect.bisect_left(live, key)]
            continue
        pos = bisect.bisect_left(live, key)
        lo, hi = key[0], key[0] + real[i].size
        for npos in (pos - 1, pos):
            if 0 <= npos < len(live):
                other_off, j = live[npos]
                if other_off < hi and lo < other_off + real[j].size:
                    _raise_overlap(real[i], lo, real[j], other_off)
        live.insert(pos, key)


def _raise_overlap(a: Buffer, a_off: int, b: Buffer, b_off: int) -> None:
    raise PlanVerificationError(
        "overlap",
        (a.name, b.name),
        f"buffers {a.name!r} (live {a.interval}, bytes [{a_off}, {a_off + a.size})) and "
        f"{b.name!r} (live {b.interval}, bytes [{b_off}, {b_off + b.size})) are live at the "
        f"same step and overlap in memory",
    )

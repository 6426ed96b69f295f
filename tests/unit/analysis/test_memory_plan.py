"""The memory-plan data model, the lower bound and the verifier (which must be able to fail)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.analysis.memory_plan_strategies import buffer_sets
from tinyslm_ir.analysis.memory_plan import (
    Buffer,
    Plan,
    PlanVerificationError,
    lower_bound,
    peak,
    verify_plan,
)
from tinyslm_ir.analysis.planners import greedy_plan


def brute_force_valid(buffers: list[Buffer], offsets: dict[str, int], capacity: int) -> bool:
    """The O(n^2) definition of a valid plan, to check the sweep verifier against."""
    for b in buffers:
        o = offsets[b.name]
        if o < 0 or o + b.size > capacity or o % b.alignment:
            return False
        if b.offset is not None and o != b.offset:
            return False
    for a, b in itertools.combinations([b for b in buffers if b.size > 0], 2):
        live_together = a.start < b.end and b.start < a.end
        oa, ob = offsets[a.name], offsets[b.name]
        if live_together and oa < ob + b.size and ob < oa + a.size:
            return False
    return True


def test_buffer_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty live range"):
        Buffer("a", 4, 3, 3)
    with pytest.raises(ValueError, match="negative size"):
        Buffer("a", -1, 0, 1)
    with pytest.raises(ValueError, match="alignment"):
        Buffer("a", 4, 0, 1, alignment=8, offset=4)


def test_half_open_ranges_may_share_addresses() -> None:
    a, b = Buffer("a", 16, 0, 2), Buffer("b", 16, 2, 4)
    assert lower_bound([a, b]) == 16
    verify_plan([a, b], Plan((a, b), {"a": 0, "b": 0}, "manual"), 16)


def test_lower_bound_counts_pinned_end() -> None:
    assert lower_bound([Buffer("kv", 8, 0, 5, offset=100)]) == 108
    assert lower_bound([]) == 0


def test_peak() -> None:
    a, b = Buffer("a", 16, 0, 2), Buffer("b", 8, 1, 4)
    plan = Plan((a, b), {"a": 0, "b": 16}, "manual")
    assert peak(plan) == plan.peak == 24


@settings(max_examples=150, deadline=None)
@given(buffer_sets(max_buffers=12), st.data())
def test_verifier_agrees_with_brute_force(buffers: list[Buffer], data: st.DataObject) -> None:
    offsets = {
        b.name: b.offset if b.offset is not None else data.draw(st.integers(0, 12)) * b.alignment
        for b in buffers
    }
    capacity = data.draw(st.integers(0, 400))
    plan = Plan(tuple(buffers), offsets, "random")
    expected = brute_force_valid(buffers, offsets, capacity)
    try:
        verify_plan(buffers, plan, capacity)
        ok = True
    except PlanVerificationError:
        ok = False
    assert ok == expected


@settings(max_examples=60, deadline=None)
@given(buffer_sets(min_buffers=1))
def test_lower_bound_is_max_live_bytes(buffers: list[Buffer]) -> None:
    steps = range(min(b.start for b in buffers), max(b.end for b in buffers))
    live = max(sum(b.size for b in buffers if b.start <= t < b.end) for t in steps)
    pinned = max((b.offset + b.size for b in buffers if b.offset is not None), default=0)
    assert lower_bound(buffers) == max(live, pinned)


# Mutation tests: plant one fault in a valid plan and check the verifier names it.


def _valid_plan() -> tuple[list[Buffer], Plan]:
    buffers = [
        Buffer("x", 64, 0, 4, alignment=8),
        Buffer("y", 32, 2, 6, alignment=8),
        Buffer("z", 16, 5, 9, alignment=4),
        Buffer("kv", 8, 0, 9, alignment=8, offset=200),
    ]
    plan = greedy_plan(buffers)
    verify_plan(buffers, plan, 256)
    return buffers, plan


def _mutated(plan: Plan, **changes: int) -> Plan:
    return Plan(plan.buffers, {**plan.offsets, **changes}, "mutated")


def test_verifier_catches_overlap() -> None:
    buffers, plan = _valid_plan()
    with pytest.raises(PlanVerificationError) as err:
        verify_plan(buffers, _mutated(plan, y=plan.offsets["x"] + 8), 256)
    assert err.value.kind == "overlap"
    assert set(err.value.buffers) == {"x", "y"}
    assert "[0, 4)" in str(err.value) and "[2, 6)" in str(err.value)


def test_verifier_catches_misalignment() -> None:
    buffers, plan = _valid_plan()
    with pytest.raises(PlanVerificationError) as err:
        verify_plan(buffers, _mutated(plan, z=plan.offsets["z"] + 2), 256)
    assert (err.value.kind, err.value.buffers) == ("alignment", ("z",))


def test_verifier_catches_over_capacity() -> None:
    buffers, plan = _valid_plan()
    with pytest.raises(PlanVerificationError) as err:
        verify_plan(buffers, plan, plan.peak - 1)
    assert err.value.kind == "capacity"


def test_verifier_catches_moved_pinned_buffer() -> None:
    buffers, plan = _valid_plan()
    with pytest.raises(PlanVerificationError) as err:
        verify_plan(buffers, _mutated(plan, kv=208), 256)
    assert (err.value.kind, err.value.buffers) == ("pinned", ("kv",))


def test_verifier_catches_missing_and_unknown_buffers() -> None:
    buffers, plan = _valid_plan()
    without_x = {k: v for k, v in plan.offsets.items() if k != "x"}
    with pytest.raises(PlanVerificationError, match="no offset for x"):
        verify_plan(buffers, Plan(plan.buffers, without_x, "missing"), 256)
    with pytest.raises(PlanVerificationError) as err:
        verify_plan(buffers, _mutated(plan, ghost=0), 256)
    assert err.value.kind == "unknown"


def test_verifier_catches_overlap_among_many() -> None:
    # The sweep compares only address neighbours: plant the clash far from the first buffer.
    buffers = [Buffer(f"b{i}", 10, i, i + 50) for i in range(40)]
    offsets = {b.name: 10 * i for i, b in enumerate(buffers)}
    verify_plan(buffers, Plan(tuple(buffers), offsets, "stack"), 400)
    offsets["b39"] = 205
    with pytest.raises(PlanVerificationError) as err:
        verify_plan(buffers, Plan(tuple(buffers), offsets, "stack"), 400)
    assert set(err.value.buffers) == {"b39", "b20"}

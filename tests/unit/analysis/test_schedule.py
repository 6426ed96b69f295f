"""The memory-aware order: always a valid topological order, and it finishes branches early."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyslm_ir.analysis.lifetimes import live_intervals
from tinyslm_ir.analysis.memory_plan import Buffer, lower_bound
from tinyslm_ir.analysis.schedule import memory_aware_order


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[tuple[set[int], set[int]]], dict[int, int]]:
    """Steps in a valid order: step i writes value i and reads inputs (negative) or earlier."""
    n = draw(st.integers(0, 14))
    steps = []
    for i in range(n):
        reads = draw(st.sets(st.integers(-2, i - 1), max_size=3)) if i else {-1}
        steps.append((reads, {i}))
    sizes = {i: draw(st.integers(0, 64)) for i in range(n)}
    return steps, sizes


def peak_of(steps: list, sizes: dict[int, int]) -> int:
    spans = live_intervals(steps)
    return lower_bound(Buffer(str(v), sizes[v], s, e + 1) for v, (s, e) in spans.items()
                       if v in sizes)


@given(dags())
def test_order_is_a_topological_permutation(dag: tuple) -> None:
    steps, sizes = dag
    order = memory_aware_order(steps, sizes)
    assert sorted(order) == list(range(len(steps)))
    position = {step: k for k, step in enumerate(order)}
    for i, (reads, _) in enumerate(steps):
        for v in reads:
            if v >= 0:
                assert position[v] < position[i]


def test_finishes_a_branch_before_starting_the_next() -> None:
    # Two independent branches big -> small; the import order starts both big tensors first.
    steps = [({"x"}, {"a1"}), ({"x"}, {"b1"}), ({"a1"}, {"a2"}), ({"b1"}, {"b2"}),
             ({"a2", "b2"}, {"y"})]
    sizes = {"a1": 100, "b1": 100, "a2": 1, "b2": 1, "y": 1}
    order = memory_aware_order(steps, sizes)
    assert order == [0, 2, 1, 3, 4]
    assert peak_of([steps[i] for i in order], sizes) < peak_of(steps, sizes)


def test_keeps_an_order_with_nothing_to_gain() -> None:
    steps = [({"x"}, {"a"}), ({"a"}, {"b"}), ({"b"}, {"c"})]
    assert memory_aware_order(steps, {"a": 4, "b": 4, "c": 4}) == [0, 1, 2]


def test_rejects_cycles() -> None:
    with pytest.raises(ValueError, match="cycle"):
        memory_aware_order([({"b"}, {"a"}), ({"a"}, {"b"})], {})

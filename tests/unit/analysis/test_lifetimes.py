"""Live intervals of a straight-line schedule, against their definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tinyslm_ir.analysis.lifetimes import live_intervals

buffer_ids = st.integers(0, 9)
steps = st.tuples(st.frozensets(buffer_ids, max_size=3), st.frozensets(buffer_ids, max_size=3))


def test_chain() -> None:
    # a = f(x); b = g(a); c = h(a, b): a lives until its last read, x from its first read.
    schedule = [({"x"}, {"a"}), ({"a"}, {"b"}), ({"a", "b"}, {"c"})]
    assert live_intervals(schedule) == {"x": (0, 0), "a": (0, 2), "b": (1, 2), "c": (2, 2)}


def test_unread_and_scratch_buffers_live_at_their_step() -> None:
    assert live_intervals([((), ("out", "scratch")), (("out",), ())]) == {
        "out": (0, 1), "scratch": (0, 0)}


def test_first_touch_order_and_empty_schedule() -> None:
    assert list(live_intervals([({"b"}, {"a"})])) == ["b", "a"]
    assert live_intervals([]) == {}


@given(st.lists(steps, max_size=12))
def test_intervals_are_first_and_last_touch(schedule: list) -> None:
    intervals = live_intervals(schedule)
    touched = {b for r, w in schedule for b in (*r, *w)}
    assert set(intervals) == touched
    for b, (first, last) in intervals.items():
        at = [i for i, (r, w) in enumerate(schedule) if b in r or b in w]
        assert (first, last) == (min(at), max(at))

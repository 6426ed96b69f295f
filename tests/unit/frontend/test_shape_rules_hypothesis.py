"""Property tests: graph_shapes rules agree with numpy (the importer relies on them)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyslm_ir.dialects import graph_shapes as gs

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4)


@given(st.lists(shapes, min_size=1, max_size=3))
def test_broadcast_matches_numpy(ss) -> None:
    try:
        expected = np.broadcast_shapes(*map(tuple, ss))
    except ValueError:
        with pytest.raises(gs.ShapeError):
            gs.broadcast_shapes(*ss)
        return
    assert gs.broadcast_shapes(*ss) == expected


@given(st.lists(st.integers(1, 3), min_size=1, max_size=4),
       st.lists(st.integers(1, 3), min_size=1, max_size=4))
def test_matmul_matches_numpy(a, b) -> None:
    try:
        expected = np.matmul(np.zeros(a), np.zeros(b)).shape
    except ValueError:
        with pytest.raises(gs.ShapeError):
            gs.matmul_shape(a, b)
        return
    assert gs.matmul_shape(a, b) == expected


@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(0, 2), st.integers(1, 2))
def test_window_matches_formula(size, k, stride, lo, hi, dil) -> None:
    span = dil * (k - 1) + 1
    if size + lo + hi < span:
        with pytest.raises(gs.ShapeError):
            gs.window_shape((1, 2, size), 3, [k], [stride], [lo, hi], [dil])
        return
    expected = (size + lo + hi - span) // stride + 1
    assert gs.window_shape((1, 2, size), 3, [k], [stride], [lo, hi], [dil]) == (1, 3, expected)


@given(st.integers(1, 8), st.integers(-10, 10), st.integers(-10, 10),
       st.integers(-3, 3).filter(bool))
def test_slice_normalisation_matches_numpy(d, start, end, step) -> None:
    s, e, st_ = gs.normalize_slice((d,), [start], [end], [0], [step])
    expected = np.arange(d)[start:end:step]
    assert gs.slice_shape((d,), s, e, st_) == expected.shape
    # normalised bounds are plain range() bounds: e = -1 means "down to index 0"
    np.testing.assert_array_equal(np.arange(d)[list(range(s[0], e[0], st_[0]))], expected)

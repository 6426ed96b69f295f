"""Deselect the ONNX backend node cases that were never selected for this backend, and the
`sweep` tests unless asked for.

onnx's BackendTest creates a test for every node case and marks the ones outside the
`include` patterns as skipped. Those are not exclusions with a reason, just ops the graph
dialect does not cover, so they are deselected to keep the skip count meaningful: what
remains skipped is exactly the documented EXCLUDED table.

`sweep` tests repeat a default test at more sizes, too long for every run: they are
deselected (not skipped: nothing is missing) unless the `-m` expression names `sweep`.
"""

import pytest

NOT_INCLUDED = "no matched include pattern"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sweep: more sizes of a default test; run with -m sweep")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    sweep = "sweep" in (config.option.markexpr or "")
    keep, drop = [], []
    for item in items:
        fn = getattr(item, "obj", None)
        reason = getattr(fn, "__unittest_skip_why__", None)
        unasked = not sweep and item.get_closest_marker("sweep") is not None
        (drop if reason == NOT_INCLUDED or unasked else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

"""Deselect the ONNX backend node cases that were never selected for this backend.

onnx's BackendTest creates a test for every node case and marks the ones outside the
`include` patterns as skipped. Those are not exclusions with a reason, just ops the graph
dialect does not cover, so they are deselected to keep the skip count meaningful: what
remains skipped is exactly the documented EXCLUDED table.
"""

import pytest

NOT_INCLUDED = "no matched include pattern"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        fn = getattr(item, "obj", None)
        reason = getattr(fn, "__unittest_skip_why__", None)
        (drop if reason == NOT_INCLUDED else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

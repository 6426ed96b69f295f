"""The table from op class to numpy implementation that the interpreter dispatches through."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.ir import Operation

Impl = Callable[[Operation, list[np.ndarray]], list[np.ndarray]]
"""An op implementation: (op, operand arrays) -> result arrays.

Results may be wider than the declared element type (int64 or Python-int arrays for integer
results, float64 for float results); the interpreter converts them once, which is where
integer wraps are detected and bf16 rounding happens.
"""


class ImplTable(dict[type[Operation], Impl]):
    """{op class: impl}, filled by the `register` decorator of each op-family module."""

    def register(self, *ops: type[Operation]) -> Callable[[Impl], Impl]:
        def decorate(impl: Impl) -> Impl:
            for op in ops:
                if op in self:
                    raise ValueError(f"{op.name} registered twice")
                self[op] = impl
            return impl

        return decorate

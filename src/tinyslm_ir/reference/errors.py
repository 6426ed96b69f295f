"""Diagnostics of the reference interpreter."""

from __future__ import annotations

import warnings


class InterpreterError(Exception):
    """The module, a weight or an input cannot be interpreted; the message names which."""


class IntegerWrapWarning(UserWarning):
    """An integer result left the range of its element type and wrapped (two's complement).

    Deeploy's C kernels wrap on int32 overflow in practice, so the golden model emulates the
    wrap instead of failing, but every occurrence is reported: a wrap is almost always a
    quantisation bug upstream.
    """


def report_wrap(op_name: str, count: int, what: str) -> None:
    """Warn that `count` values of `what` in op `op_name` wrapped; silent when count is 0."""
    if count:
        warnings.warn(f"{op_name}: {count} value(s) of {what} wrapped (two's complement)",
                      IntegerWrapWarning, stacklevel=3)

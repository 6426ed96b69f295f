"""Print a KernelCall as C: the one place that knows how buffers and parameters are spelled.

The C printer gives, per call, one C expression per `call.args` entry (ignored for `null`
args) and gets back the statement. Pointers are cast to the kernel's element type (`const`
for inputs) and advanced by `Arg.offset` elements; integers are printed so that every value
of their C type survives (INT32_MIN, INT64_C(...)); floats as hexadecimal literals, which
round-trip exactly; integer tuples as compound literals `(const int32_t[]){...}`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from tinyslm_ir.kernels.catalog import KernelCall, Param, c_type

_INT_RANGES: dict[str, tuple[int, int]] = {
    "int8_t": (-(2**7), 2**7 - 1), "uint8_t": (0, 2**8 - 1),
    "int16_t": (-(2**15), 2**15 - 1), "uint16_t": (0, 2**16 - 1),
    "int32_t": (-(2**31), 2**31 - 1), "uint32_t": (0, 2**32 - 1),
    "int64_t": (-(2**63), 2**63 - 1), "uint64_t": (0, 2**64 - 1),
}
ARRAY = "const int32_t[]"


def default_param_type(value: Param) -> str:
    """The C type of a parameter when the call does not say (see catalog's docstring)."""
    if isinstance(value, tuple):
        return ARRAY
    if isinstance(value, float):
        return "double"
    lo, hi = _INT_RANGES["int32_t"]
    if lo <= value <= hi:
        return "int32_t"
    return "int64_t" if value < 2**63 else "uint64_t"


def int_literal(value: int, ctype: str) -> str:
    """An integer constant of `ctype`; raises ValueError when the value does not fit."""
    lo, hi = _INT_RANGES[ctype]
    if not lo <= value <= hi:
        raise ValueError(f"parameter {value} does not fit {ctype}")
    if ctype == "int64_t":
        return "(INT64_C(-9223372036854775807) - 1)" if value == lo else f"INT64_C({value})"
    if ctype == "uint64_t":
        return f"UINT64_C({value})"
    if ctype == "uint32_t":
        return f"{value}u"
    if ctype == "int32_t":
        return "(-2147483647 - 1)" if value == lo else str(value)
    return f"(({ctype}){value})"


def float_literal(value: float, ctype: str) -> str:
    """An exact float or double constant (hexadecimal significand), or INFINITY / NAN."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INFINITY" if value > 0 else "-INFINITY"
    text = float(value).hex()
    return f"{text}f" if ctype == "float" else text


def param_literal(value: Param, ctype: str) -> str:
    if ctype == ARRAY:
        assert isinstance(value, tuple), f"{ctype} needs a tuple, got {value!r}"
        items = ", ".join(int_literal(int(v), "int32_t") for v in value) or "0"
        return f"({ARRAY}){{{items}}}"
    if ctype in ("float", "double"):
        return float_literal(float(value), ctype)  # type: ignore[arg-type]
    assert isinstance(value, int), f"{ctype} needs an integer, got {value!r}"
    return int_literal(value, ctype)


def emit_call(call: KernelCall, buffer_exprs: list[str]) -> str:
    """The C statement `callee(buffers..., params...);` for `call`.

    `buffer_exprs[i]` is the C expression of the buffer of `call.args[i]` (any pointer type;
    ignored for null args)."""
    if len(buffer_exprs) != len(call.args):
        raise ValueError(f"{call.callee}: {len(call.args)} buffer args, "
                         f"{len(buffer_exprs)} expressions")
    parts: list[str] = []
    for arg, expr in zip(call.args, buffer_exprs, strict=True):
        if arg.kind == "null":
            parts.append("NULL")
            continue
        if not arg.code:
            # A call rebuilt without Arg.code: C converts void * to the parameter's type,
            # but an element offset cannot be applied without knowing the element size.
            if arg.offset:
                raise ValueError(f"{call.callee}: arg {arg} has an offset but no element code")
            parts.append(f"((void *)({expr}))")
            continue
        const = "const " if arg.kind == "in" else ""
        ptr = f"(({const}{c_type(arg.code)} *)({expr}))"
        parts.append(f"({ptr} + {arg.offset})" if arg.offset else ptr)
    types = call.param_types or tuple(default_param_type(p) for p in call.params)
    if len(types) != len(call.params):
        raise ValueError(f"{call.callee}: {len(call.params)} params, {len(types)} param types")
    parts += [param_literal(p, t) for p, t in zip(call.params, types, strict=True)]
    return f"{call.callee}({', '.join(parts)});"


def instantiations(calls: Iterable[KernelCall] | Sequence[KernelCall]) -> list[str]:
    """The distinct instantiation macro lines of `calls`, in first-use order."""
    seen: dict[str, None] = {}
    for call in calls:
        if call.instantiation:
            seen.setdefault(call.instantiation, None)
    return list(seen)

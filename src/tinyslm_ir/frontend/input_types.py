"""Element types of graph inputs: the Deeploy value-range rule and the command-line type map.

The declared element types of QuantLib graphs are meaningless (mostly FLOAT), so integer
graphs are typed from their test data instead, the way Deeploy's harness does it
(spec §10.4 items 1-2): integral arrays get the smallest integer type that holds their
range, trying the unsigned type first at each width; other arrays are float32.
"""

from __future__ import annotations

from collections.abc import Mapping

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
)
from xdsl.ir import Attribute

_INT_ORDER = (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64)

_DTYPE_TO_TYPE: dict[np.dtype, Attribute] = {
    np.dtype(np.bool_): IntegerType(1),
    np.dtype(np.int8): IntegerType(8),
    np.dtype(np.uint8): IntegerType(8, Signedness.UNSIGNED),
    np.dtype(np.int16): IntegerType(16),
    np.dtype(np.uint16): IntegerType(16, Signedness.UNSIGNED),
    np.dtype(np.int32): IntegerType(32),
    np.dtype(np.uint32): IntegerType(32, Signedness.UNSIGNED),
    np.dtype(np.int64): IntegerType(64),
    np.dtype(np.uint64): IntegerType(64, Signedness.UNSIGNED),
    np.dtype(np.float16): Float16Type(),
    np.dtype(ml_dtypes.bfloat16): BFloat16Type(),
    np.dtype(np.float32): Float32Type(),
    np.dtype(np.float64): Float64Type(),
}
_TYPE_TO_DTYPE: dict[Attribute, np.dtype] = {t: d for d, t in _DTYPE_TO_TYPE.items()}

#: The element types accepted on the command line (`--input-types input=i8,x.9=ui8`).
TYPE_NAMES: dict[str, Attribute] = {
    "i8": IntegerType(8), "ui8": IntegerType(8, Signedness.UNSIGNED),
    "i16": IntegerType(16), "ui16": IntegerType(16, Signedness.UNSIGNED),
    "i32": IntegerType(32), "i64": IntegerType(64),
    "f32": Float32Type(), "bf16": BFloat16Type(),
}


def element_type_of_dtype(dtype: np.dtype) -> Attribute:
    try:
        return _DTYPE_TO_TYPE[np.dtype(dtype)]
    except KeyError:
        raise ValueError(f"no element type for numpy dtype {np.dtype(dtype)}") from None


def dtype_of_element_type(t: Attribute) -> np.dtype:
    try:
        return _TYPE_TO_DTYPE[t]
    except KeyError:
        raise ValueError(f"no numpy dtype for element type {t}") from None


def minimal_int_dtype(array: np.ndarray, *, zeros_are_int: bool = False) -> np.dtype | None:
    """Smallest integer dtype holding `array` (unsigned first), or None if it is not integral.

    For input data, an all-zero (or empty) array is integral only if its own dtype is an
    integer type (spec §10.4 item 1). Constants feeding integer ops pass `zeros_are_int`,
    because there a float zero (a zero `add`, a zero bias) is just the integer 0.
    """
    a = np.asarray(array)
    if a.size == 0 or not a.any():
        return np.dtype(np.uint8) if zeros_are_int or a.dtype.kind in "iub" else None
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.array_equal(a, np.round(a)):
            return None
    elif a.dtype.kind not in "iub":
        return None
    lo, hi = int(a.min()), int(a.max())
    for cand in _INT_ORDER:
        info = np.iinfo(cand)
        if info.min <= lo and hi <= info.max:
            return np.dtype(cand)
    return None


def element_type_for_array(array: np.ndarray) -> Attribute:
    """The value-range rule of spec §10.4: minimal integer type, else float32."""
    dtype = minimal_int_dtype(array)
    return Float32Type() if dtype is None else _DTYPE_TO_TYPE[dtype]


def parse_type_map(text: str) -> dict[str, Attribute]:
    """Parse `name=type,name=type` (names may contain dots; the last `=` splits)."""
    types: dict[str, Attribute] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, tname = item.rpartition("=")
        if not sep or not name:
            raise ValueError(f"expected NAME=TYPE in the input type map, got '{item}'")
        if tname not in TYPE_NAMES:
            raise ValueError(f"unknown element type '{tname}' for input '{name}' "
                             f"(expected one of {', '.join(TYPE_NAMES)})")
        types[name] = TYPE_NAMES[tname]
    return types


def types_for_arrays(names: list[str], arrays: Mapping[str, np.ndarray] | list[np.ndarray]
                     ) -> dict[str, Attribute]:
    """Zip arrays (npz order) onto input names; extra trailing arrays are ignored (§10.2)."""
    values = list(arrays.values()) if isinstance(arrays, Mapping) else list(arrays)
    return {n: element_type_for_array(a) for n, a in zip(names, values, strict=False)}

import numpy as np
import pytest
from xdsl.dialects.builtin import BFloat16Type, Float32Type, IntegerType, Signedness

from tinyslm_ir.frontend.input_types import (
    element_type_for_array,
    minimal_int_dtype,
    parse_type_map,
    types_for_arrays,
)

I8, UI8 = IntegerType(8), IntegerType(8, Signedness.UNSIGNED)


@pytest.mark.parametrize(("values", "dtype", "expected"), [
    ([0, 255], np.int64, UI8),            # unsigned first at each width
    ([-128, 127], np.int64, I8),
    ([0, 256], np.float64, IntegerType(16, Signedness.UNSIGNED)),
    ([-129, 5], np.int32, IntegerType(16)),
    ([-(2**31), 1], np.int64, IntegerType(32)),
    ([0, 0], np.int64, UI8),              # all zero, integer npz dtype
    ([0.0, 0.0], np.float32, Float32Type()),  # all zero, float npz dtype
    ([0.5, 1.0], np.float64, Float32Type()),  # not integral
    ([3.0, -7.0], np.float32, I8),        # integral floats are integers
])
def test_value_range_rule(values, dtype, expected) -> None:
    assert element_type_for_array(np.asarray(values, dtype)) == expected


def test_float_zeros_count_as_integers_for_constants() -> None:
    assert minimal_int_dtype(np.zeros(3, np.float32)) is None
    assert minimal_int_dtype(np.zeros(3, np.float32), zeros_are_int=True) == np.uint8


def test_parse_type_map() -> None:
    types = parse_type_map("input=i8, x.9=ui8,h=bf16")
    assert types == {"input": I8, "x.9": UI8, "h": BFloat16Type()}
    with pytest.raises(ValueError, match="unknown element type 'u7'"):
        parse_type_map("a=u7")
    with pytest.raises(ValueError, match="NAME=TYPE"):
        parse_type_map("justaname")


def test_extra_trailing_arrays_are_ignored() -> None:
    arrays = {"a": np.array([1, -1]), "b": np.array([3]), "extra": np.array([1.5])}
    assert types_for_arrays(["x", "y"], arrays) == {"x": I8, "y": UI8}

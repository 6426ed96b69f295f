"""c_call: how parameters and buffers are spelled in C."""

from __future__ import annotations

import math

from tinyslm_ir.kernels.c_call import emit_call, float_literal, instantiations, int_literal
from tinyslm_ir.kernels.catalog import Arg, KernelCall


def test_literals_round_trip() -> None:
    assert int_literal(-(2**31), "int32_t") == "(-2147483647 - 1)"
    assert int_literal(2**40, "int64_t") == "INT64_C(1099511627776)"
    assert int_literal(2**32 - 1, "uint32_t") == "4294967295u"
    assert int_literal(-5, "int8_t") == "((int8_t)-5)"
    v = 0.1
    assert float.fromhex(float_literal(v, "double")) == v
    assert float_literal(-math.inf, "float") == "-INFINITY"
    assert float_literal(1.5, "float") == "0x1.8000000000000p+0f"


def test_emit_call_casts_offsets_and_arrays() -> None:
    call = KernelCall("tsl_copy__u8_u8", (Arg("in", 0, 3, code="u8"), Arg("out", 0, code="u8"),
                                           Arg("null")),
                      (2, (4, 5), 0.5), "TSL_DEFINE_COPY(u8, u8)",
                      param_types=("int32_t", "const int32_t[]", "float"))
    text = emit_call(call, ["x", "y", "z"])
    assert text == ("tsl_copy__u8_u8((((const uint8_t *)(x)) + 3), ((uint8_t *)(y)), NULL, 2, "
                    "(const int32_t[]){4, 5}, 0x1.0000000000000p-1f);")
    assert instantiations([call, call]) == ["TSL_DEFINE_COPY(u8, u8)"]

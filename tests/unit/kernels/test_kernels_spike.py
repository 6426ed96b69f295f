"""The int8 kernel families on spike with 8 cores: proves the work split on the real target
(rv32imac, the runtime's fork/barrier) with the same harness as the host tests."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.unit.kernels.harness import Case, Maker, check, make_cases, run_spike
from tests.unit.kernels.test_kernels_contraction import (
    make_gemm,
    make_gemm_i8,
    make_matmul_rq,
    make_matmul_rq_gemv,
)
from tests.unit.kernels.test_kernels_conv_pool import make_conv
from tests.unit.kernels.test_kernels_elementwise import make_binary
from tests.unit.kernels.test_kernels_integer import (
    make_add_rq,
    make_mul_rq,
    make_norms,
    make_pointwise,
    make_requant,
    make_softmaxes,
)
from tests.unit.kernels.test_kernels_movement import make_reshape_transpose_expand
from tinyslm_ir.dialects import graph as g


def _toolchain_missing() -> str | None:
    if shutil.which("riscv64-unknown-elf-gcc") is None:
        return "riscv64-unknown-elf-gcc is not installed"
    try:
        from tinyslm_ir.targets.siracusa.toolchain import spike_exe

        spike_exe()
    except Exception as e:  # any reason the simulator is unavailable
        return f"spike is unavailable: {e}"
    return None


pytestmark = pytest.mark.skipif(_toolchain_missing() is not None,
                                reason=str(_toolchain_missing()))


def _int8(make: Maker, want: type[g.GraphOp]) -> Maker:
    """Restrict a family maker to int8 inputs and to op class `want`."""

    def maker(rng: np.random.Generator) -> Case | None:
        case = make(rng)
        ok = isinstance(case.op, want) and case.inputs[0].dtype == np.int8
        return case if ok else None

    return maker


FAMILIES = [
    (make_gemm_i8, g.MatMulOp), (make_gemm, g.GemmOp), (make_conv, g.ConvOp),
    (make_requant, g.RequantShiftOp), (make_norms, g.IRMSNormOp),
    (make_pointwise, g.IHardswishOp), (make_binary, g.AddOp),
    (make_reshape_transpose_expand, g.TransposeOp), (make_softmaxes, g.ISoftmaxOp),
    (make_matmul_rq, g.MatMulRequantOp), (make_add_rq, g.AddRequantOp),
    (make_mul_rq, g.MulRequantOp),
]


def test_int8_families_on_8_cores() -> None:
    cases = []
    for make, op in FAMILIES:
        cases += make_cases(_int8(make, op), range(80))[:4]
    assert len({type(c.op) for c in cases}) == len(FAMILIES)
    check(cases, run_spike(cases, cores=8))


def test_gemv_rq_on_8_cores() -> None:
    """One-row MatMul+requant calls (plain and pair-packed) split by columns over 8 cores,
    with odd column counts in a core's share."""
    cases = make_cases(make_matmul_rq_gemv, range(24))
    check(cases, run_spike(cases, cores=8))

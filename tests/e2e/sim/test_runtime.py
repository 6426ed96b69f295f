"""Bring-up, host-file I/O and fork/join on the simulated cluster."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm_ir.targets.siracusa import cost_model, sim
from tinyslm_ir.targets.siracusa.errors import SimFailed, SimTimeout


@pytest.mark.parametrize("cores", [1, 8])
def test_hello(program, cores: int) -> None:
    r = sim.build_and_run([program("hello")], cores=cores)
    lines = r.console.splitlines()
    assert sorted(lines[:-1]) == [f"hello from core {i}" for i in range(cores)]
    assert lines[-1] == f"cores={cores}"
    assert len(r.cores) == cores
    # one fork: fork + join overhead exactly, on every core
    assert all(c.sync == cost_model.FORK_CYCLES + cost_model.BARRIER_CYCLES for c in r.cores)


def test_parallel_int8_matmul_matches_numpy(program) -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (32, 64), dtype=np.int8)
    b = rng.integers(-128, 128, (64, 32), dtype=np.int8)
    r = sim.build_and_run([program("matmul")], cores=8, inputs={"a.bin": a, "b.bin": b})
    c = r.output_array("c.bin", np.int32, (32, 32))
    np.testing.assert_array_equal(c, a.astype(np.int32) @ b.astype(np.int32))
    one = sim.build_and_run([program("matmul")], cores=1, inputs={"a.bin": a, "b.bin": b})
    np.testing.assert_array_equal(one.output_array("c.bin", np.int32, (32, 32)), c)
    # 8 cores split 32 rows 4 each: the region must be much faster than on 1 core
    assert r.regions[7].cycles * 5 < one.regions[7].cycles


def test_missing_input_file_is_reported(program) -> None:
    """A failed tsl_host_read surfaces as the program's exit code, not garbage data."""
    with pytest.raises(SimFailed, match="exited with code 3"):
        sim.build_and_run([program("matmul")], cores=1)


def test_instruction_limit_is_not_success(program) -> None:
    """spike exits 0 at --instructions; the missing end marker must make that an error."""
    with pytest.raises(SimFailed, match="instruction limit"):
        sim.build_and_run([program("hello")], cores=1, max_instructions=200)


def test_hang_becomes_a_timeout(program) -> None:
    with pytest.raises(SimTimeout, match=r"did not finish within 1 s"):
        sim.build_and_run([program("hang")], cores=8, timeout=1)


def test_host_file_io_round_trip(program) -> None:
    data = np.random.default_rng(2).integers(0, 256, 1 << 20, dtype=np.uint8)
    r = sim.build_and_run([program("host_io")], inputs={"in/big.bin": data, "short.bin": b"x" * 7},
                          timeout=120)
    np.testing.assert_array_equal(r.output_array("out.bin", np.uint8), data + 1)
    assert set(r.outputs) == {"out.bin"}
    assert r.console == "missing<0=1 partial=7\n"

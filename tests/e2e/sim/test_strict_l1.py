"""Strict-L1 builds: cores compute only on L1; touching L2, WMEM or L3 traps with a named
violation, DMA and NPU keep their access, and the checks cost no modelled cycle. Debug + strict
builds keep both checks: DMA races and strict violations trap, correct code passes."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm_ir.targets.siracusa import memory_map, sim
from tinyslm_ir.targets.siracusa.errors import SimTrap
from tinyslm_ir.targets.siracusa.sim import STRICT_HINT

SRC = np.random.default_rng(5).integers(-128, 128, 4096, dtype=np.int8)


def _strict_sum(program, cores: int, strict: bool, bad: int = 0,
                debug: bool = False) -> sim.SimResult:
    return sim.build_and_run([program("strict_l1")], cores=cores, strict_l1=strict, debug=debug,
                             defines={"BAD": bad}, inputs={"src.bin": SRC}, timeout=30)


def _signature(r: sim.SimResult) -> tuple:
    return (tuple(r.cores), tuple((k, v.cycles, v.instret, v.dma_wait, v.npu_wait, v.sync)
                                  for k, v in sorted(r.regions.items())),
            tuple(sorted(r.outputs.items())))


@pytest.mark.parametrize("cores", [1, 8])
def test_dma_then_l1_compute_passes_and_costs_the_same_cycles(program, cores: int) -> None:
    strict = _strict_sum(program, cores, strict=True)
    assert strict.output_array("result.bin", np.int32)[15] == SRC.astype(np.int32).sum()
    assert strict.console == f"total={SRC.astype(np.int32).sum()}\n"  # printf works in strict
    assert _signature(strict) == _signature(_strict_sum(program, cores, strict=False))


@pytest.mark.parametrize(("bad", "core", "what"), [
    (1, 7, "reads L2 at 0x1c"),
    (2, 7, "writes L2"),
    (3, 0, "reads L2"),  # core 0's serial code is checked too, not only forks
    (4, 7, f"reads WMEM at {memory_map.WMEM.base:#010x}"),
])
def test_core_access_outside_l1_traps_with_the_violation(program, bad: int, core: int,
                                                          what: str) -> None:
    with pytest.raises(SimTrap, match=STRICT_HINT) as info:
        _strict_sum(program, 8, strict=True, bad=bad)
    assert info.value.strict_l1.startswith(f"core {core} {what}")
    assert info.value.mcause == (7 if bad == 2 else 5)
    assert f"core {core}" in str(info.value)


def test_libm_out_of_range_paths_run_strict(program) -> None:
    """expf(-200), expf(200) and tanhf(1e-20) read libm's `volatile` constants, which picolibc
    puts in .data: the link script keeps them with the readable constant pools."""
    sim.build_and_run([program("strict_libm")], strict_l1=True)


def test_violations_pass_unnoticed_without_strict_mode(program) -> None:
    r = _strict_sum(program, 8, strict=False, bad=1)
    assert r.output_array("result.bin", np.int32)[15] == SRC.astype(np.int32).sum()


def test_npu_job_runs_unchanged_in_strict_mode(program) -> None:
    """Operands in L1 and WMEM; the NPU reads the weight memory, the core never does."""
    rng = np.random.default_rng(3)
    job = np.array([0, 1, 6, 6, 32, 32, 0, 8, 1], dtype=np.uint32)  # conv1x1, ReLU, WMEM
    inputs = {"job.bin": job, "x.bin": rng.integers(-128, 128, 6 * 6 * 32, dtype=np.int8),
              "w.bin": rng.integers(-128, 128, 32 * 32, dtype=np.int8),
              "scale.bin": np.ones(32, np.int32), "bias.bin": np.zeros(32, np.int32)}
    runs = [sim.build_and_run([program("npu_job")], strict_l1=s, inputs=inputs)
            for s in (False, True)]
    assert runs[0].regions[2].npu_wait > 0
    assert _signature(runs[0]) == _signature(runs[1])


def test_debug_strict_build_passes_correct_code(program) -> None:
    """Debug guards (entries 0..9) and the strict policy (10..14) together: same outputs."""
    r = _strict_sum(program, 8, strict=True, debug=True)
    assert r.output_array("result.bin", np.int32)[15] == SRC.astype(np.int32).sum()
    assert r.console == f"total={SRC.astype(np.int32).sum()}\n"


def test_debug_strict_build_catches_a_read_before_the_wait(program) -> None:
    with pytest.raises(SimTrap, match="DMA read-before-wait detected") as info:
        _strict_sum(program, 8, strict=True, bad=5, debug=True)
    assert info.value.dma_race.startswith("core=0 read addr=0x1")
    assert "transfer=0 " in info.value.dma_race
    assert info.value.strict_l1 is None  # an L1 address: a race, not a strict violation
    assert info.value.mcause == 5


def test_read_before_the_wait_passes_a_strict_only_build(program) -> None:
    """The early read is of L1: only the debug guards catch it."""
    r = _strict_sum(program, 8, strict=True, bad=5)
    assert r.output_array("result.bin", np.int32)[15] == SRC.astype(np.int32).sum()


@pytest.mark.parametrize(("bad", "core", "what"), [
    (1, 7, "reads L2 at 0x1c"),
    (2, 7, "writes L2"),
    (3, 0, "reads L2"),
    (4, 7, f"reads WMEM at {memory_map.WMEM.base:#010x}"),
])
def test_debug_strict_build_still_traps_outside_l1(program, bad: int, core: int,
                                                   what: str) -> None:
    """No allow-all in a debug + strict build: unmatched accesses stay denied."""
    with pytest.raises(SimTrap, match=STRICT_HINT) as info:
        _strict_sum(program, 8, strict=True, bad=bad, debug=True)
    assert info.value.strict_l1.startswith(f"core {core} {what}")
    assert info.value.dma_race is None
    assert info.value.mcause == (7 if bad == 2 else 5)

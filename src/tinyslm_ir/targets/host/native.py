"""The `host` target: the generated C built natively with gcc and run as a process.

The same `network.c` that runs on the simulated Siracusa links against the host runtime
(`runtime/`: pthreads behind the tsl_rt.h API) instead of the bare-metal one, which makes a
functional run take milliseconds instead of a simulation. Programs talk to the outside world
the same way: `tsl_host_read/write` of files in the working directory, which `run_native`
makes a fresh temporary directory holding the inputs.

Builds are cached under the simulator's build cache, keyed on the content of every source,
header and flag, so compiling the same network twice (a test rerun) costs nothing.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tinyslm_ir.targets.siracusa.errors import BuildError, SimFailed, SimTimeout
from tinyslm_ir.targets.siracusa.toolchain import (
    RUNTIME_DIR,
    cache_dir,
    content_hash,
    require,
)

HOST_RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
KERNELS_DIR = RUNTIME_DIR / "kernels"
CFLAGS = ("-O2", "-std=gnu11", "-Wall", "-Wno-unused-function", "-fno-strict-aliasing")
LIBS = ("-lm", "-lpthread")


@dataclass(frozen=True)
class NativeResult:
    """Outcome of one native run: `outputs` maps each file the program wrote to its bytes."""

    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, bytes]


def runtime_sources() -> list[Path]:
    """The host runtime's and the kernel library's C sources (headers are found by -I)."""
    return sorted([*HOST_RUNTIME_DIR.rglob("*.c"), *KERNELS_DIR.rglob("*.c")])


def _include_dirs() -> list[Path]:
    dirs = {p.parent for root in (HOST_RUNTIME_DIR, KERNELS_DIR) for p in root.rglob("*.h")}
    return sorted(dirs)


def build_native(sources: Sequence[Path], *, cores: int = 8,
                 include_dirs: Sequence[Path] = ()) -> Path:
    """Compile `sources` with the host runtime into a cached executable."""
    if not HOST_RUNTIME_DIR.is_dir():
        raise BuildError(f"the host runtime is missing at {HOST_RUNTIME_DIR}")
    cc = require("gcc", "gcc")
    incs = [*_include_dirs(), *(Path(d).resolve() for d in include_dirs)]
    files = [*(Path(s).resolve() for s in sources), *runtime_sources()]
    flags = [*CFLAGS, f"-DTSL_HOST_CORES={cores}", *(f"-I{d}" for d in incs)]
    headers = sorted({h for d in incs for h in d.glob("*.h")})
    # weights.S records the hash of the blob it includes, so the blob needs no key of its own.
    key = content_hash([*flags, *LIBS, *(p.read_bytes() for p in [*files, *headers])])
    out = cache_dir() / "host" / f"{files[0].stem}-{key}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    proc = subprocess.run([cc, *flags, "-o", str(tmp), *map(str, files), *LIBS],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"host build of {', '.join(Path(s).name for s in sources)} failed:\n"
                         f"{proc.stderr[-6000:]}")
    os.replace(tmp, out)
    return out


def run_native(exe: Path, inputs: Mapping[str, bytes], *, timeout: float = 120.0,
               check: bool = True) -> NativeResult:
    """Run `exe` in a fresh directory holding `inputs`; collect the files it wrote."""
    with tempfile.TemporaryDirectory(prefix="tsl-host-") as tmp:
        rundir = Path(tmp)
        for name, data in inputs.items():
            (rundir / name).write_bytes(data)
        try:
            proc = subprocess.run([str(exe)], cwd=rundir, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise SimTimeout(f"{exe.name} did not finish within {timeout:g} s on the host") from e
        outputs = {p.name: p.read_bytes() for p in sorted(rundir.iterdir())
                   if p.is_file() and p.name not in inputs}
    if check and proc.returncode != 0:
        raise SimFailed(f"{exe.name} exited with code {proc.returncode} on the host:\n"
                        f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return NativeResult(proc.returncode, proc.stdout, proc.stderr, outputs)

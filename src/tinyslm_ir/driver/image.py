"""One image, several programs: the prefill and decode steps of a model in one ELF that
shares their weights and their state.

Each program is compiled as an entry (`CompileOptions(entry=NAME)`, siracusa only): its C
defines `tsl_entry_NAME` instead of `main`, prefixes its files with `NAME_`, and declares
`extern` the arenas and its state buffers (inputs an output updates in place: the KV caches,
`Manifest.state`). `build_image` adds one translation unit, `image.c`, that defines them once:
each arena as large as its largest user, since entries run one at a time, and every state
buffer as `tsl_state_<input index>`, so all entries read and write the same caches. Its `main`
runs the entry whose index is in `entry.bin`. Entries must have identical weights (names and
bytes), so one `weights.S` serves them all.

A step runs one entry per simulator run. The state buffers' bytes go out to the host and back
in between runs, standing for an L2 that keeps its contents from one step to the next; that
traffic is host file I/O outside every cycle region, so a step's cycles are what the chip
does, and the caches are updated in place there.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyslm_ir.driver import artifacts as art
from tinyslm_ir.driver.run import (
    CATEGORIES,
    RunOutcome,
    input_bytes,
    layer_rows,
    output_arrays,
)
from tinyslm_ir.frontend.input_types import element_type_of_dtype
from tinyslm_ir.kernels.catalog import c_type, type_code
from tinyslm_ir.targets.siracusa.c_printer import PLACEMENT, arena_name, state_symbol
from tinyslm_ir.targets.siracusa.c_program import ARENA_ALIGN, CEmitError

IMAGE_SOURCE = "image.c"
IMAGE_BINARY = "image.elf"
IMAGE_MANIFEST = "image.json"
ENTRY_FILE = "entry.bin"


class ImageError(CEmitError):
    """The entries cannot form one image (different weights, state, cores or ISA)."""


@dataclass(frozen=True)
class Image:
    """A built image: its directory and the manifest of each entry, by name."""

    directory: Path
    entries: dict[str, art.Manifest]

    @classmethod
    def load(cls, directory: str | Path) -> Image:
        path = Path(directory).resolve()
        names = json.loads((path / IMAGE_MANIFEST).read_text())["entries"]
        return cls(path, {n: art.Manifest.load(path / n) for n in names})

    def run(self, entry: str, arrays: Sequence[np.ndarray], *,
            timeout: float = 600.0) -> RunOutcome:
        """Run one entry on `arrays` (per ONNX input of its graph), like `run_compiled`."""
        from tinyslm_ir.targets.siracusa.sim import run

        manifest = self.entries[entry]
        index = list(self.entries).index(entry)
        inputs = {f"{entry}_{k}": v for k, v in input_bytes(manifest, arrays).items()}
        inputs[ENTRY_FILE] = struct.pack("<I", index)
        result = run(self.directory / IMAGE_BINARY, cores=manifest.cores, isa=manifest.isa,
                     inputs=inputs, timeout=timeout)
        files = {k.removeprefix(f"{entry}_"): v for k, v in result.outputs.items()}
        rows = layer_rows(self.directory / entry, result.regions)
        report: dict[str, Any] = {
            "target": "siracusa", "cores": manifest.cores, "entry": entry,
            "cycles": result.cycles, "sim_wall_s": round(result.wall_s, 3),
            "totals": {k: sum(r.get(k, 0) for r in rows) for k in CATEGORIES}, "layers": rows}
        return RunOutcome(output_arrays(manifest, files), result.cycles, report)

    def peaks(self) -> dict[str, int]:
        """Bytes per memory level the image reserves: each arena's largest user, plus the
        weights, the state buffers and the I/O buffers."""
        peaks = _image_peaks(self.directory, self.entries)
        first = next(iter(self.entries))
        plan = json.loads((self.directory / first / art.PLAN).read_text())
        for level, size in plan.get("weights", {}).items():
            peaks[level] = peaks.get(level, 0) + size
        return peaks


def build_image(directory: str | Path, entries: Sequence[str]) -> Image:
    """Link the entries compiled into `directory/<name>/` into `directory/image.elf`."""
    from tinyslm_ir.targets.siracusa.build import BuildConfig, build_elf, isa_for
    from tinyslm_ir.targets.siracusa.toolchain import RUNTIME_DIR
    from tinyslm_ir.targets.siracusa.weight_blob import BLOB_NAME

    path = Path(directory).resolve()  # the simulator runs in its own directory
    manifests = {n: art.Manifest.load(path / n) for n in entries}
    first = manifests[entries[0]]
    for name, m in manifests.items():
        if m.entry != name or m.target != "siracusa":
            raise ImageError(f"{path / name} is not a siracusa entry named '{name}' "
                             "(compile it with CompileOptions(entry=...))")
        if (m.cores, m.isa, m.strict_l1) != (first.cores, first.isa, first.strict_l1):
            raise ImageError(f"entry '{name}' is built for {m.cores} cores, {m.isa}, strict "
                             f"{m.strict_l1}; '{entries[0]}' for {first.cores}, {first.isa}, "
                             f"strict {first.strict_l1}")
        if _state_specs(m) != _state_specs(first):
            raise ImageError(f"entries '{name}' and '{entries[0]}' differ in their state "
                             f"buffers: {_state_specs(m)} against {_state_specs(first)}")
        for f in (art.WEIGHTS_ASM, BLOB_NAME):
            if (path / name / f).read_bytes() != (path / entries[0] / f).read_bytes():
                raise ImageError(f"entries '{name}' and '{entries[0]}' have different "
                                 f"weights ({f}); an image shares one set")
    (path / IMAGE_SOURCE).write_text(_image_c(path, manifests))
    regions = max(len(json.loads((path / n / art.LAYERS).read_text())) for n in entries)
    kernels = RUNTIME_DIR / "kernels"
    isa = isa_for(first.isa != isa_for(False)[0])
    config = BuildConfig(cores=first.cores, march=isa[0], mabi=isa[1],
                         strict_l1=first.strict_l1,
                         defines=(("TSL_MAX_REGIONS", str(max(256, regions))),))
    sources = [path / IMAGE_SOURCE, *(path / n / art.SOURCE for n in entries),
               path / entries[0] / art.WEIGHTS_ASM, *sorted(kernels.glob("*.c"))]
    elf = build_elf(sources, config, include_dirs=[kernels, path / entries[0]])
    (path / IMAGE_BINARY).write_bytes(elf.read_bytes())
    (path / IMAGE_MANIFEST).write_text(json.dumps({"entries": list(entries)}, indent=1) + "\n")
    return Image(path, manifests)


def _state_specs(m: art.Manifest) -> list[tuple[int, str, tuple[int, ...]]]:
    return [(k, m.inputs[k].dtype, m.inputs[k].shape) for k in m.state]


def _arena_bytes(path: Path, entries: Sequence[str]) -> dict[str, int]:
    """Each level's arena size: the largest of its entries' peaks, rounded to ARENA_ALIGN."""
    sizes: dict[str, int] = {}
    for name in entries:
        for level, peak in json.loads((path / name / art.PLAN).read_text())["peaks"].items():
            sizes[level] = max(sizes.get(level, 0), -(-peak // ARENA_ALIGN) * ARENA_ALIGN)
    return sizes


def _image_c(path: Path, manifests: dict[str, art.Manifest]) -> str:
    first = next(iter(manifests.values()))
    lines = ["/* Generated by tinyslm-ir: a multi-program image (driver/image.py). */",
             "#include <stdint.h>", "", '#include "tsl_rt.h"', "",
             "/* ---- state shared by every entry: inputs updated in place ---- */"]
    for k in first.state:
        spec = first.inputs[k]
        count = max(1, int(np.prod(spec.shape)))
        ctype = c_type(type_code(element_type_of_dtype(spec.np_dtype)))
        lines.append(f"{ctype} {state_symbol(k)}[{count}] "
                     f"__attribute__((aligned({ARENA_ALIGN})));  /* {spec.onnx_name} */")
    lines += ["", "/* ---- arenas: entries run one at a time, so each level's is shared ---- */"]
    for level, size in _arena_bytes(path, list(manifests)).items():
        lines.append(f"uint8_t {arena_name(level)}[{max(1, size)}] {PLACEMENT[level]}"
                     f"__attribute__((aligned({ARENA_ALIGN})));")
    lines += ["", *(f"int tsl_entry_{n}(void);" for n in manifests), "",
              "int main(void) {", "  uint32_t entry = 0;",
              f'  if (tsl_host_read("{ENTRY_FILE}", &entry, 4) != 4) return 9;',
              "  switch (entry) {"]
    lines += [f"    case {i}: return tsl_entry_{n}();" for i, n in enumerate(manifests)]
    lines += ["    default: return 8;", "  }", "}", ""]
    return "\n".join(lines)


def _image_peaks(path: Path, manifests: dict[str, art.Manifest]) -> dict[str, int]:
    peaks = _arena_bytes(path, list(manifests))
    first = next(iter(manifests.values()))
    state = sum(first.inputs[k].nbytes for k in first.state)
    io = 0
    for m in manifests.values():  # each aliased output is a state buffer, already counted
        io += sum(s.nbytes for j, s in enumerate(m.inputs) if j not in m.state)
        io += sum(s.nbytes for s in m.outputs) - state
    peaks["L2"] = peaks.get("L2", 0) + state + io
    return peaks

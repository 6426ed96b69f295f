"""The contents of a compiled directory, and its manifest.

`manifest.json` is what `tinyslm run` needs to know without the model: the target and core
count the binary was built for, and the name, dtype and shape of every graph input and output
in order. The input list also keeps the ONNX names of *all* runtime inputs, because test data
maps arrays to inputs by position over all of them (empty inputs are compiled away).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"
SOURCE = "network.c"
WEIGHTS_ASM = "weights.S"
LAYERS = "layers.json"
PLAN = "plan.json"
BINARY = {"siracusa": "network.elf", "host": "network"}
FORMAT = 1


@dataclass(frozen=True)
class TensorSpec:
    """One graph input or output as the program reads or writes it (`file` in its run dir)."""

    name: str  # input_<i> / output_<i>: the C buffer and the .bin file stem
    onnx_name: str
    dtype: str
    shape: tuple[int, ...]
    given: tuple[int, int] | None = None  # (axis, positions): the caller's array is shorter

    @property
    def file(self) -> str:
        return f"{self.name}.bin"

    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.np_dtype.itemsize


@dataclass(frozen=True)
class Manifest:
    target: str
    cores: int
    model: str
    onnx_inputs: tuple[str, ...]  # every runtime input of the ONNX graph, in order
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    l1_peak: int | None
    l2_peak: int | None
    compile_s: float
    format: int = FORMAT
    isa: str = "rv32imac"  # what the siracusa ELF was built for; spike runs it with this ISA
    strict_l1: bool = False  # built with the L1-only check (older manifests: not strict)
    entry: str | None = None  # an entry of a multi-program image (driver.image): no binary
    state: tuple[int, ...] = ()  # inputs an output aliases: updated in place (KV caches)

    @property
    def binary(self) -> str:
        return BINARY[self.target]

    def save(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: str | Path) -> Manifest:
        path = Path(directory) / MANIFEST
        if not path.is_file():
            raise FileNotFoundError(f"{directory}: no {MANIFEST} (not a `tinyslm compile` "
                                    "output directory)")
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: manifest format {data.get('format')} is not {FORMAT}; "
                             "recompile the model")
        specs = {k: tuple(TensorSpec(t["name"], t["onnx_name"], t["dtype"], tuple(t["shape"]),
                                     tuple(t["given"]) if t.get("given") else None)
                          for t in data[k]) for k in ("inputs", "outputs")}
        return cls(data["target"], data["cores"], data["model"], tuple(data["onnx_inputs"]),
                   specs["inputs"], specs["outputs"], data["l1_peak"], data["l2_peak"],
                   data["compile_s"], data["format"], data.get("isa", "rv32imac"),
                   data.get("strict_l1", False), data.get("entry"),
                   tuple(data.get("state", ())))

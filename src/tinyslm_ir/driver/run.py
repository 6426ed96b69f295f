"""`tinyslm run`: feed arrays to a compiled directory, return its outputs and cycle report.

Arrays map onto graph inputs the way Deeploy's test data do: the i-th array feeds the i-th
runtime input of the ONNX graph, inputs compiled away (empty tensors) are skipped, and extra
trailing arrays are ignored. Each array must hold exactly the values of its input's element
type; anything else is a user error, not a silent wrap-around.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyslm_ir.driver.artifacts import LAYERS, Manifest, TensorSpec
from tinyslm_ir.targets.siracusa.errors import SimFailed

#: The per-layer split of the cycle report (`overhead`: fork/join, barriers and imbalance).
CATEGORIES = ("cycles", "compute", "dma_wait", "npu", "overhead", "macs")


class InputMismatchError(ValueError):
    """An input array does not fit the compiled program (count, size or value range)."""


@dataclass
class RunOutcome:
    outputs: list[np.ndarray]  # in graph output order
    cycles: int | None  # total modelled cycles (siracusa), None on the host
    report: dict[str, Any]  # the cycle report (`tinyslm run --json`)


def input_bytes(manifest: Manifest, arrays: Sequence[np.ndarray]) -> dict[str, bytes]:
    """The `.bin` file of every compiled input, from arrays given per ONNX runtime input."""
    by_name = dict(zip(manifest.onnx_inputs, arrays, strict=False))
    files = {}
    for spec in manifest.inputs:
        if spec.onnx_name not in by_name:
            raise InputMismatchError(f"no array for graph input '{spec.onnx_name}' "
                                     f"({len(arrays)} arrays given, the model has "
                                     f"{len(manifest.onnx_inputs)} runtime inputs)")
        files[spec.file] = _converted(spec, np.asarray(by_name[spec.onnx_name])).tobytes()
    return files


def _converted(spec: TensorSpec, a: np.ndarray) -> np.ndarray:
    if spec.given is not None:  # a KV cache grown in place (frontend.kv_cache)
        a = _placed(spec, a)
    expected = int(np.prod(spec.shape, dtype=np.int64))
    if a.size != expected:
        raise InputMismatchError(f"input '{spec.onnx_name}' has shape {a.shape}, the program "
                                 f"was compiled for {tuple(spec.shape)}")
    converted = a.astype(spec.np_dtype)
    if a.dtype != spec.np_dtype and not np.array_equal(converted.astype(a.dtype), a):
        raise InputMismatchError(f"input '{spec.onnx_name}' ({a.dtype}) has values that "
                                 f"{spec.dtype} cannot hold")
    return converted


def _placed(spec: TensorSpec, a: np.ndarray) -> np.ndarray:
    """`a` (the caller's positions) at the start of the input's larger buffer along its axis;
    the program writes the rest before it reads it."""
    axis, given = spec.given  # type: ignore[misc]
    shape = list(spec.shape)
    shape[axis] = given
    if tuple(a.shape) != tuple(shape):
        raise InputMismatchError(f"input '{spec.onnx_name}' has shape {a.shape}, the program "
                                 f"was compiled for {tuple(shape)}")
    buffer = np.zeros(spec.shape, a.dtype)
    buffer[(slice(None),) * axis + (slice(0, given),)] = a
    return buffer


def output_arrays(manifest: Manifest, files: dict[str, bytes]) -> list[np.ndarray]:
    arrays = []
    for spec in manifest.outputs:
        data = files.get(spec.file)
        if data is None or len(data) != spec.nbytes:
            raise SimFailed(f"the program wrote {len(data or b'')} bytes to "
                                     f"{spec.file}, expected {spec.nbytes}")
        arrays.append(np.frombuffer(data, spec.np_dtype).reshape(spec.shape).copy())
    return arrays


def layer_rows(directory: Path, regions: dict[int, Any]) -> list[dict[str, Any]]:
    """The cycle report's rows: `layers.json` of `directory` with each region's counters."""
    layers = json.loads((directory / LAYERS).read_text())
    rows = []
    for layer in layers:
        stats = regions.get(layer["region"])
        row = {"region": layer["region"], "layer": layer["layer"], "op": layer["op"],
               "macs": layer["macs"]}
        if stats is not None:
            row |= {"cycles": stats.cycles, "compute": stats.compute,
                    "dma_wait": stats.dma_wait, "npu": stats.npu_wait, "overhead": stats.sync}
        rows.append(row)
    return rows


def run_compiled(directory: str | Path, arrays: Sequence[np.ndarray], *,
                 timeout: float = 600.0) -> RunOutcome:
    """Run the program of a `tinyslm compile` directory on `arrays` (per ONNX input)."""
    path = Path(directory).resolve()  # the program runs in a directory of its own
    manifest = Manifest.load(path)
    binary = path / manifest.binary
    if not binary.is_file():
        raise FileNotFoundError(f"{binary} is missing; recompile with `tinyslm compile`")
    inputs = input_bytes(manifest, arrays)
    report: dict[str, Any] = {"target": manifest.target, "cores": manifest.cores}
    if manifest.target == "host":
        from tinyslm_ir.targets.host.native import run_native

        files = run_native(binary, inputs, timeout=timeout).outputs
        cycles = None
        report |= {"cycles": None, "layers": layer_rows(path, {})}
    else:
        from tinyslm_ir.targets.siracusa.sim import run

        result = run(binary, cores=manifest.cores, isa=manifest.isa, inputs=inputs,
                     timeout=timeout)
        files, cycles = result.outputs, result.cycles
        rows = layer_rows(path, result.regions)
        report |= {"cycles": cycles, "sim_wall_s": round(result.wall_s, 3),
                   "totals": {k: sum(r.get(k, 0) for r in rows) for k in CATEGORIES},
                   "layers": rows}
    outputs = output_arrays(manifest, files)
    report["outputs"] = {s.name: {"onnx_name": s.onnx_name, "dtype": s.dtype,
                                  "shape": list(s.shape)} for s in manifest.outputs}
    return RunOutcome(outputs, cycles, report)

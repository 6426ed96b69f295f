"""`tinyslm test-net`: compile a Deeploy-format test folder, run it, compare with its outputs.

The result dictionary is the JSON contract of DESIGN.md §7; fields a target cannot measure
(cycles on the host, cycles and memory peaks on the reference) are null rather than invented.
The compiled targets go through the same driver as `tinyslm compile` and `tinyslm run`.
"""

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from tinyslm_ir.evaluation.compare import compare_outputs
from tinyslm_ir.evaluation.test_folder import TestFolder

TARGETS = ("reference", "host", "siracusa")


def graph_input_arrays(model: onnx.ModelProto, arrays: list[np.ndarray],
                       kept: list[str]) -> list[np.ndarray]:
    """Arrays for the function arguments: the i-th array feeds the i-th non-initializer
    input; inputs the importer dropped (empty tensors) and extra trailing arrays are skipped."""
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    by_name = dict(zip(names, arrays, strict=False))
    return [by_name[n] for n in kept]


def _reference(folder: TestFolder, model: onnx.ModelProto,
               types: dict) -> tuple[list[np.ndarray], dict[str, Any]]:
    from tinyslm_ir.frontend.onnx_importer import import_onnx
    from tinyslm_ir.passes.pipeline import run_default_pipeline
    from tinyslm_ir.reference.interpreter import run_module

    t0 = time.perf_counter()
    imported = import_onnx(model, input_types=types)
    run_default_pipeline(imported.module)
    compile_s = time.perf_counter() - t0
    args = graph_input_arrays(model, folder.inputs, imported.input_names)
    outputs = run_module(imported.module, imported.weights, args)
    return outputs, {"cycles": None, "compile_s": compile_s, "l1_peak": None, "l2_peak": None}


def _compiled(folder: TestFolder, model: onnx.ModelProto, types: dict, target: str,
              l1: int | None, cores: int, strict_l1: bool | None,
              progress: Callable[[str], None]) -> tuple[list[np.ndarray], dict[str, Any]]:
    from tinyslm_ir.driver.compile import CompileOptions, compile_model
    from tinyslm_ir.driver.run import run_compiled

    with tempfile.TemporaryDirectory(prefix="tsl-testnet-") as tmp:
        options = CompileOptions(target, cores, l1=l1, input_types=types, strict_l1=strict_l1)
        manifest = compile_model(model, tmp, options, progress)
        progress(f"running on {target}")
        outcome = run_compiled(tmp, folder.inputs)
    return outcome.outputs, {"cycles": outcome.cycles, "compile_s": manifest.compile_s,
                             "l1_peak": manifest.l1_peak, "l2_peak": manifest.l2_peak}


def run_test_net(path: str | Path, target: str = "reference", l1: int | None = None,
                 cores: int = 8, strict_l1: bool | None = None,
                 progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    from tinyslm_ir.frontend.onnx_importer import input_types_from_arrays

    if target not in TARGETS:
        raise ValueError(f"unknown target '{target}' (choose from {', '.join(TARGETS)})")
    folder = TestFolder.load(path)
    model = onnx.load(str(folder.network))
    types = input_types_from_arrays(model, folder.inputs)
    if target == "reference":
        outputs, measured = _reference(folder, model, types)
    else:
        outputs, measured = _compiled(folder, model, types, target, l1, cores, strict_l1,
                                       progress)
    cmp = compare_outputs(outputs, folder.expected)
    return {
        "test": str(folder.path),
        "target": target,
        "match": cmp.match,
        "mismatches": cmp.mismatches,
        "max_abs_err": cmp.max_abs_err,
        "details": cmp.details,
        **measured,
        "compile_s": round(measured["compile_s"], 4),
    }

"""`tinyslm test-net`: compile a Deeploy-format test folder, run it, compare with its outputs.

The result dictionary is the JSON contract of DESIGN.md §7; fields a target cannot measure
(cycles and memory peaks on the reference target) are null rather than invented.
"""

import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from tinyslm_ir.evaluation.compare import compare_outputs
from tinyslm_ir.evaluation.test_folder import TestFolder

TARGETS = ("reference", "host", "siracusa")


class TargetUnavailableError(ValueError):
    """The requested target is not built yet; a clear message instead of a wrong answer."""


def graph_input_arrays(model: onnx.ModelProto, arrays: list[np.ndarray],
                       kept: list[str]) -> list[np.ndarray]:
    """Arrays for the function arguments: the i-th array feeds the i-th non-initializer
    input; inputs the importer dropped (empty tensors) and extra trailing arrays are skipped."""
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    by_name = dict(zip(names, arrays, strict=False))
    return [by_name[n] for n in kept]


def run_test_net(path: str | Path, target: str = "reference",
                 l1: int | None = None) -> dict[str, Any]:
    if target != "reference":
        raise TargetUnavailableError(
            f"target '{target}' is not available yet: only 'reference' is implemented"
        )
    from tinyslm_ir.frontend.onnx_importer import import_onnx, input_types_from_arrays
    from tinyslm_ir.passes.pipeline import run_default_pipeline
    from tinyslm_ir.reference.interpreter import run_module

    folder = TestFolder.load(path)
    t0 = time.perf_counter()
    model = onnx.load(str(folder.network))
    imported = import_onnx(model, input_types=input_types_from_arrays(model, folder.inputs))
    run_default_pipeline(imported.module)
    compile_s = time.perf_counter() - t0
    args = graph_input_arrays(model, folder.inputs, imported.input_names)
    outputs = run_module(imported.module, imported.weights, args)
    cmp = compare_outputs(outputs, folder.expected)
    return {
        "test": str(folder.path),
        "target": target,
        "match": cmp.match,
        "mismatches": cmp.mismatches,
        "max_abs_err": cmp.max_abs_err,
        "details": cmp.details,
        "cycles": None,
        "compile_s": round(compile_s, 4),
        "l1_peak": None,
        "l2_peak": None,
    }

"""Every Deeploy network compiles to a verified L2 plan; microLlama's is near the lower bound.

The backend pipeline ends with `verify-memory-plan`, so a network that compiles has a plan the
independent verifier accepted. Networks with an op the kernel library lacks are skipped here:
kernel coverage is the catalogue's tests' business, planning is this file's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp
from xdsl.utils.exceptions import DiagnosticException

from tests.conftest import DEEPLOY_TESTS, deeploy_params
from tinyslm_ir.frontend.onnx_importer import import_onnx
from tinyslm_ir.passes.pipeline import BackendOptions, run_backend_pipeline
from tinyslm_ir.passes.plan_memory import PLAN_ATTR


def l2_result(module: ModuleOp) -> dict[str, int]:
    plan = module.attributes[PLAN_ATTR]
    assert isinstance(plan, DictionaryAttr)
    level = plan.data["L2"]
    assert isinstance(level, DictionaryAttr)
    return {k: v.value.data for k, v in level.data.items() if isinstance(v, IntegerAttr)}


def compile_network(path: Path) -> ModuleOp:
    module = import_onnx(path).module
    run_backend_pipeline(module, BackendOptions(plan_time_limit=2.0))
    module.verify()
    return module


@pytest.mark.parametrize("folder", deeploy_params())
def test_network_plan_is_verified(folder: Path) -> None:
    try:
        module = compile_network(folder / "network.onnx")
    except DiagnosticException as e:
        if str(e).startswith("no kernel"):
            pytest.skip(str(e))
        raise
    result = l2_result(module)
    assert result["lower_bound"] <= result["peak"] <= result["capacity"]


@pytest.mark.parametrize("name", ["microLlama8", "microLlama8_parallel"])
def test_microllama_peak_within_ten_percent_of_bound(name: str) -> None:
    path = DEEPLOY_TESTS / "Models" / "microLlama" / "INT8" / name / "network.onnx"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    result = l2_result(compile_network(path))
    assert result["peak"] <= 1.1 * result["lower_bound"], result

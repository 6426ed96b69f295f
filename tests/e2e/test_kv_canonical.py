"""Deeploy's Concat-form microLlama decode graph compiles with in-place KV caches: the
caches are written by appends, never copied, and the outputs still match Deeploy's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.conftest import DEEPLOY_TESTS
from tinyslm_ir.driver.compile import CompileOptions, compile_model
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.evaluation.test_folder import TestFolder
from tinyslm_ir.frontend.onnx_importer import input_types_from_arrays
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

MICROLLAMA8 = DEEPLOY_TESTS / "Models" / "microLlama" / "INT8" / "microLlama8"


@pytest.mark.skipif(bool(missing_tools()), reason="RISC-V toolchain absent")
def test_microllama8_appends_to_its_caches_in_place(tmp_path: Path):
    if not MICROLLAMA8.is_dir():
        pytest.skip("Deeploy data absent")
    folder = TestFolder.load(MICROLLAMA8)
    model = onnx.load(str(folder.network))
    manifest = compile_model(model, tmp_path, CompileOptions(
        input_types=input_types_from_arrays(model, folder.inputs)))
    ops = [layer["op"] for layer in json.loads((tmp_path / "layers.json").read_text())]
    assert ops.count("graph.cache_write") == 16 and "graph.concat" not in ops
    grown = [s for s in manifest.inputs if s.given is not None]
    assert len(grown) == 16 and all(s.given == (2, 8) and s.shape[2] == 9 for s in grown)
    c = (tmp_path / "network.c").read_text()
    assert c.count("tsl_cache_write_dma__") >= 16
    outcome = run_compiled(tmp_path, folder.inputs)
    for got, want in zip(outcome.outputs, folder.expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got).reshape(-1),
                                      np.asarray(want).reshape(-1).astype(got.dtype))

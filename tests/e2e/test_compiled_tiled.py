"""Tiled Siracusa code (`--l1`): every Deeploy folder must still match exactly when its layers
run as `tile.loop`s on L1 tile buffers with double-buffered DMA, at 64 KiB and at 16 KiB of L1
(small tiles: split K with partial sums in L1, conv/pool halos with per-tile pads). Tiled
builds are strict-L1 by default, and the driver refuses a strict build that left a layer on
L2, so a match here also means every layer was tiled; an L1 too small for the
runtime reserve plus a layer's smallest tiles is a one-line diagnostic naming the layer and
its minimum; ops with their own cases in the tiler (an output copy, Split, MatMul with a
1-D operand) match in a 512 B tile budget; and a debug + strict-L1 build, whose PMP guards
trap any read of
one of the 5 most recent pending DMA destinations of a core while the strict policy traps any
core access outside L1, runs every tiled folder to the same outputs (the waits are placed
right)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DEEPLOY_TESTS, deeploy_params
from tests.e2e.compiled_runs import check, run_folders, selected_folders
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

_MISSING = missing_tools()
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f"RISC-V toolchain absent: "
                                f"{', '.join(_MISSING)} (run scripts/install-toolchain.sh)")

L1 = 65536
L1_SMALL = 16384
MICRO_LLAMA8 = DEEPLOY_TESTS / "Models" / "microLlama" / "INT8" / "microLlama8"


@pytest.fixture(scope="module")
def tiled_results(request: pytest.FixtureRequest) -> dict:
    return run_folders(selected_folders(request, "folder"), "siracusa", l1=L1)


@pytest.fixture(scope="module")
def small_l1_results(request: pytest.FixtureRequest) -> dict:
    return run_folders(selected_folders(request, "small_folder"), "siracusa", l1=L1_SMALL)


@pytest.mark.parametrize("folder", deeploy_params())
def test_deeploy_folder_matches_tiled(folder: Path, tiled_results: dict):
    result = tiled_results[folder]
    check(result)
    assert result["l1_peak"] <= L1


@pytest.mark.parametrize("small_folder", deeploy_params())
def test_deeploy_folder_matches_tiled_in_16k(small_folder: Path, small_l1_results: dict):
    result = small_l1_results[small_folder]
    check(result)
    assert result["l1_peak"] <= L1_SMALL


def test_infeasible_l1_is_a_diagnostic_naming_the_layer(tmp_path: Path):
    if not MICRO_LLAMA8.is_dir():
        pytest.skip("Deeploy data absent")
    proc = subprocess.run(
        [sys.executable, "-m", "tinyslm_ir.tools.tinyslm", "compile",
         str(MICRO_LLAMA8 / "network.onnx"), "-o", str(tmp_path / "out"), "--l1", "1024"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1, proc.stderr
    assert "error: layer " in errors[0] and "needs at least" in errors[0], errors[0]


TILE_L1 = 512
"""Tile bytes for `test_ops_tile_in_a_small_l1`: less than any of its models' inputs."""


def _small_model(name: str):
    """A one-node int8 model (onnx.ModelProto) whose op has its own case in the tiler."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def int8(n: str, shape: list[int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(n, TensorProto.INT8, shape)

    def int32(n: str, shape: list[int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(n, TensorProto.INT32, shape)

    inits = []
    if name == "identity":
        node = helper.make_node("Identity", ["x"], ["y"])
        ins, outs = [int8("x", [4, 6, 40])], [int8("y", [4, 6, 40])]
    elif name == "split":
        node = helper.make_node("Split", ["x", "sizes"], ["y0", "y1"], axis=1)
        ins, outs = [int8("x", [4, 6, 40])], [int8("y0", [4, 2, 40]), int8("y1", [4, 4, 40])]
        inits = [numpy_helper.from_array(np.array([2, 4], np.int64), "sizes")]
    elif name == "matmul-1d-a":
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        ins, outs = [int8("a", [64]), int8("b", [3, 64, 16])], [int32("y", [3, 16])]
    else:
        assert name == "matmul-1d-b"
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        ins, outs = [int8("a", [3, 8, 64]), int8("b", [64])], [int32("y", [3, 8])]
    graph = helper.make_graph([node], name, ins, outs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("name", ["identity", "split", "matmul-1d-a", "matmul-1d-b"])
def test_ops_tile_in_a_small_l1(name: str, tmp_path: Path):
    """An output that is a copy of an input (no op computes it: bufferization's copy-out),
    Split (several outputs, its axis whole) and MatMul with a 1-D operand (the description
    adds a unit M or N that the tensors do not have), in more than one tile: strict-L1 builds
    that match the reference interpreter exactly."""
    from tinyslm_ir.driver.compile import CompileOptions, compile_imported
    from tinyslm_ir.driver.run import run_compiled
    from tinyslm_ir.frontend.onnx_importer import import_onnx
    from tinyslm_ir.passes.pipeline import run_default_pipeline
    from tinyslm_ir.reference.interpreter import run_module
    from tinyslm_ir.targets.siracusa import memory_map

    model = _small_model(name)
    rng = np.random.default_rng(0)
    shapes = [[d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input]
    arrays = [rng.integers(-128, 128, shape).astype(np.int8) for shape in shapes]
    assert max(a.nbytes for a in arrays) > TILE_L1
    reference = import_onnx(model)
    run_default_pipeline(reference.module)
    want = run_module(reference.module, reference.weights, arrays)
    imported = import_onnx(model)
    manifest = compile_imported(imported, tuple(imported.input_names), tmp_path,
                                CompileOptions(l1=memory_map.L1_RESERVED_STRICT + TILE_L1))
    assert manifest.strict_l1 and 0 < manifest.l1_peak <= TILE_L1
    for got, ref in zip(run_compiled(tmp_path, arrays).outputs, want, strict=True):
        np.testing.assert_array_equal(np.asarray(got).reshape(np.shape(ref)), ref)


@pytest.mark.parametrize("folder", deeploy_params())
def test_debug_build_proves_waits(folder: Path, tmp_path: Path):
    import onnx

    from tinyslm_ir.driver import artifacts as art
    from tinyslm_ir.driver.compile import CompileOptions, compile_model
    from tinyslm_ir.driver.run import run_compiled
    from tinyslm_ir.evaluation.test_folder import TestFolder
    from tinyslm_ir.frontend.onnx_importer import input_types_from_arrays
    from tinyslm_ir.targets.siracusa.build import BuildConfig, build_elf
    from tinyslm_ir.targets.siracusa.toolchain import RUNTIME_DIR

    test = TestFolder.load(folder)
    model = onnx.load(str(test.network))
    types = input_types_from_arrays(model, test.inputs)
    out = tmp_path / "out"
    manifest = compile_model(model, out, CompileOptions(l1=L1, input_types=types))
    assert manifest.strict_l1  # tiled: strict by default
    kernels = RUNTIME_DIR / "kernels"
    elf = build_elf([out / art.SOURCE, out / art.WEIGHTS_ASM, *sorted(kernels.glob("*.c"))],
                    BuildConfig(cores=manifest.cores, debug=True, strict_l1=True),
                    include_dirs=[kernels, out])
    (out / art.BINARY["siracusa"]).write_bytes(elf.read_bytes())
    outcome = run_compiled(out, test.inputs)
    for got, want in zip(outcome.outputs, test.expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got).reshape(-1),
                                      np.asarray(want).reshape(-1).astype(np.asarray(got).dtype))

"""Tiled Siracusa code (`--l1`): every Deeploy folder must still match exactly when its layers
run as `tile.loop`s on L1 tile buffers with double-buffered DMA, at 64 KiB and at 16 KiB of L1
(small tiles: split K with partial sums in L1, conv/pool halos with per-tile pads). Tiled
builds are strict-L1 by default, and the driver refuses a strict build that left a layer on
L2, so a match here also means every layer was tiled; an L1 too small for the
runtime reserve plus a layer's smallest tiles is a one-line diagnostic naming the layer and
its minimum; and a debug + strict-L1 build, whose PMP guards trap any read of
one of the 5 most recent pending DMA destinations of a core while the strict policy traps any
core access outside L1, runs tiled folders to the same outputs (the waits are placed right)."""

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
DEBUG_FOLDERS = ("Kernels/Integer/MatMul/Regular", "Kernels/Integer/Add/Large",
                 "Kernels/Integer/Softmax/Large")


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


@pytest.mark.parametrize("name", DEBUG_FOLDERS)
def test_debug_build_proves_waits(name: str, tmp_path: Path):
    import onnx

    from tinyslm_ir.driver import artifacts as art
    from tinyslm_ir.driver.compile import CompileOptions, compile_model
    from tinyslm_ir.driver.run import run_compiled
    from tinyslm_ir.evaluation.test_folder import TestFolder
    from tinyslm_ir.frontend.onnx_importer import input_types_from_arrays
    from tinyslm_ir.targets.siracusa.build import BuildConfig, build_elf
    from tinyslm_ir.targets.siracusa.toolchain import RUNTIME_DIR

    if not (DEEPLOY_TESTS / name).is_dir():
        pytest.skip("Deeploy data absent")
    folder = TestFolder.load(DEEPLOY_TESTS / name)
    model = onnx.load(str(folder.network))
    types = input_types_from_arrays(model, folder.inputs)
    out = tmp_path / "out"
    manifest = compile_model(model, out, CompileOptions(l1=L1, input_types=types))
    assert manifest.strict_l1  # tiled: strict by default
    kernels = RUNTIME_DIR / "kernels"
    elf = build_elf([out / art.SOURCE, out / art.WEIGHTS_ASM, *sorted(kernels.glob("*.c"))],
                    BuildConfig(cores=manifest.cores, debug=True, strict_l1=True),
                    include_dirs=[kernels, out])
    (out / art.BINARY["siracusa"]).write_bytes(elf.read_bytes())
    outcome = run_compiled(out, folder.inputs)
    for got, want in zip(outcome.outputs, folder.expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got).reshape(-1),
                                      np.asarray(want).reshape(-1).astype(np.asarray(got).dtype))

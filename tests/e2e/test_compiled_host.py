"""test-net on the host target: the generated C built with gcc must match exactly, on every
Deeploy folder and on generated folders whose expected outputs are computed independently.
Also the `tinyslm compile` / `tinyslm run` round trip and its bad-input diagnostics."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import deeploy_params
from tests.e2e.compiled_runs import check, run_folders, selected_folders
from tests.e2e.test_test_net_generated import write_folder
from tinyslm_ir.targets.host.native import HOST_RUNTIME_DIR

pytestmark = pytest.mark.skipif(
    shutil.which("gcc") is None or not HOST_RUNTIME_DIR.is_dir(),
    reason="the host target needs gcc and the host runtime (targets/host/runtime)")


def tinyslm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm_ir.tools.tinyslm", *args],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def host_results(request: pytest.FixtureRequest) -> dict:
    return run_folders(selected_folders(request, "folder"), "host")


@pytest.mark.parametrize("folder", deeploy_params())
def test_deeploy_folder_matches_on_host(folder: Path, host_results: dict):
    check(host_results[folder])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("generated")
    for seed in range(3):
        write_folder(root / f"net{seed}", seed)
    return sorted(root.iterdir())


def test_generated_folders_match_on_host(generated: list[Path]):
    for folder, result in run_folders(generated, "host").items():
        check(result)
        assert result["cycles"] is None, folder  # the host measures no cycles
        assert result["l2_peak"] is not None


def test_compile_then_run_round_trip(generated: list[Path], tmp_path: Path):
    folder = generated[0]
    proc = tinyslm("compile", str(folder / "network.onnx"), "--target", "host",
                   "--input-types", "x=i8", "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    for name in ("network.c", "weights.S", "weights.bin", "layers.json", "plan.json",
                 "manifest.json", "network"):
        assert (tmp_path / "out" / name).is_file(), name
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [i["onnx_name"] for i in manifest["inputs"]] == ["x"]
    assert manifest["inputs"][0]["dtype"] == "int8"

    proc = tinyslm("run", str(tmp_path / "out"), "--inputs", str(folder / "inputs.npz"),
                   "-o", str(tmp_path / "y.npz"), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["target"] == "host" and report["cycles"] is None
    with np.load(tmp_path / "y.npz") as got, np.load(folder / "outputs.npz") as want:
        assert list(got.files) == ["output_0"]
        np.testing.assert_array_equal(got["output_0"].reshape(want["arr_0"].shape),
                                      want["arr_0"])


def test_run_rejects_an_input_of_the_wrong_shape(generated: list[Path], tmp_path: Path):
    folder = generated[0]
    assert tinyslm("compile", str(folder / "network.onnx"), "--target", "host",
                   "--input-types", "x=i8", "-o", str(tmp_path / "out")).returncode == 0
    np.savez(tmp_path / "bad.npz", np.zeros((1, 99, 3), np.int8))
    proc = tinyslm("run", str(tmp_path / "out"), "--inputs", str(tmp_path / "bad.npz"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("tinyslm: error: input 'x' has shape (1, 99, 3)")
    assert "Traceback" not in proc.stderr


def test_run_rejects_values_the_input_type_cannot_hold(generated: list[Path], tmp_path: Path):
    folder = generated[0]
    assert tinyslm("compile", str(folder / "network.onnx"), "--target", "host",
                   "--input-types", "x=i8", "-o", str(tmp_path / "out")).returncode == 0
    with np.load(folder / "inputs.npz") as npz:
        x = npz["arr_0"].astype(np.int64) + 1000
    np.savez(tmp_path / "big.npz", x)
    proc = tinyslm("run", str(tmp_path / "out"), "--inputs", str(tmp_path / "big.npz"))
    assert proc.returncode == 2
    assert "int8 cannot hold" in proc.stderr


def test_compile_of_a_missing_model_is_a_one_line_error(tmp_path: Path):
    proc = tinyslm("compile", str(tmp_path / "nope.onnx"), "--target", "host",
                   "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("tinyslm: error: ")
    assert "Traceback" not in proc.stderr

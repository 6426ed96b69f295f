"""test-net on the simulated Siracusa: the generated C built for the 8-core cluster and run on
spike must match exactly, on every Deeploy folder and on generated folders; runs report cycles
and a per-layer split. Folders run in parallel worker processes, and builds are cached."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import deeploy_params
from tests.e2e.compiled_runs import check, run_folders, selected_folders
from tests.e2e.test_test_net_generated import write_folder
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

_MISSING = missing_tools()
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f"RISC-V toolchain absent: "
                                f"{', '.join(_MISSING)} (run scripts/install-toolchain.sh)")


@pytest.fixture(scope="module")
def sim_results(request: pytest.FixtureRequest) -> dict:
    return run_folders(selected_folders(request, "folder"), "siracusa")


@pytest.mark.parametrize("folder", deeploy_params())
def test_deeploy_folder_matches_on_siracusa(folder: Path, sim_results: dict):
    result = sim_results[folder]
    check(result)
    assert result["cycles"] > 0
    assert result["l2_peak"] is not None


def test_generated_folders_match_on_siracusa(tmp_path: Path):
    for seed in range(3):
        write_folder(tmp_path / f"net{seed}", seed)
    for folder, result in run_folders(sorted(tmp_path.iterdir()), "siracusa").items():
        check(result)
        assert result["cycles"] > 0, folder


def test_run_json_reports_cycles_per_layer(tmp_path: Path):
    write_folder(tmp_path / "net", 5)
    base = [sys.executable, "-m", "tinyslm_ir.tools.tinyslm"]
    proc = subprocess.run([*base, "compile", str(tmp_path / "net" / "network.onnx"),
                           "--input-types", "x=i8", "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "network.elf").is_file()
    proc = subprocess.run([*base, "run", str(tmp_path / "out"), "--inputs",
                           str(tmp_path / "net" / "inputs.npz"), "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["target"] == "siracusa" and report["cores"] == 8
    layers = report["layers"]
    assert layers and all(r["cycles"] > 0 for r in layers)
    assert sum(r["cycles"] for r in layers) <= report["cycles"]
    for r in layers:
        assert r["compute"] + r["dma_wait"] + r["npu"] + r["overhead"] == r["cycles"]
    assert any(r["macs"] > 0 for r in layers)  # the MatMul layer

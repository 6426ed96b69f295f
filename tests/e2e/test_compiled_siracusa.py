"""test-net on the simulated Siracusa: the generated C built for the 8-core cluster and run on
spike must match exactly, on every Deeploy folder and on generated folders; runs report cycles
and a per-layer split. Folders run in parallel worker processes, and builds are cached.

Without `--l1` these are the default builds: tiled into all of L1 and strict-L1; `--l1 0` is
the untiled opt-out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def test_default_is_tiled_strict_and_l1_0_opts_out(tmp_path: Path):
    write_folder(tmp_path / "net", 7)
    base = [sys.executable, "-m", "tinyslm_ir.tools.tinyslm"]
    for extra, strict in (((), True), (("--l1", "0"), False)):
        out = tmp_path / f"out-{strict}"
        proc = subprocess.run([*base, "compile", str(tmp_path / "net" / "network.onnx"),
                               "--input-types", "x=i8", "-o", str(out), *extra],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert ("(strict L1)" in proc.stdout) is strict, proc.stdout
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["strict_l1"] is strict
        assert (manifest["l1_peak"] > 0) is strict  # tile buffers, or none at all
        proc = subprocess.run([*base, "run", str(out), "--inputs",
                               str(tmp_path / "net" / "inputs.npz"), "-o", str(out / "y.npz")],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        with np.load(out / "y.npz") as got, np.load(tmp_path / "net" / "outputs.npz") as want:
            np.testing.assert_array_equal(got["output_0"].reshape(want["arr_0"].shape),
                                          want["arr_0"])


def test_no_strict_names_the_layers_left_on_l2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A layer the tiler cannot describe runs untiled on L2 only with --no-strict; the
    compile names it, the manifest does not claim strict, and the result still matches."""
    from tinyslm_ir.analysis.tiling.from_graph import NoTilingDescription
    from tinyslm_ir.driver.compile import CompileOptions, compile_model
    from tinyslm_ir.driver.run import run_compiled
    from tinyslm_ir.frontend.input_types import parse_type_map
    from tinyslm_ir.passes import tiled_layer

    def no_description(op: object) -> None:
        raise NoTilingDescription("no description in this test")

    monkeypatch.setattr(tiled_layer, "describe", no_description)
    write_folder(tmp_path / "net", 7)
    messages: list[str] = []
    manifest = compile_model(tmp_path / "net" / "network.onnx", tmp_path / "out",
                             CompileOptions(input_types=parse_type_map("x=i8"),
                                            strict_l1=False), messages.append)
    assert not manifest.strict_l1
    left = [m for m in messages if m.startswith("not tiled, runs on L2: ")]
    assert left and all("no description in this test" in m for m in left)
    with np.load(tmp_path / "net" / "inputs.npz") as x, \
            np.load(tmp_path / "net" / "outputs.npz") as want:
        got = run_compiled(tmp_path / "out", [x["arr_0"]]).outputs[0]
        np.testing.assert_array_equal(got.reshape(want["arr_0"].shape), want["arr_0"])

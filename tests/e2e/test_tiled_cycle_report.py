"""The cycle report of a tiled, strict-L1 run: per layer, compute + DMA wait + NPU + overhead
is the layer's total, and the double-buffered DMA shows up as (non-zero) DMA wait.
Also `tinyslm compile --plot` end to end, and `--no-strict` recorded in the manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEEPLOY_TESTS
from tinyslm_ir.driver.artifacts import Manifest
from tinyslm_ir.targets.siracusa import memory_map
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

_MISSING = missing_tools()
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f"RISC-V toolchain absent: "
                                f"{', '.join(_MISSING)} (run scripts/install-toolchain.sh)")

FOLDERS = ("Kernels/Integer/Softmax/Large", "Kernels/Integer/MatMul/Regular")
L1 = 16384
PARTS = ("compute", "dma_wait", "npu", "overhead")


def _tinyslm(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "tinyslm_ir.tools.tinyslm", *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    if not (DEEPLOY_TESTS / FOLDERS[0]).is_dir():
        pytest.skip("Deeploy data absent")
    out = {}
    for name in FOLDERS:
        directory = tmp_path_factory.mktemp("tiled") / "out"
        _tinyslm("compile", str(DEEPLOY_TESTS / name / "network.onnx"), "-o", str(directory),
                 "--l1", str(L1), "--plot")
        report = _tinyslm("run", str(directory), "--inputs",
                          str(DEEPLOY_TESTS / name / "inputs.npz"), "--json")
        out[name] = (directory, json.loads(report.splitlines()[-1]))
    return out


def test_l1_16k_leaves_room_for_tiles_after_the_reserve() -> None:
    assert memory_map.L1_RESERVED_STRICT <= 12 * 1024 < L1


def test_tiled_builds_are_strict_and_plotted(reports: dict) -> None:
    for directory, _ in reports.values():
        assert Manifest.load(directory).strict_l1
        assert (directory / "plan_L1.png").is_file()


def test_categories_sum_to_the_layer_total(reports: dict) -> None:
    for _, report in reports.values():
        for row in report["layers"]:
            assert all(row[k] >= 0 for k in PARTS), row
            assert sum(row[k] for k in PARTS) == row["cycles"], row
        assert sum(r["cycles"] for r in report["layers"]) == report["totals"]["cycles"]


def test_double_buffered_dma_is_charged_as_dma_wait(reports: dict) -> None:
    assert any(row["dma_wait"] > 0 for _, report in reports.values()
               for row in report["layers"])


def test_no_strict_is_recorded(tmp_path: Path) -> None:
    if not (DEEPLOY_TESTS / FOLDERS[0]).is_dir():
        pytest.skip("Deeploy data absent")
    _tinyslm("compile", str(DEEPLOY_TESTS / FOLDERS[0] / "network.onnx"), "-o",
             str(tmp_path), "--l1", str(L1), "--no-strict")
    assert not Manifest.load(tmp_path).strict_l1

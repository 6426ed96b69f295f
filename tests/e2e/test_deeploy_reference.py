"""Every Deeploy test folder through `test-net --target reference` must match exactly."""

import json
import subprocess
import sys

import pytest

from tests.conftest import deeploy_folders, deeploy_params
from tinyslm_ir.evaluation.testnet import run_test_net


@pytest.mark.parametrize("folder", deeploy_params())
def test_reference_matches_expected_outputs(folder):
    result = run_test_net(folder, target="reference")
    assert result["match"], result["details"]
    assert result["mismatches"] == 0


def test_cli_json_contract_and_exit_code():
    """The CLI's last line is one JSON object with the documented keys; exit 0 iff match."""
    folders = [f for f in deeploy_folders() if f.name == "microLlama8"]
    if not folders:
        pytest.skip("../shared/data/deeploy-tests is absent")
    proc = subprocess.run(
        [sys.executable, "-m", "tinyslm_ir.tools.tinyslm", "test-net", str(folders[0]),
         "--target", "reference", "--json"],
        capture_output=True, text=True, check=False,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("match", "mismatches", "max_abs_err", "cycles", "compile_s", "l1_peak",
                "l2_peak", "target"):
        assert key in result
    assert result["match"] is True
    assert result["target"] == "reference"
    assert proc.returncode == 0

"""test-net on Deeploy-format folders that are not in the repository.

The folders are generated here, and their expected outputs are computed independently with
plain numpy integer arithmetic following the spec's RequantShift formula, not by the
reference interpreter under test.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper


def requant(acc: np.ndarray, mul: int, add: int, div: int) -> np.ndarray:
    y = np.floor_divide(acc.astype(np.int64) * mul + add + div // 2, div)
    return np.clip(y, -128, 127)


def write_folder(folder: Path, seed: int, break_expected: bool = False) -> None:
    rng = np.random.default_rng(seed)
    m, k, n = (int(v) for v in rng.integers(1, [9, 33, 17]))
    x = rng.integers(-128, 128, (1, m, k))
    w = rng.integers(-128, 128, (k, n))
    b = rng.integers(-2000, 2000, (n,))
    mul, add, div = int(rng.integers(1, 300)), int(rng.integers(-500, 500)), 2 ** 14
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["acc"], name="MatMul_0"),
        helper.make_node("Add", ["acc", "b"], ["biased"], name="Add_0"),
        helper.make_node("RequantShift", ["biased", "mul", "add"], ["y"], name="RQS_0",
                         div=numpy_helper.from_array(np.array(div, np.float32)),
                         n_levels_out=numpy_helper.from_array(np.array(256, np.float32)),
                         signed=1),
    ]
    inits = [numpy_helper.from_array(w.astype(np.float32), "w"),
             numpy_helper.from_array(b.astype(np.float32), "b"),
             numpy_helper.from_array(np.array([mul], np.float32), "mul"),
             numpy_helper.from_array(np.array([add], np.float32), "add")]
    graph = helper.make_graph(
        nodes, "generated",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, m, n])],
        initializer=inits)
    folder.mkdir(parents=True)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)]),
              folder / "network.onnx")
    expected = requant(x @ w + b, mul, add, div)
    if break_expected:
        expected[0, 0, 0] += 1
    np.savez(folder / "inputs.npz", x)
    np.savez(folder / "outputs.npz", expected)


def run_test_net_cli(folder: Path) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "tinyslm_ir.tools.tinyslm", "test-net", str(folder), "--json"],
        capture_output=True, text=True, check=False)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("seed", range(3))
def test_generated_folder_matches(tmp_path: Path, seed: int):
    write_folder(tmp_path / "net", seed)
    rc, result = run_test_net_cli(tmp_path / "net")
    assert result["match"] is True
    assert rc == 0


def test_wrong_expected_output_is_a_mismatch(tmp_path: Path):
    write_folder(tmp_path / "net", 7, break_expected=True)
    rc, result = run_test_net_cli(tmp_path / "net")
    assert result["match"] is False
    assert result["mismatches"] == 1
    assert rc == 1

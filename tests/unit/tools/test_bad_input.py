"""Bad input exits with code 2 and one diagnostic line naming the node, op and reason."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tinyslm_ir.models.sample import build_sample_model


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, check=False)


def single_node_model(node: onnx.NodeProto, inits: list, out_shape: list[int]) -> bytes:
    graph = helper.make_graph(
        [node], "bad",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]) \
        .SerializeToString()


@pytest.fixture
def truncated(tmp_path: Path) -> Path:
    data = build_sample_model().SerializeToString()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def unknown_op(tmp_path: Path) -> Path:
    path = tmp_path / "unknown.onnx"
    path.write_bytes(single_node_model(
        helper.make_node("FrobnicateTensor", ["x"], ["y"], name="Frob_7"), [], [2, 3]))
    return path


@pytest.fixture
def gemm_bad_k(tmp_path: Path) -> Path:
    w = numpy_helper.from_array(np.ones((4, 5), np.float32), "w")
    path = tmp_path / "gemm.onnx"
    path.write_bytes(single_node_model(
        helper.make_node("Gemm", ["x", "w"], ["y"], name="Gemm_3"), [w], [2, 5]))
    return path


def assert_one_line_diagnostic(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_truncated_file(truncated: Path):
    proc = run_tool("tinyslm_ir.tools.tinyslm_opt", str(truncated))
    assert_one_line_diagnostic(proc, "error", "ONNX")


def test_unknown_op(unknown_op: Path):
    proc = run_tool("tinyslm_ir.tools.tinyslm_opt", str(unknown_op))
    assert_one_line_diagnostic(proc, "Frob_7", "FrobnicateTensor")


def test_gemm_with_mismatched_k(gemm_bad_k: Path):
    proc = run_tool("tinyslm_ir.tools.tinyslm_opt", str(gemm_bad_k))
    assert_one_line_diagnostic(proc, "Gemm_3", "Gemm", "K=3", "K=4")


def test_test_net_reports_bad_model(tmp_path: Path, unknown_op: Path):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "network.onnx").write_bytes(unknown_op.read_bytes())
    np.savez(folder / "inputs.npz", np.zeros((2, 3)))
    np.savez(folder / "outputs.npz", np.zeros((2, 3)))
    proc = run_tool("tinyslm_ir.tools.tinyslm", "test-net", str(folder), "--json")
    assert_one_line_diagnostic(proc, "Frob_7", "FrobnicateTensor")


def test_test_net_missing_folder(tmp_path: Path):
    proc = run_tool("tinyslm_ir.tools.tinyslm", "test-net", str(tmp_path / "nope"))
    assert_one_line_diagnostic(proc, "network.onnx")


def test_negative_l1_is_a_one_line_error(tmp_path: Path):
    model = tmp_path / "sample.onnx"
    model.write_bytes(build_sample_model().SerializeToString())
    proc = run_tool("tinyslm_ir.tools.tinyslm", "compile", str(model), "--l1", "-1",
                    "-o", str(tmp_path / "out"))
    assert_one_line_diagnostic(proc, "--l1 -1", "at least 0", "untiled")


def test_unparsable_mlir(tmp_path: Path):
    path = tmp_path / "bad.mlir"
    path.write_text("func.func @f( {\n")
    proc = run_tool("tinyslm_ir.tools.tinyslm_opt", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr

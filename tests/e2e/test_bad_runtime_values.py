"""Runtime values out of range stop a compiled program with a message, as the reference
interpreter rejects them: a Gather index past the table and a KV-cache append past the
capacity. Without the check the kernels would read or write outside their buffers. Every
kernel variant is covered: untiled on the host and on siracusa (`--l1 0`), and the DMA
forms of the tiled siracusa default. The directories are relative, as a user types them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tinyslm_ir.frontend.state_ops import STATE_DOMAIN
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

_MISSING = missing_tools()
BUILDS = {"host": ["--target", "host"], "untiled": ["--l1", "0"], "tiled": []}


def _tinyslm(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm_ir.tools.tinyslm", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def _gather_model() -> onnx.ModelProto:
    table = numpy_helper.from_array(np.arange(40, dtype=np.int8).reshape(10, 4), "table")
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "idx"], ["out"], axis=0)], "gather",
        [helper.make_tensor_value_info("idx", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("out", TensorProto.INT8, [1, 4])], [table])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _append_model() -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("CacheWrite", ["cache", "rows", "pos"], ["out"], domain=STATE_DOMAIN,
                          axis=1)], "append",
        [helper.make_tensor_value_info("cache", TensorProto.INT8, [2, 4, 8]),
         helper.make_tensor_value_info("rows", TensorProto.INT8, [2, 1, 8]),
         helper.make_tensor_value_info("pos", TensorProto.INT32, [1, 1])],
        [helper.make_tensor_value_info("out", TensorProto.INT8, [2, 4, 8])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                   helper.make_opsetid(STATE_DOMAIN, 1)])


CASES = {
    "gather": (_gather_model, {"idx": np.array([-3])}, {"idx": np.array([12])},
               "@tsl error gather: index 12 outside [0, 10)"),
    "append": (_append_model,
               {"cache": np.zeros((2, 4, 8), np.int8), "rows": np.ones((2, 1, 8), np.int8),
                "pos": np.array([[3]], np.int32)},
               {"cache": np.zeros((2, 4, 8), np.int8), "rows": np.ones((2, 1, 8), np.int8),
                "pos": np.array([[4]], np.int32)},
               "@tsl error cache_write: position 4 outside [0, 4)"),
}


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("case", CASES)
def test_out_of_range_value_stops_the_program(tmp_path: Path, case: str, build: str) -> None:
    if build != "host" and _MISSING:
        pytest.skip(f"RISC-V toolchain absent: {', '.join(_MISSING)}")
    make, good, bad, message = CASES[case]
    onnx.save(make(), tmp_path / "model.onnx")
    np.savez(tmp_path / "good.npz", **good)
    np.savez(tmp_path / "bad.npz", **bad)
    types = ["--input-types", "cache=i8,rows=i8"] if case == "append" else []
    proc = _tinyslm(tmp_path, "compile", "model.onnx", *BUILDS[build], *types, "-o", "out")
    assert proc.returncode == 0, proc.stderr
    assert _tinyslm(tmp_path, "run", "out", "--inputs", "good.npz").returncode == 0
    proc = _tinyslm(tmp_path, "run", "out", "--inputs", "bad.npz")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr

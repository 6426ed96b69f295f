"""NPU jobs against the package's numpy functional model and the subtile timing model."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm_ir.targets.siracusa import cost_model, npu_model, sim
from tinyslm_ir.targets.siracusa.cost_model import NpuOp, NpuShape
from tinyslm_ir.targets.siracusa.errors import SimTrap

RELU, OUT_INT32, ROUND = 1, 2, 4
WEIGHT_SHAPES = {NpuOp.CONV1X1: lambda ci, co: (co, ci),
                 NpuOp.CONV3X3: lambda ci, co: (co, 3, 3, ci),
                 NpuOp.DWCONV3X3: lambda ci, co: (co, 3, 3)}

CASES = {
    "conv1x1-relu-wmem": (NpuOp.CONV1X1, 12, 12, 64, 48, (0, 0, 0, 0), RELU, 8, True),
    "conv1x1-gemm-int32": (NpuOp.CONV1X1, 7, 5, 33, 40, (0, 0, 0, 0), OUT_INT32, 0, False),
    "conv3x3-pad-round": (NpuOp.CONV3X3, 10, 9, 30, 20, (1, 1, 1, 1), ROUND, 10, True),
    "dwconv3x3-asym-pad-l1": (NpuOp.DWCONV3X3, 8, 8, 40, 40, (1, 0, 2, 1), RELU | ROUND, 7, False),
}


@pytest.mark.parametrize("case", CASES)
def test_npu_job_matches_numpy_model(program, case: str) -> None:
    op, h, w, ci, co, pads, flags, shift, in_wmem = CASES[case]
    rng = np.random.default_rng(hash(case) % 2**32)
    x = rng.integers(-128, 128, (h, w, ci), dtype=np.int8)
    wt = rng.integers(-128, 128, WEIGHT_SHAPES[op](ci, co), dtype=np.int8)
    scale = rng.integers(1, 64, co, dtype=np.int32)
    bias = rng.integers(-5000, 5000, co, dtype=np.int32)
    packed = pads[0] | pads[1] << 8 | pads[2] << 16 | pads[3] << 24
    job = np.array([op, flags, h, w, ci, co, packed, shift, in_wmem], dtype=np.uint32)
    r = sim.build_and_run([program("npu_job")], inputs={
        "job.bin": job, "x.bin": x, "w.bin": wt, "scale.bin": scale, "bias.bin": bias})
    ref = npu_model.run_job(op, x, wt, scale, bias, shift, relu=bool(flags & RELU),
                            round_=bool(flags & ROUND), out_int32=bool(flags & OUT_INT32),
                            pads=pads)
    got = np.frombuffer(r.outputs["y.bin"], dtype=ref.dtype).reshape(ref.shape)
    np.testing.assert_array_equal(got, ref)
    if not flags & OUT_INT32:
        assert len(np.unique(got)) > 8, "test data saturates: requantization is not exercised"
    latency = int(np.frombuffer(r.outputs["lat.bin"], np.uint32)[0])
    shape = NpuShape(op, ref.shape[0], ref.shape[1], ci, co, 4 if flags & OUT_INT32 else 1)
    assert latency == cost_model.npu_job_cycles(shape)
    region = r.regions[2]  # submit + wait: the NPU time not hidden behind instructions
    assert region.npu_wait == region.cycles - region.instret
    assert latency - 100 < region.npu_wait < latency


def test_npu_operand_outside_l1_is_a_named_fault(program) -> None:
    job = np.array([NpuOp.CONV1X1, 0, 6, 6, 32, 32, 0, 0, 0], dtype=np.uint32)
    inputs = {"job.bin": job, "x.bin": b"\1" * 1152, "w.bin": b"\1" * 1024}
    with pytest.raises(SimTrap, match="npu-input address 0x1c000000"):
        sim.build_and_run([program("npu_job")], defines={"BAD_INPUT": "0x1c000000"},
                          inputs=inputs, timeout=20)

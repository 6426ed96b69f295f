"""DMA: stall accounting against cost_model, bad addresses, read-before-wait detection."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm_ir.targets.siracusa import cost_model, sim
from tinyslm_ir.targets.siracusa.errors import SimTrap

CHUNK, NCHUNK = 4096, 16


def _stream(program, reps: int) -> tuple[sim.SimResult, np.ndarray]:
    src = np.random.default_rng(1).integers(-128, 128, NCHUNK * CHUNK, dtype=np.int8)
    r = sim.build_and_run([program("dma_double_buffer")], defines={"REPS": reps},
                          inputs={"src.bin": src})
    expected = src.reshape(NCHUNK, CHUNK)[:, ::64].astype(np.int32).sum(axis=1) * reps
    np.testing.assert_array_equal(r.output_array("sums.bin", np.int32), expected)
    return r, np.diff(r.output_array("after_wait.bin", np.uint64).astype(np.int64))


def test_dma_bound_loop_runs_at_the_modelled_transfer_rate(program) -> None:
    """Compute per chunk < transfer time: the queue never idles, so consecutive waits return
    exactly dma_cycles(CHUNK) apart, and every cycle that is not an instruction is a DMA stall."""
    r, period = _stream(program, reps=1)
    assert (period == cost_model.dma_cycles(CHUNK)).all()
    loop = r.regions[1]
    assert loop.dma_wait == loop.cycles - loop.instret > 0


def test_compute_bound_loop_hides_every_transfer_but_the_first(program) -> None:
    r, period = _stream(program, reps=8)
    loop = r.regions[1]
    first_stall = loop.dma_wait
    # only the prologue's transfer is exposed, and only partly (its issue overlaps nothing)
    assert 0 < first_stall < cost_model.dma_cycles(CHUNK)
    assert loop.dma_wait == loop.cycles - loop.instret
    assert (period[:-1] > cost_model.dma_cycles(CHUNK)).all()  # compute, not DMA, sets the pace


@pytest.mark.parametrize("debug", [False, True])
def test_full_queue_waits_for_the_oldest_transfer(program, debug: bool) -> None:
    """An issue with TSL_DMA_MAX_OUTSTANDING (16) transfers pending first waits for the oldest,
    1D and 2D alike. Each transfer takes longer than a release build needs to issue one, so from
    the 19th issue on every issue waits, and they are exactly one transfer time apart (the
    queue never idles). In a debug build the guard bookkeeping after the wait retires a varying
    number of instructions, so there only the data and the accounting are checked."""
    nx, nbytes, rows = 32, 8192, 4
    src = np.random.default_rng(3).integers(-128, 128, (nx, 2 * nbytes), dtype=np.int8)
    r = sim.build_and_run([program("dma_queue_full")], debug=debug, defines={"NX": nx},
                          inputs={"src.bin": src})
    dst = r.output_array("dst.bin", np.int8).reshape(2, 16, nbytes)
    np.testing.assert_array_equal(dst[0], src[-16:, :nbytes])
    every_other_row = src.reshape(nx, rows, 2, nbytes // rows)[:, :, 0].reshape(nx, nbytes)
    np.testing.assert_array_equal(dst[1], every_other_row[-16:])
    loop = r.regions[1]
    assert loop.dma_wait == loop.cycles - loop.instret > 0
    if not debug:
        after_issue = r.output_array("after_issue.bin", np.uint64).astype(np.int64)
        period = np.diff(after_issue.reshape(2, nx)[:, 17:], axis=1)
        assert (period == cost_model.dma_cycles(nbytes)).all()


@pytest.mark.parametrize("addr", ["0x30000000", "0x1003fff0"])  # unmapped; L1 end overrun
def test_bad_dma_address_is_reported_not_hung(program, addr: str) -> None:
    with pytest.raises(SimTrap, match=f"dma-destination address {addr}") as info:
        sim.build_and_run([program("bad_dma")], defines={"BAD_ADDR": addr}, timeout=20)
    assert info.value.mcause == 7  # store access fault on the command register


def test_read_before_wait_detected_in_debug_mode(program) -> None:
    with pytest.raises(SimTrap, match="read-before-wait") as info:
        sim.build_and_run([program("read_before_wait")], debug=True)
    assert info.value.dma_race is not None and "read addr=0x" in info.value.dma_race


def test_debug_mode_accepts_correct_code_and_release_mode_ignores_race(program) -> None:
    sim.build_and_run([program("read_before_wait")], debug=True, defines={"WAIT_FIRST": 1})
    sim.build_and_run([program("read_before_wait")])  # functional copy: the bug goes unseen

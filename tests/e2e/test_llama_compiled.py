"""The Llama builder's graphs compiled by the driver: float prefill and decode on the host
agree with the numpy implementation; their int8 versions on the simulated Siracusa match the
reference interpreter bit for bit."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest

from tinyslm_ir.driver.compile import CompileOptions, compile_imported, compile_model
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.models import llama, llama_numpy
from tinyslm_ir.models.llama_config import TINYLLAMA_V0, LlamaConfig, LlamaWeights
from tinyslm_ir.models.llama_int8 import calibration_inputs, quantize_llama
from tinyslm_ir.reference.interpreter import run_module
from tinyslm_ir.targets.host.native import HOST_RUNTIME_DIR
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

SMALL = LlamaConfig(dim=16, n_heads=4, n_layers=2, ffn_dim=32, vocab=50, max_context=64)

needs_gcc = pytest.mark.skipif(
    shutil.which("gcc") is None or not HOST_RUNTIME_DIR.is_dir(),
    reason="the host target needs gcc and the host runtime (targets/host/runtime)")
needs_sim = pytest.mark.skipif(bool(missing_tools()), reason="RISC-V toolchain absent "
                               "(run scripts/install-toolchain.sh)")


def compile_and_run(model: onnx.ModelProto, arrays: list[np.ndarray], directory: Path,
                    target: str) -> list[np.ndarray]:
    compile_model(model, directory, CompileOptions(target))
    return run_compiled(directory, arrays).outputs


@needs_gcc
@pytest.mark.parametrize("config", [SMALL, TINYLLAMA_V0], ids=["small", "tinyllama_v0"])
def test_float_prefill_and_decode_on_host_match_numpy(config: LlamaConfig, tmp_path: Path):
    w = LlamaWeights.seeded(config, seed=0)
    seq = np.random.default_rng(1).integers(0, config.vocab, (1, 7))
    want = llama_numpy.forward(w, seq[:, :6])
    got = compile_and_run(llama.build_prefill(w, 6), [seq[:, :6]], tmp_path / "prefill", "host")
    step = llama_numpy.forward(w, seq[:, 6:], want.caches)
    got_step = compile_and_run(llama.build_decode(w, 6),
                               llama.input_arrays(seq[:, 6:], want.caches),
                               tmp_path / "decode", "host")
    for outputs, result in ((got, want), (got_step, step)):
        out, caches = llama.split_outputs(outputs)
        np.testing.assert_allclose(out, result.out, rtol=0, atol=2e-5)
        for (k, v), (wk, wv) in zip(caches, result.caches, strict=True):
            np.testing.assert_allclose(k, wk, rtol=0, atol=2e-5)
            np.testing.assert_allclose(v, wv, rtol=0, atol=2e-5)


@needs_sim
@pytest.mark.parametrize(("config", "n_new", "n_past", "full"), [
    pytest.param(SMALL, 4, 0, True, id="small-prefill4"),
    pytest.param(SMALL, 1, 4, True, id="small-decode4"),
    pytest.param(TINYLLAMA_V0, 8, 0, False, id="tinyllama_v0-prefill8"),
    pytest.param(TINYLLAMA_V0, 1, 8, False, id="tinyllama_v0-decode8"),
])
def test_int8_graph_on_siracusa_matches_the_reference_exactly(
        config: LlamaConfig, n_new: int, n_past: int, full: bool, tmp_path: Path):
    """`full`: with embedding and LM head; else hidden states in and out, like microLlama."""
    w = LlamaWeights.seeded(config, seed=0)
    qm = quantize_llama(w, n_new, n_past, embed=full, lm_head=full)
    x = qm.quantize_inputs(calibration_inputs(w, n_new, n_past, embed=full, samples=1,
                                              seed=9)[0])
    want = run_module(qm.module, qm.weights, x)
    compile_imported(qm.imported(), tuple(qm.input_names), tmp_path, CompileOptions())
    outcome = run_compiled(tmp_path, x)
    assert outcome.cycles is not None and outcome.cycles > 0
    for got, ref in zip(outcome.outputs, want, strict=True):
        np.testing.assert_array_equal(got, ref)

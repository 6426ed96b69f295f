"""Generation on the simulated Siracusa: prefill and decode programs in one image that shares
weights and KV caches, every step bit-exact, and the `tinyslm generate` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinyslm_ir.driver.compile import CompileOptions, compile_imported
from tinyslm_ir.driver.generate import Generator
from tinyslm_ir.driver.image import ImageError, build_image
from tinyslm_ir.models.llama_config import LlamaConfig, LlamaWeights
from tinyslm_ir.models.llama_int8 import quantize_cached
from tinyslm_ir.reference.interpreter import run_module
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason="RISC-V toolchain absent "
                                "(run scripts/install-toolchain.sh)")

SMALL = LlamaConfig(dim=16, n_heads=4, n_layers=2, ffn_dim=32, vocab=50, max_context=64)


def reference_greedy(model, prompt: list[int], n_tokens: int) -> list[int]:
    """Greedy tokens from the integer graphs in the reference interpreter alone."""
    prefill, decode = model.graph(len(prompt)), model.graph(1)
    out = run_module(prefill.module, prefill.weights,
                     model.step_inputs(np.array([prompt]), 0, model.empty_caches()))
    tokens = [int(np.argmax(out[0]))]
    while len(tokens) < n_tokens:
        pos = len(prompt) + len(tokens) - 1
        out = run_module(decode.module, decode.weights,
                         model.step_inputs(np.array([[tokens[-1]]]), pos, list(out[1:])))
        tokens.append(int(np.argmax(out[0])))
    return tokens


def test_generation_matches_the_reference_greedy_loop(tmp_path: Path):
    model = quantize_cached(LlamaWeights.seeded(SMALL, seed=0), 8, samples=1)
    gen = Generator.compile(model, 4, tmp_path)
    prompt = [3, 14, 15, 9]
    steps = gen.generate(prompt, 4)  # raises StepMismatch on any differing output
    assert [s.kind for s in steps] == ["prefill", "decode", "decode", "decode"]
    assert [s.position for s in steps] == [0, 4, 5, 6]
    assert [s.token for s in steps] == reference_greedy(model, prompt, 4)
    for s in steps:
        assert s.cycles["total"] == s.cycles["decoder_stack"] + s.cycles["embedding"] + \
            s.cycles["lm_head"]
        assert s.cycles["embedding"] > 0 and s.cycles["lm_head"] > 0


def test_the_image_defines_state_once_and_its_entries_share_it(tmp_path: Path):
    model = quantize_cached(LlamaWeights.seeded(SMALL, seed=0), 8, samples=1)
    gen = Generator.compile(model, 4, tmp_path)
    image_c = (tmp_path / "image.c").read_text()
    state = gen.image.entries["decode"].state
    assert len(state) == 2 * SMALL.n_layers
    for k in state:
        assert image_c.count(f"int8_t tsl_state_{k}[") == 1
        for entry in ("prefill", "decode"):
            c = (tmp_path / entry / "network.c").read_text()
            assert f"extern int8_t tsl_state_{k}[" in c
            assert "int main(void)" not in c


def test_entries_with_different_weights_do_not_form_an_image(tmp_path: Path):
    for name, seed in (("prefill", 0), ("decode", 1)):
        model = quantize_cached(LlamaWeights.seeded(SMALL, seed=seed), 8, samples=1)
        q = model.graph(4 if name == "prefill" else 1)
        compile_imported(q.imported(), tuple(q.input_names), tmp_path / name,
                         CompileOptions(entry=name))
    with pytest.raises(ImageError, match="different weights"):
        build_image(tmp_path, ["prefill", "decode"])


def test_generate_command_on_a_state_dict(tmp_path: Path):
    weights = LlamaWeights.seeded(SMALL, seed=2)
    np.savez(tmp_path / "model.npz", **dict(weights.items()))
    proc = subprocess.run(  # a relative output directory, as `tinyslm demo` uses by default
        [sys.executable, "-m", "tinyslm_ir.tools.tinyslm", "generate", "model.npz",
         "--heads", "4", "--prompt-ids", "1,2,3", "--tokens", "2", "-o", "out"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "generated ids:" in proc.stdout
    assert "matched the reference interpreter bit for bit" in proc.stdout
    assert "tokens/s" in proc.stdout

"""The float Llama builder: its ONNX graphs (run by onnxruntime and by our reference after
import) agree with the direct numpy implementation, and decode after prefill reproduces a
longer prefill."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tinyslm_ir.frontend.onnx_importer import import_onnx
from tinyslm_ir.models import llama, llama_numpy
from tinyslm_ir.models.llama_config import (
    TINYLLAMA_V0,
    KVCache,
    LlamaConfig,
    LlamaWeights,
    weight_shapes,
)
from tinyslm_ir.reference.interpreter import run_module

SMALL = LlamaConfig(dim=16, n_heads=4, n_layers=2, ffn_dim=32, vocab=50, max_context=64)
ATOL = 2e-5  # float32 rounding over 8 layers; logits are O(5)


@pytest.fixture(scope="module", params=[SMALL, TINYLLAMA_V0], ids=["small", "tinyllama_v0"])
def weights(request: pytest.FixtureRequest) -> LlamaWeights:
    return LlamaWeights.seeded(request.param, seed=0)


def tokens(config: LlamaConfig, n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, config.vocab, (1, n))


def run_ort(model: onnx.ModelProto, arrays: list[np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString())
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, arrays, strict=True)))


def run_reference(model: onnx.ModelProto, arrays: list[np.ndarray]) -> list[np.ndarray]:
    imported = import_onnx(model)
    return run_module(imported.module, imported.weights, arrays)


def assert_matches(outputs: list[np.ndarray], want: llama_numpy.LlamaResult) -> float:
    """Every output (logits and each cache) within ATOL; returns the largest difference."""
    got, caches = llama.split_outputs(outputs)
    pairs = [(got, want.out)] + [(g, w) for gc, wc in zip(caches, want.caches, strict=True)
                                 for g, w in zip(gc, wc, strict=True)]
    for g, w in pairs:
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=ATOL)
    return max(float(np.abs(g - w).max()) for g, w in pairs)


@pytest.mark.parametrize("run", [run_ort, run_reference], ids=["onnxruntime", "reference"])
def test_prefill_graph_matches_numpy(weights: LlamaWeights, run):
    x = tokens(weights.config, 7)
    assert_matches(run(llama.build_prefill(weights, 7), [x]), llama_numpy.forward(weights, x))


@pytest.mark.parametrize("run", [run_ort, run_reference], ids=["onnxruntime", "reference"])
def test_decode_graph_matches_numpy(weights: LlamaWeights, run):
    past = llama_numpy.forward(weights, tokens(weights.config, 5)).caches
    x = tokens(weights.config, 1, seed=2)
    assert_matches(run(llama.build_decode(weights, 5), llama.input_arrays(x, past)),
                   llama_numpy.forward(weights, x, past))


def test_hidden_state_form_matches_numpy(weights: LlamaWeights):
    """Without embedding and LM head (Deeploy's microLlama form), prefill and decode."""
    c = weights.config
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 4, c.dim)).astype(np.float32)
    want = llama_numpy.forward(weights, x, embed=False, lm_head=False)
    model = llama.build_prefill(weights, 4, embed=False, lm_head=False)
    assert [i.name for i in model.graph.input] == ["hidden"]
    assert model.graph.output[0].name == "hidden_out"
    assert_matches(run_ort(model, [x]), want)
    step = rng.standard_normal((1, 1, c.dim)).astype(np.float32)
    model = llama.build_decode(weights, 4, embed=False, lm_head=False)
    assert_matches(run_reference(model, llama.input_arrays(step, want.caches)),
                   llama_numpy.forward(weights, step, want.caches, embed=False, lm_head=False))


def test_chunked_prefill_after_a_cache_matches_numpy():
    """N > 1 new tokens after T > 0 cached: the causal mask is offset by T."""
    w = LlamaWeights.seeded(SMALL, seed=4)
    past = llama_numpy.forward(w, tokens(SMALL, 3)).caches
    x = tokens(SMALL, 4, seed=5)
    assert_matches(run_reference(llama.build_llama(w, 4, 3), llama.input_arrays(x, past)),
                   llama_numpy.forward(w, x, past))


def _decode_steps(step, weights: LlamaWeights, prompt: np.ndarray,
                  more: np.ndarray) -> tuple[np.ndarray, KVCache]:
    """Prefill `prompt`, then decode `more` one token at a time; the last logits + caches."""
    out, caches = step(weights, prompt, None)
    for t in range(more.shape[1]):
        out, caches = step(weights, more[:, t:t + 1], caches)
    return out, caches


def _numpy_step(w: LlamaWeights, x: np.ndarray, caches: KVCache | None):
    r = llama_numpy.forward(w, x, caches)
    return r.out, r.caches


def _onnx_step(w: LlamaWeights, x: np.ndarray, caches: KVCache | None):
    model = llama.build_llama(w, x.shape[1], 0 if caches is None else caches[0][0].shape[2])
    return llama.split_outputs(run_ort(model, llama.input_arrays(x, caches)))


@pytest.mark.parametrize("step", [_numpy_step, _onnx_step], ids=["numpy", "onnx"])
def test_decode_after_prefill_equals_a_longer_prefill(weights: LlamaWeights, step):
    seq = tokens(weights.config, 8, seed=6)
    out, caches = _decode_steps(step, weights, seq[:, :5], seq[:, 5:])
    full, full_caches = step(weights, seq, None)
    np.testing.assert_allclose(out[0, -1], full[0, -1], rtol=0, atol=ATOL)
    for (k, v), (fk, fv) in zip(caches, full_caches, strict=True):
        np.testing.assert_allclose(k, fk, rtol=0, atol=ATOL)
        np.testing.assert_allclose(v, fv, rtol=0, atol=ATOL)


def test_seeded_weights_keep_activations_in_a_realistic_range():
    w = LlamaWeights.seeded(TINYLLAMA_V0, seed=0)
    assert set(w) == set(weight_shapes(TINYLLAMA_V0))
    logits = llama_numpy.forward(w, tokens(TINYLLAMA_V0, 8)).out
    assert 1 < np.abs(logits).max() < 20 and 0.3 < logits.std() < 3
    assert np.array_equal(w["lm_head.weight"], LlamaWeights.seeded(seed=0)["lm_head.weight"])


def test_state_dict_loading_ties_a_missing_lm_head_and_ignores_extras():
    w = LlamaWeights.seeded(SMALL, seed=0)
    state = {k: v for k, v in w.items() if k != "lm_head.weight"}
    state["model.layers.0.self_attn.rotary_emb.inv_freq"] = np.ones(2, np.float32)
    loaded = LlamaWeights.from_state_dict(SMALL, state)
    assert loaded["lm_head.weight"] is loaded["model.embed_tokens.weight"]
    assert "model.layers.0.self_attn.rotary_emb.inv_freq" not in loaded


def test_weights_are_checked_against_the_config():
    w = dict(LlamaWeights.seeded(SMALL, seed=0))
    with pytest.raises(ValueError, match=r"missing Llama weights: model\.layers\.1\.mlp"):
        LlamaWeights(SMALL, {k: v for k, v in w.items() if ".1.mlp" not in k})
    w["model.norm.weight"] = np.ones(17, np.float32)
    with pytest.raises(ValueError, match=r"'model.norm.weight' has shape \(17,\)"):
        LlamaWeights(SMALL, w)


def test_configs_and_graph_sizes_are_validated():
    with pytest.raises(ValueError, match="not a multiple of n_heads"):
        LlamaConfig(dim=10, n_heads=4)
    with pytest.raises(ValueError, match="even head_dim"):
        LlamaConfig(dim=12, n_heads=4)
    w = LlamaWeights.seeded(SMALL, seed=0)
    with pytest.raises(ValueError, match=r"does not fit 1\.\.64 positions"):
        llama.build_llama(w, 8, 60)
    with pytest.raises(ValueError, match="at least one position"):
        llama.build_decode(w, 0)


def test_rope_matrices_rotate_half_pairs():
    """TinyLLama-v0 (head_dim 4): pairs (0,2) turn by p radians, (1,3) by p/100 (spec §11.3)."""
    r = llama.rope_matrices(TINYLLAMA_V0, np.array([3]))[0]
    x = np.array([1.0, 1.0, 0.0, 0.0], np.float32)
    np.testing.assert_allclose(x @ r, [np.cos(3), np.cos(0.03), np.sin(3), np.sin(0.03)],
                               atol=1e-6)

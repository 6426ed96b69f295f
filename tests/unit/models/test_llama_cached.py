"""The cached form of the Llama builder: fixed-capacity KV caches written in place at runtime
positions, causal softmax over the filled prefix, and one int8 model for every step."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm_ir.frontend.onnx_importer import import_onnx
from tinyslm_ir.models import llama, llama_numpy
from tinyslm_ir.models.llama_config import TINYLLAMA_V0, LlamaConfig, LlamaWeights
from tinyslm_ir.models.llama_int8 import quantize_cached
from tinyslm_ir.reference.interpreter import run_module

SMALL = LlamaConfig(dim=16, n_heads=4, n_layers=2, ffn_dim=32, vocab=50, max_context=64)


def _float_caches(config: LlamaConfig, capacity: int) -> list[np.ndarray]:
    shape = (1, config.n_heads, capacity, config.head_dim)
    return [np.zeros(shape, np.float32) for _ in range(2 * config.n_layers)]


def _positions(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int32)[None]


def test_float_prefill_then_decode_match_numpy():
    w = LlamaWeights.seeded(SMALL, seed=0)
    seq = np.random.default_rng(1).integers(0, SMALL.vocab, (1, 7))
    want = llama_numpy.forward(w, seq)
    prefill = import_onnx(llama.build_llama(w, 6, capacity=10))
    out = run_module(prefill.module, prefill.weights,
                     [seq[:, :6], _positions(0, 6), *_float_caches(SMALL, 10)])
    np.testing.assert_allclose(out[0][0, 0], want.out[0, 5], atol=2e-5)
    decode = import_onnx(llama.build_llama(w, 1, capacity=10))
    step = run_module(decode.module, decode.weights, [seq[:, 6:], _positions(6, 1), *out[1:]])
    np.testing.assert_allclose(step[0][0, 0], want.out[0, 6], atol=2e-5)
    k0 = step[1]
    np.testing.assert_allclose(k0[:, :, :7], want.caches[0][0], atol=2e-5)
    assert not k0[:, :, 7:].any(), "positions past the last token must stay untouched"


@pytest.mark.parametrize("config", [SMALL, TINYLLAMA_V0], ids=["small", "tinyllama_v0"])
def test_int8_decode_after_prefill_equals_the_longer_prefill_exactly(config: LlamaConfig):
    """Issue 7: the prefill and decode programs are one integer model."""
    w = LlamaWeights.seeded(config, seed=0)
    model = quantize_cached(w, 12, samples=2)
    seq = np.random.default_rng(3).integers(0, config.vocab, (1, 10))
    p8, decode, p10 = model.graph(8), model.graph(1), model.graph(10)
    out = run_module(p8.module, p8.weights, model.step_inputs(seq[:, :8], 0, model.empty_caches()))
    tokens = [int(np.argmax(out[0]))]
    for pos in (8, 9):
        out = run_module(decode.module, decode.weights,
                         model.step_inputs(seq[:, pos:pos + 1], pos, out[1:]))
        tokens.append(int(np.argmax(out[0])))
    longer = run_module(p10.module, p10.weights, model.step_inputs(seq, 0, model.empty_caches()))
    for got, want in zip(out, longer, strict=True):
        np.testing.assert_array_equal(got, want)
    assert tokens[-1] == int(np.argmax(longer[0]))


def test_int8_graphs_share_their_scales():
    model = quantize_cached(LlamaWeights.seeded(SMALL, seed=0), 8, samples=1)
    prefill, decode = model.graph(4), model.graph(1)
    assert [s.scale for s in prefill.inputs] == [s.scale for s in decode.inputs]
    assert [s.scale for s in prefill.outputs] == [s.scale for s in decode.outputs]
    # a cache is read and written at one scale: in place, it cannot change
    assert [s.scale for s in decode.inputs[2:]] == [s.scale for s in decode.outputs[1:]]


def test_cached_form_sizes_are_validated():
    w = LlamaWeights.seeded(SMALL, seed=0)
    with pytest.raises(ValueError, match="does not fit"):
        llama.build_llama(w, 9, capacity=8)
    with pytest.raises(ValueError, match="does not fit"):
        llama.build_llama(w, 1, capacity=SMALL.max_context + 1)

"""The int8 Llama graphs stay close to the float model they were calibrated from."""

from __future__ import annotations

import numpy as np

from tinyslm_ir.models import llama, llama_numpy
from tinyslm_ir.models.llama_config import TINYLLAMA_V0, LlamaConfig, LlamaWeights
from tinyslm_ir.models.llama_int8 import calibration_inputs, quantize_llama

SMALL = LlamaConfig(dim=16, n_heads=4, n_layers=2, ffn_dim=32, vocab=50, max_context=64)


def _relative_rms(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.sqrt(np.mean((got - want) ** 2) / np.mean(want ** 2)))


def test_calibration_inputs_follow_the_graph_input_order():
    w = LlamaWeights.seeded(SMALL, seed=0)
    (sample,) = calibration_inputs(w, 1, 3, embed=False, samples=1)
    assert [a.shape for a in sample] == [(1, 1, 16)] + [(1, 4, 3, 4)] * 4
    table = w["model.embed_tokens.weight"]
    assert (table == sample[0][0, 0]).all(axis=1).any()  # a real embedding row
    (tokens,) = calibration_inputs(w, 2, 0, samples=1)
    assert tokens[0].shape == (1, 2) and tokens[0].dtype == np.int64


def test_int8_decode_tracks_the_float_model():
    """TinyLLama-v0 in microLlama form (hidden in, final norm out), one step after 8."""
    w = LlamaWeights.seeded(TINYLLAMA_V0, seed=0)
    qm = quantize_llama(w, 1, 8, embed=False, lm_head=False)
    x = calibration_inputs(w, 1, 8, embed=False, samples=1, seed=5)[0]
    got = qm.dequantize_outputs(qm.run_reference(x))
    hidden, caches = llama.split_outputs(x)
    want = llama_numpy.forward(w, hidden, caches, embed=False, lm_head=False)
    assert _relative_rms(got[0], want.out) < 0.15
    assert _relative_rms(got[-1], want.caches[-1][1]) < 0.15


def test_int8_decode_with_embedding_and_head_picks_the_float_model_tokens():
    w = LlamaWeights.seeded(SMALL, seed=0)
    qm = quantize_llama(w, 1, 4)
    assert [s.name for s in qm.inputs][:1] == ["tokens"] and qm.inputs[0].scale is None
    for seed in range(3):
        x = calibration_inputs(w, 1, 4, samples=1, seed=10 + seed)[0]
        logits = qm.dequantize_outputs(qm.run_reference(x))[0]
        want = llama_numpy.forward(w, x[0], llama.split_outputs(x)[1]).out
        assert logits.argmax() == want.argmax()

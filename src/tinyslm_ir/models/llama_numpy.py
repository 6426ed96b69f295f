"""The Llama decoder written directly in numpy: the float oracle for the ONNX builder.

It shares only the weights with `models.llama`, not its formulation: RoPE here is the
Hugging Face rotate-half form with cos/sin (the graph multiplies by rotation matrices),
the causal mask selects with -inf (the graph adds a constant), and SiLU is x / (1 + e^-x) in
closed form. Everything is float32, like the graphs, so the two agree to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyslm_ir.models.llama_config import KVCache, LlamaConfig, LlamaWeights


@dataclass
class LlamaResult:
    out: np.ndarray
    """Logits (1, N, vocab), or the final-norm hidden state (1, N, dim) without the head."""
    caches: KVCache
    """The caches extended by the N new positions: (1, heads, T+N, head_dim) per layer."""


def rms_norm(x: np.ndarray, gain: np.ndarray, eps: float) -> np.ndarray:
    return (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + np.float32(eps))) * gain


def rope(x: np.ndarray, positions: np.ndarray, theta: float) -> np.ndarray:
    """Rotate-half RoPE of x (1, heads, N, head_dim) at absolute `positions` (N,)."""
    half = x.shape[-1] // 2
    inv_freq = theta ** (-np.arange(half, dtype=np.float64) * 2 / x.shape[-1])
    angles = np.concatenate([np.outer(positions, inv_freq)] * 2, axis=-1)
    cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rotated * sin


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def silu(x: np.ndarray) -> np.ndarray:
    return x / (np.float32(1) + np.exp(-x))


def _heads(x: np.ndarray, config: LlamaConfig) -> np.ndarray:
    """(1, N, dim) -> (1, heads, N, head_dim)."""
    return x.reshape(1, x.shape[1], config.n_heads, config.head_dim).transpose(0, 2, 1, 3)


def _attention(w: LlamaWeights, i: int, x: np.ndarray, cache: tuple[np.ndarray, np.ndarray],
               positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = w.config
    q, k, v = (_heads(x @ w.layer(i, f"self_attn.{p}_proj").T, c) for p in "qkv")
    q, k = rope(q, positions, c.rope_theta), rope(k, positions, c.rope_theta)
    keys = np.concatenate([cache[0], k], axis=2)
    values = np.concatenate([cache[1], v], axis=2)
    scores = q @ keys.transpose(0, 1, 3, 2) / np.float32(np.sqrt(c.head_dim))
    visible = np.arange(keys.shape[2])[None, :] <= positions[:, None]
    probs = softmax(np.where(visible, scores, np.float32(-np.inf)))
    o = (probs @ values).transpose(0, 2, 1, 3).reshape(x.shape)
    return o @ w.layer(i, "self_attn.o_proj").T, keys, values


def forward(weights: LlamaWeights, x: np.ndarray, caches: KVCache | None = None, *,
            embed: bool = True, lm_head: bool = True) -> LlamaResult:
    """N new tokens after T cached ones: prefill is T = 0, decode is N = 1.

    `x` is token ids (1, N) with `embed`, else the embedded hidden state (1, N, dim).
    """
    c = weights.config
    h = weights["model.embed_tokens.weight"][np.asarray(x)] if embed \
        else np.asarray(x, np.float32)
    empty = np.zeros((1, c.n_heads, 0, c.head_dim), np.float32)
    caches = caches if caches is not None else [(empty, empty)] * c.n_layers
    if len(caches) != c.n_layers:
        raise ValueError(f"{len(caches)} caches given for {c.n_layers} layers")
    past = caches[0][0].shape[2]
    positions = np.arange(past, past + h.shape[1])
    new_caches: KVCache = []
    for i in range(c.n_layers):
        a = rms_norm(h, weights.layer(i, "input_layernorm"), c.norm_eps)
        o, keys, values = _attention(weights, i, a, caches[i], positions)
        new_caches.append((keys, values))
        h = h + o
        b = rms_norm(h, weights.layer(i, "post_attention_layernorm"), c.norm_eps)
        gate = silu(b @ weights.layer(i, "mlp.gate_proj").T)
        h = h + (gate * (b @ weights.layer(i, "mlp.up_proj").T)) @ \
            weights.layer(i, "mlp.down_proj").T
    out = rms_norm(h, weights["model.norm.weight"], c.norm_eps)
    if lm_head:
        out = out @ weights["lm_head.weight"].T
    return LlamaResult(out, new_caches)

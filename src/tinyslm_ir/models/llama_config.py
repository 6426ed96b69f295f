"""Configuration and weights of a TinyStories-class Llama decoder.

The weights are kept under the Hugging Face `LlamaForCausalLM` state-dict names and layouts
(linear layers as (out, in)), so a real checkpoint loads without renaming and every builder
and the numpy model read the same arrays. The ONNX builder transposes the projections to
(in, out) for MatMul; the numpy model computes `x @ W.T`, as PyTorch's Linear does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

KVCache = list[tuple[np.ndarray, np.ndarray]]
"""Per layer (K, V), each (1, heads, T, head_dim); K is stored after RoPE."""


@dataclass(frozen=True)
class LlamaConfig:
    dim: int = 64
    n_heads: int = 16
    n_layers: int = 8
    ffn_dim: int = 256
    vocab: int = 32000
    max_context: int = 2048
    norm_eps: float = 1e-6
    rope_theta: float = 10000.0

    def __post_init__(self) -> None:
        if self.dim % self.n_heads:
            raise ValueError(f"dim {self.dim} is not a multiple of n_heads {self.n_heads}")
        if self.head_dim % 2:
            raise ValueError(f"RoPE needs an even head_dim, got {self.head_dim}")

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads


TINYLLAMA_V0 = LlamaConfig()
"""Maykeye/TinyLLama-v0 (siracusa-hardware.md §4): the default everywhere."""


def weight_shapes(config: LlamaConfig) -> dict[str, tuple[int, ...]]:
    """Every weight name with its shape: the contract of `LlamaWeights`.

    Per layer `i`: `model.layers.{i}.input_layernorm.weight` (dim,),
    `...self_attn.{q,k,v,o}_proj.weight` (dim, dim), `...post_attention_layernorm.weight`
    (dim,), `...mlp.{gate,up}_proj.weight` (ffn, dim) and `...mlp.down_proj.weight` (dim, ffn);
    plus `model.embed_tokens.weight` and `lm_head.weight` (vocab, dim), `model.norm.weight`.
    """
    d, f = config.dim, config.ffn_dim
    shapes: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (config.vocab, d)}
    for i in range(config.n_layers):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (d,)
        for proj in "qkvo":
            shapes[p + f"self_attn.{proj}_proj.weight"] = (d, d)
        shapes[p + "post_attention_layernorm.weight"] = (d,)
        shapes[p + "mlp.gate_proj.weight"] = (f, d)
        shapes[p + "mlp.up_proj.weight"] = (f, d)
        shapes[p + "mlp.down_proj.weight"] = (d, f)
    shapes["model.norm.weight"] = (d,)
    shapes["lm_head.weight"] = (config.vocab, d)
    return shapes


@dataclass(frozen=True, eq=False)
class LlamaWeights(Mapping[str, np.ndarray]):
    """float32 arrays by Hugging Face name (see `weight_shapes`), checked against `config`."""

    config: LlamaConfig
    arrays: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        expected = weight_shapes(self.config)
        missing = sorted(expected.keys() - self.arrays.keys())
        if missing:
            raise ValueError(f"missing Llama weights: {', '.join(missing[:4])}"
                             + (f" and {len(missing) - 4} more" if len(missing) > 4 else ""))
        for name, shape in expected.items():
            if self.arrays[name].shape != shape:
                raise ValueError(f"weight '{name}' has shape {self.arrays[name].shape}, "
                                 f"the config needs {shape}")

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)

    def layer(self, i: int, name: str) -> np.ndarray:
        """`layer(0, "self_attn.q_proj")` is `model.layers.0.self_attn.q_proj.weight`."""
        return self.arrays[f"model.layers.{i}.{name}.weight"]

    @classmethod
    def seeded(cls, config: LlamaConfig = TINYLLAMA_V0, seed: int = 0) -> LlamaWeights:
        """Random weights whose activations stay O(1), so that int8 calibration is realistic.

        Projections are N(0, 1/fan_in) (unit-variance outputs for unit-variance inputs),
        the embedding N(0, 1) (the residual stream starts at RMS 1), and norm gains
        1 + N(0, 0.1²) so that the gains are exercised rather than all ones.
        """
        rng = np.random.default_rng(seed)
        arrays = {}
        for name, shape in weight_shapes(config).items():
            if name.endswith("norm.weight"):
                a = 1.0 + 0.1 * rng.standard_normal(shape)
            elif name == "model.embed_tokens.weight":
                a = rng.standard_normal(shape)
            else:
                a = rng.standard_normal(shape) / np.sqrt(shape[1])
            arrays[name] = a.astype(np.float32)
        return cls(config, arrays)

    @classmethod
    def from_state_dict(cls, config: LlamaConfig,
                        state: Mapping[str, object]) -> LlamaWeights:
        """Weights from a Hugging Face Llama state dict (numpy arrays or CPU tensors).

        Extra entries (rotary caches, biases of other architectures) are ignored; a missing
        `lm_head.weight` means tied embeddings, as in `tie_word_embeddings=True` models.
        """
        names = weight_shapes(config)
        arrays = {k: np.asarray(v, dtype=np.float32) for k, v in state.items() if k in names}
        if "lm_head.weight" not in arrays and "model.embed_tokens.weight" in arrays:
            arrays["lm_head.weight"] = arrays["model.embed_tokens.weight"]
        return cls(config, arrays)

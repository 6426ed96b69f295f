"""Float ONNX graphs of a TinyStories-class Llama decoder, in prefill and decode form.

One builder covers both forms: N new tokens at positions T..T+N-1 after T cached ones.
Prefill is T = 0 (causal mask, no cache inputs); decode is N = 1 with caches of T positions.
Shapes are static, so, like Deeploy's microLlamaN, there is one graph per (N, T).

The layout follows QuantLib's microLlama (quantlib-integer-ops.md §11) so that the int8
graphs the quantizer makes from these look like the ones the backend already runs:

- inputs: token ids (1, N) int64, or the embedded hidden state (1, N, dim) without the
  embedding; then `past_key.{l}`, `past_value.{l}` (1, heads, T, head_dim) per layer (decode);
- outputs: logits (1, N, vocab), or the final-norm hidden state `hidden_out` without the LM
  head; then `present_key.{l}`, `present_value.{l}` (1, heads, T+N, head_dim): the caches
  extended by Concat, keys stored after RoPE;
- RoPE is a MatMul of each head's (1 x head_dim) row with a constant per-position rotation
  matrix (rotate-half layout), as in microLlama: one contraction the quantizer already
  handles instead of Slice/Neg/Concat. The tables are baked in for positions T..T+N-1;
- the causal mask is a constant added to the scaled scores (see `MASK_VALUE`).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tinyslm_ir.frontend.state_ops import STATE_DOMAIN
from tinyslm_ir.models.llama_config import KVCache, LlamaConfig, LlamaWeights

OPSET = 23  # RMSNormalization
IR_VERSION = 10  # the newest onnxruntime 1.31 loads
MASK_VALUE = -1e4
"""Added to the scores of future positions. Finite, so that a quantizer calibrating the Add
sees a bounded range, yet exp(MASK_VALUE) underflows to exactly 0 in float32."""


def rope_matrices(config: LlamaConfig, positions: np.ndarray) -> np.ndarray:
    """(len(positions), head_dim, head_dim) R with rope(x) = x @ R for a row x of one head.

    Rotate-half layout: dimension j < half pairs with j + half and turns by
    position * theta^(-2j / head_dim), matching Hugging Face Llama checkpoints.
    """
    hd, half = config.head_dim, config.head_dim // 2
    inv_freq = config.rope_theta ** (-np.arange(half) * 2 / hd)
    angles = np.outer(positions, inv_freq)
    cos, sin = np.cos(angles), np.sin(angles)
    r = np.zeros((len(positions), hd, hd))
    j = np.arange(half)
    r[:, j, j] = r[:, j + half, j + half] = cos
    r[:, j + half, j] = -sin
    r[:, j, j + half] = sin
    return r.astype(np.float32)


def causal_mask(n_new: int, n_past: int) -> np.ndarray:
    """(N, T+N) additive mask: new token i sees every cached position and new ones <= i."""
    visible = np.arange(n_past + n_new)[None, :] <= (n_past + np.arange(n_new))[:, None]
    return np.where(visible, 0.0, MASK_VALUE).astype(np.float32)


class _Graph:
    """Accumulates nodes and initializers; names every node after its output."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], out: str, **attrs: object) -> str:
        return self.node(op_type, inputs, out, "", **attrs)

    def node(self, op_type: str, inputs: list[str], out: str, domain: str,
             **attrs: object) -> str:
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, domain=domain,
                                           **attrs))
        return out


def _linear(g: _Graph, w: LlamaWeights, x: str, name: str, out: str) -> str:
    """x @ W.T with the (out, in) weight stored transposed as the MatMul operand."""
    return g.op("MatMul", [x, g.const(name + ".T", w[name].T)], out)


def _attention(g: _Graph, w: LlamaWeights, i: int, x: str, n_new: int, n_past: int,
               cached: bool) -> str:
    """Self-attention of layer i. Concat form: the caches grow by Concat and an additive mask
    hides future positions. Cached form: CacheWrite puts the new rows into fixed-capacity
    caches at `positions`, and CausalSoftmax hides every position after a query's own."""
    p = f"layers.{i}.attn."
    rotated, present = {}, {}
    for t, kind in (("q", ""), ("k", "key"), ("v", "value")):
        y = _linear(g, w, x, f"model.layers.{i}.self_attn.{t}_proj.weight", p + t)
        y = g.op("Reshape", [y, "heads_shape"], p + t + ".heads")
        if t != "v":
            y = g.op("MatMul", [y, "rope"], p + t + ".rope")
        # (1, heads, positions, head_dim): the cache layout of microLlama
        cache = f"present_{kind}.{i}"
        direct = not (n_past or cached) and kind
        rotated[t] = g.op("Transpose", [y], cache if direct else p + t + ".bhsd",
                          perm=[0, 2, 1, 3])
        if kind and cached:
            present[t] = g.node("CacheWrite", [f"cache_{kind}.{i}", rotated[t], "positions"],
                                cache, STATE_DOMAIN, axis=2)
        elif kind:
            present[t] = g.op("Concat", [f"past_{kind}.{i}", rotated[t]], cache, axis=2) \
                if n_past else rotated[t]
    kt = g.op("Transpose", [present["k"]], p + "kT", perm=[0, 1, 3, 2])
    scores = g.op("MatMul", [rotated["q"], kt], p + "scores")
    scores = g.op("Mul", [scores, "attn_scale"], p + "scores.scaled")
    if cached:
        probs = g.node("CausalSoftmax", [scores, "positions"], p + "probs", STATE_DOMAIN)
    else:
        if n_new > 1:
            scores = g.op("Add", [scores, "causal_mask"], p + "scores.masked")
        probs = g.op("Softmax", [scores], p + "probs", axis=-1)
    o = g.op("MatMul", [probs, present["v"]], p + "o.bhsd")
    o = g.op("Transpose", [o], p + "o.bshd", perm=[0, 2, 1, 3])
    o = g.op("Reshape", [o, "hidden_shape"], p + "o")
    return _linear(g, w, o, f"model.layers.{i}.self_attn.o_proj.weight", p + "o_proj")


def _ffn(g: _Graph, w: LlamaWeights, i: int, x: str) -> str:
    """SwiGLU: down(silu(gate(x)) * up(x)), with silu(a) = a * Sigmoid(a)."""
    p, m = f"layers.{i}.mlp.", f"model.layers.{i}.mlp."
    gate = _linear(g, w, x, m + "gate_proj.weight", p + "gate")
    silu = g.op("Mul", [gate, g.op("Sigmoid", [gate], p + "gate.sigmoid")], p + "silu")
    up = _linear(g, w, x, m + "up_proj.weight", p + "up")
    return _linear(g, w, g.op("Mul", [silu, up], p + "glu"), m + "down_proj.weight",
                   p + "down")


def _rms_norm(g: _Graph, w: LlamaWeights, x: str, weight: str, out: str) -> str:
    return g.op("RMSNormalization", [x, g.const(weight, w[weight])], out, axis=-1,
                epsilon=w.config.norm_eps)


def _io(config: LlamaConfig, n_new: int, n_past: int, embed: bool, lm_head: bool,
        capacity: int | None) -> tuple[list[onnx.ValueInfoProto], list[onnx.ValueInfoProto]]:
    """Graph inputs and outputs, in the order of `input_arrays` and `split_outputs`."""
    c, f32 = config, TensorProto.FLOAT
    x = helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, n_new]) if embed \
        else helper.make_tensor_value_info("hidden", f32, [1, n_new, c.dim])
    rows = 1 if capacity else n_new  # the cached form returns the last position only
    out = helper.make_tensor_value_info("logits", f32, [1, rows, c.vocab]) if lm_head \
        else helper.make_tensor_value_info("hidden_out", f32, [1, rows, c.dim])

    def caches(prefix: str, length: int) -> list[onnx.ValueInfoProto]:
        shape = [1, c.n_heads, length, c.head_dim]
        return [helper.make_tensor_value_info(f"{prefix}_{kind}.{i}", f32, shape)
                for i in range(c.n_layers) for kind in ("key", "value")]

    if capacity:
        positions = helper.make_tensor_value_info("positions", TensorProto.INT32, [1, n_new])
        return [x, positions, *caches("cache", capacity)], [out, *caches("present", capacity)]
    return [x, *(caches("past", n_past) if n_past else [])], [out, *caches("present",
                                                                            n_past + n_new)]


def build_llama(weights: LlamaWeights, n_new: int, n_past: int = 0, *, embed: bool = True,
                lm_head: bool = True, capacity: int | None = None) -> onnx.ModelProto:
    """The decoder run on `n_new` tokens after `n_past` cached positions (see module doc).

    With `capacity`, the cached form instead: `n_new` tokens at runtime `positions` into
    fixed-capacity caches (`n_past` is then unused), returning the last position's output.
    Its prefill (n_new = N, positions 0..N-1) and decode (n_new = 1) graphs differ only in
    N, which is what lets one set of quantization scales serve both (`llama_int8`).
    """
    c = weights.config
    cached = capacity is not None
    if cached:
        if not 1 <= n_new <= capacity <= c.max_context:
            raise ValueError(f"{n_new} new tokens into a cache of {capacity} positions does "
                             f"not fit 1..{c.max_context}")
        n_past = 0
    elif n_new < 1 or n_past < 0 or n_past + n_new > c.max_context:
        raise ValueError(f"{n_new} new after {n_past} cached tokens does not fit "
                         f"1..{c.max_context} positions")
    g = _Graph()
    if cached:
        g.const("rope_table", rope_matrices(c, np.arange(capacity)))
        g.op("Gather", ["rope_table", "positions"], "rope", axis=0)
    else:
        g.const("rope", rope_matrices(c, np.arange(n_past, n_past + n_new))[None])
    g.const("attn_scale", np.array(1 / np.sqrt(c.head_dim), np.float32))
    g.const("hidden_shape", np.array([1, n_new, c.dim]))
    g.const("heads_shape", np.array([1, n_new, c.n_heads, c.head_dim]))
    if n_new > 1 and not cached:
        g.const("causal_mask", causal_mask(n_new, n_past))
    h = "hidden"
    if embed:
        table = g.const("model.embed_tokens.weight", weights["model.embed_tokens.weight"])
        h = g.op("Gather", [table, "tokens"], "embedded", axis=0)
    for i in range(c.n_layers):
        prefix = f"model.layers.{i}."
        a = _rms_norm(g, weights, h, prefix + "input_layernorm.weight",
                      f"layers.{i}.attn_norm")
        h = g.op("Add", [h, _attention(g, weights, i, a, n_new, n_past, cached)],
                 f"layers.{i}.attn_residual")
        b = _rms_norm(g, weights, h, prefix + "post_attention_layernorm.weight",
                      f"layers.{i}.ffn_norm")
        h = g.op("Add", [h, _ffn(g, weights, i, b)], f"layers.{i}.ffn_residual")
    # The cached form returns the last position only. It is sliced after the final norm
    # (row-wise, so nothing changes) because an int8 slice before it would hand the norm an
    # 8-bit input where decode gives it the wider residual sum: the graphs would disagree.
    normed = _rms_norm(g, weights, h, "model.norm.weight",
                       "final_norm" if lm_head or (cached and n_new > 1) else "hidden_out")
    if cached and n_new > 1:
        g.const("last_start", np.array([n_new - 1]))
        g.const("last_end", np.array([n_new]))
        g.const("last_axis", np.array([1]))
        normed = g.op("Slice", [normed, "last_start", "last_end", "last_axis"],
                      "last_position" if lm_head else "hidden_out")
    if lm_head:
        _linear(g, weights, normed, "lm_head.weight", "logits")
    inputs, outputs = _io(c, n_new, n_past, embed, lm_head, capacity)
    name = f"llama_{n_new}_cached_{capacity}" if cached else f"llama_{n_new}_after_{n_past}"
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=g.inits)
    opsets = [helper.make_opsetid("", OPSET)]
    if cached:
        opsets.append(helper.make_opsetid(STATE_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION,
                              producer_name="tinyslm_ir.models.llama")
    onnx.checker.check_model(model)
    return model


def build_prefill(weights: LlamaWeights, n_tokens: int, *, embed: bool = True,
                  lm_head: bool = True) -> onnx.ModelProto:
    """Parallel mode: `n_tokens` at positions 0..n-1, causal mask, caches as outputs."""
    return build_llama(weights, n_tokens, 0, embed=embed, lm_head=lm_head)


def build_decode(weights: LlamaWeights, cache_len: int, *, embed: bool = True,
                 lm_head: bool = True) -> onnx.ModelProto:
    """Autoregressive mode: one token at position `cache_len` after that many cached."""
    if cache_len < 1:
        raise ValueError("a decode step needs a cache of at least one position; "
                         "the first token is a prefill of 1")
    return build_llama(weights, 1, cache_len, embed=embed, lm_head=lm_head)


def input_arrays(x: np.ndarray, caches: KVCache | None = None) -> list[np.ndarray]:
    """The graph's runtime inputs in order: `x` (token ids or hidden), then K0, V0, K1, ..."""
    return [np.asarray(x), *(a for kv in caches or () for a in kv)]


def split_outputs(outputs: list[np.ndarray]) -> tuple[np.ndarray, KVCache]:
    """The graph's outputs in order -> (logits or hidden, [(K, V) per layer])."""
    return outputs[0], list(zip(outputs[1::2], outputs[2::2], strict=True))

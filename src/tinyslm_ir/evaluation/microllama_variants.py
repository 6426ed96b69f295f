"""Deeploy microLlama test folders at cache and prompt lengths Deeploy does not ship.

Deeploy ships microLlama with a KV cache of 1 and 8 tokens (decode) and a prompt of 8 tokens
(`microLlama8_parallel`, prefill). The graph is generic in those lengths: only the declared
shapes of its inputs, outputs and intermediate values, and (for prefill) the shape constants
of its Reshapes mention them. This module rewrites one shipped folder into a folder of the
same format (network.onnx + inputs.npz + outputs.npz) for another cache length t (decode,
from a folder with a non-empty cache) or another prompt length N (prefill, from a folder
whose caches are empty), so the compiler can be tested on networks it was not developed on.

The graph inputs are, in order: the hidden state (1, N, dim), the attention mask, the RoPE
matrices (1, N, head_dim, head_dim) and the KV caches (1, heads, t, head_dim). The new inputs
follow the shipped ones:

- hidden state: drawn from the empirical distribution of the shipped hidden state's values;
- caches: uniform integers in each shipped cache tensor's own [min, max] range;
- mask: decode lets the new token see every cached token, so it is all zeros of length t + 1;
  prefill is causal, 0 on and below the diagonal and the shipped masked value above it;
- RoPE: position p's matrix rotates the pairs (i, i + head_dim/2) by p * 10000^(-2i/head_dim),
  with entries trunc(127 * cos) and trunc(127 * sin). That is how the shipped rows were
  quantized: `rope_matrices` is checked against every shipped row before a folder is written.
  The new rows are positions t .. t + N - 1 (the cache holds positions 0 .. t - 1).

The expected outputs come from the project's reference interpreter (`reference.run_module`,
the golden numpy model of the graph dialect) run on the freshly imported graph, before any
optimisation pass. The compiled C is what these folders test; the reference is validated
separately against Deeploy's own expected outputs of every shipped folder.

Run `python -m tinyslm_ir.evaluation.microllama_variants SRC DST --cache-len T` (or
`--prompt-len N`) to write a folder by hand.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from tinyslm_ir.evaluation.test_folder import TestFolder
from tinyslm_ir.evaluation.testnet import graph_input_arrays

HIDDEN, MASK, ROPE, FIRST_CACHE = 0, 1, 2, 3
"""Positions of the runtime graph inputs (and of their arrays in inputs.npz)."""

ROPE_SCALE = 127
ROPE_BASE = 10000.0


@dataclass(frozen=True)
class Lengths:
    """Tokens processed by one step (prompt, N) and tokens already in the KV cache (cache, t)."""

    prompt: int
    cache: int

    @property
    def total(self) -> int:
        return self.prompt + self.cache


def rope_matrices(positions: Iterable[int], head_dim: int) -> np.ndarray:
    """The int8 RoPE matrices of `positions`, stacked as (len(positions), hd, hd).

    Row vector times matrix rotates each pair (i, i + hd/2) by p * theta_i, the half-split
    convention of the shipped rows; truncation toward zero reproduces their quantization.
    """
    half = head_dim // 2
    theta = ROPE_BASE ** (-np.arange(0, head_dim, 2) / head_dim)
    mats = []
    for p in positions:
        cos = np.trunc(ROPE_SCALE * np.cos(p * theta)).astype(np.int64)
        sin = np.trunc(ROPE_SCALE * np.sin(p * theta)).astype(np.int64)
        m = np.zeros((head_dim, head_dim), np.int64)
        for i in range(half):
            m[i, i] = m[i + half, i + half] = cos[i]
            m[i, i + half] = sin[i]
            m[i + half, i] = -sin[i]
        mats.append(m)
    return np.stack(mats) if mats else np.zeros((0, head_dim, head_dim), np.int64)


def causal_mask(prompt: int, masked: int) -> np.ndarray:
    """(1, N, N): token i sees tokens 0..i (0), the later ones get `masked`."""
    rows, cols = np.indices((prompt, prompt))
    return np.where(cols <= rows, 0, masked)[None].astype(np.int64)


def lengths_of(inputs: Sequence[np.ndarray]) -> Lengths:
    """N from the hidden state, t from the first cache."""
    return Lengths(prompt=inputs[HIDDEN].shape[1], cache=inputs[FIRST_CACHE].shape[2])


def _check_shipped_pattern(inputs: Sequence[np.ndarray], lengths: Lengths) -> int | None:
    """Fail unless the folder's mask and RoPE follow the pattern the new inputs continue.

    Returns the masked value of a causal (prefill) mask, None for an all-zero decode mask.
    """
    head_dim = inputs[ROPE].shape[-1]
    positions = range(lengths.cache, lengths.total)
    if not np.array_equal(inputs[ROPE][0], rope_matrices(positions, head_dim)):
        raise ValueError("the shipped RoPE rows are not trunc(127 * cos/sin) of positions "
                         f"{lengths.cache}..{lengths.total - 1}; cannot continue them")
    mask = inputs[MASK]
    if lengths.cache > 0:
        if mask.shape != (lengths.total,) or mask.any():
            raise ValueError(f"expected an all-zero decode mask of length {lengths.total}")
        return None
    masked = int(mask.min())
    if not np.array_equal(mask, causal_mask(lengths.prompt, masked)):
        raise ValueError("expected a causal prefill mask (0 on and below the diagonal)")
    return masked


def _fixed_dims(model: onnx.ModelProto, inputs: Sequence[np.ndarray]) -> set[int]:
    """Every dimension that is not a length: weights, batch, model width, heads, head size."""
    dims = {d for t in model.graph.initializer for d in t.dims}
    dims |= {inputs[HIDDEN].shape[0], inputs[HIDDEN].shape[2]}
    dims |= {inputs[FIRST_CACHE].shape[i] for i in (0, 1, 3)}
    return dims


def dim_map(old: Lengths, new: Lengths, fixed: set[int]) -> dict[int, int]:
    """Old length value -> new one, for every length dimension that changes.

    Shapes are rewritten by value, so an old length must not also be a fixed dimension (a
    cache of 1 token is indistinguishable from the batch dimension): such folders are refused
    rather than rewritten wrongly.
    """
    mapping: dict[int, int] = {}
    for o, n in ((old.prompt, new.prompt), (old.cache, new.cache), (old.total, new.total)):
        if o == n:
            continue
        if mapping.get(o, n) != n or o in fixed:
            raise ValueError(f"length {o} of the source folder is ambiguous in its shapes; "
                             "start from a folder whose lengths differ from every other "
                             "dimension (e.g. microLlama8 or microLlama8_parallel)")
        mapping[o] = n
    return mapping


def rewrite_model(model: onnx.ModelProto, mapping: dict[int, int]) -> onnx.ModelProto:
    """A copy of `model` with every declared length dimension and Reshape shape mapped."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    for vi in (*graph.input, *graph.output, *graph.value_info):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_value") and d.dim_value in mapping:
                d.dim_value = mapping[d.dim_value]
    inits = {t.name: t for t in graph.initializer}
    shapes = {n.input[1] for n in graph.node if n.op_type == "Reshape" and n.input[1] in inits}
    for name in sorted(shapes):
        old = numpy_helper.to_array(inits[name])
        new = np.array([mapping.get(int(v), int(v)) for v in old], old.dtype)
        inits[name].CopyFrom(numpy_helper.from_array(new, name))
    return out


def variant_inputs(shipped: Sequence[np.ndarray], new: Lengths,
                   rng: np.random.Generator) -> list[np.ndarray]:
    """The inputs of the new folder, following the shipped ones (see the module docstring)."""
    old = lengths_of(shipped)
    masked = _check_shipped_pattern(shipped, old)
    hidden = shipped[HIDDEN]
    head_dim = shipped[ROPE].shape[-1]
    mask = np.zeros(new.total, np.int64) if masked is None else causal_mask(new.prompt, masked)
    rope = rope_matrices(range(new.cache, new.total), head_dim)[None]
    caches = []
    for c in shipped[FIRST_CACHE:]:
        shape = (c.shape[0], c.shape[1], new.cache, c.shape[3])
        caches.append(rng.integers(c.min(), c.max() + 1, shape) if c.size
                      else np.zeros(shape, np.int64))
    x = rng.choice(hidden.ravel(), (hidden.shape[0], new.prompt, hidden.shape[2]))
    return [x.astype(np.int64), mask, rope, *(c.astype(np.int64) for c in caches)]


def expected_outputs(model: onnx.ModelProto, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The reference interpreter's outputs on the imported graph, as int64 like Deeploy's."""
    from tinyslm_ir.frontend.onnx_importer import import_onnx, input_types_from_arrays
    from tinyslm_ir.reference import run_module

    imported = import_onnx(model, input_types=input_types_from_arrays(model, inputs))
    args = graph_input_arrays(model, list(inputs), imported.input_names)
    return [o.astype(np.int64) for o in run_module(imported.module, imported.weights, args)]


def write_variant(src: str | Path, dst: str | Path, *, cache_len: int | None = None,
                  prompt_len: int | None = None, seed: int = 0) -> Path:
    """Write the folder `dst`: the microLlama folder `src` at a new cache or prompt length.

    Decode folders (non-empty caches) take `cache_len`, prefill folders (empty caches) take
    `prompt_len`; the other length stays the shipped one.
    """
    shipped = TestFolder.load(src)
    old = lengths_of(shipped.inputs)
    if old.cache > 0:
        if cache_len is None or prompt_len is not None:
            raise ValueError(f"{src} is a decode folder: give cache_len only")
        new = Lengths(prompt=old.prompt, cache=cache_len)
    else:
        if prompt_len is None or cache_len is not None:
            raise ValueError(f"{src} is a prefill folder: give prompt_len only")
        new = Lengths(prompt=prompt_len, cache=0)
    if new.prompt < 1 or new.cache < 0 or (old.cache > 0 and new.cache < 1):
        raise ValueError(f"invalid lengths {new}")
    model = onnx.load(str(shipped.network))
    mapping = dim_map(old, new, _fixed_dims(model, shipped.inputs))
    network = rewrite_model(model, mapping)
    inputs = variant_inputs(shipped.inputs, new, np.random.default_rng(seed))
    outputs = expected_outputs(network, inputs)
    out = Path(dst)
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(network, str(out / "network.onnx"))
    np.savez(out / "inputs.npz", **{f"input_{i}": a for i, a in enumerate(inputs)})
    np.savez(out / "outputs.npz", **{f"output_{i}": a for i, a in enumerate(outputs)})
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write one variant folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="a shipped microLlama test folder")
    parser.add_argument("dst", help="the folder to write")
    length = parser.add_mutually_exclusive_group(required=True)
    length.add_argument("--cache-len", type=int, help="new KV cache length (decode folders)")
    length.add_argument("--prompt-len", type=int, help="new prompt length (prefill folders)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    write_variant(args.src, args.dst, cache_len=args.cache_len, prompt_len=args.prompt_len,
                  seed=args.seed)


if __name__ == "__main__":
    main()

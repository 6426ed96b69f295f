# ruff: noqa: E501  (the MLIR fixture keeps one op per line)
"""k_pairs weights (`graph_layouts`) and `pack-weight-pairs`: the packing round-trips, the
one-multiply pair product is exact for every int8 input (the claim the GEMV kernel rests on),
and the packed graph runs bit-identical to the unpacked one in the reference interpreter."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from xdsl.parser import Parser

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects.graph_layouts import K_PAIRS, stored, unpack_k_pairs
from tinyslm_ir.passes.fuse_requant import FuseRequantPass
from tinyslm_ir.passes.pack_weight_pairs import PackWeightPairsPass
from tinyslm_ir.passes.pipeline import compiler_context
from tinyslm_ir.reference import run_module

INT8 = st.integers(-128, 127)


@given(hnp.arrays(np.int8, hnp.array_shapes(min_dims=2, max_dims=2).map(
    lambda s: (2 * s[0], s[1])), elements=INT8))
def test_k_pairs_round_trip(b: np.ndarray) -> None:
    words = stored(b, K_PAIRS)
    assert words.dtype == np.int32 and words.shape == (b.shape[0] // 2, b.shape[1])
    assert np.array_equal(unpack_k_pairs(words), b)


def _pair_dot(a0: int, a1: int, w0: int, w1: int) -> int:
    """What the kernel computes for one pair, in C's 32-bit arithmetic."""
    a = (a0 + (a1 << 16)) & 0xFFFFFFFF
    word = int(stored(np.array([[w0], [w1]]), K_PAIRS)[0, 0]) & 0xFFFFFFFF
    v = (a * word - 32768) & 0xFFFFFFFF
    v = v - (1 << 32) if v >= 1 << 31 else v
    return (v >> 16) + 1


def test_pair_product_is_exact_at_the_extremes() -> None:
    edge = (-128, -127, -1, 0, 1, 126, 127)
    for a0, a1, w0, w1 in itertools.product(edge, repeat=4):
        assert _pair_dot(a0, a1, w0, w1) == a0 * w0 + a1 * w1, (a0, a1, w0, w1)


@settings(max_examples=2000)
@given(INT8, INT8, INT8, INT8)
def test_pair_product_is_exact(a0: int, a1: int, w0: int, w1: int) -> None:
    assert _pair_dot(a0, a1, w0, w1) == a0 * w0 + a1 * w1


GRAPH = """
func.func @main(%x: tensor<2x3x{k}xi8>, %u: tensor<3x{k}xui8>) -> (tensor<2x3x{n}xi8>, tensor<3x{n}xi8>) {{
  %w = graph.weight @w : tensor<{k}x{n}xi8>
  %m = graph.weight @m : tensor<{n}xi32>
  %a = graph.weight @a : tensor<{n}xi32>
  %0 = graph.matmul %x, %w : (tensor<2x3x{k}xi8>, tensor<{k}x{n}xi8>) -> tensor<2x3x{n}xi32>
  %1 = graph.requant_shift %0, %m, %a {{div = 65536 : i64, n_levels = 256 : i64, signed = true}} : (tensor<2x3x{n}xi32>, tensor<{n}xi32>, tensor<{n}xi32>) -> tensor<2x3x{n}xi8>
  %2 = graph.matmul %u, %w : (tensor<3x{k}xui8>, tensor<{k}x{n}xi8>) -> tensor<3x{n}xi32>
  %3 = graph.requant_shift %2, %m, %a {{div = 65536 : i64, n_levels = 256 : i64, signed = true}} : (tensor<3x{n}xi32>, tensor<{n}xi32>, tensor<{n}xi32>) -> tensor<3x{n}xi8>
  func.return %1, %3 : tensor<2x3x{n}xi8>, tensor<3x{n}xi8>
}}
"""


@pytest.mark.parametrize("k,n,seed", [(2, 5, 0), (64, 16, 1), (300, 7, 2)])
def test_packed_graph_is_bit_identical(k: int, n: int, seed: int) -> None:
    """Only the int8-lhs MatMul is packed (a uint8 lhs is not: its pair products overflow
    the 16-bit half); the weight stays in the store once, unpacked, and both forms agree."""
    rng = np.random.default_rng(seed)
    module = Parser(compiler_context(), GRAPH.format(k=k, n=n)).parse_module()
    weights = {"w": rng.integers(-128, 128, (k, n)), "m": rng.integers(-2**12, 2**12, n),
               "a": rng.integers(-2**20, 2**20, n)}
    inputs = [rng.integers(-128, 128, (2, 3, k)), rng.integers(0, 256, (3, k))]
    FuseRequantPass().apply(compiler_context(), module)
    want = run_module(module, weights, inputs)
    PackWeightPairsPass().apply(compiler_context(), module)
    fused = [op for op in module.walk() if isinstance(op, g.MatMulRequantOp)]
    assert [g.get_bool(op.properties, "rhs_pairs") for op in fused] == [True, False]
    layouts = sorted(str(op.layout_name) for op in module.walk() if isinstance(op, g.WeightOp)
                     and op.weight_name == "w")
    assert layouts == ["None", K_PAIRS]
    got = run_module(module, weights, inputs)
    for a, b in zip(want, got, strict=True):
        assert np.array_equal(a, b)


def test_budget_keeps_large_k_unpacked() -> None:
    """In tiled mode a K whose whole tiles would crowd L1 stays unpacked."""
    module = Parser(compiler_context(), GRAPH.format(k=300, n=7)).parse_module()
    FuseRequantPass().apply(compiler_context(), module)
    PackWeightPairsPass(l1=8 * 300 - 1).apply(compiler_context(), module)
    assert not any(g.get_bool(op.properties, "rhs_pairs") for op in module.walk()
                   if isinstance(op, g.MatMulRequantOp))

# ruff: noqa: E501  (the MLIR fixture keeps one op per line)
"""Where the driver puts weights: the k_pairs bytes it adds, and which small weights stay
resident in L1 (the smallest first, within 1/8 of the tile budget, none above 1 KiB)."""

from __future__ import annotations

from xdsl.parser import Parser

from tinyslm_ir.driver.compile import L1_WEIGHT_MAX, pairs_bytes, resident_l1_weights
from tinyslm_ir.passes.fuse_requant import FuseRequantPass
from tinyslm_ir.passes.pipeline import compiler_context

GRAPH = """
func.func @main(%x: tensor<1x64xi8>) -> tensor<1x32xi8> {
  %w = graph.weight @w : tensor<64x32xi8>
  %m = graph.weight @m : tensor<32xi16>
  %a = graph.weight @a : tensor<32xi8>
  %big = graph.weight @big : tensor<2048xi8>
  %0 = graph.matmul %x, %w : (tensor<1x64xi8>, tensor<64x32xi8>) -> tensor<1x32xi32>
  %1 = graph.requant_shift %0, %m, %a {div = 65536 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x32xi32>, tensor<32xi16>, tensor<32xi8>) -> tensor<1x32xi8>
  func.return %1 : tensor<1x32xi8>
}
"""


def _module():
    module = Parser(compiler_context(), GRAPH).parse_module()
    FuseRequantPass().apply(compiler_context(), module)
    return module


def test_pairs_bytes_counts_the_packed_weight_once_more() -> None:
    assert pairs_bytes(_module(), 0) == 64 * 32
    assert pairs_bytes(_module(), 8 * 64 - 1) == 0  # K too large for that budget: not packed


def test_resident_weights_are_the_smallest_within_an_eighth_of_the_budget() -> None:
    module = _module()
    # a: 32 B, m: 64 B, w: 2048 B (4096 once packed), big: 2048 B (above the 1 KiB limit)
    assert resident_l1_weights(module, 8 * 96, pack=False) == (64, 96)
    assert resident_l1_weights(module, 8 * 95, pack=False) == (32, 32)
    assert resident_l1_weights(module, 8 * 31, pack=False) == (0, 0)
    assert resident_l1_weights(module, 10**9, pack=True) == (64, 96)
    assert L1_WEIGHT_MAX < 2048

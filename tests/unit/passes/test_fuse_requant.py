# ruff: noqa: E501  (the MLIR fixture keeps one op per line)
"""`fuse-requant` changes no value: the fused graph runs bit-identical to the unfused one in
the reference interpreter, including products that wrap int32 and large mul/add values."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.parser import Parser

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.passes.fuse_requant import FuseRequantPass
from tinyslm_ir.passes.pipeline import compiler_context
from tinyslm_ir.reference import run_module

GRAPH = """
func.func @main(%x: tensor<1x3x{k}xi8>, %kc: tensor<1x{n}x{k}xi8>) -> (tensor<1x3x{n}xi8>, tensor<1x3x{n}xi16>) {{
  %w = graph.weight @w : tensor<{k}x{n}xi8>
  %m = graph.weight @m : tensor<{n}xi32>
  %a = graph.weight @a : tensor<{n}xi32>
  %s = graph.weight @s : tensor<1xi16>
  %z = graph.weight @z : tensor<1xi8>
  %0 = graph.matmul %x, %w : (tensor<1x3x{k}xi8>, tensor<{k}x{n}xi8>) -> tensor<1x3x{n}xi32>
  %1 = graph.requant_shift %0, %m, %a {{div = 65536 : i64, n_levels = 256 : i64, signed = true}} : (tensor<1x3x{n}xi32>, tensor<{n}xi32>, tensor<{n}xi32>) -> tensor<1x3x{n}xi8>
  %t = graph.transpose %kc {{perm = array<i64: 0, 2, 1>}} : tensor<1x{n}x{k}xi8> -> tensor<1x{k}x{n}xi8>
  %2 = graph.matmul %x, %t : (tensor<1x3x{k}xi8>, tensor<1x{k}x{n}xi8>) -> tensor<1x3x{n}xi32>
  %3 = graph.requant_shift %2, %s, %z {{div = 1 : i64, n_levels = 65536 : i64, signed = true}} : (tensor<1x3x{n}xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x3x{n}xi16>
  func.return %1, %3 : tensor<1x3x{n}xi8>, tensor<1x3x{n}xi16>
}}
"""


@pytest.mark.parametrize("k,n,seed", [(4, 5, 0), (64, 16, 1), (300, 7, 2)])
def test_fused_graph_is_bit_identical(k: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    module = Parser(compiler_context(), GRAPH.format(k=k, n=n)).parse_module()
    weights = {"w": rng.integers(-128, 128, (k, n)), "m": rng.integers(-2**20, 2**20, n),
               "a": rng.integers(-2**24, 2**24, n), "s": np.array([rng.integers(1, 2**15)]),
               "z": np.array([rng.integers(-128, 128)])}
    inputs = [rng.integers(-128, 128, (1, 3, k)), rng.integers(-128, 128, (1, n, k))]
    want = run_module(module, weights, inputs)
    FuseRequantPass().apply(compiler_context(), module)
    fused = [op for op in module.walk() if isinstance(op, g.MatMulRequantOp)]
    assert len(fused) == 2 and g.get_bool(fused[1].properties, "trans_rhs")
    assert not any(isinstance(op, g.MatMulOp | g.TransposeOp) for op in module.walk())
    got = run_module(module, weights, inputs)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


RESIDUAL = """
func.func @main(%a: tensor<2x{n}xi16>, %b: tensor<2x{n}xi16>) -> tensor<2x{n}xi16> {{
  %sa = graph.weight @sa : tensor<1xi16>
  %sb = graph.weight @sb : tensor<1xi16>
  %m = graph.weight @m : tensor<1xi16>
  %z = graph.weight @z : tensor<1xi8>
  %0 = graph.mul %a, %sa : (tensor<2x{n}xi16>, tensor<1xi16>) -> tensor<2x{n}xi32>
  %1 = graph.mul %sb, %b : (tensor<1xi16>, tensor<2x{n}xi16>) -> tensor<2x{n}xi32>
  %2 = graph.add %0, %1 : (tensor<2x{n}xi32>, tensor<2x{n}xi32>) -> tensor<2x{n}xi32>
  %3 = graph.requant_shift %2, %m, %z {{div = 16384 : i64, n_levels = 65536 : i64, signed = true}} : (tensor<2x{n}xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<2x{n}xi16>
  func.return %3 : tensor<2x{n}xi16>
}}
"""


@pytest.mark.parametrize("n,seed", [(1, 0), (64, 1), (300, 2)])
def test_fused_residual_add_is_bit_identical(n: int, seed: int) -> None:
    """Full-range i16 operands and factors: the sum of two products wraps int32 at the edges
    (-32768 * -32768 twice), which the fused op must reproduce."""
    rng = np.random.default_rng(seed)
    module = Parser(compiler_context(), RESIDUAL.format(n=n)).parse_module()
    weights = {"sa": np.array([-32768]), "sb": np.array([rng.integers(-2**15, 2**15)]),
               "m": np.array([rng.integers(1, 2**15)]), "z": np.array([rng.integers(-128, 128)])}
    a, b = (rng.integers(-2**15, 2**15, (2, n)) for _ in range(2))
    a[0, 0], b[0, 0], weights["sb"][0] = -32768, -32768, -32768
    want = run_module(module, weights, [a, b])
    FuseRequantPass().apply(compiler_context(), module)
    ops = [type(op) for op in module.walk() if isinstance(op, g.GraphOp)]
    assert g.AddRequantOp in ops and g.MulOp not in ops and g.AddOp not in ops
    for x, y in zip(run_module(module, weights, [a, b]), want, strict=True):
        np.testing.assert_array_equal(x, y)


SWIGLU = """
func.func @main(%a: tensor<1x{n}xi8>, %b: tensor<1x{n}xi8>, %c: tensor<1x{n}xi32>) -> (tensor<1x{n}xi8>, tensor<1x{n}xi16>) {{
  %m = graph.weight @m : tensor<1xi16>
  %z = graph.weight @z : tensor<1xi8>
  %0 = graph.mul %a, %b : (tensor<1x{n}xi8>, tensor<1x{n}xi8>) -> tensor<1x{n}xi32>
  %1 = graph.requant_shift %0, %m, %z {{div = 2097152 : i64, n_levels = 256 : i64, signed = true}} : (tensor<1x{n}xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x{n}xi8>
  %2 = graph.mul %c, %c : (tensor<1x{n}xi32>, tensor<1x{n}xi32>) -> tensor<1x{n}xi32>
  %3 = graph.requant_shift %2, %m, %z {{div = 4 : i64, n_levels = 65536 : i64, signed = true}} : (tensor<1x{n}xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x{n}xi16>
  func.return %1, %3 : tensor<1x{n}xi8>, tensor<1x{n}xi16>
}}
"""


@pytest.mark.parametrize("n,seed", [(1, 0), (256, 1)])
def test_fused_product_is_bit_identical(n: int, seed: int) -> None:
    """An int8 product (SwiGLU) and an int32 square that wraps int32."""
    rng = np.random.default_rng(seed)
    module = Parser(compiler_context(), SWIGLU.format(n=n)).parse_module()
    weights = {"m": np.array([rng.integers(1, 2**15)]), "z": np.array([rng.integers(-128, 128)])}
    inputs = [rng.integers(-128, 128, (1, n)), rng.integers(-128, 128, (1, n)),
              rng.integers(-2**31, 2**31, (1, n))]
    want = run_module(module, weights, inputs)
    FuseRequantPass().apply(compiler_context(), module)
    ops = [type(op) for op in module.walk() if isinstance(op, g.GraphOp)]
    assert ops.count(g.MulRequantOp) == 2 and g.MulOp not in ops
    for x, y in zip(run_module(module, weights, inputs), want, strict=True):
        np.testing.assert_array_equal(x, y)

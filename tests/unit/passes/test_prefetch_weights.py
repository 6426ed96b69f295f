"""bufferize's weight prefetch in tiled mode: a tiled layer's first weight loads move into the
longest of the tiled layers shortly before it whose L1 buffers they clear, and stay otherwise."""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tinyslm_ir.dialects import dma, lmem, tile
from tinyslm_ir.passes.bufferize import BufferizePass
from tinyslm_ir.passes.pipeline import compiler_context
from tinyslm_ir.passes.verify_memory_plan import VerifyMemoryPlanPass

CHAIN = """
func.func @chain(%x: tensor<1x16xi8>) -> (tensor<1x16xi32>, tensor<1x8xi32>) {
  %w0 = graph.weight @w0 : tensor<16x16xi8>
  %w1 = graph.weight @w1 : tensor<16x8xi8>
  %0 = graph.matmul %x, %w0 : (tensor<1x16xi8>, tensor<16x16xi8>) -> tensor<1x16xi32>
  %1 = graph.matmul %x, %w1 : (tensor<1x16xi8>, tensor<16x8xi8>) -> tensor<1x8xi32>
  func.return %0, %1 : tensor<1x16xi32>, tensor<1x8xi32>
}
"""


CHAIN3 = """
func.func @chain3(%x: tensor<1x64xi8>) -> (tensor<1x64xi32>, tensor<1x4xi32>, tensor<1x8xi32>) {
  %w0 = graph.weight @w0 : tensor<64x64xi8>
  %w1 = graph.weight @w1 : tensor<64x4xi8>
  %w2 = graph.weight @w2 : tensor<64x8xi8>
  %0 = graph.matmul %x, %w0 : (tensor<1x64xi8>, tensor<64x64xi8>) -> tensor<1x64xi32>
  %1 = graph.matmul %x, %w1 : (tensor<1x64xi8>, tensor<64x4xi8>) -> tensor<1x4xi32>
  %2 = graph.matmul %x, %w2 : (tensor<1x64xi8>, tensor<64x8xi8>) -> tensor<1x8xi32>
  func.return %0, %1, %2 : tensor<1x64xi32>, tensor<1x4xi32>, tensor<1x8xi32>
}
"""


def bufferized(l1: int, text: str = CHAIN) -> tuple[ModuleOp, list[tile.LoopOp]]:
    ctx = compiler_context()
    module = Parser(ctx, text).parse_module()
    BufferizePass(l1=l1).apply(ctx, module)
    VerifyMemoryPlanPass(level="L1", capacity=l1).apply(ctx, module)
    return module, [op for op in module.walk() if isinstance(op, tile.LoopOp)]


def weight_loads(loop: tile.LoopOp) -> list[str]:
    return [op.src.owner.sym.root_reference.data for op in loop.body.block.ops
            if isinstance(op, dma.StartOp) and isinstance(op.src.owner, lmem.GlobalOp)]


def l1_span(module: ModuleOp, layer: str) -> tuple[int, int]:
    allocs = [a for a in module.walk() if isinstance(a, lmem.AllocOp)
              and a.res.name_hint and a.res.name_hint.startswith(layer)]
    offsets = [a.properties["offset"].value.data for a in allocs]  # type: ignore[union-attr]
    ends = [o + lmem.buffer_bytes(a.res.type) for o, a in zip(offsets, allocs, strict=True)]
    return min(offsets), max(ends)


def test_first_weight_load_moves_into_the_previous_layer_above_its_buffers() -> None:
    module, (first, second) = bufferized(4096)
    assert weight_loads(first) == ["w0", "w1"]
    assert weight_loads(second) == []
    assert l1_span(module, "matmul_1")[0] >= l1_span(module, "matmul_0")[1]
    # every wait of the second layer is on one of its own loads
    own = {op.token for op in second.body.block.ops if isinstance(op, dma.StartOp)}
    assert all(op.token in own for op in second.body.block.ops if isinstance(op, dma.WaitOp))


def test_no_prefetch_when_the_buffers_cannot_sit_apart() -> None:
    module, (first, second) = bufferized(400)
    assert weight_loads(first) == ["w0"]
    assert weight_loads(second) == ["w1"]
    assert l1_span(module, "matmul_1")[0] == 0


def test_prefetch_goes_to_the_longest_earlier_layer_it_clears() -> None:
    """matmul_2's weight loads during matmul_0 (the 64x64 one), not the short matmul_1, and
    lives from there: the L1 verifier sees it beside both layers' buffers."""
    module, (first, second, third) = bufferized(65536, CHAIN3)
    assert weight_loads(first) == ["w0", "w1", "w2"]
    assert weight_loads(second) == weight_loads(third) == []
    w2 = next(a for a in module.walk() if isinstance(a, lmem.AllocOp)
              and a.res.name_hint == "matmul_2_b")
    assert tuple(w2.live.get_values()) == (0, 2)  # type: ignore[union-attr]

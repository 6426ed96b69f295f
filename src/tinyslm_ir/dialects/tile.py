"""The `tile` dialect: a layer executed as a loop over tiles of its iteration space.

`tile.loop` carries one layer's tiling, as chosen by `analysis.tiling`: the iteration dims
(names, extents, tile sizes, which are reductions) and, per operand of the layer (inputs then
outputs, in the order of its tile-constraint description), the whole tensor the operand lives
in (`buffers`: in L2 or weight memory, or in L1 when `forward-dma` kept it there or it is a
weight resident in L1) and the level its tiles are computed on (`tile_levels`). The body is
the loop's schedule: `dma.start`/`dma.wait` moving operand tiles between the buffers and their
tile buffers, and `lmem.call`s (in `cluster.fork`s once offloaded) computing on the tile
buffers.

The body is the loop *unrolled*: one kernel call per tile, each with the parameters of its
tile's shape (edge tiles differ), and the DMAs and waits of double buffering placed per tile.
That makes the placement of every wait checkable by reading the IR (and by the simulator's
debug mode), at the cost of C size linear in the tile count.

The verifier enforces the strict-L1 contract: every kernel call of the body reads and writes
only buffers of its tile level (L1 allocs, or L1-resident weights); only DMAs touch the
operands' own buffers in other levels.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, MemRefType, StringAttr, i64
from xdsl.ir import Attribute, Block, Dialect, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from tinyslm_ir.dialects import cluster, dma, lmem


@irdl_op_definition
class LoopOp(IRDLOperation):
    """One tiled layer; see the module docstring."""

    name = "tile.loop"
    buffers = var_operand_def(MemRefType)
    layer = prop_def(StringAttr)
    dims = prop_def(ArrayAttr[StringAttr])
    extents = prop_def(DenseArrayBase)
    sizes = prop_def(DenseArrayBase)
    reduction = prop_def(DenseArrayBase)
    tile_levels = prop_def(ArrayAttr[StringAttr])
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "`(` $buffers `)` attr-dict `:` type($buffers) $body"

    def __init__(self, layer: str, dims: Sequence[tuple[str, int, int, bool]],
                 buffers: Sequence[SSAValue], tile_levels: Sequence[str], body: Block):
        props: dict[str, Attribute] = {
            "layer": StringAttr(layer),
            "dims": ArrayAttr([StringAttr(d[0]) for d in dims]),
            "extents": DenseArrayBase.from_list(i64, [d[1] for d in dims]),
            "sizes": DenseArrayBase.from_list(i64, [d[2] for d in dims]),
            "reduction": DenseArrayBase.from_list(i64, [int(d[3]) for d in dims]),
            "tile_levels": ArrayAttr([StringAttr(lv) for lv in tile_levels]),
        }
        super().__init__(operands=[list(buffers)], properties=props, regions=[Region(body)])

    def verify_(self) -> None:
        n = len(self.dims.data)
        extents, sizes = self.extents.get_values(), self.sizes.get_values()
        if not len(extents) == len(sizes) == len(self.reduction.get_values()) == n:
            raise VerifyException(f"tile.loop: {n} dims but {len(extents)} extents, "
                                  f"{len(sizes)} sizes, {len(self.reduction.get_values())} "
                                  "reduction flags")
        for name, e, s in zip(self.dims.data, extents, sizes, strict=True):
            if not 1 <= s <= e:
                raise VerifyException(f"tile.loop: dim {name.data} has tile size {s} outside "
                                      f"[1, {e}]")
        if len(self.tile_levels.data) != len(self.buffers):
            raise VerifyException(f"tile.loop: {len(self.buffers)} buffers but "
                                  f"{len(self.tile_levels.data)} tile levels")
        levels = {lv.data for lv in self.tile_levels.data}
        if not levels <= set(lmem.LEVELS):
            raise VerifyException(f"tile.loop: unknown tile level in {sorted(levels)}")
        for op in self.body.walk():
            if not isinstance(op, lmem.CallOp | dma.StartOp | dma.WaitOp | cluster.ForkOp
                              | cluster.BarrierOp):
                raise VerifyException(f"tile.loop: '{op.name}' is not allowed in the body")
            if isinstance(op, lmem.CallOp):
                self._check_call(op, levels)

    def _check_call(self, call: lmem.CallOp, levels: set[str]) -> None:
        for b in call.buffers:
            owner = b.owner
            if isinstance(owner, lmem.NullOp):
                continue
            if not isinstance(owner, lmem.AllocOp | lmem.GlobalOp) \
                    or owner.level.data not in levels:
                raise VerifyException(f"tile.loop: kernel {call.callee} uses a buffer outside "
                                      f"the tile levels {sorted(levels)}")


Tile = Dialect("tile", [LoopOp], [])

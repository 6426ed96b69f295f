"""The `dma` dialect: asynchronous copies between memory levels, and waits on them.

`dma.start` copies `rows` rows of `row_bytes` bytes from `src` to `dst`; row r starts at
byte `src_offset + r * src_stride` of the source and `dst_offset + r * dst_stride` of the
destination (one row is a 1-D copy). It returns a `!dma.token`; `dma.wait` stalls until that
transfer, and every transfer issued before it, is complete: the cluster DMA serves each core's
queue in order, so one wait covers a whole operand tile moved by several 2-D copies.

Offsets and strides are in bytes, not elements, so a copy never depends on how the two sides
type their elements (an L1 tile buffer is a flat memref of the operand's element type). Both
ops have side effects and are never `Pure`: DCE must not drop a copy nor a wait.
"""

from __future__ import annotations

from functools import lru_cache

from xdsl.dialects.builtin import IntegerAttr, MemRefType, i64
from xdsl.ir import Dialect, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
)
from xdsl.utils.exceptions import VerifyException

from tinyslm_ir.dialects.lmem import buffer_bytes


@irdl_attr_definition
class TokenType(ParametrizedAttribute, TypeAttribute):
    """Completion handle of one DMA transfer."""

    name = "dma.token"


_FIELDS = ("dst_offset", "src_offset", "row_bytes", "rows", "dst_stride", "src_stride")


@lru_cache(maxsize=65536)
def _i64(value: int) -> IntegerAttr:
    """A shared (immutable) attribute per value: a tiled layer issues thousands of DMAs with
    the same few fields, and building and verifying each attribute anew dominated lowering."""
    return IntegerAttr(value, i64)


@irdl_op_definition
class StartOp(IRDLOperation):
    """Issue a (2-D strided) copy `src` -> `dst`; see the module docstring."""

    name = "dma.start"
    dst = operand_def(MemRefType)
    src = operand_def(MemRefType)
    dst_offset = prop_def(IntegerAttr)
    src_offset = prop_def(IntegerAttr)
    row_bytes = prop_def(IntegerAttr)
    rows = prop_def(IntegerAttr)
    dst_stride = prop_def(IntegerAttr)
    src_stride = prop_def(IntegerAttr)
    token = result_def(TokenType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$dst `,` $src attr-dict `:` type($dst) `,` type($src) "
                       "`->` type($token)")

    def __init__(self, dst: SSAValue, src: SSAValue, *, dst_offset: int, src_offset: int,
                 row_bytes: int, rows: int = 1, dst_stride: int = 0, src_stride: int = 0):
        values = (dst_offset, src_offset, row_bytes, rows, dst_stride, src_stride)
        super().__init__(operands=[dst, src], result_types=[TokenType()],
                         properties={k: _i64(v) for k, v in zip(_FIELDS, values, strict=True)})

    def field(self, name: str) -> int:
        attr = self.properties[name]
        assert isinstance(attr, IntegerAttr)
        return attr.value.data

    def verify_(self) -> None:
        v = {k: self.field(k) for k in _FIELDS}
        if v["row_bytes"] < 1 or v["rows"] < 1:
            raise VerifyException(f"dma.start: row_bytes ({v['row_bytes']}) and rows "
                                  f"({v['rows']}) must be positive")
        if v["rows"] > 1 and v["dst_stride"] < v["row_bytes"]:
            raise VerifyException(f"dma.start: destination rows overlap (dst_stride "
                                  f"{v['dst_stride']} < row_bytes {v['row_bytes']})")
        for side in ("dst", "src"):
            t = getattr(self, side).type
            assert isinstance(t, MemRefType)
            off, stride = v[f"{side}_offset"], v[f"{side}_stride"]
            end = off + (v["rows"] - 1) * stride + v["row_bytes"]
            if off < 0 or stride < 0 or end > buffer_bytes(t):
                raise VerifyException(f"dma.start: the {side} rows [{off}, {end}) leave its "
                                      f"buffer of {buffer_bytes(t)} B")
        if self.dst == self.src:
            raise VerifyException("dma.start: source and destination are the same buffer")


@irdl_op_definition
class WaitOp(IRDLOperation):
    """Stall until `token`'s transfer and every earlier one of this core are complete."""

    name = "dma.wait"
    token = operand_def(TokenType)
    assembly_format = "$token attr-dict"

    def __init__(self, token: SSAValue):
        super().__init__(operands=[token])


DMA = Dialect("dma", [StartOp, WaitOp], [TokenType])

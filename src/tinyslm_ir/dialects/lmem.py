"""The `lmem` dialect: memrefs with a memory level, a lifetime and, once planned, an offset.

Bufferization turns every graph value into one of these buffers and every graph op into
`lmem.call`s of C kernels that read and write them. The schedule is the order of the calls
in the function body; a buffer's `live` range is the closed interval of call indices during
which it must hold its value. `plan-memory` writes each alloc's `offset` within its level, and
the C printer places the buffer at that offset of the level's static arena.

Graph inputs and outputs are function arguments (outputs in destination-passing style), and
weights are `lmem.global`s whose data lives in the weight store; neither is planned by offset.
"""

from __future__ import annotations

from math import prod

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    FixedBitwidthType,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

LEVELS = ("L1", "L2", "WMEM", "L3")
ENGINES = ("cluster", "npu", "host")


def buffer_bytes(t: MemRefType) -> int:
    """Bytes of a dense row-major buffer; i1 is stored as one byte."""
    elt = t.get_element_type()
    width = elt.bitwidth if isinstance(elt, FixedBitwidthType) else 8
    return prod(t.get_shape()) * max(1, (width + 7) // 8)


def _check_level(op: IRDLOperation, level: StringAttr) -> None:
    if level.data not in LEVELS:
        raise VerifyException(f"{op.name}: unknown memory level '{level.data}', "
                              f"expected one of {', '.join(LEVELS)}")


def _check_static(op: IRDLOperation, t: Attribute) -> None:
    if not isinstance(t, MemRefType) or not t.has_static_shape():
        raise VerifyException(f"{op.name}: expected a statically shaped memref, got {t}")


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A buffer of one memory level, live over the closed interval `live` of the schedule."""

    name = "lmem.alloc"
    level = prop_def(StringAttr)
    live = prop_def(DenseArrayBase)
    alignment = prop_def(IntegerAttr)
    offset = opt_prop_def(IntegerAttr)
    res = result_def(MemRefType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($res)"

    def __init__(self, result_type: MemRefType, level: str, live: tuple[int, int],
                 alignment: int = 8):
        super().__init__(
            result_types=[result_type],
            properties={
                "level": StringAttr(level),
                "live": DenseArrayBase.from_list(i64, list(live)),
                "alignment": IntegerAttr(alignment, i64),
            },
        )

    @property
    def live_range(self) -> tuple[int, int]:
        start, end = self.live.get_values()
        return int(start), int(end)

    @property
    def size(self) -> int:
        return buffer_bytes(self.res.type)

    def verify_(self) -> None:
        _check_level(self, self.level)
        _check_static(self, self.res.type)
        live = self.live.get_values()
        if len(live) != 2 or not 0 <= live[0] <= live[1]:
            raise VerifyException(f"lmem.alloc: live must be [start, end] with "
                                  f"0 <= start <= end, got {list(live)}")
        align = self.alignment.value.data
        if align < 1 or align & (align - 1):
            raise VerifyException(f"lmem.alloc: alignment {align} is not a power of two")
        if self.offset is not None:
            off = self.offset.value.data
            if off < 0 or off % align:
                raise VerifyException(f"lmem.alloc: offset {off} is negative or not "
                                      f"{align}-aligned")


@irdl_op_definition
class GlobalOp(IRDLOperation):
    """A constant buffer holding the weight-store entry `sym`, placed in `level`, and
    rearranged by `layout` when it has one (`graph_layouts`)."""

    name = "lmem.global"
    sym = prop_def(SymbolRefAttr)
    level = prop_def(StringAttr)
    layout = opt_prop_def(StringAttr)
    res = result_def(MemRefType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$sym attr-dict `:` type($res)"

    def __init__(self, name: str, result_type: MemRefType, level: str = "L2",
                 layout: str | None = None):
        props: dict[str, Attribute] = {"sym": SymbolRefAttr(name), "level": StringAttr(level)}
        if layout is not None:
            props["layout"] = StringAttr(layout)
        super().__init__(result_types=[result_type], properties=props)

    @property
    def weight_name(self) -> str:
        return self.sym.root_reference.data

    @property
    def layout_name(self) -> str | None:
        return None if self.layout is None else self.layout.data

    def verify_(self) -> None:
        _check_level(self, self.level)
        _check_static(self, self.res.type)


@irdl_op_definition
class NullOp(IRDLOperation):
    """A null buffer, for kernel arguments that an op leaves out (a Gemm without C)."""

    name = "lmem.null"
    res = result_def(MemRefType)
    traits = traits_def(Pure())
    assembly_format = "attr-dict `:` type($res)"


@irdl_op_definition
class CallOp(IRDLOperation):
    """Call the C kernel `callee` with buffer arguments then scalar/array parameters.

    `buffers` are passed as typed pointers, each advanced by the element offset at the same
    position in `offsets`; the first `num_inputs` are read, the rest written. `params` follow
    in order: an IntegerAttr or FloatAttr is a scalar, a DenseArrayBase an int32 array.
    `instantiation`, when present, is the C macro invocation that defines `callee` from a
    templated kernel of the library. `engine` says which unit runs it; `parallel` kernels
    split their work over the cores of the team that calls them. The op has no effect
    traits, so DCE and CSE treat it conservatively: a kernel call is never removed.
    """

    name = "lmem.call"
    callee = prop_def(SymbolRefAttr)
    buffers = var_operand_def(MemRefType)
    num_inputs = prop_def(IntegerAttr)
    offsets = prop_def(DenseArrayBase)
    params = prop_def(ArrayAttr)
    instantiation = opt_prop_def(StringAttr)
    engine = prop_def(StringAttr)
    parallel = prop_def(IntegerAttr)
    layer = opt_prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$callee `(` $buffers `)` attr-dict `:` type($buffers)"

    def verify_(self) -> None:
        n = len(self.buffers)
        if len(self.offsets.get_values()) != n:
            raise VerifyException(f"lmem.call: {n} buffers but "
                                  f"{len(self.offsets.get_values())} offsets")
        if not 0 <= self.num_inputs.value.data <= n:
            raise VerifyException(f"lmem.call: num_inputs {self.num_inputs.value.data} "
                                  f"outside [0, {n}]")
        if self.engine.data not in ENGINES:
            raise VerifyException(f"lmem.call: unknown engine '{self.engine.data}'")
        for p in self.params.data:
            if not isinstance(p, IntegerAttr | FloatAttr | DenseArrayBase):
                raise VerifyException(f"lmem.call: parameter {p} is not an integer, a float "
                                      "or an integer array")


LMem = Dialect("lmem", [AllocOp, GlobalOp, NullOp, CallOp], [])

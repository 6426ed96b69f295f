"""What the C printer prints, read off a bufferized, planned and offloaded `lmem` module.

The printer and the compiler driver both need the same facts about a module: which C name
each buffer gets, where each planned buffer sits in its level's arena, which weights the
program links against, and how the schedule splits into layers (one cycle-report region
each). `read_program` computes them once, so the C text, `weights.S`, `layers.json` and
`plan.json` can never disagree on a name or an offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from math import prod

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, MemRefType, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.utils.exceptions import DiagnosticException

from tinyslm_ir.dialects import cluster, dma, lmem, tile
from tinyslm_ir.frontend.input_types import dtype_of_element_type
from tinyslm_ir.kernels.catalog import c_type, type_code
from tinyslm_ir.passes.bufferize import NUM_INPUTS_ATTR, OUTPUT_ALIASES_ATTR

ARENA_ALIGN = 16
_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]+")


class CEmitError(DiagnosticException):
    """The module is not in the form the C printer accepts (not bufferized, not planned, ...)."""


def c_name(prefix: str, text: str) -> str:
    """A readable C identifier from an ONNX/MLIR name: `w_` + `/blocks.0/MatMul` ->
    `w_blocks_0_MatMul`. The prefix keeps it clear of keywords and leading digits."""
    return prefix + (_NOT_IDENT.sub("_", text).strip("_") or "x")


@dataclass(frozen=True)
class CBuffer:
    """A buffer the C program names: a graph input/output, a planned alloc or a weight."""

    name: str
    ctype: str
    shape: tuple[int, ...]
    element: str  # the MLIR element type, for comments
    dtype: np.dtype  # numpy's view of the same bytes (i1 as bool, one byte)
    nbytes: int
    level: str
    offset: int | None = None  # planned allocs only
    live: tuple[int, int] | None = None  # planned allocs only
    weight: str | None = None  # weights only: the weight-store name
    layout: str | None = None  # weights only: how the store tensor is rearranged
    file: str | None = None  # graph I/O: the .bin file stem when not `name` (an aliased output)

    @property
    def stem(self) -> str:
        """The stem of the .bin file the program reads or writes this buffer as."""
        return self.file or self.name

    @property
    def storage_count(self) -> int:
        """Elements of the C array; zero-size tensors get one so the array is valid C."""
        return max(1, prod(self.shape))

    @property
    def shape_text(self) -> str:
        return "x".join(map(str, self.shape)) + ("x" if self.shape else "") + self.element


@dataclass
class Part:
    """One step of a layer: a fork region outlined into a function, or calls on core 0."""

    calls: list[Operation]  # lmem.call, cluster.barrier and (serial) dma ops, in order
    cores: int | None = None  # None: serial on core 0


@dataclass
class Layer:
    """A run of consecutive top-level ops with the same `layer` property: one report region."""

    index: int
    name: str
    parts: list[Part] = field(default_factory=list)

    @property
    def function(self) -> str:
        return f"layer_{self.index}"

    @property
    def callees(self) -> list[str]:
        return [op.callee.root_reference.data for p in self.parts for op in p.calls
                if isinstance(op, lmem.CallOp)]


@dataclass
class CProgram:
    inputs: list[CBuffer]
    outputs: list[CBuffer]
    weights: list[CBuffer]
    buffers: list[CBuffer]  # planned allocs
    layers: list[Layer]
    names: dict[SSAValue, str]  # every buffer operand -> its C expression (NULL for lmem.null)

    def peak(self, level: str) -> int:
        """The highest planned byte of `level` (0 when nothing is placed there)."""
        return max((b.offset + b.nbytes for b in self.buffers  # type: ignore[operator]
                    if b.level == level), default=0)

    def arena_size(self, level: str) -> int:
        """Bytes of the level's arena: the peak rounded up to ARENA_ALIGN."""
        return -(-self.peak(level) // ARENA_ALIGN) * ARENA_ALIGN

    @property
    def arena_levels(self) -> list[str]:
        used = {b.level for b in self.buffers}
        return [lvl for lvl in lmem.LEVELS if lvl in used]


def _main_function(module: ModuleOp) -> func.FuncOp:
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    main = next((f for f in funcs if f.sym_name.data == "main"), None)
    if main is None:
        raise CEmitError("the C printer needs a func.func @main (the bufferized network)")
    return main


def _buffer(name: str, t: MemRefType, level: str, **extra: object) -> CBuffer:
    elt = t.get_element_type()
    return CBuffer(name, c_type(type_code(elt)), tuple(t.get_shape()), str(elt),
                   dtype_of_element_type(elt), lmem.buffer_bytes(t), level, **extra)


class _Namer:
    """Unique, readable C names; a clash gets a numeric suffix. Every name has a prefix
    (input_, output_, w_, buf_), so none can be a C keyword or a runtime symbol."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, base: str) -> str:
        name, k = base, 1
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name


def _written_args(main: func.FuncOp) -> set[SSAValue]:
    written: set[SSAValue] = set()
    for op in main.walk():
        if isinstance(op, lmem.CallOp):
            written.update(op.buffers[op.num_inputs.value.data:])
        elif isinstance(op, dma.StartOp):
            written.add(op.dst)
    return written


def _io_boundary(main: func.FuncOp, args: list[SSAValue]) -> tuple[int, list[int]]:
    """(number of input arguments, per output the input it aliases or -1): as bufferize
    recorded them, else inferred (destination-passing style: the outputs are the trailing
    arguments, the ones written)."""
    n_attr, alias_attr = main.attributes.get(NUM_INPUTS_ATTR), \
        main.attributes.get(OUTPUT_ALIASES_ATTR)
    if isinstance(n_attr, IntegerAttr) and isinstance(alias_attr, DenseArrayBase):
        n_in = n_attr.value.data
        aliases = [int(a) for a in alias_attr.get_values()]
        if n_in + sum(a < 0 for a in aliases) != len(args) or max(aliases, default=-1) >= n_in:
            raise CEmitError(f"@main has {len(args)} arguments, but {n_in} inputs and "
                             f"outputs {aliases} (-1: own argument) are recorded")
        return n_in, aliases
    written = _written_args(main)
    n_in = next((i for i, a in enumerate(args) if a in written), len(args))
    if any(a not in written for a in args[n_in:]):
        raise CEmitError("@main's arguments must be graph inputs followed by graph outputs; "
                         "an argument after the first output is never written")
    return n_in, [-1] * (len(args) - n_in)


def read_program(module: ModuleOp) -> CProgram:
    """The printable model of `module`; raises CEmitError on ops the printer cannot place."""
    main = _main_function(module)
    namer = _Namer()
    names: dict[SSAValue, str] = {}
    args = list(main.body.block.args)
    n_in, aliases = _io_boundary(main, args)
    io: dict[str, list[CBuffer]] = {"input": [], "output": []}
    for i, a in enumerate(args):
        if not isinstance(a.type, MemRefType):
            raise CEmitError(f"@main argument {i} has type {a.type}, expected a memref")
        if i < n_in:
            io["input"].append(_buffer(namer.take(f"input_{i}"), a.type, "L2"))
            names[a] = io["input"][-1].name
    own = iter(args[n_in:])
    for j, alias in enumerate(aliases):
        if alias >= 0:  # an input updated in place: its buffer, written to the output's file
            io["output"].append(replace(io["input"][alias], file=f"output_{j}"))
            continue
        a = next(own)
        assert isinstance(a.type, MemRefType)
        io["output"].append(_buffer(namer.take(f"output_{j}"), a.type, "L2"))
        names[a] = io["output"][-1].name

    weights: list[CBuffer] = []
    buffers: list[CBuffer] = []
    by_weight: dict[tuple[str, str | None], str] = {}
    for op in main.body.block.ops:
        if isinstance(op, lmem.GlobalOp):
            key = (op.weight_name, op.layout_name)
            if key not in by_weight:
                stem = op.weight_name + (f"_{op.layout_name}" if op.layout_name else "")
                by_weight[key] = namer.take(c_name("w_", stem))
                weights.append(replace(_buffer(by_weight[key], op.res.type, op.level.data,
                                               weight=op.weight_name), layout=op.layout_name))
            names[op.res] = by_weight[key]
        elif isinstance(op, lmem.AllocOp):
            if op.offset is None:
                raise CEmitError(f"lmem.alloc {op.res.name_hint or ''} has no offset: run "
                                 "plan-memory before printing C")
            name = namer.take(c_name("buf_", op.res.name_hint or str(len(buffers))))
            buffers.append(_buffer(name, op.res.type, op.level.data,
                                   offset=op.offset.value.data, live=op.live_range))
            names[op.res] = name
        elif isinstance(op, lmem.NullOp):
            names[op.res] = "NULL"
    return CProgram(io["input"], io["output"], weights, buffers, _layers(main), names)


def _layer_of(op: Operation) -> str:
    calls = [c for c in op.walk() if isinstance(c, lmem.CallOp)]
    for c in calls:
        if c.layer is not None:
            return c.layer.data
    return calls[0].callee.root_reference.data if calls else op.name


def _steps(main: func.FuncOp) -> list[Operation]:
    """The top-level schedule with every `tile.loop` replaced by its (unrolled) body."""
    steps: list[Operation] = []
    for op in main.body.block.ops:
        if isinstance(op, tile.LoopOp):
            steps += list(op.body.block.ops)
        elif not isinstance(op, lmem.AllocOp | lmem.GlobalOp | lmem.NullOp | func.ReturnOp):
            steps.append(op)
    return steps


def _layers(main: func.FuncOp) -> list[Layer]:
    """Group the schedule into layers: consecutive top-level calls and forks of one `layer`;
    a DMA belongs to the layer of the `tile.loop` it is in."""
    layers: list[Layer] = []
    for op in _steps(main):
        if isinstance(op, dma.StartOp | dma.WaitOp):
            loop = op.parent_op()
            assert isinstance(loop, tile.LoopOp)
            part, name = Part([op]), loop.layer.data
        elif isinstance(op, cluster.ForkOp):
            part = Part(list(op.body.block.ops), op.cores.value.data)
        elif isinstance(op, lmem.CallOp):
            part = Part([op])
        else:
            raise CEmitError(f"the C printer cannot print '{op.name}' at the top level of @main")
        if part.cores is not None:
            for inner in part.calls:
                if not isinstance(inner, lmem.CallOp | cluster.BarrierOp):
                    raise CEmitError(f"the C printer cannot print '{inner.name}' inside a fork")
        if not isinstance(op, dma.StartOp | dma.WaitOp):
            name = _layer_of(op)
        if not layers or layers[-1].name != name:
            layers.append(Layer(len(layers), name))
        last = layers[-1].parts[-1] if layers[-1].parts else None
        if part.cores is None and last is not None and last.cores is None:
            last.calls.extend(part.calls)  # consecutive serial calls share one part
        else:
            layers[-1].parts.append(part)
    return layers

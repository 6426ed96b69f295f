"""Materialise one layer's tiling as a `tile.loop`: L1 tile buffers, double-buffered DMA and
one kernel call per tile. Bufferization calls `lower_tiled` per graph op when it tiles.

The tiling (tile sizes, and the L1 offset of every tile buffer) comes from
`analysis.tiling`; this module only schedules it. Per tile, in loop order:

1. wait for the tile's inputs (issued one step earlier);
2. issue the next tile's input DMAs into the other copy of each double-buffered input, so
   they run while this tile computes (an input whose slice does not change is not reloaded);
3. wait until the output copy this tile writes has drained (its write-back two tiles ago);
4. compute: the catalogue's kernel calls for a graph op *of this tile's shape* (edge tiles
   get their own parameters), on the L1 tile buffers;
5. issue the output tile's write-back; a single-copy input is reloaded only now.

Waits are emitted only when they cover a transfer not yet waited for (the queue is in order,
so one wait covers every earlier transfer), and the layer ends by waiting for everything, so
the next layer may read what this one wrote and reuse its L1.

A slice of an N-D tensor becomes 2-D DMAs: the innermost partial axis with the full axes
inside it is one row, the axis outside that the rows, and every index of the axes further
out one transfer. The L1 side is the dense slice.

Reduction dims are kept whole for now: partial sums across K tiles need an accumulating
kernel variant (TODO: the issue's int32 accumulator in L1), so a layer whose reduction does
not fit is reported by the tiler like any other infeasible layer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from math import prod

from xdsl.dialects.builtin import IntegerAttr, MemRefType, TensorType, i64
from xdsl.ir import Block, Operation, SSAValue

from tinyslm_ir.analysis.tiling.constraints import Operand, OpTiling
from tinyslm_ir.analysis.tiling.from_graph import NoTilingDescription, describe
from tinyslm_ir.analysis.tiling.solver import Tiler, TilingSolution
from tinyslm_ir.analysis.tiling.tiles import Range, Tile, iter_tiles
from tinyslm_ir.dialects import dma, lmem, tile
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, kernel_calls

TILE_LEVEL = "L1"
UNTILED_OPS = (g.ConvOp, g.PoolOp, g.SliceOp)
"""Described ops whose tiles need per-tile properties (pads, slice starts): TODO."""
KEEP_REDUCTION_WHOLE = "the tiled code generator does not split reductions yet"

Slice = tuple[Range, ...]
CallBuilder = Callable[[KernelCall, list[SSAValue], str], lmem.CallOp]


class NotTileable(Exception):
    """The layer runs untiled (on L2): the reason is reported by the driver."""


@dataclass(frozen=True)
class TiledPlan:
    """Everything decided before any IR is built, so a layer that cannot be tiled leaves
    no trace: the description, the solution, the tiles and each distinct tile's calls."""

    desc: OpTiling
    solution: TilingSolution
    tiles: list[Tile]
    calls: dict[tuple[Slice, ...], list[KernelCall]]

    def key(self, t: Tile) -> tuple[Slice, ...]:
        return tuple(_shape_key(t.slices[o.name]) for o in self.desc.operands)


def _shape_key(s: Slice) -> Slice:
    return tuple((0, hi - lo) for lo, hi in s)


def _tensor_shape(v: SSAValue) -> tuple[int, ...]:
    assert isinstance(v.type, TensorType)
    return tuple(v.type.get_shape())


def plan_layer(op: Operation, layer: str, tiler: Tiler) -> TiledPlan:
    """Solve `op`'s tiling and the kernel calls of each distinct tile shape.

    Raises `NotTileable` when the op has no description, no per-tile kernel, or operands the
    description does not map one to one; `TilingInfeasibleError` propagates."""
    if isinstance(op, UNTILED_OPS):
        raise NotTileable(f"{op.name}: per-tile halos, pads and slice starts are not "
                          "generated yet")
    try:
        desc = describe(op)
    except NoTilingDescription as e:
        raise NotTileable(str(e)) from e
    desc = replace(desc, layer=layer, dims=tuple(
        replace(d, fixed=KEEP_REDUCTION_WHOLE) if d.reduction else d for d in desc.dims))
    values = [*op.operands, *op.results]
    if len(desc.inputs) != len(op.operands) or len(desc.outputs) != len(op.results):
        raise NotTileable(f"{op.name}: the description does not map its operands one to one")
    for o, v in zip(desc.operands, values, strict=True):
        if prod(o.shape) != prod(_tensor_shape(v)) or prod(o.shape) == 0:
            raise NotTileable(f"{op.name}: operand {o.name} is empty or reshaped by the "
                              "description")
    solution = tiler.solve(desc)
    tiles = list(iter_tiles(desc, solution.tile_sizes))
    plan = TiledPlan(desc, solution, tiles, {})
    for t in tiles:
        key = plan.key(t)
        if key not in plan.calls:
            plan.calls[key] = _tile_calls(op, desc, values, key)
    return plan


def _tile_calls(op: Operation, desc: OpTiling, values: list[SSAValue],
                key: tuple[Slice, ...]) -> list[KernelCall]:
    """The catalogue's calls for a copy of `op` whose operands have the tile's shapes."""
    types = []
    for o, v, s in zip(desc.operands, values, key, strict=True):
        assert isinstance(v.type, TensorType)
        shape = [hi for _, hi in s]
        whole = list(o.shape) == shape
        types.append(v.type if whole else TensorType(v.type.get_element_type(), shape))
    n_in = len(op.operands)
    block = Block(arg_types=types[:n_in])
    probe = type(op).create(operands=list(block.args), result_types=types[n_in:],
                            properties=dict(op.properties), attributes=dict(op.attributes))
    try:
        calls = kernel_calls(probe)
    except NoKernelError as e:
        raise NotTileable(str(e)) from e
    finally:
        probe.erase(safe_erase=False)
    if any(a.kind == "scratch" for c in calls for a in c.args):
        raise NotTileable(f"{op.name}: a kernel needs scratch memory")
    return calls


def transfers(o: Operand, s: Slice) -> list[tuple[int, int, int, int, int, int]]:
    """The 2-D copies of slice `s` of operand `o` (see the module docstring), each as
    (tensor offset, dense offset, row bytes, rows, tensor stride, dense stride) in bytes."""
    shape, eb = o.shape, o.elem_bytes
    lens = [hi - lo for lo, hi in s]
    j = len(shape) - 1
    while j >= 0 and lens[j] == shape[j]:
        j -= 1
    if j < 0:
        return [(0, 0, prod(shape) * eb, 1, 0, 0)]
    row = lens[j] * prod(shape[j + 1:]) * eb
    rows_axis = j - 1
    rows = lens[rows_axis] if rows_axis >= 0 else 1
    t_stride = prod(shape[rows_axis + 1:]) * eb if rows_axis >= 0 else 0
    d_stride = prod(lens[rows_axis + 1:]) * eb if rows_axis >= 0 else 0
    outer = [range(lo, hi) for lo, hi in s[:max(rows_axis, 0)]]
    out = []
    for idx in itertools.product(*outer):
        start = [*idx, *(lo for lo, _ in s[len(idx):])]
        t_off = sum(i * prod(shape[k + 1:]) for k, i in enumerate(start)) * eb
        d_off = sum((i - s[k][0]) * prod(lens[k + 1:]) for k, i in enumerate(start)) * eb
        out.append((t_off, d_off, row, rows, t_stride if rows > 1 else 0,
                    d_stride if rows > 1 else 0))
    return out


@dataclass
class _Emitter:
    """Builds the body of one `tile.loop` (see the module docstring for the schedule)."""

    plan: TiledPlan
    l2: dict[str, SSAValue]  # operand name -> its whole tensor's buffer
    l1: dict[str, list[SSAValue]]  # operand name -> its tile buffer copies
    layer: str
    make_call: CallBuilder
    null: Callable[[], SSAValue]

    def __post_init__(self) -> None:
        self.body = Block()
        self.tokens: list[SSAValue] = []
        self.waited = -1
        self.loads = {o.name: 0 for o in self.plan.desc.operands}
        self.drained: dict[tuple[str, int], int] = {}  # output copy -> its write-back token

    def wait(self, k: int) -> None:
        if k > self.waited:
            self.body.add_op(dma.WaitOp(self.tokens[k]))
            self.waited = k

    def copy(self, dst: SSAValue, src: SSAValue, o: Operand, s: Slice, into_l1: bool) -> int:
        for t_off, d_off, row, rows, t_stride, d_stride in transfers(o, s):
            if into_l1:
                op = dma.StartOp(dst, src, dst_offset=d_off, src_offset=t_off, row_bytes=row,
                                 rows=rows, dst_stride=d_stride, src_stride=t_stride)
            else:
                op = dma.StartOp(dst, src, dst_offset=t_off, src_offset=d_off, row_bytes=row,
                                 rows=rows, dst_stride=t_stride, src_stride=d_stride)
            self.body.add_op(op)
            self.tokens.append(op.token)
        return len(self.tokens) - 1

    def load(self, o: Operand, t: Tile) -> int:
        copies = self.l1[o.name]
        buf = copies[self.loads[o.name] % len(copies)]
        self.loads[o.name] += 1
        return self.copy(buf, self.l2[o.name], o, t.slices[o.name], into_l1=True)

    def current(self, o: Operand) -> SSAValue:
        copies = self.l1[o.name]
        return copies[(self.loads[o.name] - 1) % len(copies)]

    def run(self) -> Block:
        desc, tiles = self.plan.desc, self.plan.tiles
        ins, outs = desc.inputs, desc.outputs

        def changed(o: Operand, i: int) -> bool:
            return i == 0 or tiles[i].slices[o.name] != tiles[i - 1].slices[o.name]

        pending = [self.load(o, tiles[0]) for o in ins]
        for i, t in enumerate(tiles):
            if pending:
                self.wait(max(pending))
            using = {o.name: self.current(o) for o in ins}
            pending, deferred = [], []
            if i + 1 < len(tiles):
                for o in ins:
                    if changed(o, i + 1):
                        if len(self.l1[o.name]) > 1:
                            pending.append(self.load(o, tiles[i + 1]))
                        else:
                            deferred.append(o)
            outputs = []
            for o in outs:
                copies = self.l1[o.name]
                c = self.loads[o.name] % len(copies)
                self.loads[o.name] += 1
                if (o.name, c) in self.drained:
                    self.wait(self.drained[o.name, c])
                outputs.append((o, copies[c], c))
            bufs = {**using, **{o.name: b for o, b, _ in outputs}}
            self.compute(t, bufs)
            for o, b, c in outputs:
                self.drained[o.name, c] = self.copy(
                    self.l2[o.name], b, o, t.slices[o.name], into_l1=False)
            pending += [self.load(o, tiles[i + 1]) for o in deferred]
        if self.tokens:
            self.wait(len(self.tokens) - 1)
        return self.body

    def compute(self, t: Tile, bufs: dict[str, SSAValue]) -> None:
        desc = self.plan.desc
        ins = [bufs[o.name] for o in desc.inputs]
        outs = [bufs[o.name] for o in desc.outputs]
        for call in self.plan.calls[self.plan.key(t)]:
            args = [ins[a.index] if a.kind == "in" else outs[a.index] if a.kind == "out"
                    else self.null() for a in call.args]
            self.body.add_op(self.make_call(call, args, self.layer))


def lower_tiled(plan: TiledPlan, layer: str, ins: Sequence[SSAValue],
                outs: Sequence[SSAValue], values: Sequence[SSAValue],
                insert: Callable[[Operation], Operation], make_call: CallBuilder,
                null: Callable[[], SSAValue]) -> tuple[tile.LoopOp, list[lmem.AllocOp]]:
    """Insert the L1 allocs (at the tiler's offsets) and the `tile.loop` of `plan`.

    `ins`/`outs` are the buffers of the op's operands/results, `values` the graph values
    (for element types). Returns the loop and the allocs, whose live ranges the caller
    sets over the loop's calls."""
    desc, sol = plan.desc, plan.solution
    allocs: list[lmem.AllocOp] = []
    l1: dict[str, list[SSAValue]] = {}
    for o, v in zip(desc.operands, values, strict=True):
        assert isinstance(v.type, TensorType)
        for b in sorted((b for b in sol.plan.buffers if b.name.rsplit(".", 1)[0] == o.name),
                        key=lambda b: b.name):
            elems = b.size // o.elem_bytes
            alloc = lmem.AllocOp(MemRefType(v.type.get_element_type(), [elems]), TILE_LEVEL,
                                 (0, 0), b.alignment)
            alloc.properties["offset"] = IntegerAttr(sol.plan.offsets[b.name], i64)
            alloc.res.name_hint = f"{layer}_{b.name.replace('.', '_')}"
            allocs.append(alloc)
            insert(alloc)
            l1.setdefault(o.name, []).append(alloc.res)
    l2 = {o.name: buf for o, buf in zip(desc.operands, [*ins, *outs], strict=True)}
    body = _Emitter(plan, l2, l1, layer, make_call, null).run()
    dims = [(d.name, d.extent, sol.tile_sizes[d.name], d.reduction) for d in desc.dims]
    loop = tile.LoopOp(layer, dims, [*ins, *outs], [TILE_LEVEL] * len(desc.operands), body)
    insert(loop)
    return loop, allocs

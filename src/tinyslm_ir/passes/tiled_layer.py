"""Materialise one layer's tiling as a `tile.loop`: L1 tile buffers, double-buffered DMA and
one kernel call per tile. Bufferization calls `lower_tiled` per graph op when it tiles.

The tiling (tile sizes, and the L1 offset of every tile buffer) comes from
`analysis.tiling`; this module only schedules it. Per tile, in loop order:

1. wait for the tile's inputs (issued one step earlier);
2. issue the next tile's input DMAs into the other copy of each double-buffered input, so
   they run while this tile computes (an input whose slice does not change is not reloaded);
3. on the first K tile of an output tile, wait until the output copy it writes has drained
   (its write-back two output tiles ago);
4. compute: the catalogue's kernel calls for a graph op *of this tile's shape* (edge tiles
   get their own parameters), on the L1 tile buffers;
5. after the last K tile, issue the output tile's write-back; a single-copy input is reloaded
   only now.

Waits are emitted only when they cover a transfer not yet waited for (the queue is in order,
so one wait covers every earlier transfer), and the layer ends by waiting for everything, so
the next layer may read what this one wrote and reuse its L1.

A slice of an N-D tensor becomes 2-D DMAs: the innermost partial axis with the full axes
inside it is one row, the nearest axis outside that with more than one index the rows, and
every index of the axes further out one transfer (as `cost` counts them). The L1 side is the
dense slice.

A split reduction (the K of an integer GEMM/MatMul) keeps the output tile in L1 across its K
tiles: the first K tile writes it (beta = 0, or the bias), the later ones accumulate into it
(C = the output tile, beta = 1: `accumulating_gemm`), and it is written back after the last;
a dense conv splits its input channels the same way (`accumulating_conv`). Integer sums wrap
modulo 2^32, so any order gives the untiled result exactly. Reductions stay whole where that
does not hold: float GEMMs and convs (a different summation order changes the rounding; kept
whole, results stay bit-identical) and outputs narrower than the int32 partial sums.

Ops whose tiles see a shifted index space get per-tile properties (`local` geometry): conv and
pool tiles get the pads of their border (interior tiles none; the input slice carries the
halo), slices their re-based starts, pads the part of the padding that falls in the tile.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from math import prod

from xdsl.dialects.builtin import IntegerAttr, IntegerType, MemRefType, TensorType, i64
from xdsl.ir import Attribute, Block, Operation, SSAValue

from tinyslm_ir.analysis.tiling.constraints import Operand, OpTiling
from tinyslm_ir.analysis.tiling.from_graph import NoTilingDescription, describe
from tinyslm_ir.analysis.tiling.local import clipped, local_start
from tinyslm_ir.analysis.tiling.solver import Tiler, TilingSolution
from tinyslm_ir.analysis.tiling.tiles import Range, Tile, iter_tiles
from tinyslm_ir.dialects import dma, lmem, tile
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, kernel_calls
from tinyslm_ir.kernels.lowerings.contraction import accumulating_gemm
from tinyslm_ir.kernels.lowerings.conv_pool import accumulating_conv

TILE_LEVEL = "L1"

Slice = tuple[Range, ...]
Props = tuple[tuple[str, tuple[int, ...]], ...]
"""Per-tile property overrides of the probe op, as (name, ints), sorted."""
CallKey = tuple[tuple[Slice, ...], Props, bool]
"""What a tile's calls depend on: its operand shapes, its properties, whether it starts its
reduction (a later K tile accumulates)."""
CallBuilder = Callable[[KernelCall, list[SSAValue], str], lmem.CallOp]


class NotTileable(Exception):
    """The layer runs untiled (on L2): the reason is reported by the driver."""


@dataclass(frozen=True)
class TiledPlan:
    """Everything decided before any IR is built, so a layer that cannot be tiled leaves
    no trace: the description, the solution, the tiles, each tile's call key and the calls
    of each distinct key."""

    desc: OpTiling
    solution: TilingSolution
    tiles: list[Tile]
    keys: list[CallKey]
    calls: dict[CallKey, list[KernelCall]]


def _shape_key(s: Slice) -> Slice:
    return tuple((0, hi - lo) for lo, hi in s)


def _tensor_shape(v: SSAValue) -> tuple[int, ...]:
    assert isinstance(v.type, TensorType)
    return tuple(v.type.get_shape())


def _split_reductions(op: Operation, desc: OpTiling) -> OpTiling:
    """``desc`` with its reduction dims fixed unless the tile's kernel can accumulate them
    exactly in the output tile (see the module docstring)."""
    out = op.results[0].type
    assert isinstance(out, TensorType)
    why = None
    if not isinstance(out.get_element_type(), IntegerType):
        why = "a float reduction stays whole: another summation order changes the rounding"
    elif desc.outputs[0].elem_bytes < desc.acc_bytes:
        why = "an output narrower than the int32 partial sums keeps its reduction whole"
    if why is None:
        return desc
    return replace(desc, dims=tuple(replace(d, fixed=why) if d.reduction else d
                                    for d in desc.dims))


def plan_layer(op: Operation, layer: str, tiler: Tiler) -> TiledPlan:
    """Solve `op`'s tiling and the kernel calls of each distinct tile.

    Raises `NotTileable` when the op has no description, no per-tile kernel, operands the
    description does not map one to one, or a tile with an empty input (a pad tile wholly in
    the padding); `TilingInfeasibleError` propagates."""
    try:
        desc = describe(op)
    except NoTilingDescription as e:
        raise NotTileable(str(e)) from e
    desc = _split_reductions(op, replace(desc, layer=layer))
    values = [*op.operands, *op.results]
    if len(desc.inputs) != len(op.operands) or len(desc.outputs) != len(op.results):
        raise NotTileable(f"{op.name}: the description does not map its operands one to one")
    for o, v in zip(desc.operands, values, strict=True):
        if prod(o.shape) != prod(_tensor_shape(v)) or prod(o.shape) == 0:
            raise NotTileable(f"{op.name}: operand {o.name} is empty or reshaped by the "
                              "description")
    solution = tiler.solve(desc)
    tiles = list(iter_tiles(desc, solution.tile_sizes))
    keys: list[CallKey] = []
    calls: dict[CallKey, list[KernelCall]] = {}
    for t in tiles:
        if any(hi <= lo for o in desc.inputs for lo, hi in t.slices[o.name]):
            raise NotTileable(f"{op.name}: a tile reads nothing of an input")
        shapes = tuple(_shape_key(t.slices[o.name]) for o in desc.operands)
        key = (shapes, tile_properties(op, desc, t), t.first)
        keys.append(key)
        if key not in calls:
            calls[key] = _tile_calls(op, desc, values, key)
    return TiledPlan(desc, solution, tiles, keys, calls)


def tile_properties(op: Operation, desc: OpTiling, t: Tile) -> Props:
    """The properties of `op` that change per tile (see the module docstring)."""
    x = desc.operands[0]
    ranges = [t.ranges[a.dim] if a.dim else (0, a.extent) for a in x.axes]
    props: dict[str, tuple[int, ...]] = {}
    if isinstance(op, g.ConvOp | g.PoolOp):
        orig = g.get_ints(op.properties, "pads")
        spatial = (2, 3) if len(orig) == 4 else (3,)
        ends = orig[len(spatial):]
        pads = [0] * len(orig)
        for j, i in enumerate(spatial):
            a, (lo, hi) = x.axes[i], t.slices[x.name][i]
            pads[j] = clipped(a, ranges[i][0], ranges[i][1] - ranges[i][0])[0]
            # What an average counts at the end: the tensor plus its end padding, re-based.
            pads[j + len(spatial)] = ends[j] + a.extent - hi
        props["pads"] = tuple(pads)
        if isinstance(op, g.ConvOp) and x.axes[1].dim == "m":  # depthwise: a group per channel
            props["group"] = (t.ranges["m"][1] - t.ranges["m"][0],)
    elif isinstance(op, g.SliceOp):
        starts, ends = g.get_ints(op.properties, "starts"), g.get_ints(op.properties, "ends")
        new_starts, new_ends = list(starts), list(ends)
        for i, a in enumerate(x.axes):
            if a.dim is not None:
                lo, hi = t.slices[x.name][i]
                new_starts[i], new_ends[i] = local_start(a, ranges[i][0]), hi - lo
        props["starts"], props["ends"] = tuple(new_starts), tuple(new_ends)
    elif isinstance(op, g.PadOp):
        sides = [clipped(a, r[0], r[1] - r[0]) for a, r in zip(x.axes, ranges, strict=True)]
        props["pads"] = (*(b for b, _ in sides), *(e for _, e in sides))
    return tuple(sorted(props.items()))


def _prop_attr(op: Operation, name: str, ints: tuple[int, ...]) -> Attribute:
    return g.int_prop(ints[0]) if isinstance(op.properties[name], IntegerAttr) \
        else g.ints_prop(ints)


def _in_tensor_rank(tile: list[int], described: tuple[int, ...],
                    tensor: tuple[int, ...]) -> list[int]:
    """A tile's shape in its tensor's own rank. A description may add unit axes the tensor does
    not have (a 1-D window described as 2-D with H = 1, the M or N of a MatMul with a 1-D
    operand); aligning the described shape with the tensor's finds and drops them. Where
    several unit axes could be the added one, all of them are unit in the tile too, so the
    first fit gives the same shape. A description that views the tensor otherwise (a
    reshape's flat copy) keeps its own shape."""
    kept, j = [], 0
    for t, d in zip(tile, described, strict=True):
        if j < len(tensor) and d == tensor[j]:
            kept.append(t)
            j += 1
        elif d != 1:
            return tile
    return kept if j == len(tensor) else tile


def _tile_calls(op: Operation, desc: OpTiling, values: list[SSAValue],
                key: CallKey) -> list[KernelCall]:
    """The catalogue's calls for a copy of `op` whose operands have the tile's shapes and
    properties; accumulating calls for a K tile after the first."""
    shapes, props, first = key
    types = []
    for v, o, s in zip(values, desc.operands, shapes, strict=True):
        assert isinstance(v.type, TensorType)
        shape = _in_tensor_rank([hi for _, hi in s], o.shape, _tensor_shape(v))
        whole = list(_tensor_shape(v)) == shape
        types.append(v.type if whole else TensorType(v.type.get_element_type(), shape))
    n_in = len(op.operands)
    block = Block(arg_types=types[:n_in])
    properties = {**op.properties, **{n: _prop_attr(op, n, v) for n, v in props}}
    probe = type(op).create(operands=list(block.args), result_types=types[n_in:],
                            properties=properties, attributes=dict(op.attributes))
    try:
        calls = kernel_calls(probe)
        if not first:
            accumulate = accumulating_conv if isinstance(op, g.ConvOp) else accumulating_gemm
            calls = [a for c in calls for a in accumulate(c)]
    except (NoKernelError, ValueError) as e:
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
    # Axes of one index between the row and the rows axis only offset the transfer.
    rows_axis = next((k for k in range(j - 1, -1, -1) if lens[k] > 1), -1)
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
                # An output tile lives from its first K tile to its last: a new copy (once
                # its previous write-back has drained) only when a reduction starts.
                copies = self.l1[o.name]
                if t.first:
                    self.loads[o.name] += 1
                c = (self.loads[o.name] - 1) % len(copies)
                if t.first and (o.name, c) in self.drained:
                    self.wait(self.drained[o.name, c])
                outputs.append((o, copies[c], c))
            bufs = {**using, **{o.name: b for o, b, _ in outputs}}
            self.compute(i, bufs)
            for o, b, c in outputs:
                if t.last:
                    self.drained[o.name, c] = self.copy(
                        self.l2[o.name], b, o, t.slices[o.name], into_l1=False)
            pending += [self.load(o, tiles[i + 1]) for o in deferred]
        if self.tokens:
            self.wait(len(self.tokens) - 1)
        return self.body

    def compute(self, i: int, bufs: dict[str, SSAValue]) -> None:
        desc = self.plan.desc
        ins = [bufs[o.name] for o in desc.inputs]
        outs = [bufs[o.name] for o in desc.outputs]
        for call in self.plan.calls[self.plan.keys[i]]:
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

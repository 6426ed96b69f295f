"""Bufferize graph functions into `lmem`: buffers with a level and a lifetime, and kernel calls.

Every tensor value gets a buffer, and every graph op becomes the kernel calls the catalogue
gives for it, in schedule order:

- graph inputs stay function arguments (now memrefs), and graph outputs become trailing
  memref arguments that the calls write directly (destination-passing style), so the host
  hands in the output storage and no copy-out is needed; the function then returns nothing;
- `graph.weight` becomes `lmem.global` in the weight level (`weights-level`);
- every other value gets a fresh `lmem.alloc` in L2, and each scratch buffer of an op an
  alloc live over the op's calls that use it;
- a reshape keeps the row-major order of its bytes, so its result is a view of its operand's
  buffer (the same memref: consumers read it through their own graph types) and costs no
  call; only a reshape into a graph output, which has its own storage, is a copy;
- with `l1` > 0 (tiled mode), an op the tiling analysis describes becomes a `tile.loop` that
  moves its operands between those L2 buffers and L1 tile buffers by DMA and computes on L1
  (`tinyslm_ir.passes.tiled_layer`); the L1 buffers get the tiler's offsets here, so
  `plan-memory` plans only L2 and `verify-memory-plan{level=L1}` checks L1 independently;
- a graph output that is not computed by an op of this function (an input, a weight, or a
  value returned twice) is copied into its argument with the catalogue's copy kernel, as a
  reshape to the same type; in tiled mode that copy is tiled like any other layer, so that
  strict-L1 cores never copy L2 to L2 themselves;
- `graph.cache_write` is in place: its result takes the cache operand's buffer when the write
  is the cache's only use (else the kernel copies the cache first). A written input returned
  as an output (the state pattern: a KV cache in, the updated cache out) gets no output
  argument at all; `OUTPUT_ALIASES_ATTR` and `NUM_INPUTS_ATTR` on the function record it, so
  the program reads that input and writes the same buffer to the output's file. In tiled
  mode the append is one DMA issued by a core (`cache_write_dma`) with pos moved to L1 first,
  since strict-L1 cores may not read L2.

The schedule is the order of the graph ops, optionally reordered (`reorder=true`) by a
memory-aware topological sort, since the order decides which buffers are live together. Live
ranges come from `tinyslm_ir.analysis.lifetimes` and are written on the allocs for
`plan-memory`. Every call is tagged with the `layer` it came from, for per-layer C functions
and cycle reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from math import prod

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    f64,
    i8,
    i64,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tinyslm_ir.analysis.layer_names import layer_name
from tinyslm_ir.analysis.lifetimes import live_intervals
from tinyslm_ir.analysis.schedule import memory_aware_order
from tinyslm_ir.analysis.tiling.solver import Tiler, TilingSolution
from tinyslm_ir.dialects import dma, lmem, tile
from tinyslm_ir.dialects.graph import CacheWriteOp, GatherOp, GraphOp, ReshapeOp, WeightOp
from tinyslm_ir.kernels.catalog import KernelCall, Param
from tinyslm_ir.kernels.lowerings.movement import cache_write_dma, gather_rows_dma
from tinyslm_ir.passes.plan_memory import record_plan
from tinyslm_ir.passes.select_kernels import calls_or_diagnostic
from tinyslm_ir.passes.tiled_layer import (
    TILE_LEVEL,
    NotTileable,
    TiledPlan,
    lower_tiled,
    plan_layer,
)

OUTPUT_ALIASES_ATTR = "lmem.output_aliases"
"""Function attribute: per graph output, the index of the input argument that holds it (an
input updated in place), or -1 for an output with its own trailing argument."""
NUM_INPUTS_ATTR = "lmem.num_inputs"
"""Function attribute: how many leading arguments are graph inputs (written inputs make the
boundary impossible to infer from which arguments are written)."""

ACTIVATION_LEVEL = "L2"
"""Untiled code keeps every intermediate tensor in L2; tiling moves tiles to L1."""


def memref_of(t: Attribute) -> MemRefType:
    assert isinstance(t, TensorType)
    return MemRefType(t.get_element_type(), t.get_shape())


@lru_cache(maxsize=65536, typed=True)
def param_attr(p: Param) -> Attribute:
    """Kernel parameters as `lmem.call` stores them: i64 scalars, f64 floats, i64 arrays.

    Cached (attributes are immutable): a tiled layer repeats the same parameters in every
    tile's calls, and building each attribute anew was a large part of lowering."""
    if isinstance(p, tuple):
        return DenseArrayBase.from_list(i64, [int(v) for v in p])
    if isinstance(p, float):
        return FloatAttr(p, f64)
    return IntegerAttr(int(p), i64)


def has_tensors(fn: func.FuncOp) -> bool:
    """Whether `fn` still has a graph-level body: a definition with tensors in its signature."""
    sig = fn.function_type
    return not fn.is_declaration and any(
        isinstance(t, TensorType) for t in (*sig.inputs.data, *sig.outputs.data))


def make_call(call: KernelCall, buffers: Sequence[SSAValue], layer: str) -> lmem.CallOp:
    """The `lmem.call` of `call` on `buffers` (one per `call.args` entry)."""
    # lmem.call reads its first `num_inputs` buffers: the args before the first
    # out/scratch one (lowerings list inputs first; lifetimes use the kinds anyway).
    n_inputs = next((k for k, a in enumerate(call.args) if a.kind in ("out", "scratch")),
                    len(call.args))
    props: dict[str, Attribute] = {
        "callee": SymbolRefAttr(call.callee),
        "num_inputs": IntegerAttr(n_inputs, i64),
        "offsets": DenseArrayBase.from_list(i64, [a.offset for a in call.args]),
        "params": ArrayAttr([param_attr(p) for p in call.params]),
        "engine": StringAttr(call.engine),
        "parallel": IntegerAttr(int(call.parallel), i64),
        "layer": StringAttr(layer),
    }
    if call.instantiation is not None:
        props["instantiation"] = StringAttr(call.instantiation)
    return lmem.CallOp.create(operands=list(buffers), properties=props)


@dataclass
class _FunctionBufferizer:
    """Rewrites one function; `buffers` maps each tensor value to the memref that holds it."""

    fn: func.FuncOp
    weights_level: str
    reorder: bool
    tiling: _Tiling | None = None
    l1_weights: int = 0

    def __post_init__(self) -> None:
        self.block: Block = self.fn.body.block
        ret = self.block.last_op
        assert isinstance(ret, func.ReturnOp), "a function body ends with func.return"
        self.ret = ret
        self.rewriter = Rewriter()
        self.buffers: dict[SSAValue, SSAValue] = {}
        self.allocs: list[lmem.AllocOp] = []
        self.schedule: list[tuple[list[SSAValue], list[SSAValue]]] = []
        self.layers: set[str] = set()
        # Each lowered op in order: a tiled layer, or None for anything else (which no
        # weight prefetch may cross).
        self.steps: list[_Step | None] = []

    def run(self) -> None:
        old_args = list(self.block.args)
        for arg in old_args:
            self.buffers[arg] = self._new_arg(memref_of(arg.type), arg.name_hint)
        outputs = list(self.ret.arguments)
        aliases = [self._input_alias(v, old_args) for v in outputs]
        out_args = [self._new_arg(memref_of(v.type), f"out{j}") if a < 0 else None
                    for j, (v, a) in enumerate(zip(outputs, aliases, strict=True))]
        # Each output argument is written by the op that computes the value, once per value.
        destinations: dict[SSAValue, SSAValue] = {}
        for v, arg in zip(outputs, out_args, strict=True):
            if arg is not None and isinstance(v.owner, GraphOp) \
                    and not isinstance(v.owner, WeightOp):
                destinations.setdefault(v, arg)

        graph_ops = [op for op in self.block.ops if isinstance(op, GraphOp)]
        for op in graph_ops:
            if isinstance(op, WeightOp):
                self._weight(op)
        computed = [op for op in graph_ops if not isinstance(op, WeightOp)]
        layers = {op: self._unique(layer_name(op, i)) for i, op in enumerate(computed)}
        for op in self._order(computed, destinations):
            self._lower(op, layers[op], destinations)
        for j, (v, arg) in enumerate(zip(outputs, out_args, strict=True)):
            if arg is not None and self.buffers[v] is not arg:
                self._copy_out(v, arg, self._unique(f"copy_out{j}"))

        self.rewriter.insert_op(func.ReturnOp(), InsertPoint.before(self.ret))
        self.rewriter.erase_op(self.ret)
        for op in reversed(graph_ops):
            self.rewriter.erase_op(op)
        for arg in old_args:
            self.block.erase_arg(arg)
        self.fn.update_function_type()
        if self.tiling is not None:
            self._prefetch_weights(self.tiling.tiler.capacity)
            self.tiling.top = max([self.tiling.top, *(
                _end(a) for a in self.allocs if a.level.data == TILE_LEVEL)])
        if any(a >= 0 for a in aliases):  # else the boundary is the first written argument
            self.fn.attributes[NUM_INPUTS_ATTR] = IntegerAttr(len(old_args), i64)
            self.fn.attributes[OUTPUT_ALIASES_ATTR] = DenseArrayBase.from_list(i64, aliases)
        self._write_live_ranges()

    def _input_alias(self, v: SSAValue, inputs: list[BlockArgument]) -> int:
        """The input index whose buffer holds output `v` (an in-place cache_write of an
        input that nothing else reads, returned once), or -1."""
        op = v.owner
        if not isinstance(op, CacheWriteOp) or not self._in_place(op) \
                or sum(u.operation is self.ret for u in v.uses) != 1:
            return -1
        cache = op.cache
        return inputs.index(cache) if isinstance(cache, BlockArgument) and cache in inputs \
            else -1

    def _in_place(self, op: CacheWriteOp) -> bool:
        """Whether the write may reuse the cache's buffer: nothing else reads the cache
        (value semantics) and it is not a constant."""
        return op.cache.has_one_use() and not isinstance(op.cache.owner, WeightOp)

    def _order(self, ops: list[GraphOp], destinations: dict[SSAValue, SSAValue]) -> list[GraphOp]:
        """The schedule: the given order, or memory-aware; outputs cost nothing (arguments)."""
        if not self.reorder:
            return ops
        steps = [(op.operands, op.results) for op in ops]
        sizes = {r: lmem.buffer_bytes(memref_of(r.type)) for op in ops for r in op.results
                 if r not in destinations}
        return [ops[i] for i in memory_aware_order(steps, sizes)]

    def _unique(self, layer: str) -> str:
        """`layer`, or `layer_<k>` if taken: the C printer makes one function per layer."""
        name, k = layer, 0
        while name in self.layers:
            k += 1
            name = f"{layer}_{k}"
        self.layers.add(name)
        return name

    def _new_arg(self, t: MemRefType, hint: str | None) -> SSAValue:
        arg = self.block.insert_arg(t, len(self.block.args))
        arg.name_hint = hint
        return arg

    def _insert(self, op: Operation) -> Operation:
        self.rewriter.insert_op(op, InsertPoint.before(self.ret))
        return op

    def _alloc(self, t: MemRefType) -> SSAValue:
        alloc = lmem.AllocOp(t, ACTIVATION_LEVEL, (0, 0))
        self.allocs.append(alloc)
        return self._insert(alloc).results[0]

    def _weight(self, op: WeightOp) -> None:
        t = memref_of(op.res.type)
        level = "L1" if 0 < lmem.buffer_bytes(t) <= self.l1_weights else self.weights_level
        glob = lmem.GlobalOp(op.weight_name, t, level, op.layout_name)
        self.buffers[op.res] = self._insert(glob).results[0]

    def _lower(self, op: GraphOp, layer: str, destinations: dict[SSAValue, SSAValue]) -> None:
        if isinstance(op, ReshapeOp) and op.res not in destinations:
            self.buffers[op.res] = self.buffers[op.x]
            return
        if isinstance(op, CacheWriteOp) and self._in_place(op):
            self.buffers[op.res] = self.buffers[op.cache]
            if self.tiling is not None:
                self._cache_write_dma(op, layer)
                return
            self._emit(calls_or_diagnostic(op), [self.buffers[v] for v in op.operands],
                       [self.buffers[op.res]], layer)
            return
        for r in op.results:
            self.buffers[r] = destinations.get(r) or self._alloc(memref_of(r.type))
        rows = gather_rows_dma(op) if isinstance(op, GatherOp) and self.tiling else None
        if rows is not None:
            data, idx = (self.buffers[v] for v in op.operands)
            idx_l1 = self._to_l1(idx, layer, "indices")
            self._insert(make_call(rows, [data, idx_l1, self.buffers[op.res]], layer))
            self.schedule.append(([data, idx, idx_l1], [idx_l1, self.buffers[op.res]]))
            self.steps.append(None)
            return
        self._lower_into(op, layer, [self.buffers[v] for v in op.operands],
                         [self.buffers[r] for r in op.results])

    def _lower_into(self, op: GraphOp, layer: str, ins: Sequence[SSAValue],
                    outs: Sequence[SSAValue]) -> None:
        """`op` reading buffers `ins` and writing `outs`: tiled if the tiler can, else calls."""
        calls = calls_or_diagnostic(op)
        plan = self.tiling.plan(op, layer) if self.tiling is not None else None
        if plan is not None:
            self._lower_tiled(op, plan, layer, ins, outs)
        else:
            self._emit(calls, ins, outs, layer)

    def _copy_out(self, value: SSAValue, out: SSAValue, layer: str) -> None:
        """Copy `value` into the output argument `out`, as a reshape to the same type."""
        probe = ReshapeOp.from_operands([value], result_types=[value.type])
        try:
            self._lower_into(probe, layer, [self.buffers[value]], [out])
        finally:
            probe.erase()

    def _lower_tiled(self, op: GraphOp, plan: TiledPlan, layer: str, ins: Sequence[SSAValue],
                     outs: Sequence[SSAValue]) -> None:
        """The op as a `tile.loop` on L1 tile buffers; every call of the loop is one
        schedule step touching all of the layer's buffers, since DMAs run between them."""
        loop, allocs = lower_tiled(plan, layer, ins, outs, [*op.operands, *op.results],
                                   self._insert, make_call, self._null)
        self.allocs += allocs
        touched = [*ins, *outs, *(a.res for a in allocs)]
        first = len(self.schedule)
        self.schedule += [(touched, touched) for c in loop.walk() if isinstance(c, lmem.CallOp)]
        self.steps.append(_Step(loop, allocs, first, plan.solution.cycles))

    def _prefetch_weights(self, capacity: int) -> None:
        """Issue each tiled layer's first loads of weights during an earlier tiled layer.

        A weight's first tile does not depend on the layers before, so its transfer can run
        while one of them computes instead of stalling this layer. Each tiled layer's buffers
        sit right above the previous tiled layer's when both fit in `capacity` (else at 0);
        a load moves into the longest (modelled cycles) of the up to PREFETCH_DEPTH tiled
        layers before it whose buffers, and those already prefetched through them, its own
        buffer clears. It goes right after that layer's own first loads (before its first
        wait), so the in-order DMA queue does not delay them and the issuing overlaps the
        stall; that layer's closing wait covers it, so this layer does not wait for it (a
        wait on one moves to the last load left before it, or goes). A moved buffer lives
        from the issuing layer's first step on."""
        prev_top = 0
        for st in self.steps:
            if st is None:
                prev_top = 0
                continue
            top = max((_end(a) for a in st.allocs), default=0)
            shift = _align_up(prev_top, max((_alignment(a) for a in st.allocs), default=1))
            base = shift if shift + top <= capacity else 0
            for a in st.allocs:
                a.properties["offset"] = IntegerAttr(_offset(a) + base, i64)
            prev_top = base + top
        busy = [[(_offset(a), _end(a)) for a in st.allocs] if st else [] for st in self.steps]
        for i, st in enumerate(self.steps):
            if st is None:
                continue
            ops = list(st.loop.body.block.ops)
            head = ops[:next((k for k, o in enumerate(ops) if not isinstance(o, dma.StartOp)),
                             len(ops))]
            moved = [o for o in head if isinstance(o.src.owner, lmem.GlobalOp)]
            owners = [a for a in st.allocs if a.res in {o.dst for o in moved}]
            spans = [(_offset(a), _end(a)) for a in owners]
            options: list[int] = []
            for j in range(i - 1, max(i - 1 - PREFETCH_DEPTH, -1), -1):
                if self.steps[j] is None or any(
                        lo < e and s < hi for k in range(j, i) for lo, hi in busy[k]
                        for s, e in spans):
                    break
                options.append(j)
            if not moved or not options:
                continue
            j = max(options, key=lambda k: (self.steps[k].cycles, k))  # type: ignore[union-attr]
            src = self.steps[j]
            assert src is not None
            anchor = _prefetch_anchor(src.loop)
            if anchor is None:
                continue
            for k in range(j, i):
                busy[k] += spans
            self._move_loads(st.loop, moved, owners, src.loop, anchor)
            bufs = [a.res for a in owners]
            for k in range(src.first, st.first):
                reads, writes = self.schedule[k]
                self.schedule[k] = ([*reads, *bufs], [*writes, *bufs])

    def _move_loads(self, loop: tile.LoopOp, moved: list[dma.StartOp],
                    owners: list[lmem.AllocOp], src: tile.LoopOp, anchor: dma.WaitOp) -> None:
        for a in owners:  # the destination must be defined before the issuing loop
            a.detach()
            self.rewriter.insert_op(a, InsertPoint.before(src))
        remaining: list[dma.StartOp] = []
        for op in list(loop.body.block.ops):
            if isinstance(op, dma.StartOp) and op in moved:
                op.detach()
                self.rewriter.insert_op(op, InsertPoint.before(anchor))
            elif isinstance(op, dma.StartOp):
                remaining.append(op)
            elif isinstance(op, dma.WaitOp) and op.token.owner in moved:
                if remaining:
                    self.rewriter.replace_op(op, dma.WaitOp(remaining[-1].token))
                else:
                    self.rewriter.erase_op(op)

    def _to_l1(self, buffer: SSAValue, layer: str, what: str, count: int | None = None
               ) -> SSAValue:
        """The first `count` elements (default: all) of an L2 buffer moved into L1 at offset 0
        by one DMA (a `tile.loop` of that transfer): the runtime values a strict-L1 core
        must read itself, such as positions and token ids. The call that reads it is the
        schedule step, so it lists both buffers."""
        t = buffer.type
        assert isinstance(t, MemRefType)
        shape = [count if count is not None else max(1, prod(t.get_shape()))]
        l1 = lmem.AllocOp(MemRefType(t.get_element_type(), shape), TILE_LEVEL, (0, 0))
        l1.properties["offset"] = IntegerAttr(0, i64)
        l1.res.name_hint = f"{layer}_{what}"
        self.allocs.append(l1)
        self._insert(l1)
        start = dma.StartOp(l1.res, buffer, dst_offset=0, src_offset=0,
                            row_bytes=lmem.buffer_bytes(l1.res.type))
        body = Block([start, dma.WaitOp(start.token)])
        self._insert(tile.LoopOp(layer, [], [buffer], [TILE_LEVEL], body))
        return l1.res

    def _cache_write_dma(self, op: CacheWriteOp, layer: str) -> None:
        """Tiled (strict-L1) append: pos[0] moves to L1, then core 0 reads it and moves the
        rows into the cache by one DMA."""
        pos_l1 = self._to_l1(self.buffers[op.pos], layer, "pos", count=1)
        cache, rows = self.buffers[op.cache], self.buffers[op.rows]
        self._insert(make_call(cache_write_dma(op), [rows, pos_l1, cache], layer))
        self.schedule.append(([self.buffers[op.pos], rows, pos_l1], [pos_l1, cache]))
        self.steps.append(None)

    def _null(self) -> SSAValue:
        return self._insert(lmem.NullOp.create(result_types=[MemRefType(i8, [0])])).results[0]

    def _emit(self, calls: Sequence[KernelCall], ins: Sequence[SSAValue],
              outs: Sequence[SSAValue], layer: str) -> None:
        """Insert `calls` of an op whose operands are in buffers `ins`, results in `outs`.

        Scratch arguments with the same index are one buffer shared by the op's calls (the
        largest size asked for), live from its first to its last call.
        """
        scratch_bytes: dict[int, int] = {}
        for a in (a for call in calls for a in call.args if a.kind == "scratch"):
            scratch_bytes[a.index] = max(scratch_bytes.get(a.index, 0), a.scratch_bytes)
        scratch = {i: self._alloc(MemRefType(i8, [n])) for i, n in scratch_bytes.items()}
        for call in calls:
            buffers: list[SSAValue] = []
            reads: list[SSAValue] = []
            writes: list[SSAValue] = []
            for a in call.args:
                if a.kind == "in":
                    buf = ins[a.index]
                    reads.append(buf)
                elif a.kind == "out":
                    buf = outs[a.index]
                    writes.append(buf)
                elif a.kind == "scratch":
                    buf = scratch[a.index]
                    writes.append(buf)
                else:
                    buf = self._null()
                buffers.append(buf)
            self._insert(make_call(call, buffers, layer))
            self.schedule.append((reads, writes))
        self.steps.append(None)

    def _write_live_ranges(self) -> None:
        intervals = live_intervals(self.schedule)
        for alloc in self.allocs:
            alloc.properties["live"] = DenseArrayBase.from_list(i64, list(intervals[alloc.res]))


PREFETCH_DEPTH = 4
"""How many tiled layers back a weight's first load may be issued."""


@dataclass
class _Step:
    """A tiled layer for the weight prefetch: its loop, L1 allocs, first schedule step and
    modelled cycles."""

    loop: tile.LoopOp
    allocs: list[lmem.AllocOp]
    first: int
    cycles: int


def _end(a: lmem.AllocOp) -> int:
    return _offset(a) + lmem.buffer_bytes(a.res.type)


def _offset(a: lmem.AllocOp) -> int:
    attr = a.properties["offset"]
    assert isinstance(attr, IntegerAttr)
    return attr.value.data


def _alignment(a: lmem.AllocOp) -> int:
    attr = a.properties.get("alignment")
    return attr.value.data if isinstance(attr, IntegerAttr) else 1


def _align_up(v: int, a: int) -> int:
    return -(-v // a) * a


@dataclass
class _Tiling:
    """Tiled mode: one `Tiler` for the module, and what it decided per layer."""

    tiler: Tiler
    solutions: list[TilingSolution] = field(default_factory=list)
    untiled: list[str] = field(default_factory=list)
    top: int = 0  # the highest L1 byte of any placed tile buffer

    def plan(self, op: GraphOp, layer: str) -> TiledPlan | None:
        """The layer's tiled plan, or None (recorded with the reason) to run it on L2."""
        try:
            plan = plan_layer(op, layer, self.tiler)
        except NotTileable as e:
            self.untiled.append(f"{layer}: {e}")
            return None
        self.solutions.append(plan.solution)
        return plan

    def record(self, module: ModuleOp) -> None:
        """The L1 summary in `lmem.plan` (the peak is the highest byte any tile buffer
        reaches: a layer's buffers sit above the previous layer's when it prefetches), and the
        layers left on L2 as `tile.untiled`."""
        sols = self.solutions
        record_plan(module, TILE_LEVEL, {
            "peak": max([self.top, *(s.peak for s in sols)]),
            "lower_bound": max((s.lower_bound for s in sols), default=0),
            "capacity": self.tiler.capacity,
            "optimal": all(s.optimal for s in sols),
            "method": "tiling-cp-sat",
        })
        module.attributes[UNTILED_ATTR] = ArrayAttr([StringAttr(u) for u in self.untiled])


UNTILED_ATTR = "tile.untiled"
"""Module attribute of tiled mode: "layer: reason" for every layer left untiled on L2."""


@dataclass(frozen=True)
class BufferizePass(ModulePass):
    """graph -> lmem for every function of the module (see the module docstring).

    `l1` > 0 tiles every layer that has a tile-constraint description into `l1` bytes of L1
    (`passes.tiled_layer`); the others, and `l1 = 0`, run untiled on L2. In tiled mode, weights
    of at most `l1_weights` bytes (requantization factors, norm weights) stay in L1 for the
    whole program: the image loads them once, and no layer moves them again (the caller
    leaves their bytes out of `l1`).
    """

    name = "bufferize"

    weights_level: str = "L2"
    reorder: bool = False
    l1: int = 0
    l1_weights: int = 0

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.weights_level not in lmem.LEVELS:
            raise ValueError(f"bufferize: unknown weights-level '{self.weights_level}', "
                             f"expected one of {', '.join(lmem.LEVELS)}")
        tiling = _Tiling(Tiler(self.l1)) if self.l1 > 0 else None
        for fn in [f for f in op.walk() if isinstance(f, func.FuncOp) and has_tensors(f)]:
            _FunctionBufferizer(fn, self.weights_level, self.reorder, tiling,
                                self.l1_weights if tiling is not None else 0).run()
        if tiling is not None:
            tiling.record(op)


def _prefetch_anchor(loop: tile.LoopOp) -> dma.WaitOp | None:
    """Where a later layer's weight loads go in `loop`: before the first wait that follows the
    loop's own last load. The DMA queue is in order, so a prefetch issued before one of the
    loop's own tile loads would delay that tile; a one-tile loop issues it before its first
    wait, while its own loads are still in flight."""
    ops = list(loop.body.block.ops)
    own = [k for k, o in enumerate(ops) if isinstance(o, dma.StartOp)
           and isinstance(o.dst.owner, lmem.AllocOp) and o.dst.owner.level.data == TILE_LEVEL]
    start = own[-1] if own else 0
    return next((o for o in ops[start:] if isinstance(o, dma.WaitOp)), None)

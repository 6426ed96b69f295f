"""Keep a tensor in L1 from the layer that computes it to the layers that read it.

Tiled bufferization moves every operand through L2: a layer's output tile is copied L1 -> L2
and the next layer copies it back L2 -> L1. When both copies move the whole tensor (a layer
that is one tile, as every layer of a decode step is), the round trip only costs: two DMAs
issued by core 0, a wait for each, and an L2 buffer. This pass forwards the store to the
load, as store-to-load forwarding does for memory ops: the reader's L1 buffer is replaced by
the writer's, whose lifetime grows to cover the reader, and the copy back is dropped. When
no reader of the L2 tensor is left, the copy out and the tensor are dropped too. Whole loads
of a weight resident in L1 are dropped the same way: the kernel reads the weight itself.

Two things keep it sound:
- **Waits.** A `dma.wait` completes its transfer and every earlier one of the queue, and the
  lowering relies on that: the wait at a layer's end also covers the weights it prefetched
  for later layers. So a wait on a dropped copy is not simply dropped: it moves to the latest
  copy of its block issued before the dropped one, unless a kept wait already covers that.
- **L1 pressure.** A forwarded buffer is live in the layers between writer and reader, where
  it was not before; a forwarding is taken only if no step then holds more bytes than the
  most any step held before, so the L1 lower bound, which the planner reaches, does not grow.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, MemRefType, ModuleOp, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from tinyslm_ir.dialects import dma, lmem, tile
from tinyslm_ir.dialects.lmem import buffer_bytes


def whole_copy(op: dma.StartOp) -> bool:
    """Whether `op` copies all of its source onto all of its destination, byte for byte."""
    nbytes = op.field("row_bytes") * op.field("rows")
    contiguous = op.field("rows") == 1 or (op.field("dst_stride") == op.field("row_bytes")
                                           == op.field("src_stride"))
    return (contiguous and op.field("dst_offset") == 0 and op.field("src_offset") == 0
            and nbytes == _bytes(op.dst) == _bytes(op.src))


def _bytes(value: SSAValue) -> int:
    assert isinstance(value.type, MemRefType)
    return buffer_bytes(value.type)


def _alloc(value: SSAValue, level: str) -> lmem.AllocOp | None:
    owner = value.owner
    return owner if isinstance(owner, lmem.AllocOp) and owner.level.data == level else None


def _writes(op: Operation, value: SSAValue) -> bool:
    """Whether `op` may write `value`: as a DMA destination or as a kernel output."""
    if isinstance(op, dma.StartOp):
        return op.dst == value
    if isinstance(op, lmem.CallOp):
        return value in op.buffers[op.num_inputs.value.data:]
    return not isinstance(op, dma.WaitOp | tile.LoopOp)


class _Program:
    """One function's schedule in program order: its copies and waits, and the L1 bytes live
    at each step of the schedule."""

    def __init__(self, fn: func.FuncOp, rewriter: Rewriter):
        self.rewriter = rewriter
        ops = list(fn.body.walk())
        self.order = {op: i for i, op in enumerate(ops)}
        self.starts = [op for op in ops if isinstance(op, dma.StartOp)]
        self.waits = [op for op in ops if isinstance(op, dma.WaitOp)]
        self.erased: set[Operation] = set()
        allocs = [op for op in ops if isinstance(op, lmem.AllocOp) and op.level.data == "L1"]
        steps = max((a.live_range[1] for a in allocs), default=-1) + 1
        self.l1_live = [0] * steps
        for a in allocs:
            for step in range(a.live_range[0], a.live_range[1] + 1):
                self.l1_live[step] += _footprint(a)
        self.l1_peak = max(self.l1_live, default=0)

    def forward(self, provider: SSAValue, since: Operation, load: dma.StartOp) -> bool:
        """Make the readers of `load`'s buffer read `provider`, an L1 buffer that holds the
        same bytes from `since` on, and drop `load`; False (nothing changed) when that is not
        sound or would raise the L1 peak."""
        src, dst = _alloc(provider, "L1"), _alloc(load.dst, "L1")
        if src is None or dst is None or src.res.type != dst.res.type \
                or self._written_after(src, since):
            return False
        if any(_writes(u.operation, dst.res) or self.order[u.operation] < self.order[load]
               for u in dst.res.uses if u.operation is not load):
            return False  # something else writes the reader's buffer, or reads it first
        if not self._fits(src, dst.live_range) or not self._drop(load):
            return False
        self._extend(src, dst.live_range)
        dst.res.replace_all_uses_with(src.res)
        self.rewriter.erase_op(dst)
        return True

    def forward_to_call(self, provider: SSAValue, since: Operation, call: lmem.CallOp) -> bool:
        """Pass `provider` (L1, holding the tensor from `since` on) to a kernel that reads the
        L2 tensor, such as a cache append whose DMA can as well start from L1. The call's
        step is that of its L1 operands; without any it is left alone."""
        src = _alloc(provider, "L1")
        steps = [a.live_range for b in call.buffers if (a := _alloc(b, "L1")) is not None]
        if src is None or not steps or self._written_after(src, since):
            return False
        step = (min(s for s, _ in steps), max(e for _, e in steps))
        if not self._fits(src, step):
            return False
        self._extend(src, step)
        return True

    def _written_after(self, buffer: lmem.AllocOp, since: Operation) -> bool:
        """Whether anything writes `buffer` after `since`: then it no longer holds what it
        held there."""
        return any(self.order[u.operation] > self.order[since] and _writes(u.operation, buffer.res)
                   for u in buffer.res.uses)

    def _fits(self, src: lmem.AllocOp, reader: tuple[int, int]) -> bool:
        """Whether `src` can stay live up to `reader` without any step exceeding the peak."""
        size = _footprint(src)
        return all(self.l1_live[step] + size <= self.l1_peak
                   for step in range(src.live_range[1] + 1, reader[0]))

    def _extend(self, src: lmem.AllocOp, reader: tuple[int, int]) -> None:
        (s0, s1), (d0, d1) = src.live_range, reader
        for step in range(s1 + 1, d0):
            self.l1_live[step] += _footprint(src)
        src.live = DenseArrayBase.from_list(i64, [min(s0, d0), max(s1, d1)])

    def use_resident(self, load: dma.StartOp) -> bool:
        """Make the readers of `load`'s buffer read its source, a weight resident in L1, and
        drop `load`; False (nothing changed) when that is not sound."""
        dst, weight = _alloc(load.dst, "L1"), load.src
        if dst is None or any(_writes(u.operation, dst.res) for u in dst.res.uses
                              if u.operation is not load) or not self._drop(load):
            return False
        dst.res.replace_all_uses_with(weight)
        self.rewriter.erase_op(dst)
        return True

    def drop_copy_out(self, out: dma.StartOp, tensor: lmem.AllocOp) -> None:
        """Drop the copy into `tensor`, which no one reads any more, and `tensor` itself; the
        layers' `tile.loop`s then name the L1 buffer as the place the tensor lives."""
        source = out.src
        if self._drop(out):
            tensor.res.replace_all_uses_with(source)
            self.rewriter.erase_op(tensor)

    def _drop(self, copy: dma.StartOp) -> bool:
        """Erase `copy` and its waits, keeping what the waits guaranteed for every other copy
        (see the module docstring); False, with nothing changed, when that needs a wait on a
        copy of another block."""
        previous = next((s for s in reversed(self.starts) if s not in self.erased
                         and s is not copy and self.order[s] < self.order[copy]), None)
        waits = [u.operation for u in copy.token.uses]
        moved = [w for w in waits if previous is not None and not self._covered(previous, w, copy)]
        if any(w.parent_block() is not previous.parent_block() for w in moved):
            return False
        for w in waits:
            if w in moved:
                w.operands = [previous.token]
            else:
                self.erased.add(w)
                self.rewriter.erase_op(w)
        self.erased.add(copy)
        self.rewriter.erase_op(copy)
        return True

    def _covered(self, start: dma.StartOp, wait: Operation, dropped: dma.StartOp) -> bool:
        """Whether a kept wait after `start` and before `wait` completes `start`: it waits on
        `start` or on a later copy (the queue is in order)."""
        lo, hi = self.order[start], self.order[wait]
        return any(lo < self.order[w] < hi and w.token.owner is not dropped
                   and self.order[w.token.owner] >= lo
                   for w in self.waits if w not in self.erased)


def _footprint(alloc: lmem.AllocOp) -> int:
    """Bytes an alloc takes from the level: its size rounded up to its alignment."""
    align = alloc.alignment.value.data
    return -(-alloc.size // align) * align


@dataclass(frozen=True)
class ForwardDmaPass(ModulePass):
    """Forward whole-tensor L1 -> L2 -> L1 round trips between layers; see the module doc."""

    name = "forward-dma"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewriter = Rewriter()
        for fn in [f for f in op.walk() if isinstance(f, func.FuncOp) and not f.is_declaration]:
            program = _Program(fn, rewriter)
            for tensor in [a for a in fn.body.walk()
                           if isinstance(a, lmem.AllocOp) and a.level.data == "L2"]:
                _forward_tensor(program, tensor)
            loads = [s for s in fn.body.walk() if isinstance(s, dma.StartOp)
                     and _alloc(s.dst, "L1") is not None and _alloc(s.src, "L1") is None
                     and whole_copy(s)]
            resident = [s for s in loads if isinstance(g := s.src.owner, lmem.GlobalOp)
                        and g.level.data == "L1"]
            loads = [s for s in loads if not (s in resident and program.use_resident(s))]
            for source in dict.fromkeys(s.src for s in loads):
                _share_loads(program, [s for s in loads if s.src == source])


def _forward_tensor(program: _Program, tensor: lmem.AllocOp) -> None:
    """Forward the reads of one L2 tensor that is written whole by exactly one copy out: its
    whole loads into L1, and kernels that read it whole."""
    users = [u.operation for u in tensor.res.uses if not isinstance(u.operation, tile.LoopOp)]
    copies = [c for c in users if isinstance(c, dma.StartOp)]
    calls = [c for c in users if isinstance(c, lmem.CallOp) and _reads_whole(c, tensor.res)]
    if len(copies) + len(calls) != len(users) or not all(whole_copy(c) for c in copies):
        return
    outs = [c for c in copies if c.dst == tensor.res]
    loads = [c for c in copies if c.src == tensor.res]
    if len(outs) != 1 or not loads + calls:
        return
    out = outs[0]
    if any(program.order[r] < program.order[out] for r in [*loads, *calls]):
        return
    kept: list[Operation] = [load for load in sorted(loads, key=program.order.__getitem__)
                             if not program.forward(out.src, out, load)]
    for call in calls:
        if program.forward_to_call(out.src, out, call):
            for i, b in enumerate(call.buffers):
                if b == tensor.res:
                    call.operands[i] = out.src
        else:
            kept.append(call)
    if not kept:
        program.drop_copy_out(out, tensor)


def _reads_whole(call: lmem.CallOp, value: SSAValue) -> bool:
    """Whether `call` only reads `value`, from its first element."""
    inputs = call.num_inputs.value.data
    at = [i for i, b in enumerate(call.buffers) if b == value]
    return all(i < inputs and call.offsets.get_values()[i] == 0 for i in at)


def _share_loads(program: _Program, loads: list[dma.StartOp]) -> None:
    """Serve later whole loads of one source from the L1 buffer of an earlier one, when the
    source is not written in between (a runtime input such as the positions is read by many
    layers of a decode step)."""
    source = loads[0].src
    kept: list[dma.StartOp] = []
    for load in loads:
        earlier = kept[-1] if kept else None
        if earlier is None or any(
                program.order[earlier] < program.order[u.operation] < program.order[load]
                and _writes(u.operation, source) for u in source.uses) \
                or not program.forward(earlier.dst, earlier, load):
            kept.append(load)

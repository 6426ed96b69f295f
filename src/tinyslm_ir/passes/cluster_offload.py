"""Run the parallel cluster kernels on all cores, in fork/join regions.

A parallel kernel splits its work by core id, so it must be called by every core of a team:
the pass wraps such calls in `cluster.fork cores(N)`. A fork costs far more than a barrier,
so the consecutive calls of one layer share a single fork, with a `cluster.barrier` between
them: each may read what the previous one wrote, and with planned memory two calls may also
reuse each other's addresses, so the barrier is needed even between independent calls. The
fork's implicit join orders the layer against what follows. Serial kernels
(`parallel = 0`) and calls of other engines stay outside forks, on the calling core. The
calls in a `tile.loop` body are grouped the same way (its DMAs and waits separate them).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, Region
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tinyslm_ir.dialects import cluster, lmem, tile


def forkable(op: Operation) -> bool:
    return (isinstance(op, lmem.CallOp) and op.engine.data == "cluster"
            and op.parallel.value.data != 0)


def fork_groups(block: Block) -> list[list[lmem.CallOp]]:
    """Maximal runs of adjacent forkable calls of one layer (a call without layer: alone)."""
    groups: list[list[lmem.CallOp]] = []
    previous: Operation | None = None
    for op in block.ops:
        if not forkable(op):
            previous = None
            continue
        assert isinstance(op, lmem.CallOp)
        if (isinstance(previous, lmem.CallOp) and op.layer is not None
                and previous.layer == op.layer):
            groups[-1].append(op)
        else:
            groups.append([op])
        previous = op
    return groups


@dataclass(frozen=True)
class ClusterOffloadPass(ModulePass):
    """Wrap parallel cluster calls into `cluster.fork cores(cores)` regions, one per layer run."""

    name = "cluster-offload"

    cores: int = 8

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewriter = Rewriter()
        for fn in [f for f in op.walk() if isinstance(f, func.FuncOp) and not f.is_declaration]:
            blocks = [fn.body.block, *(t.body.block for t in fn.body.block.ops
                                       if isinstance(t, tile.LoopOp))]
            for group in (g for b in blocks for g in fork_groups(b)):
                body = Block()
                fork = cluster.ForkOp(self.cores, Region(body))
                rewriter.insert_op(fork, InsertPoint.before(group[0]))
                for k, call in enumerate(group):
                    if k:
                        body.add_op(cluster.BarrierOp())
                    call.detach()
                    body.add_op(call)

"""The `cluster` dialect: fork/join parallelism over the cores of the compute cluster.

`cluster.fork` runs its body on `cores` cores with `pi_cl_team_fork` semantics: the calling
core takes part and the region ends with an implicit barrier. Inside, kernels split their
work by `cluster.core_id`; `cluster.barrier` separates dependent kernels in one region, which
is cheaper than a second fork.
"""

from __future__ import annotations

from xdsl.dialects.builtin import I64, IntegerAttr, i32
from xdsl.ir import Dialect, Region
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    prop_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.traits import NoTerminator, Pure
from xdsl.utils.exceptions import VerifyException

MAX_CORES = 8


@irdl_op_definition
class ForkOp(IRDLOperation):
    name = "cluster.fork"
    cores = prop_def(IntegerAttr[I64])
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "`cores` `(` $cores `)` $body attr-dict"

    def __init__(self, cores: int, body: Region):
        super().__init__(properties={"cores": IntegerAttr(cores, 64)},
                         regions=[body])

    def verify_(self) -> None:
        n = self.cores.value.data
        if not 1 <= n <= MAX_CORES:
            raise VerifyException(f"cluster.fork: cores = {n} outside [1, {MAX_CORES}]")
        parent = self.parent_op()
        while parent is not None:
            if isinstance(parent, ForkOp):
                raise VerifyException("cluster.fork: forks do not nest")
            parent = parent.parent_op()


@irdl_op_definition
class BarrierOp(IRDLOperation):
    """Wait until every core of the current team arrives (only inside a fork)."""

    name = "cluster.barrier"
    assembly_format = "attr-dict"

    def verify_(self) -> None:
        parent = self.parent_op()
        while parent is not None and not isinstance(parent, ForkOp):
            parent = parent.parent_op()
        if parent is None:
            raise VerifyException("cluster.barrier: must be inside a cluster.fork")


@irdl_op_definition
class CoreIdOp(IRDLOperation):
    name = "cluster.core_id"
    res = result_def(i32)
    traits = traits_def(Pure())
    assembly_format = "attr-dict `:` type($res)"


Cluster = Dialect("cluster", [ForkOp, BarrierOp, CoreIdOp], [])

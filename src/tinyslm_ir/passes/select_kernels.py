"""Choose the kernel and engine of every graph op, or say why none fits.

This is where an unsupported op or element type surfaces, while the IR still reads like the
model: the diagnostic names the op and its types, before bufferization has turned them into
buffers. The choice is recorded as discardable attributes (`kernel`, `engine`) for the reader
and for later passes; `bufferize` asks the catalogue again, since the calls are a pure function
of the op.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from tinyslm_ir.dialects.graph import GraphOp, WeightOp
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, kernel_calls


def calls_or_diagnostic(op: Operation) -> list[KernelCall]:
    """The kernel calls of `op`; a missing kernel becomes a diagnostic instead of a crash."""
    try:
        calls = kernel_calls(op)
    except NoKernelError as e:
        raise DiagnosticException(str(e)) from e
    if not calls:
        raise DiagnosticException(f"the kernel catalogue lowers '{op.name}' to no call at all")
    return calls


def engine_of(calls: list[KernelCall]) -> str:
    """The engine an op runs on: the NPU if any of its calls does, else the first call's."""
    engines = [c.engine for c in calls]
    return "npu" if "npu" in engines else engines[0]


@dataclass(frozen=True)
class SelectKernelsPass(ModulePass):
    """Annotate each graph op with `kernel` (callee, or callees in order) and `engine`."""

    name = "select-kernels"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for graph_op in op.walk():
            if not isinstance(graph_op, GraphOp) or isinstance(graph_op, WeightOp):
                continue
            calls = calls_or_diagnostic(graph_op)
            callees = [StringAttr(c.callee) for c in calls]
            graph_op.attributes["kernel"] = callees[0] if len(callees) == 1 else ArrayAttr(callees)
            graph_op.attributes["engine"] = StringAttr(engine_of(calls))

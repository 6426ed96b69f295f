"""The default compilation pipeline: the one place that lists the passes in order.

`tinyslm-opt -p` runs any prefix or subset of it; the `tinyslm` driver runs all of it.
"""

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.passes import PassPipeline

from tinyslm_ir.dialects.cluster import Cluster
from tinyslm_ir.dialects.graph import Graph
from tinyslm_ir.dialects.lmem import LMem
from tinyslm_ir.passes import get_all_passes

DEFAULT_PIPELINE: tuple[str, ...] = (
    "fold-data-movement",
)


def compiler_context() -> Context:
    """A context with every dialect the pipeline produces or consumes."""
    ctx = Context()
    for dialect in (Builtin, Func, Graph, LMem, Cluster):
        ctx.load_dialect(dialect)
    return ctx


def default_pipeline(names: tuple[str, ...] = DEFAULT_PIPELINE) -> PassPipeline:
    available = get_all_passes()
    return PassPipeline(tuple(available[n]()() for n in names))


def run_default_pipeline(module: ModuleOp) -> None:
    default_pipeline().apply(compiler_context(), module)

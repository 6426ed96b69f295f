"""The compilation pipelines: the one place that lists the passes in order.

`DEFAULT_PIPELINE` is the graph-level path the reference interpreter runs; `BACKEND_PIPELINE`
continues from it to planned, parallel `lmem` code for the C printer. `tinyslm-opt -p` runs
any prefix or subset of either; the `tinyslm` driver runs them whole.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.passes import ModulePass, PassPipeline

from tinyslm_ir.dialects.cluster import Cluster
from tinyslm_ir.dialects.dma import DMA
from tinyslm_ir.dialects.graph import Graph
from tinyslm_ir.dialects.lmem import LMem
from tinyslm_ir.dialects.tile import Tile
from tinyslm_ir.passes import get_all_passes

DEFAULT_PIPELINE: tuple[str, ...] = (
    "fold-data-movement",
    "fuse-requant",
)

BACKEND_PIPELINE: tuple[str, ...] = (
    "fold-data-movement",
    "fuse-requant",
    "pack-weight-pairs",
    "select-kernels",
    "bufferize",
    "forward-dma",
    "plan-memory",
    "verify-memory-plan",
    "cluster-offload",
)


def compiler_context() -> Context:
    """A context with every dialect the pipeline produces or consumes."""
    ctx = Context()
    for dialect in (Builtin, Func, Graph, LMem, Cluster, DMA, Tile):
        ctx.load_dialect(dialect)
    return ctx


def default_pipeline(names: tuple[str, ...] = DEFAULT_PIPELINE) -> PassPipeline:
    available = get_all_passes()
    return PassPipeline(tuple(available[n]()() for n in names))


def run_default_pipeline(module: ModuleOp) -> None:
    default_pipeline().apply(compiler_context(), module)



@dataclass(frozen=True)
class BackendOptions:
    """What the driver chooses about the target; `backend_pipeline` maps it onto pass options.

    `reorder` lets bufferization reorder the graph for a lower peak: import order is
    arbitrary, and on microLlama the memory-aware order lowers the L2 lower bound by a quarter.
    `l1` > 0 is tiled mode: layers are tiled into that many bytes of L1 (tile buffers only;
    the driver has already subtracted what the runtime keeps in L1). The L1 buffers are then
    planned over the whole schedule by the same planner as L2: bufferization's offsets (the
    tiler's per layer, stacked where weights are prefetched across layers) are a valid
    placement but not a tight one, while the planner packs the buffers to the most bytes live
    at once. The L1 plan is verified like the L2 one. `pack_weights` stores the int8 weights
    of integer MatMuls as k_pairs (`pack-weight-pairs`): faster GEMVs for twice the bytes,
    which the driver enables only where the weights' level has the room. In tiled mode,
    weights of at most `l1_weights` bytes stay resident in L1, `l1_resident` bytes in all,
    which the driver has already taken out of `l1`.
    """

    cores: int = 8
    l2_capacity: int = 2097152
    plan_time_limit: float = 10.0
    weights_level: str = "L2"
    reorder: bool = True
    l1: int = 0
    pack_weights: bool = False
    l1_weights: int = 0
    l1_resident: int = 0


def backend_pipeline(options: BackendOptions = BackendOptions()) -> PassPipeline:
    """`BACKEND_PIPELINE` as pass instances configured from `options`."""
    configured: dict[str, dict[str, object]] = {
        "pack-weight-pairs": {"l1": options.l1 + options.l1_resident},
        "bufferize": {"weights_level": options.weights_level, "reorder": options.reorder,
                      "l1": options.l1, "l1_weights": options.l1_weights},
        "plan-memory": {"level": "L2", "capacity": options.l2_capacity,
                        "time_limit": options.plan_time_limit},
        "verify-memory-plan": {"level": "L2", "capacity": options.l2_capacity},
        "cluster-offload": {"cores": options.cores},
    }
    available = get_all_passes()
    names = [n for n in BACKEND_PIPELINE if options.pack_weights or n != "pack-weight-pairs"]
    passes: list[ModulePass] = [available[n]()(**configured.get(n, {})) for n in names]
    if options.l1 > 0:
        plan = available["plan-memory"]()(level="L1", capacity=options.l1,
                                          time_limit=options.plan_time_limit)
        verify = available["verify-memory-plan"]()(level="L1", capacity=options.l1)
        at = names.index("verify-memory-plan") + 1
        passes[at:at] = [plan, verify]
    return PassPipeline(tuple(passes))


def run_backend_pipeline(module: ModuleOp, options: BackendOptions = BackendOptions()) -> None:
    """Compile a graph module in place to planned, forked `lmem` code for the C printer."""
    backend_pipeline(options).apply(compiler_context(), module)

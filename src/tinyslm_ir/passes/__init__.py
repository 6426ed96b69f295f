"""Rewrite passes of tinyslm-ir, one concern per module.

Every pass is registered here by name, lazily, so that the universe (and with it `xdsl-opt`)
can list them without importing every pass module.
"""

from collections.abc import Callable

from xdsl.passes import ModulePass


def _fold_data_movement() -> type[ModulePass]:
    from tinyslm_ir.passes.fold_data_movement import FoldDataMovementPass

    return FoldDataMovementPass


def _fuse_requant() -> type[ModulePass]:
    from tinyslm_ir.passes.fuse_requant import FuseRequantPass

    return FuseRequantPass


def _pack_weight_pairs() -> type[ModulePass]:
    from tinyslm_ir.passes.pack_weight_pairs import PackWeightPairsPass

    return PackWeightPairsPass


def _select_kernels() -> type[ModulePass]:
    from tinyslm_ir.passes.select_kernels import SelectKernelsPass

    return SelectKernelsPass


def _bufferize() -> type[ModulePass]:
    from tinyslm_ir.passes.bufferize import BufferizePass

    return BufferizePass


def _forward_dma() -> type[ModulePass]:
    from tinyslm_ir.passes.forward_dma import ForwardDmaPass

    return ForwardDmaPass


def _plan_memory() -> type[ModulePass]:
    from tinyslm_ir.passes.plan_memory import PlanMemoryPass

    return PlanMemoryPass


def _verify_memory_plan() -> type[ModulePass]:
    from tinyslm_ir.passes.verify_memory_plan import VerifyMemoryPlanPass

    return VerifyMemoryPlanPass


def _cluster_offload() -> type[ModulePass]:
    from tinyslm_ir.passes.cluster_offload import ClusterOffloadPass

    return ClusterOffloadPass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    return {
        "fold-data-movement": _fold_data_movement,
        "fuse-requant": _fuse_requant,
        "pack-weight-pairs": _pack_weight_pairs,
        "select-kernels": _select_kernels,
        "bufferize": _bufferize,
        "forward-dma": _forward_dma,
        "plan-memory": _plan_memory,
        "verify-memory-plan": _verify_memory_plan,
        "cluster-offload": _cluster_offload,
    }

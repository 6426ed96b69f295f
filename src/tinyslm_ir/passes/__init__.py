"""Rewrite passes of tinyslm-ir, one concern per module.

Every pass is registered here by name, lazily, so that the universe (and with it `xdsl-opt`)
can list them without importing every pass module.
"""

from collections.abc import Callable

from xdsl.passes import ModulePass


def _fold_data_movement() -> type[ModulePass]:
    from tinyslm_ir.passes.fold_data_movement import FoldDataMovementPass

    return FoldDataMovementPass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    return {
        "fold-data-movement": _fold_data_movement,
    }

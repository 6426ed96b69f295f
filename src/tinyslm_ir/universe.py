"""The xDSL universe of tinyslm-ir: makes our dialects, passes and targets visible to
`xdsl-opt`, `xdsl-gui` and `tinyslm-opt` through the `xdsl.universe` entry point."""

from xdsl.ir import Dialect
from xdsl.universe import Universe
from xdsl.utils.target import Target

from tinyslm_ir.passes import get_all_passes


def _graph() -> Dialect:
    from tinyslm_ir.dialects.graph import Graph

    return Graph


def _lmem() -> Dialect:
    from tinyslm_ir.dialects.lmem import LMem

    return LMem


def _cluster() -> Dialect:
    from tinyslm_ir.dialects.cluster import Cluster

    return Cluster


def _dma() -> Dialect:
    from tinyslm_ir.dialects.dma import DMA

    return DMA


def _tile() -> Dialect:
    from tinyslm_ir.dialects.tile import Tile

    return Tile


def _c_target() -> type[Target]:
    from tinyslm_ir.targets.siracusa.c_printer import CTarget

    return CTarget


TINYSLM_UNIVERSE = Universe(
    all_dialects={"graph": _graph, "lmem": _lmem, "cluster": _cluster, "dma": _dma,
                  "tile": _tile},
    all_passes=get_all_passes(),
    all_targets={"c": _c_target},
)

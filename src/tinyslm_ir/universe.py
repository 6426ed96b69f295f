"""The xDSL universe of tinyslm-ir: makes our dialects, passes and targets visible to
`xdsl-opt`, `xdsl-gui` and `tinyslm-opt` through the `xdsl.universe` entry point."""

from xdsl.ir import Dialect
from xdsl.universe import Universe

from tinyslm_ir.passes import get_all_passes


def _graph() -> Dialect:
    from tinyslm_ir.dialects.graph import Graph

    return Graph


TINYSLM_UNIVERSE = Universe(
    all_dialects={"graph": _graph},
    all_passes=get_all_passes(),
    all_targets={},
)

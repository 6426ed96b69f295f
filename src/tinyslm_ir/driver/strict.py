"""Whether a compile builds strict-L1 and whether the lowered module can run that way.

A strict-L1 build (runtime/README.md) traps any core access to L2, WMEM or L3, which is what
makes the tiled cycle counts honest: every byte a core computes on was moved by DMA and
charged. Tiled mode, the siracusa default, therefore builds strict by default. A layer the
tiler left on L2 (`tile.untiled`) computes on L2 data and would trap at run time, so the
driver refuses such a module up front, naming the layer and why, instead of letting the
simulator report a fault.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr

from tinyslm_ir.passes.bufferize import UNTILED_ATTR
from tinyslm_ir.targets.siracusa.c_program import CEmitError


class StrictL1Error(CEmitError):
    """The module cannot be built strict-L1 (a layer computes on L2 data)."""


def strict_default(target: str, l1: int, requested: bool | None) -> bool:
    """Strict exactly when tiled (on siracusa, with `l1` > 0 bytes of L1), unless the user said
    otherwise; strict without tiling or on the host is a usage error, since every layer would
    compute on L2."""
    tiled = target == "siracusa" and l1 > 0
    if requested and not tiled:
        raise StrictL1Error("strict L1 needs tiled code: compile for siracusa without --l1 0 "
                            "(or drop --strict)")
    return tiled if requested is None else requested


def untiled_layers(module: ModuleOp) -> list[str]:
    """'layer: reason' for every layer the tiled lowering left on L2."""
    attr = module.attributes.get(UNTILED_ATTR)
    if not isinstance(attr, ArrayAttr):
        return []
    return [a.data for a in attr.data if isinstance(a, StringAttr)]


def check_strict(module: ModuleOp) -> None:
    """Raise StrictL1Error naming the first layer left on L2, with the tiler's reason."""
    untiled = untiled_layers(module)
    if untiled:
        layer, _, why = untiled[0].partition(": ")
        more = f" (and {len(untiled) - 1} more)" if len(untiled) > 1 else ""
        raise StrictL1Error(f"layer '{layer}' is not tiled ({why or 'no reason given'}), so its "
                            f"cores would read L2 and trap in a strict-L1 build{more}; "
                            "pass --no-strict to build without the L1-only check")

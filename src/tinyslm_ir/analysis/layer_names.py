"""How a graph op is named as a layer: one rule shared by bufferization (which tags kernel
calls with it), the tiler's diagnostics and the per-layer MAC count of the reports."""

import re

from xdsl.ir import Operation


def layer_name(op: Operation, index: int) -> str:
    """The op's name hint when the frontend kept one, else `<op>_<index>`; a C identifier."""
    hint = op.results[0].name_hint if op.results else None
    name = hint or f"{op.name.removeprefix('graph.')}_{index}"
    return re.sub(r"\W", "_", name)

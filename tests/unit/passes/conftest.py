"""A stand-in kernel catalogue, so the backend passes are tested apart from the real kernels.

Each graph op gets a generic lowering that still exercises every part of the contract: concat
is one call per input writing at an element offset and sharing one scratch buffer (of the
largest size asked), relu has a scratch and a null argument,
neg runs serially, everything else is one parallel call of operands in, results out.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels import catalog
from tinyslm_ir.kernels.catalog import Arg, KernelCall


def fake_calls(op: Operation) -> list[KernelCall]:
    kind = op.name.removeprefix("graph.")
    if isinstance(op, g.ConcatOp):
        calls, offset = [], 0
        for i, x in enumerate(op.inputs):
            calls.append(KernelCall("test_copy", (Arg("in", i), Arg("out", 0, offset),
                                                  Arg("scratch", scratch_bytes=8 * i)), (i,)))
            offset += g.shape_of(x.type)[0]
        return calls
    ins = tuple(Arg("in", i) for i in range(len(op.operands)))
    outs = tuple(Arg("out", i) for i in range(len(op.results)))
    if isinstance(op, g.ReluOp):
        return [KernelCall("test_relu", (*ins, Arg("null"), *outs,
                                         Arg("scratch", scratch_bytes=24)), (0, 1.5, (2, 3)))]
    return [KernelCall(f"test_{kind}", (*ins, *outs), parallel=not isinstance(op, g.NegOp))]


@pytest.fixture
def fake_kernels(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    catalog._load_lowerings()
    for cls in g.GRAPH_OPS:
        if cls is not g.WeightOp:
            monkeypatch.setitem(catalog.LOWERINGS, cls, fake_calls)
    yield

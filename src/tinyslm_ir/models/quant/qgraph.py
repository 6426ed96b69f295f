"""Building blocks of the integer graph: quantized values, the op builder and requantization.

A float value of the source graph is represented in the integer graph by a `QTensor`: an
integer SSA value `v`, a positive `scale` and an optional real-valued `offset`, with
`real = v * scale + offset`. Scales are scalars, except on the int32 accumulator of a
per-channel MatMul/Gemm where they vary along the last axis. Offsets are biases waiting to be
folded into the `add` of the next RequantShift (Deeploy folds a Gemm bias the same way, §1), and
scalar multiplications and divisions by constants only change the scale, so neither costs an op.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, Block, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.frontend.input_types import element_type_of_dtype
from tinyslm_ir.frontend.weights import WeightStore
from tinyslm_ir.models.quant.scales import requant_params


class QuantizeError(Exception):
    """The float graph cannot be quantized; names the op and the reason."""


@dataclass(frozen=True)
class QTensor:
    """`real = value * scale + offset` (offset None means 0)."""

    value: SSAValue
    scale: np.ndarray
    offset: np.ndarray | None = None
    bound: int = 128
    """A bound on |value| used to keep RequantShift's int32 accumulator in range."""

    @property
    def element(self) -> Attribute:
        return g.elem_of(self.value.type)

    @property
    def shape(self) -> tuple[int, ...]:
        return g.shape_of(self.value.type)

    def is_int8(self) -> bool:
        """An 8-bit tensor with one scale and no pending offset: an operand of any int op."""
        t = self.element
        return (gs.is_int(t) and t.width.data == 8 and self.offset is None  # type: ignore[union-attr]
                and self.scale.size == 1)


class Builder:
    """Appends integer ops to a block and integer constants to a new weight store."""

    def __init__(self, block: Block, weights: WeightStore):
        self.block = block
        self.weights = weights

    def emit(self, op_cls: type[g.GraphOp], operands: Sequence[SSAValue],
             props: g.Props | None = None,
             result_types: Sequence[Attribute] | None = None) -> list[SSAValue]:
        op = op_cls.from_operands(operands, props, result_types)
        op.verify()
        self.block.add_op(op)
        return list(op.results)

    def const(self, name: str, array: np.ndarray) -> SSAValue:
        """A `graph.weight` holding `array` (its dtype decides the element type)."""
        array = np.ascontiguousarray(array)
        symbol, k = name, 0
        while symbol in self.weights:
            k += 1
            symbol = f"{name}_{k}"
        self.weights[symbol] = array
        op = g.WeightOp(symbol, TensorType(element_type_of_dtype(array.dtype),
                                           list(array.shape)))
        self.block.add_op(op)
        return op.res

    def int_const(self, name: str, array: np.ndarray) -> SSAValue:
        """An integer constant stored in the smallest of int8/16/32 that holds it."""
        a = np.asarray(array, np.int64)
        lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
        for dtype in (np.int8, np.int16, np.int32):
            info = np.iinfo(dtype)
            if info.min <= lo and hi <= info.max:
                return self.const(name, a.astype(dtype))
        raise QuantizeError(f"constant {name} exceeds int32 ([{lo}, {hi}])")

    def requant(self, q: QTensor, scale: float, name: str, signed: bool = True,
                bits: int = 8) -> QTensor:
        """`q` as a `bits`-bit integer (int8 by default; uint8 if not `signed`) at `scale`:
        one RequantShift, or nothing when `q` already is that tensor."""
        same_type = q.element == gs.levels_type(2**bits, signed)
        if same_type and q.offset is None and q.scale.size == 1 and float(q.scale) == scale:
            return q
        ratio = q.scale / scale
        offset = 0.0 if q.offset is None else q.offset / scale
        rq = requant_params(ratio, offset, q.bound)
        mul, add = _param_shape(rq.mul, q.shape), _param_shape(rq.add, q.shape)
        if not gs.requant_param_ok(add.shape, q.shape):
            raise QuantizeError(f"{name}: offset of shape {add.shape} does not broadcast to "
                                f"{q.shape}")
        props = {"div": g.int_prop(rq.div), "n_levels": g.int_prop(2**bits),
                 "signed": g.bool_prop(signed)}
        (res,) = self.emit(g.RequantShiftOp, [q.value, self.int_const(f"{name}_mul", mul),
                                              self.int_const(f"{name}_add", add)], props)
        return QTensor(res, np.asarray(float(scale)), None, 2 ** (bits - 1))


def _param_shape(p: np.ndarray, x: tuple[int, ...]) -> np.ndarray:
    """A scalar as a 1-element vector; a per-last-axis vector or a bias as broadcastable."""
    p = np.asarray(p)
    if p.size == 1:
        return p.reshape(1)
    if p.ndim == 1 and len(x) >= 2 and x[1] == p.shape[0] and x[-1] != p.shape[0]:
        raise QuantizeError(f"a vector of {p.shape[0]} would be read per channel of {x}")
    return p


def scalar(a: np.ndarray | float) -> float:
    return float(np.asarray(a).reshape(-1)[0])


def is_scalar(a: np.ndarray) -> bool:
    return np.asarray(a).size == 1


def close_to(a: np.ndarray | None, value: float, tol: float = 1e-3) -> bool:
    """A scalar constant approximately equal to `value` (for pattern matching)."""
    return a is not None and is_scalar(a) and math.isclose(scalar(a), value, rel_tol=tol)

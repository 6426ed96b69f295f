"""The converter registry and the per-node context that ONNX op converters work through.

A converter is one small function per ONNX op type. It reads attributes and operands from a
`NodeContext` and either emits graph ops or, when every operand is a known constant, computes
the result with numpy (constant folding at import). Tensor values are tracked by ONNX name as
either an SSA value or a numpy array; arrays become `graph.weight` ops only when an emitted op
needs them, so folded shape chains never reach the IR.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx
from onnx import numpy_helper
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.dialects.graph import GraphOp, Props, elem_of

if TYPE_CHECKING:
    from tinyslm_ir.frontend.onnx_importer import Importer

Value = SSAValue | np.ndarray
Converter = Callable[["NodeContext"], None]

#: ONNX op type -> converter; custom QuantLib ops are dispatched on op type, ignoring domain.
CONVERTERS: dict[str, Converter] = {}


class OnnxImportError(Exception):
    """An ONNX model cannot be imported; the message names the node, op type and reason."""

    def __init__(self, node: str | None, op_type: str | None, reason: str):
        self.node, self.op_type, self.reason = node, op_type, reason
        where = f"node '{node}' ({op_type}): " if node is not None else ""
        super().__init__(f"{where}{reason}".replace("\n", " "))


class NonConstantOperandError(OnnxImportError):
    """An operand that must become a static property (a shape, axes, pads) is computed at
    run time. Callers that know the values, such as the ONNX backend, can re-import with
    those inputs turned into initializers."""

    def __init__(self, node: str | None, op_type: str | None, reason: str, tensor: str):
        super().__init__(node, op_type, reason)
        self.tensor = tensor


def converter(*op_types: str) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        for t in op_types:
            CONVERTERS[t] = fn
        return fn
    return register


class NodeContext:
    """Access to one node's attributes, operands and outputs during import."""

    def __init__(self, importer: Importer, node: onnx.NodeProto, opset: int):
        self.importer, self.node, self.opset = importer, node, opset
        self._attrs = {a.name: a for a in node.attribute}

    # -- errors -----------------------------------------------------------------------------

    def error(self, reason: str) -> OnnxImportError:
        return OnnxImportError(self.node.name or self.node.output[0], self.node.op_type, reason)

    # -- attributes -------------------------------------------------------------------------

    def has_attr(self, name: str) -> bool:
        return name in self._attrs

    def attr(self, name: str, default: Any = None) -> Any:
        """The attribute as a Python value: strings decoded, tensors as numpy arrays."""
        a = self._attrs.get(name)
        if a is None:
            return default
        if a.type == onnx.AttributeProto.TENSOR:
            return numpy_helper.to_array(a.t)
        v = onnx.helper.get_attribute_value(a)
        return v.decode() if isinstance(v, bytes) else v

    def scalar_attr(self, *names: str) -> int:
        """A QuantLib scalar: an INT, or a float TENSOR of shape () or (1,); must be integral.

        Several names may be given for attributes that differ between exporters
        (`n_levels_out` vs `n_levels`); the first one present is used.
        """
        for name in names:
            v = self.attr(name)
            if v is None:
                continue
            arr = np.asarray(v).reshape(-1)
            if arr.size != 1:
                raise self.error(f"attribute '{name}' must be a scalar, got {arr.size} values")
            f = float(arr[0])
            if f != int(f):
                raise self.error(f"attribute '{name}' = {f} is not an integer")
            return int(f)
        raise self.error(f"missing attribute '{names[0]}'")

    # -- operands ---------------------------------------------------------------------------

    @property
    def num_inputs(self) -> int:
        return len(self.node.input)

    def has_input(self, i: int) -> bool:
        return i < len(self.node.input) and self.node.input[i] != ""

    def value(self, i: int) -> Value:
        return self.importer.lookup(self.node.input[i], self)

    def const(self, i: int) -> np.ndarray | None:
        """The constant value of operand i, or None if it is computed at run time."""
        if not self.has_input(i):
            return None
        v = self.value(i)
        return v if isinstance(v, np.ndarray) else None

    def require_const(self, i: int, what: str) -> np.ndarray:
        c = self.const(i)
        if c is None:
            raise NonConstantOperandError(self.node.name or self.node.output[0],
                                          self.node.op_type,
                                          f"{what} (input {i}) must be a constant",
                                          self.node.input[i])
        return c

    def all_const(self) -> bool:
        return all(self.const(i) is not None for i in range(self.num_inputs) if self.has_input(i))

    def shape(self, i: int) -> tuple[int, ...]:
        v = self.value(i)
        return tuple(v.shape) if isinstance(v, np.ndarray) else value_shape(v)

    def is_int(self) -> bool:
        """Whether the node computes on integers: some run-time operand has an integer type."""
        for i in range(self.num_inputs):
            if self.has_input(i):
                v = self.value(i)
                if isinstance(v, SSAValue) and gs.is_int(elem_of(v.type)):
                    return True
        return False

    def operand(self, i: int, integer: bool | None = None) -> SSAValue:
        """Operand i as an SSA value; constants become `graph.weight` ops.

        `integer` says whether integer-valued float constants are converted to integers
        (the spec's "all constants are integral" rule); by default, when the node computes
        on integers.
        """
        v = self.value(i)
        if isinstance(v, SSAValue):
            return v
        if integer is None:
            integer = self.is_int()
        return self.importer.weight(self.node.input[i], v, integer, self)

    def operands(self, *indices: int, integer: bool | None = None) -> list[SSAValue]:
        if integer is None:
            integer = self.is_int()
        return [self.operand(i, integer) for i in indices if self.has_input(i)]

    # -- results ----------------------------------------------------------------------------

    def emit(self, op_cls: type[GraphOp], operands: Sequence[SSAValue], props: Props | None = None,
             result_types: Sequence[Attribute] | None = None) -> Operation:
        """Build `op_cls` with inferred result types and append it to the function body."""
        try:
            op = op_cls.from_operands(operands, props, result_types)
        except gs.ShapeError as e:
            raise self.error(str(e)) from e
        self.importer.append(op, self)
        return op

    def set_output(self, i: int, value: Value | Operation | np.generic) -> None:
        if isinstance(value, Operation):
            value = value.results[0]
        elif isinstance(value, np.generic):  # numpy folds of 0-d arrays yield scalars
            value = np.asarray(value)
        if i < len(self.node.output) and self.node.output[i]:
            self.importer.define(self.node.output[i], value, self)

    def set_outputs(self, op: Operation) -> None:
        for i, r in enumerate(op.results):
            self.set_output(i, r)


def value_shape(v: SSAValue) -> tuple[int, ...]:
    t = v.type
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())

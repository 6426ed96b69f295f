"""Import an ONNX model into a `func.func @main` of `graph` ops plus a weight store.

The importer loads the model, runs ONNX shape inference (non-strict: the QuantLib ops in
the default domain are unknown to it), sorts the nodes by data dependencies, and converts
node by node through the converter registry. Every op is built with its dialect builder,
so result types come from the dialect's own rules; where ONNX also inferred a shape, a
disagreement is reported as an inconsistent shape naming the node.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.frontend import (
    onnx_ops,  # noqa: F401  (registers the standard converters)
    state_ops,  # noqa: F401  (registers CacheWrite, CausalSoftmax)
)
from tinyslm_ir.frontend.convert import CONVERTERS, NodeContext, OnnxImportError, Value
from tinyslm_ir.frontend.input_shapes import Shapes, fix_input_shapes
from tinyslm_ir.frontend.input_types import (
    dtype_of_element_type,
    element_type_of_dtype,
    minimal_int_dtype,
    types_for_arrays,
)
from tinyslm_ir.frontend.quantlib_ops import QUANTLIB_OP_TYPES
from tinyslm_ir.frontend.weights import WeightStore

__all__ = ["ImportedModel", "OnnxImportError", "import_onnx", "input_types_from_arrays"]


@dataclass
class ImportedModel:
    module: ModuleOp
    weights: WeightStore
    input_names: list[str]
    """ONNX graph inputs that are not initializers, in order; empty-size inputs skipped."""
    output_names: list[str]
    value_names: dict[SSAValue, str] = field(default_factory=dict)
    """The ONNX tensor name of each function argument and op result (the first, if several),
    for tools that match values across graphs built from one model (`llama_int8`)."""
    grown_inputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Inputs given more room than the caller's arrays hold (`frontend.kv_cache`): per input
    name, the axis and the positions the caller gives."""


def load_model(model: str | Path | onnx.ModelProto) -> onnx.ModelProto:
    if isinstance(model, onnx.ModelProto):
        return model
    try:
        return onnx.load(str(model))
    except Exception as e:  # protobuf raises several unrelated types for corrupt files
        raise OnnxImportError(None, None, f"cannot load ONNX model '{model}': {e}") from e


def runtime_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """Graph inputs that are not initializers (older IR versions list weights as inputs)."""
    inits = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def input_types_from_arrays(model: str | Path | onnx.ModelProto,
                            arrays: Mapping[str, np.ndarray] | Sequence[np.ndarray]
                            ) -> dict[str, Attribute]:
    """Input types by the value-range rule, mapping npz arrays in order onto graph inputs."""
    names = [i.name for i in runtime_inputs(load_model(model))]
    return types_for_arrays(names, arrays if isinstance(arrays, Mapping) else list(arrays))


def import_onnx(model: str | Path | onnx.ModelProto, *,
                input_types: Mapping[str, Attribute] | None = None,
                input_shapes: Shapes | None = None) -> ImportedModel:
    """Import `model`; `input_shapes` fixes dynamic input dimensions (batch, sequence)."""
    onnx_model = load_model(model)
    if input_shapes:
        try:
            onnx_model = fix_input_shapes(onnx_model, input_shapes)
        except ValueError as e:
            raise OnnxImportError(None, None, str(e)) from e
    return Importer(onnx_model, dict(input_types or {})).run()


_SYMBOL_BAD = re.compile(r"[^A-Za-z0-9_.$]")


def sanitize(name: str) -> str:
    """A valid MLIR bare identifier derived from an ONNX tensor name."""
    s = _SYMBOL_BAD.sub("_", name) or "_"
    return s if s[0].isalpha() or s[0] == "_" else "_" + s


def _declared_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Fully known shapes from ONNX shape inference (plus declared value_info/outputs)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    except Exception:  # inference is only a cross-check; our own rules still apply
        inferred = model
    shapes = {}
    for vi in (*inferred.graph.value_info, *inferred.graph.output):
        tt = vi.type.tensor_type
        if tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim):
            shapes[vi.name] = tuple(d.dim_value for d in tt.shape.dim)
    return shapes


def _toposort(nodes: Sequence[onnx.NodeProto]) -> list[onnx.NodeProto]:
    """Kahn's algorithm; ready nodes keep their file order."""
    producer = {o: i for i, n in enumerate(nodes) for o in n.output if o}
    deps = [{producer[x] for x in n.input if x in producer} for n in nodes]
    users: list[list[int]] = [[] for _ in nodes]
    for i, ds in enumerate(deps):
        for d in ds:
            users[d].append(i)
    pending = [len(ds) for ds in deps]
    ready = deque(i for i, p in enumerate(pending) if p == 0)
    order = []
    while ready:
        i = ready.popleft()
        order.append(nodes[i])
        for u in users[i]:
            pending[u] -= 1
            if pending[u] == 0:
                ready.append(u)
    if len(order) != len(nodes):
        stuck = next(n for i, n in enumerate(nodes) if pending[i])
        raise OnnxImportError(stuck.name, stuck.op_type, "the graph has a cycle")
    return order


class Importer:
    """State of one import: tensor values by ONNX name, the function body, the weights."""

    def __init__(self, model: onnx.ModelProto, input_types: dict[str, Attribute]):
        self.model = model
        self.input_types = input_types
        self.values: dict[str, Value] = {}
        self.weights = WeightStore()
        self.block = Block()
        self.shapes: dict[str, tuple[int, ...]] = {}
        self._weight_cache: dict[tuple[int, bool], tuple[np.ndarray, SSAValue]] = {}
        self._symbols: set[str] = set()
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          1)

    def run(self) -> ImportedModel:
        graph = self.model.graph
        self.shapes = _declared_shapes(self.model)
        for t in graph.initializer:
            self.values[t.name] = numpy_helper.to_array(t)
        input_names = self._add_inputs()
        for node in _toposort(graph.node):
            self._convert(node)
        outputs = [self._output_value(o.name) for o in graph.output]
        self.block.add_op(func.ReturnOp(*outputs))
        arg_types = [a.type for a in self.block.args]
        fn = func.FuncOp("main", (arg_types, [v.type for v in outputs]), Region(self.block))
        names: dict[SSAValue, str] = {}
        for name, v in self.values.items():
            if isinstance(v, SSAValue):
                names.setdefault(v, name)
        return ImportedModel(ModuleOp([fn]), self.weights, input_names,
                             [o.name for o in graph.output], names)

    def _add_inputs(self) -> list[str]:
        inputs = runtime_inputs(self.model)
        unknown = set(self.input_types) - {i.name for i in inputs}
        if unknown:
            raise OnnxImportError(None, None, f"unknown input {sorted(unknown)} in the type "
                                  f"map; graph inputs are {[i.name for i in inputs]}")
        # QuantLib exports declare FLOAT for tensors that hold integers (spec §0.1); without a
        # type map or data, their inputs are int8 activations, the S(256) range QuantLib uses.
        integer_graph = any(n.op_type in QUANTLIB_OP_TYPES for n in self.model.graph.node)
        names = []
        for vi in inputs:
            tt = vi.type.tensor_type
            dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
            if None in dims:
                raise OnnxImportError(None, None, f"input '{vi.name}' has a dynamic shape; "
                                      "fix it with an input shape map (--input-shapes)")
            elt = self.input_types.get(vi.name)
            if elt is None:
                elt = element_type_of_dtype(onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type))
                if integer_graph and gs.is_float(elt):
                    elt = IntegerType(8)
            if 0 in dims:  # spec §10.4 item 4: empty inputs are not arguments
                self.values[vi.name] = np.zeros(dims, dtype_of_element_type(elt))
                continue
            arg = self.block.insert_arg(TensorType(elt, dims), len(self.block.args))
            arg.name_hint = sanitize(vi.name)
            self.values[vi.name] = arg
            names.append(vi.name)
        return names

    def _convert(self, node: onnx.NodeProto) -> None:
        conv = CONVERTERS.get(node.op_type)
        ctx = NodeContext(self, node, self.opset)
        if conv is None:
            raise ctx.error(f"unsupported op type '{node.op_type}'"
                            + (f" (domain '{node.domain}')" if node.domain else ""))
        try:
            conv(ctx)
        except OnnxImportError:
            raise
        except (gs.ShapeError, VerifyException, ValueError, TypeError, IndexError,
                KeyError) as e:
            raise ctx.error(str(e)) from e

    def _output_value(self, name: str) -> SSAValue:
        v = self.values.get(name)
        if v is None:
            raise OnnxImportError(None, None, f"graph output '{name}' is never produced")
        if isinstance(v, np.ndarray):
            return self.weight(name, v, False, None)
        return v

    # -- services for NodeContext -----------------------------------------------------------

    def lookup(self, name: str, ctx: NodeContext) -> Value:
        try:
            return self.values[name]
        except KeyError:
            raise ctx.error(f"input '{name}' is not defined by any node, input or "
                            "initializer") from None

    def define(self, name: str, value: Value, ctx: NodeContext) -> None:
        expected = self.shapes.get(name)
        shape = value.shape if isinstance(value, np.ndarray) else g.shape_of(value.type)
        if expected is not None and tuple(shape) != expected:
            raise ctx.error(f"inconsistent shape for '{name}': ONNX infers {list(expected)}, "
                            f"the graph dialect {list(shape)}")
        self.values[name] = value

    def append(self, op: Operation, ctx: NodeContext) -> None:
        try:
            op.verify()
        except VerifyException as e:
            raise ctx.error(str(e)) from e
        self.block.add_op(op)

    def weight(self, name: str, array: np.ndarray, integer: bool,
               ctx: NodeContext | None) -> SSAValue:
        """A `graph.weight` for a constant, created once per (array, integer conversion)."""
        key = (id(array), integer)
        cached = self._weight_cache.get(key)
        if cached is not None:
            return cached[1]
        data = array
        if integer and array.dtype.kind == "f":
            dtype = minimal_int_dtype(array, zeros_are_int=True)
            if dtype is None:
                reason = f"constant '{name}' must hold integers to feed an integer op"
                if ctx is None:
                    raise OnnxImportError(None, None, reason)
                raise ctx.error(reason)
            data = array.astype(dtype)
        symbol = self._unique_symbol(sanitize(name))
        self.weights[symbol] = np.asarray(data, order="C")
        op = g.WeightOp(symbol, TensorType(element_type_of_dtype(data.dtype), list(data.shape)))
        self.block.add_op(op)
        self._weight_cache[key] = (array, op.res)
        return op.res

    def _unique_symbol(self, base: str) -> str:
        symbol, k = base, 0
        while symbol in self._symbols:
            k += 1
            symbol = f"{base}_{k}"
        self._symbols.add(symbol)
        return symbol

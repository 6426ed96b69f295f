"""`onnx.backend.base.Backend`s over the importer and the numpy reference interpreter
(`TinySLMBackend`) or the whole compiler with the generated C run natively
(`TinySLMHostBackend`).

They exist so that the ONNX backend node tests (a suite nobody here wrote) check the importer,
the reference semantics of the standard ops and, on the host, the kernel library and the C
printer together. Two adaptations are needed:

* outputs are cast to the element types the ONNX graph declares, because ONNX and the graph
  dialect type integer arithmetic differently (ONNX int8 + int8 -> int8; graph -> i32);
* graph ops take shapes, axes, pads and bounds as static properties, so a model that feeds
  them from graph inputs is specialised per call: those inputs become initializers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.base import Backend, BackendRep, namedtupledict

from tinyslm_ir.frontend.convert import NonConstantOperandError
from tinyslm_ir.frontend.onnx_importer import ImportedModel, import_onnx, runtime_inputs


class TinySLMBackendRep(BackendRep):
    """A model imported once (or per call, if it must be specialised on its inputs); on the
    host target also compiled once (or per call) into a temporary directory."""

    def __init__(self, model: onnx.ModelProto, target: str = "reference"):
        self.model = model
        self.target = target
        self._compiled: tempfile.TemporaryDirectory | None = None
        self._input_names = [i.name for i in runtime_inputs(model)]
        self._output_dtypes = [
            onnx.helper.tensor_dtype_to_np_dtype(o.type.tensor_type.elem_type)
            for o in model.graph.output
        ]
        self._specialised: list[str] = []
        self.imported: ImportedModel | None = self._import(model)

    def run(self, inputs: Any, **kwargs: Any) -> tuple[Any, ...]:
        if isinstance(inputs, Mapping):
            by_name = {k: np.asarray(v) for k, v in inputs.items()}
        else:
            arrays = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
            by_name = {n: np.asarray(a)
                       for n, a in zip(self._input_names, arrays, strict=False)}
        imported = self.imported or self._specialise(by_name)
        args = [by_name[n] for n in imported.input_names]
        outputs = self._execute(imported, args)
        cast = [np.asarray(o).astype(d, copy=False)
                for o, d in zip(outputs, self._output_dtypes, strict=True)]
        return namedtupledict("Outputs", imported.output_names)(*cast)

    def _execute(self, imported: ImportedModel, args: list[np.ndarray]) -> list[np.ndarray]:
        if self.target == "reference":
            from tinyslm_ir.reference.interpreter import run_module

            return run_module(imported.module, imported.weights, args)
        from tinyslm_ir.driver.compile import CompileOptions, compile_imported
        from tinyslm_ir.driver.run import run_compiled

        if self._compiled is None or imported is not self.imported:
            # Compiling bufferizes the module in place: a model imported once compiles once.
            self._compiled = tempfile.TemporaryDirectory(prefix="tsl-onnx-backend-")
            compile_imported(imported, tuple(imported.input_names), self._compiled.name,
                             CompileOptions(self.target))
        return run_compiled(self._compiled.name, args).outputs

    def _import(self, model: onnx.ModelProto) -> ImportedModel | None:
        """Import, or remember which input must be constant and defer to `run`."""
        try:
            return import_onnx(model)
        except NonConstantOperandError as e:
            if e.tensor not in self._input_names or e.tensor in self._specialised:
                raise
            self._specialised.append(e.tensor)
            return None

    def _specialise(self, by_name: Mapping[str, np.ndarray]) -> ImportedModel:
        """Import with the inputs that must be static folded in as initializers."""
        while True:
            model = onnx.ModelProto()
            model.CopyFrom(self.model)
            for name in self._specialised:
                model.graph.initializer.append(numpy_helper.from_array(by_name[name], name))
            imported = self._import(model)
            if imported is not None:
                return imported


class TinySLMBackend(Backend):
    target: ClassVar[str] = "reference"

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU",
                **kwargs: Any) -> TinySLMBackendRep:
        super().prepare(model, device, **kwargs)
        return TinySLMBackendRep(model, cls.target)

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU",
                  **kwargs: Any) -> tuple[Any, ...]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs: Sequence[np.ndarray], device: str = "CPU",
                 outputs_info: Sequence[tuple[np.dtype, tuple[int, ...]]] | None = None,
                 **kwargs: Any) -> tuple[Any, ...]:
        """Wrap the node in a one-node model typed from the given inputs and run it."""
        super().run_node(node, inputs, device=device, outputs_info=outputs_info)
        named = [(n, np.asarray(a)) for n, a in zip(node.input, inputs, strict=False) if n]
        graph_inputs = [
            onnx.helper.make_tensor_value_info(
                n, onnx.helper.np_dtype_to_tensor_dtype(a.dtype), a.shape) for n, a in named
        ]
        infos = outputs_info or [(named[0][1].dtype, None)] * len(node.output)
        graph_outputs = [
            onnx.helper.make_tensor_value_info(
                name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dt)), shape)
            for name, (dt, shape) in zip(node.output, infos, strict=False)
        ]
        model = onnx.helper.make_model(
            onnx.helper.make_graph([node], "run_node", graph_inputs, graph_outputs))
        return cls.run_model(model, [a for _, a in named], device)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device == "CPU"


class TinySLMHostBackend(TinySLMBackend):
    """The same, compiled to C (kernel selection, bufferization, planning, the C printer)
    and run natively on the host target."""

    target: ClassVar[str] = "host"

"""An `onnx.backend.base.Backend` over the importer and the numpy reference interpreter.

It exists so that the ONNX backend node tests (a suite nobody here wrote) check the importer
and the reference semantics of the standard ops together. Two adaptations are needed:

* outputs are cast to the element types the ONNX graph declares, because ONNX and the graph
  dialect type integer arithmetic differently (ONNX int8 + int8 -> int8; graph -> i32);
* graph ops take shapes, axes, pads and bounds as static properties, so a model that feeds
  them from graph inputs is specialised per call: those inputs become initializers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.base import Backend, BackendRep, namedtupledict

from tinyslm_ir.frontend.convert import NonConstantOperandError
from tinyslm_ir.frontend.onnx_importer import ImportedModel, import_onnx, runtime_inputs


class TinySLMBackendRep(BackendRep):
    """A model imported once (or per call, if it must be specialised on its inputs)."""

    def __init__(self, model: onnx.ModelProto):
        self.model = model
        self._input_names = [i.name for i in runtime_inputs(model)]
        self._output_dtypes = [
            onnx.helper.tensor_dtype_to_np_dtype(o.type.tensor_type.elem_type)
            for o in model.graph.output
        ]
        self._specialised: list[str] = []
        self.imported: ImportedModel | None = self._import(model)

    def run(self, inputs: Any, **kwargs: Any) -> tuple[Any, ...]:
        from tinyslm_ir.reference.interpreter import run_module

        if isinstance(inputs, Mapping):
            by_name = {k: np.asarray(v) for k, v in inputs.items()}
        else:
            arrays = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
            by_name = {n: np.asarray(a)
                       for n, a in zip(self._input_names, arrays, strict=False)}
        imported = self.imported or self._specialise(by_name)
        args = [by_name[n] for n in imported.input_names]
        outputs = run_module(imported.module, imported.weights, args)
        cast = [np.asarray(o).astype(d, copy=False)
                for o, d in zip(outputs, self._output_dtypes, strict=True)]
        return namedtupledict("Outputs", imported.output_names)(*cast)

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
    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU",
                **kwargs: Any) -> TinySLMBackendRep:
        super().prepare(model, device, **kwargs)
        return TinySLMBackendRep(model)

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

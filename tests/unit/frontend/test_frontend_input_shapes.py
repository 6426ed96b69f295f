"""Static input shapes for dynamic ONNX inputs: the map syntax, the model rewrite, the import
(shape plumbing folds away once the inputs are fixed) and the command-line option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from tests.unit.frontend.onnx_model_builders import init, make_model

from tinyslm_ir.frontend.input_shapes import fix_input_shapes, parse_shape_map
from tinyslm_ir.frontend.onnx_importer import OnnxImportError, import_onnx


def dynamic_model() -> onnx.ModelProto:
    """x: f32[batch, seq, 4] -> Reshape(x, [batch*seq, 4]) with the target shape computed from
    Shape/Gather/Mul/Unsqueeze/Concat, as PyTorch exports flatten()."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "i0"], ["b"], axis=0),
        helper.make_node("Gather", ["s", "i1"], ["t"], axis=0),
        helper.make_node("Mul", ["b", "t"], ["bt"]),
        helper.make_node("Unsqueeze", ["bt", "ax0"], ["bt1"]),
        helper.make_node("Concat", ["bt1", "four"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"]),
    ]
    inits = [init("i0", np.int64(0)), init("i1", np.int64(1)), init("ax0", np.array([0])),
             init("four", np.array([4]))]
    return make_model(nodes, [x], [y], inits)


def test_parse_shape_map():
    assert parse_shape_map("input_ids=1x16, mask.0=1x16,s=") == {
        "input_ids": (1, 16), "mask.0": (1, 16), "s": ()}
    for bad in ("x", "=1x2", "x=1xa", "x=1x-2"):
        with pytest.raises(ValueError):
            parse_shape_map(bad)


def test_fix_input_shapes_copies_and_checks():
    model = dynamic_model()
    fixed = fix_input_shapes(model, {"x": (2, 3, 4)})
    assert [d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim] == [2, 3, 4]
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    with pytest.raises(ValueError, match="rank 3"):
        fix_input_shapes(model, {"x": (2, 3)})
    with pytest.raises(ValueError, match="static shape"):
        fix_input_shapes(model, {"x": (2, 3, 5)})
    with pytest.raises(ValueError, match="unknown input"):
        fix_input_shapes(model, {"z": (1,)})


def test_import_folds_shape_plumbing():
    imported = import_onnx(dynamic_model(), input_shapes={"x": (2, 3, 4)})
    ops = [op.name for op in imported.module.body.block.first_op.body.block.ops]
    assert ops == ["graph.reshape", "func.return"]
    assert str(imported.module.body.block.first_op.function_type) == \
        "(tensor<2x3x4xf32>) -> tensor<6x4xf32>"


def test_dynamic_input_without_a_shape_map_is_a_diagnostic():
    with pytest.raises(OnnxImportError, match=r"dynamic shape.*--input-shapes"):
        import_onnx(dynamic_model())
    with pytest.raises(OnnxImportError, match="rank 3"):
        import_onnx(dynamic_model(), input_shapes={"x": (6,)})


def test_tinyslm_opt_input_shapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from tinyslm_ir.tools.tinyslm_opt import main

    path = tmp_path / "m.onnx"
    onnx.save(dynamic_model(), str(path))
    main([str(path), "--input-shapes", "x=1x5x4", "--weights-out", str(tmp_path / "w.npz")])
    assert "tensor<5x4xf32>" in capsys.readouterr().out

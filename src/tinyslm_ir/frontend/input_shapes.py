"""Static shapes for ONNX graph inputs declared with dynamic dimensions.

PyTorch exports declare inputs like `input_ids: int64[batch_size, sequence_length]`. The
compiler needs static shapes, so the user fixes them (`--input-shapes input_ids=1x16`) and the
importer works on a copy of the model whose inputs carry those dimensions. ONNX shape
inference then propagates them, so every `Shape` node folds to a constant and the shape
plumbing (Gather, Unsqueeze, Concat, ConstantOfShape, Where, Expand) folds with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import onnx

Shapes = Mapping[str, Sequence[int]]


def parse_shape_map(text: str) -> dict[str, tuple[int, ...]]:
    """Parse `name=1x16,other=1x16` (names may contain dots; the last `=` splits).

    `x` separates dimensions, as in MLIR tensor types; a scalar input is `name=` (rank 0).
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, dims = item.rpartition("=")
        if not sep or not name:
            raise ValueError(f"expected NAME=DxDx... in the input shape map, got '{item}'")
        try:
            shape = tuple(int(d) for d in dims.split("x")) if dims else ()
        except ValueError:
            raise ValueError(f"bad shape '{dims}' for input '{name}' (expected e.g. 1x16)"
                             ) from None
        if any(d < 0 for d in shape):
            raise ValueError(f"negative dimension in shape '{dims}' of input '{name}'")
        shapes[name] = shape
    return shapes


def fix_input_shapes(model: onnx.ModelProto, shapes: Shapes) -> onnx.ModelProto:
    """A copy of `model` whose named inputs have the given static shapes.

    Each shape must keep the input's rank and agree with every dimension the model already
    fixes. Declared shapes of intermediate values are dropped and symbolic output dimensions
    become unknown: they name the dynamic dimensions, and shape inference recomputes them
    from the fixed inputs.
    """
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    inits = {t.name for t in fixed.graph.initializer}
    inputs = {i.name: i for i in fixed.graph.input if i.name not in inits}
    unknown = sorted(set(shapes) - set(inputs))
    if unknown:
        raise ValueError(f"unknown input {unknown} in the shape map; graph inputs are "
                         f"{list(inputs)}")
    for name, shape in shapes.items():
        dims = inputs[name].type.tensor_type.shape.dim
        if len(dims) != len(shape):
            raise ValueError(f"input '{name}' has rank {len(dims)}, the shape map gives "
                             f"{list(shape)}")
        for d, new in zip(dims, shape, strict=True):
            if d.HasField("dim_value") and d.dim_value != new:
                raise ValueError(f"input '{name}' has static shape "
                                 f"{[x.dim_value or x.dim_param for x in dims]}, the shape "
                                 f"map gives {list(shape)}")
            d.Clear()
            d.dim_value = int(new)
    del fixed.graph.value_info[:]
    for out in fixed.graph.output:
        for d in out.type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                d.Clear()  # unknown, no longer named after the dynamic input dimension
    return fixed

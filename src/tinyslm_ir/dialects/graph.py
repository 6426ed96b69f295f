"""The `graph` dialect: ONNX-level tensor ops plus the QuantLib integer operators.

Values are builtin tensors with static shapes. Element types follow the TOSA convention:
signless `iN` is signed, `uiN` is unsigned; integer arithmetic produces `i32` accumulators.
Every op recomputes its result type from its operands and properties in the verifier (the
rules are in `graph_shapes`), so an op that verifies is well-typed for every later pass.

Weights never appear as literals: `graph.weight @name` refers by name into the weight store
that travels beside the IR (see `tinyslm_ir.frontend.weights`). Exact integer semantics of the
custom ops are in `shared/specs/quantlib-integer-ops.md` and implemented by
`tinyslm_ir.reference`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import prod
from typing import Self

from xdsl.dialects.builtin import (
    BoolAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.dialects.graph_layouts import K_PAIRS, LAYOUTS

Props = Mapping[str, Attribute]


# ---------------------------------------------------------------------------------------------
# Property helpers: the importer and the passes build properties with these so that every
# op stores integers, integer lists and floats the same way.

def int_prop(value: int) -> IntegerAttr:
    return IntegerAttr(int(value), i64)


def ints_prop(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def float_prop(value: float) -> FloatAttr:
    return FloatAttr(float(value), f64)


def bool_prop(value: bool) -> BoolAttr:
    return BoolAttr.from_bool(bool(value))


def get_int(props: Props, name: str, default: int | None = None) -> int:
    attr = props.get(name)
    if attr is None:
        if default is None:
            raise gs.ShapeError(f"missing property '{name}'")
        return default
    assert isinstance(attr, IntegerAttr | BoolAttr)
    return int(attr.value.data)


def get_ints(props: Props, name: str, default: Sequence[int] = ()) -> tuple[int, ...]:
    attr = props.get(name)
    if attr is None:
        return tuple(default)
    assert isinstance(attr, DenseArrayBase)
    return tuple(int(v) for v in attr.get_values())


def get_float(props: Props, name: str, default: float | None = None) -> float:
    attr = props.get(name)
    if attr is None:
        if default is None:
            raise gs.ShapeError(f"missing property '{name}'")
        return default
    assert isinstance(attr, FloatAttr)
    return float(attr.value.data)


def get_bool(props: Props, name: str, default: bool = False) -> bool:
    attr = props.get(name)
    return default if attr is None else bool(get_int(props, name))


def shape_of(t: Attribute) -> tuple[int, ...]:
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


def elem_of(t: Attribute) -> Attribute:
    assert isinstance(t, TensorType)
    return t.get_element_type()


def tensor(shape: Sequence[int], element_type: Attribute) -> TensorType:
    return TensorType(element_type, list(shape))


# ---------------------------------------------------------------------------------------------
# Base classes


class GraphOp(IRDLOperation):
    """Base of all graph ops: result types are a function of operand types and properties.

    Subclasses implement `infer` (shapes and element types) and, where needed,
    `check_operands` (constraints that do not show in the result type, such as a bias length).
    """

    irdl_options = (ParsePropInAttrDict(),)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        raise NotImplementedError(cls.name)

    def check_operands(self) -> None:
        """Constraints on operands and attributes beyond the result type (default: none)."""

    @classmethod
    def from_operands(cls, operands: Sequence[SSAValue | Operation], props: Props | None = None,
                      result_types: Sequence[Attribute] | None = None) -> Self:
        """Create the op with inferred result types (or the given ones, e.g. for `cast`)."""
        values = [SSAValue.get(o) for o in operands]
        props = dict(props or {})
        if result_types is None:
            result_types = cls.infer([v.type for v in values], props)  # type: ignore[misc]
        return cls.create(operands=values, properties=props, result_types=list(result_types))

    def verify_(self) -> None:
        for v in (*self.operands, *self.results):
            if not isinstance(v.type, TensorType) or not v.type.has_static_shape():
                raise VerifyException(f"{self.name}: operands and results must be statically "
                                      f"shaped tensors, got {v.type}")
        try:
            self.check_operands()
            expected = type(self).infer(
                [o.type for o in self.operands], self.properties  # type: ignore[misc]
            )
        except gs.ShapeError as e:
            raise VerifyException(f"{self.name}: {e}") from e
        actual = [r.type for r in self.results]
        if list(expected) != actual:
            shown = ", ".join(str(t) for t in expected)
            raise VerifyException(
                f"{self.name}: result type {', '.join(map(str, actual))} does not match "
                f"the inferred type {shown}"
            )


def _require_float(what: str, t: Attribute) -> None:
    if not gs.is_float(elem_of(t)):
        raise gs.ShapeError(f"{what} must be a float tensor, got {t}")


def _require_int(what: str, t: Attribute) -> None:
    if not gs.is_int(elem_of(t)):
        raise gs.ShapeError(f"{what} must be an integer tensor, got {t}")


def _broadcasts_to(t: Attribute, target: tuple[int, ...]) -> bool:
    """True when `t` broadcasts to `target` without enlarging it."""
    try:
        return gs.broadcast_shapes(shape_of(t), target) == target
    except gs.ShapeError:
        return False


class BinaryOp(GraphOp):
    """Element-wise op with numpy broadcasting; integer results accumulate in i32."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($res)"
    )

    @classmethod
    def result_element(cls, a: Attribute, b: Attribute) -> Attribute:
        return gs.accumulator_type(a, b)

    @classmethod
    def infer(cls, operand_types, props):
        a, b = operand_types[:2]
        shape = gs.broadcast_shapes(shape_of(a), shape_of(b))
        return [tensor(shape, cls.result_element(elem_of(a), elem_of(b)))]


class UnaryOp(GraphOp):
    """Element-wise op with one operand whose result keeps the operand type."""

    x = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def infer(cls, operand_types, props):
        return [operand_types[0]]


class FloatUnaryOp(UnaryOp):
    """Element-wise transcendental op, defined on float tensors only."""

    @classmethod
    def infer(cls, operand_types, props):
        _require_float("the operand", operand_types[0])
        return [operand_types[0]]


# ---------------------------------------------------------------------------------------------
# Weights


@irdl_op_definition
class WeightOp(GraphOp):
    """A named constant tensor held in the weight store beside the IR, not inlined.

    With a `layout` (`graph_layouts`), the op holds the store tensor rearranged at compile
    time into the form a kernel reads fastest; its type is that of the rearranged tensor."""

    name = "graph.weight"
    sym = prop_def(SymbolRefAttr)
    layout = opt_prop_def(StringAttr)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$sym (`layout` $layout^)? attr-dict `:` type($res)"

    def __init__(self, name: str, result_type: TensorType, layout: str | None = None):
        props: dict[str, Attribute] = {"sym": SymbolRefAttr(name)}
        if layout is not None:
            props["layout"] = StringAttr(layout)
        super().__init__(properties=props, result_types=[result_type])

    @property
    def weight_name(self) -> str:
        return self.sym.root_reference.data

    @property
    def layout_name(self) -> str | None:
        return None if self.layout is None else self.layout.data

    def verify_(self) -> None:
        if not isinstance(self.res.type, TensorType) or not self.res.type.has_static_shape():
            raise VerifyException(f"graph.weight: result must be a static tensor, "
                                  f"got {self.res.type}")
        layout = self.layout_name
        if layout is not None and layout not in LAYOUTS:
            raise VerifyException(f"graph.weight @{self.weight_name}: unknown layout "
                                  f"'{layout}' (known: {', '.join(LAYOUTS)})")
        if layout == K_PAIRS and (len(shape_of(self.res.type)) != 2
                                  or self.res.type.get_element_type() != IntegerType(32)):
            raise VerifyException(f"graph.weight @{self.weight_name}: layout k_pairs holds "
                                  f"int32 words (K/2, N), got {self.res.type}")


# ---------------------------------------------------------------------------------------------
# Element-wise standard ops


@irdl_op_definition
class AddOp(BinaryOp):
    name = "graph.add"


@irdl_op_definition
class SubOp(BinaryOp):
    name = "graph.sub"


@irdl_op_definition
class MulOp(BinaryOp):
    name = "graph.mul"


@irdl_op_definition
class DivOp(BinaryOp):
    """Float division, or ONNX integer division (truncating toward zero)."""

    name = "graph.div"


@irdl_op_definition
class PowOp(BinaryOp):
    name = "graph.pow"

    @classmethod
    def result_element(cls, a, b):
        if not gs.is_float(a):
            raise gs.ShapeError("graph.pow is defined on float bases only")
        return a


@irdl_op_definition
class MaxOp(BinaryOp):
    name = "graph.max"

    @classmethod
    def result_element(cls, a, b):
        return gs.promote_type(a, b)


@irdl_op_definition
class MinOp(BinaryOp):
    name = "graph.min"

    @classmethod
    def result_element(cls, a, b):
        return gs.promote_type(a, b)


class CompareOp(BinaryOp):
    @classmethod
    def result_element(cls, a, b):
        return i1


@irdl_op_definition
class EqualOp(CompareOp):
    name = "graph.equal"


@irdl_op_definition
class LessOp(CompareOp):
    name = "graph.less"


@irdl_op_definition
class GreaterOp(CompareOp):
    name = "graph.greater"


@irdl_op_definition
class WhereOp(GraphOp):
    """Select `a` where `cond` is true, else `b`, with three-way broadcasting."""

    name = "graph.where"
    cond = operand_def(TensorType)
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$cond `,` $a `,` $b attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        c, a, b = operand_types
        if elem_of(c) != i1:
            raise gs.ShapeError(f"condition must be an i1 tensor, got {c}")
        shape = gs.broadcast_shapes(shape_of(c), shape_of(a), shape_of(b))
        return [tensor(shape, gs.promote_type(elem_of(a), elem_of(b)))]


@irdl_op_definition
class ReluOp(UnaryOp):
    name = "graph.relu"


@irdl_op_definition
class NegOp(UnaryOp):
    name = "graph.neg"


@irdl_op_definition
class AbsOp(UnaryOp):
    name = "graph.abs"


@irdl_op_definition
class SigmoidOp(FloatUnaryOp):
    name = "graph.sigmoid"


@irdl_op_definition
class TanhOp(FloatUnaryOp):
    name = "graph.tanh"


@irdl_op_definition
class ExpOp(FloatUnaryOp):
    name = "graph.exp"


@irdl_op_definition
class LogOp(FloatUnaryOp):
    name = "graph.log"


@irdl_op_definition
class SqrtOp(FloatUnaryOp):
    name = "graph.sqrt"


@irdl_op_definition
class ErfOp(FloatUnaryOp):
    name = "graph.erf"


@irdl_op_definition
class ReciprocalOp(FloatUnaryOp):
    name = "graph.reciprocal"


@irdl_op_definition
class GeluOp(FloatUnaryOp):
    """GELU; `tanh_approx` selects the tanh approximation, otherwise the exact erf form."""

    name = "graph.gelu"
    tanh_approx = opt_prop_def(BoolAttr)


@irdl_op_definition
class ClipOp(UnaryOp):
    """Clamp to [min, max]; bounds are properties because they are always constant."""

    name = "graph.clip"
    min = opt_prop_def(FloatAttr)
    max = opt_prop_def(FloatAttr)


@irdl_op_definition
class CastOp(GraphOp):
    """Element type conversion; the result type names the target type."""

    name = "graph.cast"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    def verify_(self) -> None:
        if shape_of(self.x.type) != shape_of(self.res.type):
            raise VerifyException(f"graph.cast: shape changes from {self.x.type} to "
                                  f"{self.res.type}")


# ---------------------------------------------------------------------------------------------
# Contractions, convolution and pooling


@irdl_op_definition
class MatMulOp(GraphOp):
    """numpy.matmul: batched matrix product with broadcasting of the batch dimensions."""

    name = "graph.matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($res)"
    )

    @classmethod
    def infer(cls, operand_types, props):
        a, b = operand_types
        shape = gs.matmul_shape(shape_of(a), shape_of(b))
        return [tensor(shape, gs.accumulator_type(elem_of(a), elem_of(b)))]


@irdl_op_definition
class GemmOp(GraphOp):
    """alpha * op(A) @ op(B) + beta * C, with op = optional transpose (ONNX Gemm)."""

    name = "graph.gemm"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    c = opt_operand_def(TensorType)
    res = result_def(TensorType)
    alpha = opt_prop_def(FloatAttr)
    beta = opt_prop_def(FloatAttr)
    trans_a = opt_prop_def(BoolAttr)
    trans_b = opt_prop_def(BoolAttr)
    traits = traits_def(Pure())
    assembly_format = "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        a, b = operand_types[:2]
        shape = gs.gemm_shape(shape_of(a), shape_of(b), get_bool(props, "trans_a"),
                              get_bool(props, "trans_b"))
        return [tensor(shape, gs.accumulator_type(*(elem_of(t) for t in operand_types)))]

    def check_operands(self) -> None:
        if any(gs.is_int(elem_of(o.type)) for o in self.operands):
            for p in ("alpha", "beta"):
                v = get_float(self.properties, p, 1.0)
                if v != int(v):
                    raise gs.ShapeError(f"{p} = {v} must be integral on integer operands")
        if self.c is not None:
            out = gs.gemm_shape(shape_of(self.a.type), shape_of(self.b.type),
                                get_bool(self.properties, "trans_a"),
                                get_bool(self.properties, "trans_b"))
            if not _broadcasts_to(self.c.type, out):
                raise gs.ShapeError(f"C of shape {shape_of(self.c.type)} does not broadcast "
                                    f"to the result {out}")


@irdl_op_definition
class ConvOp(GraphOp):
    """N-D convolution (cross-correlation) over NC[D...] with groups (ONNX Conv)."""

    name = "graph.conv"
    x = operand_def(TensorType)
    w = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    res = result_def(TensorType)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    group = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $w (`,` $bias^)? attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        x, w = shape_of(operand_types[0]), shape_of(operand_types[1])
        group = get_int(props, "group")
        if len(w) != len(x):
            raise gs.ShapeError(f"weight rank {len(w)} differs from input rank {len(x)}")
        if group < 1 or x[1] % group or w[0] % group:
            raise gs.ShapeError(f"group {group} does not divide channels {x[1]} and {w[0]}")
        if w[1] * group != x[1]:
            raise gs.ShapeError(f"weight expects {w[1] * group} input channels, input has {x[1]}")
        shape = gs.window_shape(x, w[0], w[2:], get_ints(props, "strides"),
                                get_ints(props, "pads"), get_ints(props, "dilations"))
        elt = gs.accumulator_type(*(elem_of(t) for t in operand_types))
        return [tensor(shape, elt)]

    def check_operands(self) -> None:
        if self.bias is not None and shape_of(self.bias.type) != (shape_of(self.w.type)[0],):
            raise gs.ShapeError(f"bias shape {shape_of(self.bias.type)} must be "
                                f"({shape_of(self.w.type)[0]},)")


class PoolOp(GraphOp):
    x = operand_def(TensorType)
    res = result_def(TensorType)
    kernel_shape = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    ceil_mode = opt_prop_def(BoolAttr)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def infer(cls, operand_types, props):
        x = shape_of(operand_types[0])
        shape = gs.window_shape(x, x[1], get_ints(props, "kernel_shape"),
                                get_ints(props, "strides"), get_ints(props, "pads"),
                                get_ints(props, "dilations"), get_bool(props, "ceil_mode"))
        return [tensor(shape, elem_of(operand_types[0]))]


@irdl_op_definition
class MaxPoolOp(PoolOp):
    """Max pooling; padding acts as minus infinity."""

    name = "graph.maxpool"


@irdl_op_definition
class AvgPoolOp(PoolOp):
    """Average pooling; integer inputs round half up like IntegerMean."""

    name = "graph.avgpool"
    count_include_pad = opt_prop_def(BoolAttr)


# ---------------------------------------------------------------------------------------------
# Reductions and normalisations


class ReduceOp(GraphOp):
    x = operand_def(TensorType)
    res = result_def(TensorType)
    axes = prop_def(DenseArrayBase)
    keepdims = prop_def(BoolAttr)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def result_element(cls, x: Attribute) -> Attribute:
        return x

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        shape = gs.reduce_shape(shape_of(x), get_ints(props, "axes"), get_bool(props, "keepdims"))
        return [tensor(shape, cls.result_element(elem_of(x)))]


@irdl_op_definition
class ReduceSumOp(ReduceOp):
    name = "graph.reduce_sum"

    @classmethod
    def result_element(cls, x):
        return gs.accumulator_type(x)


@irdl_op_definition
class ReduceMeanOp(ReduceOp):
    """Mean; on integers it is QuantLib's IntegerMean, rounding half up (spec §7.6)."""

    name = "graph.reduce_mean"


@irdl_op_definition
class ReduceMaxOp(ReduceOp):
    name = "graph.reduce_max"


@irdl_op_definition
class SoftmaxOp(GraphOp):
    name = "graph.softmax"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def infer(cls, operand_types, props):
        _require_float("the operand", operand_types[0])
        gs.normalize_axis(get_int(props, "axis"), len(shape_of(operand_types[0])))
        return [operand_types[0]]


@irdl_op_definition
class LayerNormOp(GraphOp):
    """LayerNormalization over the axes from `axis` to the end, with scale and optional bias."""

    name = "graph.layer_norm"
    x = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    res = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    epsilon = prop_def(FloatAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        _require_float("the operand", x)
        ax = gs.normalize_axis(get_int(props, "axis"), len(shape_of(x)))
        norm = shape_of(x)[ax:]
        for t in operand_types[1:]:
            if not _broadcasts_to(t, norm):
                raise gs.ShapeError(f"scale/bias shape {shape_of(t)} does not broadcast to the "
                                    f"normalised shape {norm}")
        return [x]


@irdl_op_definition
class RMSNormOp(GraphOp):
    """RMSNormalization over the axes from `axis` to the end: x / sqrt(mean(x^2)+eps) * scale."""

    name = "graph.rms_norm"
    x = operand_def(TensorType)
    scale = operand_def(TensorType)
    res = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    epsilon = prop_def(FloatAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $scale attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        return LayerNormOp.infer(operand_types, props)


# ---------------------------------------------------------------------------------------------
# Data movement


@irdl_op_definition
class TransposeOp(GraphOp):
    name = "graph.transpose"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    perm = prop_def(DenseArrayBase)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        return [tensor(gs.transpose_shape(shape_of(x), get_ints(props, "perm")), elem_of(x))]


@irdl_op_definition
class ReshapeOp(GraphOp):
    """Reshape to the static result type (ONNX Reshape/Flatten/Squeeze/Unsqueeze)."""

    name = "graph.reshape"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    def verify_(self) -> None:
        a, b = self.x.type, self.res.type
        if elem_of(a) != elem_of(b) or prod(shape_of(a)) != prod(shape_of(b)):
            raise VerifyException(f"graph.reshape: {a} and {b} differ in element type or count")


@irdl_op_definition
class ExpandOp(GraphOp):
    """Broadcast to the static result shape (ONNX Expand)."""

    name = "graph.expand"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    def verify_(self) -> None:
        a, b = self.x.type, self.res.type
        if elem_of(a) != elem_of(b) or not _broadcasts_to(a, shape_of(b)):
            raise VerifyException(f"graph.expand: {a} does not broadcast to {b}")


@irdl_op_definition
class ConcatOp(GraphOp):
    name = "graph.concat"
    inputs = var_operand_def(TensorType)
    res = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$inputs attr-dict `:` functional-type($inputs, $res)"

    @classmethod
    def infer(cls, operand_types, props):
        shape = gs.concat_shape([shape_of(t) for t in operand_types], get_int(props, "axis"))
        return [tensor(shape, gs.promote_type(*(elem_of(t) for t in operand_types)))]


@irdl_op_definition
class SplitOp(GraphOp):
    name = "graph.split"
    x = operand_def(TensorType)
    outs = var_result_def(TensorType)
    axis = prop_def(IntegerAttr)
    sizes = prop_def(DenseArrayBase)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($outs)"

    @classmethod
    def infer(cls, operand_types, props):
        x = shape_of(operand_types[0])
        ax = gs.normalize_axis(get_int(props, "axis"), len(x))
        sizes = get_ints(props, "sizes")
        if sum(sizes) != x[ax] or any(s < 0 for s in sizes):
            raise gs.ShapeError(f"split sizes {list(sizes)} do not add up to {x[ax]}")
        return [tensor((*x[:ax], s, *x[ax + 1:]), elem_of(operand_types[0])) for s in sizes]


@irdl_op_definition
class SliceOp(GraphOp):
    """Static strided slice with one normalised start, end and step per dimension."""

    name = "graph.slice"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    starts = prop_def(DenseArrayBase)
    ends = prop_def(DenseArrayBase)
    steps = prop_def(DenseArrayBase)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        shape = gs.slice_shape(shape_of(x), get_ints(props, "starts"), get_ints(props, "ends"),
                               get_ints(props, "steps"))
        return [tensor(shape, elem_of(x))]


@irdl_op_definition
class PadOp(GraphOp):
    """Constant padding; `pads` lists all begins then all ends, as in ONNX."""

    name = "graph.pad"
    x = operand_def(TensorType)
    res = result_def(TensorType)
    pads = prop_def(DenseArrayBase)
    value = prop_def(FloatAttr)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        return [tensor(gs.pad_shape(shape_of(x), get_ints(props, "pads")), elem_of(x))]

    def check_operands(self) -> None:
        v = get_float(self.properties, "value")
        elt = elem_of(self.x.type)
        if gs.is_int(elt):
            lo, hi = gs.int_range(elt)  # type: ignore[arg-type]
            if v != int(v) or not lo <= v <= hi:
                raise gs.ShapeError(f"pad value {v} is not representable in {elt}")


@irdl_op_definition
class GatherOp(GraphOp):
    name = "graph.gather"
    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    res = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$data `,` $indices attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        data, idx = operand_types
        _require_int("indices", idx)
        shape = gs.gather_shape(shape_of(data), shape_of(idx), get_int(props, "axis"))
        return [tensor(shape, elem_of(data))]


# ---------------------------------------------------------------------------------------------
# QuantLib integer operators (spec: shared/specs/quantlib-integer-ops.md)


def _check_levels(props: Props, key: str = "n_levels") -> int:
    n = get_int(props, key)
    if n < 2:
        raise gs.ShapeError(f"{key} = {n} must be at least 2")
    return n


def _check_pow2(props: Props, key: str) -> int:
    v = get_int(props, key)
    if v < 1 or v & (v - 1):
        raise gs.ShapeError(f"{key} = {v} must be a positive power of two")
    return v


@irdl_op_definition
class RequantShiftOp(GraphOp):
    """clip(rhu((x*mul + add) / div)) to n_levels signed or unsigned levels (spec §1)."""

    name = "graph.requant_shift"
    x = operand_def(TensorType)
    mul = operand_def(TensorType)
    add = operand_def(TensorType)
    res = result_def(TensorType)
    div = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)
    signed = prop_def(BoolAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $mul `,` $add attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        _require_int("the operand", x)
        if get_int(props, "div") < 1:
            raise gs.ShapeError(f"div = {get_int(props, 'div')} must be positive")
        n = _check_levels(props)
        return [tensor(shape_of(x), gs.levels_type(n, get_bool(props, "signed")))]

    def check_operands(self) -> None:
        x = shape_of(self.x.type)
        for name, v in (("mul", self.mul), ("add", self.add)):
            _require_int(name, v.type)
            if not gs.requant_param_ok(shape_of(v.type), x):
                raise gs.ShapeError(f"{name} of shape {shape_of(v.type)} is neither a scalar, "
                                    f"broadcastable to {x}, nor one value per channel")


def per_column_param_ok(param: Sequence[int], n: int) -> bool:
    """Whether a requant `mul`/`add` is a scalar or one value per output column: every dim 1
    except the last, which is `n`."""
    return prod(param) == 1 or (len(param) >= 1 and param[-1] == n and prod(param) == n)


class RequantFusedOp(GraphOp):
    """An integer op with a RequantShift folded in (made by `fuse-requant`): the requant's
    `div` (a power of two), `n_levels` and `signed`, and integer operands throughout."""

    div = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)
    signed = prop_def(BoolAttr)
    traits = traits_def(Pure())

    @staticmethod
    def requant_element(names: Sequence[str], operand_types: Sequence[Attribute],
                        props: Props) -> Attribute:
        """The result element type, once every operand is checked to be an integer and the
        requant properties are in range."""
        for what, t in zip(names, operand_types, strict=True):
            _require_int(what, t)
        _check_pow2(props, "div")
        return gs.levels_type(_check_levels(props), get_bool(props, "signed"))


@irdl_op_definition
class MatMulRequantOp(RequantFusedOp):
    """requant_shift(matmul(lhs, rhs), mul, add): an integer MatMul whose int32 product is
    requantized in the same kernel (spec §1), so the accumulators never leave registers.

    Made by the `fuse-requant` pass, never by the importer. `mul`/`add` are scalars or one
    value per output column, `div` a power of two. With `trans_rhs` the rhs is read as
    (..., N, K), i.e. the product is lhs @ swapaxes(rhs, -1, -2): attention scores read the
    K cache rows directly instead of a transposed copy. With `rhs_pairs` the rhs is a
    `k_pairs` weight (`graph_layouts`): int32 words (K/2, N) holding the int8 (K, N) matrix,
    for the pair-packed GEMV kernel (the `pack-weight-pairs` pass).
    """

    name = "graph.matmul_rq"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    mul = operand_def(TensorType)
    add = operand_def(TensorType)
    res = result_def(TensorType)
    trans_rhs = opt_prop_def(BoolAttr)
    rhs_pairs = opt_prop_def(BoolAttr)
    assembly_format = (
        "$lhs `,` $rhs `,` $mul `,` $add attr-dict `:` functional-type(operands, results)"
    )

    @classmethod
    def rhs_kn(cls, rhs: tuple[int, ...], props: Props) -> tuple[int, ...]:
        """The rhs shape as the product reads it: (..., K, N)."""
        if get_bool(props, "rhs_pairs"):
            if len(rhs) != 2 or get_bool(props, "trans_rhs"):
                raise gs.ShapeError("rhs_pairs needs an untransposed rank-2 rhs")
            return (2 * rhs[0], rhs[1])
        if get_bool(props, "trans_rhs"):
            if len(rhs) < 2:
                raise gs.ShapeError("trans_rhs needs a rhs of rank >= 2")
            return (*rhs[:-2], rhs[-1], rhs[-2])
        return rhs

    @classmethod
    def infer(cls, operand_types, props):
        a, b = operand_types[:2]
        elt = cls.requant_element(("lhs", "rhs", "mul", "add"), operand_types, props)
        if get_bool(props, "rhs_pairs") and (
                elem_of(a) != IntegerType(8) or elem_of(b) != IntegerType(32)):
            raise gs.ShapeError("rhs_pairs needs an i8 lhs and a k_pairs (i32) rhs")
        if len(shape_of(a)) < 2 or len(shape_of(b)) < 2:
            raise gs.ShapeError("lhs and rhs must have rank >= 2")
        return [tensor(gs.matmul_shape(shape_of(a), cls.rhs_kn(shape_of(b), props)), elt)]

    def check_operands(self) -> None:
        n = shape_of(self.res.type)[-1]
        for name, v in (("mul", self.mul), ("add", self.add)):
            if not per_column_param_ok(shape_of(v.type), n):
                raise gs.ShapeError(f"{name} of shape {shape_of(v.type)} is neither a scalar "
                                    f"nor one value per output column ({n})")


@irdl_op_definition
class AddRequantOp(RequantFusedOp):
    """requant_shift(add(mul(a, a_mul), mul(b, b_mul)), mul, add): a requantized residual add
    in one kernel instead of four (spec §1 for the requantization).

    Made by the `fuse-requant` pass, never by the importer. `a` and `b` have the result's
    shape; `a_mul`, `b_mul`, `mul` and `add` are scalars. Both products and their sum are
    int32 and wrap modulo 2^32, exactly as the unfused int32 Mul and Add results do; `div` is a
    power of two.
    """

    name = "graph.add_rq"
    a = operand_def(TensorType)
    a_mul = operand_def(TensorType)
    b = operand_def(TensorType)
    b_mul = operand_def(TensorType)
    mul = operand_def(TensorType)
    add = operand_def(TensorType)
    res = result_def(TensorType)
    assembly_format = (
        "$a `,` $a_mul `,` $b `,` $b_mul `,` $mul `,` $add attr-dict `:` "
        "functional-type(operands, results)"
    )

    @classmethod
    def infer(cls, operand_types, props):
        names = ("a", "a_mul", "b", "b_mul", "mul", "add")
        elt = cls.requant_element(names, operand_types, props)
        a, b = shape_of(operand_types[0]), shape_of(operand_types[2])
        if a != b:
            raise gs.ShapeError(f"a {a} and b {b} must have the same shape")
        for what, t in zip(names[1:], operand_types[1:], strict=True):
            if what != "b" and prod(shape_of(t)) != 1:
                raise gs.ShapeError(f"{what} must be a scalar, got shape {shape_of(t)}")
        return [tensor(a, elt)]


@irdl_op_definition
class MulRequantOp(RequantFusedOp):
    """requant_shift(mul(a, b), mul, add): a requantized element-wise product (SwiGLU's gate
    times up) in one kernel instead of two (spec §1 for the requantization).

    Made by the `fuse-requant` pass, never by the importer. `a` and `b` have the result's
    shape, `mul` and `add` are scalars; the product is int32 and wraps modulo 2^32, exactly as
    the unfused int32 Mul result does; `div` is a power of two.
    """

    name = "graph.mul_rq"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    mul = operand_def(TensorType)
    add = operand_def(TensorType)
    res = result_def(TensorType)
    assembly_format = (
        "$a `,` $b `,` $mul `,` $add attr-dict `:` functional-type(operands, results)"
    )

    @classmethod
    def infer(cls, operand_types, props):
        names = ("a", "b", "mul", "add")
        elt = cls.requant_element(names, operand_types, props)
        a, b = shape_of(operand_types[0]), shape_of(operand_types[1])
        if a != b:
            raise gs.ShapeError(f"a {a} and b {b} must have the same shape")
        for what, t in zip(names[2:], operand_types[2:], strict=True):
            if prod(shape_of(t)) != 1:
                raise gs.ShapeError(f"{what} must be a scalar, got shape {shape_of(t)}")
        return [tensor(a, elt)]


class IntegerRowOp(GraphOp):
    """Integer op on the last axis of one operand."""

    x = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($res)"


@irdl_op_definition
class ISoftmaxOp(IntegerRowOp):
    """I-BERT integer softmax over the last axis; unsigned output (spec §2)."""

    name = "graph.isoftmax"
    coeff_a = prop_def(IntegerAttr)
    coeff_b = prop_def(IntegerAttr)
    coeff_c = prop_def(IntegerAttr)
    log2 = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        _require_int("the operand", operand_types[0])
        if get_int(props, "log2") < 1:
            raise gs.ShapeError("log2 must be positive")
        n = _check_levels(props)
        return [tensor(shape_of(operand_types[0]), gs.levels_type(n, False))]


@irdl_op_definition
class ITAMaxOp(IntegerRowOp):
    """ITA accelerator softmax over the last axis (spec §7.4)."""

    name = "graph.itamax"
    n_levels = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        _require_int("the operand", operand_types[0])
        n = _check_levels(props)
        if n & (n - 1):
            raise gs.ShapeError(f"n_levels = {n} must be a power of two")
        return [tensor(shape_of(operand_types[0]), gs.levels_type(n, False))]


@irdl_op_definition
class ITAPartialMaxOp(IntegerRowOp):
    """Streaming ITA softmax over column groups of `group_width` (spec §7.5)."""

    name = "graph.itapartialmax"
    group_width = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        _require_int("the operand", x)
        n = _check_levels(props)
        if n & (n - 1):
            raise gs.ShapeError(f"n_levels = {n} must be a power of two")
        if get_int(props, "group_width") < 1:
            raise gs.ShapeError("group_width must be positive")
        return [tensor(shape_of(x), gs.levels_type(n, False))]


@irdl_op_definition
class IHardswishOp(IntegerRowOp):
    """x * clip(x + three, 0, six) * one_over_six, int32 output (spec §4)."""

    name = "graph.ihardswish"
    three = prop_def(IntegerAttr)
    six = prop_def(IntegerAttr)
    one_over_six = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        _require_int("the operand", operand_types[0])
        if get_int(props, "six") < 0:
            raise gs.ShapeError("six must be non-negative")
        return [tensor(shape_of(operand_types[0]), gs.accumulator_type(elem_of(operand_types[0])))]


@irdl_op_definition
class IGeluOp(IntegerRowOp):
    """I-BERT integer GELU, int32 output (spec §7.3)."""

    name = "graph.igelu"
    b = prop_def(IntegerAttr)
    one = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        _require_int("the operand", operand_types[0])
        if get_int(props, "b") >= 0:
            raise gs.ShapeError("b must be negative")
        return [tensor(shape_of(operand_types[0]), gs.accumulator_type(elem_of(operand_types[0])))]


@irdl_op_definition
class TrueIntegerDivOp(IntegerRowOp):
    """x * floor(Delta*eta / (y*eta + eps)): division by a compile-time constant (spec §5)."""

    name = "graph.true_integer_div"
    delta = prop_def(IntegerAttr)
    eps = prop_def(IntegerAttr)
    eta = prop_def(IntegerAttr)
    y = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        _require_int("the operand", operand_types[0])
        if get_int(props, "y") * get_int(props, "eta") + get_int(props, "eps") <= 0:
            raise gs.ShapeError("y*eta + eps must be positive")
        return [tensor(shape_of(operand_types[0]), gs.accumulator_type(elem_of(operand_types[0])))]


@irdl_op_definition
class IntegerDivOp(GraphOp):
    """Element-wise rounded integer division a*Delta*eta / (b*eta + eps) (spec §7.7)."""

    name = "graph.integer_div"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    res = result_def(TensorType)
    delta = prop_def(IntegerAttr)
    eps = prop_def(IntegerAttr)
    eta = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$a `,` $b attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        a, b = operand_types
        _require_int("lhs", a)
        _require_int("rhs", b)
        shape = gs.broadcast_shapes(shape_of(a), shape_of(b))
        return [tensor(shape, gs.accumulator_type(elem_of(a), elem_of(b)))]


@irdl_op_definition
class IRMSNormOp(GraphOp):
    """Integer RMSNorm over the last axis with an exact integer square root (spec §3)."""

    name = "graph.irmsnorm"
    x = operand_def(TensorType)
    weight = operand_def(TensorType)
    res = result_def(TensorType)
    d = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $weight attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        x, w = operand_types
        _require_int("the operand", x)
        _require_int("weight", w)
        _check_pow2(props, "d")
        n = _check_levels(props)
        last = shape_of(x)[-1:]
        if not _broadcasts_to(w, last):
            raise gs.ShapeError(f"weight shape {shape_of(w)} does not match the last axis {last}")
        return [tensor(shape_of(x), gs.levels_type(n, True))]


@irdl_op_definition
class ILayerNormOp(GraphOp):
    """Integer LayerNorm over the last axis (spec §7.2)."""

    name = "graph.ilayernorm"
    x = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = operand_def(TensorType)
    res = result_def(TensorType)
    d = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        x = operand_types[0]
        for t in operand_types:
            _require_int("every operand", t)
        _check_pow2(props, "d")
        n = _check_levels(props)
        last = shape_of(x)[-1:]
        for t in operand_types[1:]:
            if not _broadcasts_to(t, last):
                raise gs.ShapeError(f"weight/bias shape {shape_of(t)} does not match the last "
                                    f"axis {last}")
        return [tensor(shape_of(x), gs.levels_type(n, True))]


@irdl_op_definition
class INoNormOp(GraphOp):
    """MobileBERT NoNorm: floor(((x*w + b) * mul) / D), clipped (spec §7.1)."""

    name = "graph.inonorm"
    x = operand_def(TensorType)
    weights = operand_def(TensorType)
    bias = operand_def(TensorType)
    res = result_def(TensorType)
    d = prop_def(IntegerAttr)
    mul = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $weights `,` $bias attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, operand_types, props):
        x, w, b = operand_types
        for t in operand_types:
            _require_int("every operand", t)
        _check_pow2(props, "d")
        n = _check_levels(props)
        xs = shape_of(x)
        if not (_broadcasts_to(w, xs) and _broadcasts_to(b, xs)):
            raise gs.ShapeError(f"weights {shape_of(w)} / bias {shape_of(b)} do not broadcast "
                                f"to {xs}")
        return [tensor(xs, gs.levels_type(n, True))]


# ---------------------------------------------------------------------------------------------
# Decoder state: in-place KV caches and attention over a partly filled cache


def _position_operand(t: Attribute) -> None:
    """`pos` of the state ops: the consecutive positions of the new rows (of the queries);
    the first element places them, so one (1, N) input serves RoPE and the cache alike."""
    _require_int("the positions", t)
    if prod(shape_of(t)) < 1:
        raise gs.ShapeError(f"the positions must hold at least one element, got {t}")


@irdl_op_definition
class CacheWriteOp(GraphOp):
    """`rows` written into `cache` at positions pos[0], pos[0]+1, ... along `axis`.

    The in-place KV cache append (DESIGN.md §3): the cache has a fixed capacity and `pos` is
    a runtime value, so one decode program serves every step. In value semantics the result
    is a new tensor; bufferization gives it the cache's own buffer, so a step moves the new
    rows only instead of copying the cache as the Concat form does. A write past the
    capacity is an error.
    """

    name = "graph.cache_write"
    cache = operand_def(TensorType)
    rows = operand_def(TensorType)
    pos = operand_def(TensorType)
    res = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    assembly_format = ("$cache `,` $rows `,` $pos attr-dict `:` "
                       "functional-type(operands, results)")

    @classmethod
    def infer(cls, operand_types, props):
        cache, rows, pos = operand_types
        _position_operand(pos)
        cs, rs = shape_of(cache), shape_of(rows)
        if elem_of(cache) != elem_of(rows):
            raise gs.ShapeError(f"rows of {elem_of(rows)} cannot be written into a cache of "
                                f"{elem_of(cache)}")
        if len(cs) != len(rs):
            raise gs.ShapeError(f"rows {rs} and cache {cs} differ in rank")
        axis = gs.normalize_axis(get_int(props, "axis"), len(cs))
        if any(c != r for d, (c, r) in enumerate(zip(cs, rs, strict=True)) if d != axis):
            raise gs.ShapeError(f"rows {rs} and cache {cs} differ outside axis {axis}")
        if rs[axis] > cs[axis]:
            raise gs.ShapeError(f"{rs[axis]} rows exceed the cache capacity {cs[axis]}")
        return [cache]


class CausalRowOp(GraphOp):
    """A softmax over the last axis of x (..., N, C) in which query row q (axis -2) sees
    positions 0..pos[0]+q only: entries past that are 0 in the result.

    This is causal attention over a KV cache filled up to a runtime position. Unlike an
    additive mask, the hidden entries take no part in the row's maximum and sum, so a row
    gives the same result whatever the cache capacity: decode over a cache and prefill of
    the longer sequence agree exactly in the integer model.
    """

    x = operand_def(TensorType)
    pos = operand_def(TensorType)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$x `,` $pos attr-dict `:` functional-type(operands, results)"

    @staticmethod
    def check_rows(operand_types: Sequence[Attribute]) -> tuple[int, ...]:
        x, pos = operand_types
        _position_operand(pos)
        xs = shape_of(x)
        if len(xs) < 2:
            raise gs.ShapeError(f"expected (..., queries, positions), got {x}")
        return xs


@irdl_op_definition
class CausalSoftmaxOp(CausalRowOp):
    """Float softmax over the visible prefix of each row (see `CausalRowOp`)."""

    name = "graph.causal_softmax"

    @classmethod
    def infer(cls, operand_types, props):
        _require_float("the operand", operand_types[0])
        cls.check_rows(operand_types)
        return [operand_types[0]]


@irdl_op_definition
class ICausalSoftmaxOp(CausalRowOp):
    """iSoftmax (spec §2) over the visible prefix of each row (see `CausalRowOp`)."""

    name = "graph.icausal_softmax"
    coeff_a = prop_def(IntegerAttr)
    coeff_b = prop_def(IntegerAttr)
    coeff_c = prop_def(IntegerAttr)
    log2 = prop_def(IntegerAttr)
    n_levels = prop_def(IntegerAttr)

    @classmethod
    def infer(cls, operand_types, props):
        _require_int("the operand", operand_types[0])
        xs = cls.check_rows(operand_types)
        if get_int(props, "log2") < 1:
            raise gs.ShapeError("log2 must be positive")
        n = _check_levels(props)
        return [tensor(xs, gs.levels_type(n, False))]


GRAPH_OPS: tuple[type[GraphOp], ...] = (
    WeightOp, AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqualOp, LessOp, GreaterOp,
    WhereOp, ReluOp, NegOp, AbsOp, SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp, ErfOp, ReciprocalOp,
    GeluOp, ClipOp, CastOp, MatMulOp, GemmOp, ConvOp, MaxPoolOp, AvgPoolOp, ReduceSumOp,
    ReduceMeanOp, ReduceMaxOp, SoftmaxOp, LayerNormOp, RMSNormOp, TransposeOp, ReshapeOp,
    ExpandOp, ConcatOp, SplitOp, SliceOp, PadOp, GatherOp, RequantShiftOp, ISoftmaxOp, ITAMaxOp,
    ITAPartialMaxOp, IHardswishOp, IGeluOp, TrueIntegerDivOp, IntegerDivOp, IRMSNormOp,
    ILayerNormOp, INoNormOp, MatMulRequantOp, AddRequantOp, MulRequantOp, CacheWriteOp,
    CausalSoftmaxOp, ICausalSoftmaxOp,
)

Graph = Dialect("graph", list(GRAPH_OPS), [])

"""Converters for the QuantLib/Deeploy integer operators (spec §0.1, §1-§7).

Scalar attributes arrive as INT or as float TENSORs of shape () or (1,), depending on the
op and the exporter; `NodeContext.scalar_attr` reads both. Constant operands (mul/add,
norm weights, biases) are float initializers holding integers and are always converted to
integer arrays, because every custom op is defined on integers only.
"""

from __future__ import annotations

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.frontend.convert import CONVERTERS, NodeContext, converter
from tinyslm_ir.frontend.onnx_ops import emit_reduce

_STANDARD = frozenset(CONVERTERS)


def _emit(ctx: NodeContext, op_cls: type[g.GraphOp], n_operands: int,
          props: dict[str, int]) -> None:
    operands = ctx.operands(*range(n_operands), integer=True)
    if len(operands) != n_operands:
        raise ctx.error(f"expected {n_operands} operands, got {len(operands)}")
    int_props = {k: g.int_prop(v) for k, v in props.items()}
    ctx.set_output(0, ctx.emit(op_cls, operands, int_props))


@converter("RequantShift")
def requant_shift(ctx: NodeContext) -> None:
    operands = ctx.operands(0, 1, 2, integer=True)
    props = {"div": g.int_prop(ctx.scalar_attr("div")),
             "n_levels": g.int_prop(ctx.scalar_attr("n_levels_out", "n_levels")),
             "signed": g.bool_prop(ctx.scalar_attr("signed"))}
    ctx.set_output(0, ctx.emit(g.RequantShiftOp, operands, props))


@converter("iSoftmax")
def isoftmax(ctx: NodeContext) -> None:
    _emit(ctx, g.ISoftmaxOp, 1, {
        "coeff_a": ctx.scalar_attr("coeffA"), "coeff_b": ctx.scalar_attr("coeffB"),
        "coeff_c": ctx.scalar_attr("coeffC"), "log2": ctx.scalar_attr("log2"),
        "n_levels": ctx.scalar_attr("n_levels")})


@converter("ITAMax")
def itamax(ctx: NodeContext) -> None:
    _emit(ctx, g.ITAMaxOp, 1, {"n_levels": ctx.scalar_attr("n_levels")})


@converter("ITAPartialMax")
def itapartialmax(ctx: NodeContext) -> None:
    _emit(ctx, g.ITAPartialMaxOp, 1, {"group_width": ctx.scalar_attr("group_width"),
                                       "n_levels": ctx.scalar_attr("n_levels")})


@converter("iHardswish")
def ihardswish(ctx: NodeContext) -> None:
    _emit(ctx, g.IHardswishOp, 1, {"three": ctx.scalar_attr("three"),
                                    "six": ctx.scalar_attr("six"),
                                    "one_over_six": ctx.scalar_attr("one_over_six")})


@converter("iGELU")
def igelu(ctx: NodeContext) -> None:
    _emit(ctx, g.IGeluOp, 1, {"b": ctx.scalar_attr("b"), "one": ctx.scalar_attr("one")})


@converter("TrueIntegerDiv")
def true_integer_div(ctx: NodeContext) -> None:
    _emit(ctx, g.TrueIntegerDivOp, 1, {
        "delta": ctx.scalar_attr("Delta"), "eps": ctx.scalar_attr("eps"),
        "eta": ctx.scalar_attr("eta"), "y": ctx.scalar_attr("y")})


@converter("IntegerDiv")
def integer_div(ctx: NodeContext) -> None:
    _emit(ctx, g.IntegerDivOp, 2, {"delta": ctx.scalar_attr("Delta"),
                                    "eps": ctx.scalar_attr("eps"),
                                    "eta": ctx.scalar_attr("eta")})


def _norm_axis_is_last(ctx: NodeContext) -> None:
    axis = ctx.attr("axis", -1)
    if axis not in (-1, len(ctx.shape(0)) - 1):
        raise ctx.error(f"only normalisation over the last axis is supported, got axis {axis}")


@converter("iRMSNorm")
def irmsnorm(ctx: NodeContext) -> None:
    _norm_axis_is_last(ctx)
    _emit(ctx, g.IRMSNormOp, 2, {"d": ctx.scalar_attr("D"),
                                  "n_levels": ctx.scalar_attr("n_levels")})


@converter("iLayerNorm")
def ilayernorm(ctx: NodeContext) -> None:
    _norm_axis_is_last(ctx)
    _emit(ctx, g.ILayerNormOp, 3, {"d": ctx.scalar_attr("D"),
                                    "n_levels": ctx.scalar_attr("n_levels")})


@converter("iNoNorm")
def inonorm(ctx: NodeContext) -> None:
    _emit(ctx, g.INoNormOp, 3, {"d": ctx.scalar_attr("D"), "mul": ctx.scalar_attr("mul"),
                                 "n_levels": ctx.scalar_attr("n_levels")})


@converter("IntegerMean")
def integer_mean(ctx: NodeContext) -> None:
    emit_reduce(ctx, g.ReduceMeanOp, list(ctx.attr("axes", [])))


QUANTLIB_OP_TYPES: frozenset[str] = frozenset(CONVERTERS) - _STANDARD
"""The op types this module registers: their presence marks a QuantLib integer graph."""

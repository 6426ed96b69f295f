"""Element-wise ops: binary arithmetic and compares with broadcasting, where, unary ops, clip,
cast (kernels in tsl_k_eltwise.h).

The lowering picks the compute type `tc` the kernel converts operands to: u32/u64 for
integer add/sub/mul (exact result modulo 2^32/2^64, which is what wrapping to the i32/i64
result keeps), i64 for signed integer division (trunc, exact for operands up to 32 bits),
the promoted type for max/min/where, a type holding both operands for compares.
"""

from __future__ import annotations

import math

from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, c_type, lowering
from tinyslm_ir.kernels.lowerings.views import (
    arg_in,
    arg_out,
    code,
    code_range,
    codes,
    elementwise_view,
    is_float,
    is_unsigned,
    kcall,
    numel,
    shape,
)

_BINARY = {g.AddOp: "add", g.SubOp: "sub", g.MulOp: "mul", g.DivOp: "div", g.PowOp: "pow",
           g.MaxOp: "max", g.MinOp: "min", g.EqualOp: "eq", g.LessOp: "lt", g.GreaterOp: "gt"}


def _compare_type(a: str, b: str) -> str:
    if is_float(a) or is_float(b):
        return "f32" if a == b == "f32" else "f64"
    if a == b:
        return a
    return "u64" if is_unsigned(a) and is_unsigned(b) else "i64"


def _binary_compute(name: str, a: str, b: str, r: str) -> tuple[str, str]:
    """(kernel op, compute code) of a binary op with operand codes a, b and result r."""
    if name in ("eq", "lt", "gt"):
        return name, _compare_type(a, b)
    if is_float(r) or name in ("max", "min"):
        return name, r
    if name == "div":
        if is_unsigned(a) and is_unsigned(b):
            return "div", "u64" if "64" in a + b else "u32"
        return "idiv", "i64"
    return name, "u32" if r == "i32" else "u64"


@lowering(*_BINARY)
def lower_binary(op: Operation) -> list[KernelCall]:
    a, b = op.operands
    ca, cb = codes(op, [a, b])
    cr = code(op, op.results[0].type)
    kop, tc = _binary_compute(_BINARY[type(op)], ca, cb, cr)
    out = shape(op.results[0])
    view, (sa, sb) = elementwise_view(op, out, [shape(a), shape(b)])
    if numel(out) == 0:
        return []
    return [kcall(kop, [ca, cb, cr, tc], [arg_in(0, ca), arg_in(1, cb), arg_out(0, cr)],
                  [(len(view), "int32_t"), (view, "const int32_t[]"), (sa, "const int32_t[]"),
                   (sb, "const int32_t[]")], macro="binary", lead=[kop])]


@lowering(g.WhereOp)
def lower_where(op: Operation) -> list[KernelCall]:
    c, a, b = op.operands
    _, ca, cb = codes(op, [c, a, b])
    cr = code(op, op.results[0].type)
    out = shape(op.results[0])
    if numel(out) == 0:
        return []
    view, (sc, sa, sb) = elementwise_view(op, out, [shape(c), shape(a), shape(b)])
    return [kcall("where", [ca, cb, cr],
                  [arg_in(0, "b1"), arg_in(1, ca), arg_in(2, cb), arg_out(0, cr)],
                  [(len(view), "int32_t"), (view, "const int32_t[]"), (sc, "const int32_t[]"),
                   (sa, "const int32_t[]"), (sb, "const int32_t[]")])]


_FLOAT_UNARY = {g.SigmoidOp: "sigmoid", g.TanhOp: "tanh", g.ExpOp: "exp", g.LogOp: "log",
                g.SqrtOp: "sqrt", g.ErfOp: "erf", g.ReciprocalOp: "reciprocal"}


def _unary_kernel(op: Operation, x: str) -> tuple[str, str]:
    """(kernel op, compute code) of a unary op on code x."""
    if isinstance(op, g.ReluOp):
        return "relu", x
    if isinstance(op, g.NegOp):
        return ("fneg", x) if is_float(x) else ("neg", "u64" if x == "u64" else "i64")
    if isinstance(op, g.AbsOp):
        if is_float(x):
            return "fabs", x
        return ("cast", x) if is_unsigned(x) else ("abs", "i64")
    if not is_float(x):
        raise NoKernelError(op, "defined on float tensors only")
    if isinstance(op, g.GeluOp):
        return ("gelu_tanh" if g.get_bool(op.properties, "tanh_approx") else "gelu"), x
    return _FLOAT_UNARY[type(op)], x


def _unary_call(kop: str, x: str, r: str, tc: str, n: int) -> KernelCall:
    return kcall(kop, [x, r, tc], [arg_in(0, x), arg_out(0, r)], [(n, "int32_t")],
                 macro="unary", lead=[kop])


@lowering(g.ReluOp, g.NegOp, g.AbsOp, g.GeluOp, *_FLOAT_UNARY)
def lower_unary(op: Operation) -> list[KernelCall]:
    x = code(op, op.operands[0].type)
    kop, tc = _unary_kernel(op, x)
    n = numel(shape(op.operands[0]))
    return [_unary_call(kop, x, x, tc, n)] if n else []


@lowering(g.CastOp)
def lower_cast(op: Operation) -> list[KernelCall]:
    x, r = code(op, op.operands[0].type), code(op, op.results[0].type)
    n = numel(shape(op.operands[0]))
    return [_unary_call("cast", x, r, x, n)] if n else []


def clip_bounds(op: Operation, x: str) -> tuple[int | float, int | float]:
    """Clip's bounds in the element type: ceil(min)/floor(max) on integers, limited to the type
    range; +-inf or the type range when absent."""
    props = op.properties
    lo = g.get_float(props, "min") if "min" in props else -math.inf
    hi = g.get_float(props, "max") if "max" in props else math.inf
    if is_float(x):
        return lo, hi
    tlo, thi = code_range(x)

    def limit(v: float, rounded: int) -> int:
        return tlo if v == -math.inf else thi if v == math.inf else min(max(rounded, tlo), thi)

    return (limit(lo, math.ceil(lo) if math.isfinite(lo) else 0),
            limit(hi, math.floor(hi) if math.isfinite(hi) else 0))


@lowering(g.ClipOp)
def lower_clip(op: Operation) -> list[KernelCall]:
    x = code(op, op.operands[0].type)
    n = numel(shape(op.operands[0]))
    if not n:
        return []
    lo, hi = clip_bounds(op, x)
    ctype = c_type(x)
    return [kcall("clip", [x], [arg_in(0, x), arg_out(0, x)],
                  [(n, "int32_t"), (lo, ctype), (hi, ctype)])]

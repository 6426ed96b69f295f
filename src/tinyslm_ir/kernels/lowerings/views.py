"""Shapes, strides and element-type codes shared by the lowerings.

Kernels see tensors as strided views (element strides, 0 = broadcast). Every lowering
collapses its views before emitting a call: dims of extent 1 are dropped and neighbours that
are contiguous in every operand are merged, so most element-wise calls are 1-D or 2-D and
the kernels' rank limit (6) is rarely approached.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from xdsl.dialects.builtin import BFloat16Type, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels.catalog import Arg, KernelCall, NoKernelError, Param, type_code

MAX_RANK = 6
Shape = tuple[int, ...]

# C scalar types of parameters (KernelCall.param_types).
I32, I64, U32, U64, F32, F64, ARR = (
    "int32_t", "int64_t", "uint32_t", "uint64_t", "float", "double", "const int32_t[]")

_BYTE_CODES = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}
_SIZES = {"i8": 1, "u8": 1, "b1": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "f32": 4,
          "i64": 8, "u64": 8, "f64": 8}
FLOATS = ("f32", "f64")


def code(op: Operation, t: Attribute) -> str:
    """Element-type code of a tensor type (or element type) `t`, or NoKernelError."""
    elt = t.get_element_type() if isinstance(t, TensorType) else t
    if isinstance(elt, BFloat16Type):
        raise NoKernelError(op, "bf16 is computed by the float path, not yet")
    try:
        return type_code(elt)
    except ValueError as e:
        raise NoKernelError(op, str(e)) from e


def codes(op: Operation, values: Sequence[SSAValue]) -> list[str]:
    return [code(op, v.type) for v in values]


def shape(v: SSAValue) -> Shape:
    return g.shape_of(v.type)


def byte_code(c: str) -> str:
    """The same-size unsigned code used by pure data movement (copies move bytes)."""
    return _BYTE_CODES[_SIZES[c]]


def is_float(c: str) -> bool:
    return c in FLOATS


def is_unsigned(c: str) -> bool:
    return c.startswith("u") or c == "b1"


def code_range(c: str) -> tuple[int, int]:
    """Value range of an integer code."""
    if c == "b1":
        return 0, 1
    bits = int(c[1:])
    return (0, 2**bits - 1) if c.startswith("u") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def maxabs(c: str) -> int:
    lo, hi = code_range(c)
    return max(-lo, hi)


def scalar_type(c: str) -> str:
    """C type of a scalar computed at the precision of result code `c` (alpha, eps, ...)."""
    return {"i32": I32, "i64": I64, "f32": F32, "f64": F64}[c]


def contiguous(s: Sequence[int]) -> Shape:
    strides, acc = [], 1
    for d in reversed(s):
        strides.append(acc)
        acc *= d
    return tuple(reversed(strides))


def broadcast_strides(operand: Sequence[int], out: Sequence[int]) -> Shape:
    """Strides of `operand` viewed with numpy broadcasting as `out` (0 on broadcast dims)."""
    aligned = (1,) * (len(out) - len(operand)) + tuple(operand)
    cs = contiguous(aligned)
    return tuple(0 if a == 1 else s for a, s in zip(aligned, cs, strict=True))


def collapse(s: Sequence[int], strides: Sequence[Sequence[int]]) -> tuple[Shape, list[Shape]]:
    """Drop extent-1 dims and merge neighbours contiguous in every view; at least rank 1."""
    dims = [(d, [st[i] for st in strides]) for i, d in enumerate(s) if d != 1]
    merged: list[tuple[int, list[int]]] = []
    for d, sts in dims:
        if merged and all(ps == st * d for ps, st in zip(merged[-1][1], sts, strict=True)):
            merged[-1] = (merged[-1][0] * d, sts)
        else:
            merged.append((d, sts))
    if not merged:
        merged = [(1, [0] * len(strides))]
    out_shape = tuple(d for d, _ in merged)
    return out_shape, [tuple(sts[k] for _, sts in merged) for k in range(len(strides))]


def check_rank(op: Operation, rank: int) -> None:
    if rank > MAX_RANK:
        raise NoKernelError(op, f"the collapsed view has rank {rank} > {MAX_RANK}")


def elementwise_view(op: Operation, out: Sequence[int], operands: Sequence[Sequence[int]]
                     ) -> tuple[Shape, list[Shape]]:
    """Collapsed (shape, strides per operand) of operands broadcast to a contiguous `out`."""
    sts = [broadcast_strides(o, out) for o in operands]
    view, (_, *rest) = collapse(out, [contiguous(out), *sts])
    check_rank(op, len(view))
    return view, list(rest)


def numel(s: Sequence[int]) -> int:
    return prod(s)


def log2_exact(v: int) -> int:
    """log2 of a power of two, else -1."""
    return v.bit_length() - 1 if v > 0 and v & (v - 1) == 0 else -1


def levels(n_levels: int, signed: bool) -> tuple[int, int]:
    """S(n) or U(n), the clip range of spec §0 (Deeploy form)."""
    return (-(n_levels // 2), n_levels // 2 - 1) if signed else (0, n_levels - 1)


def i32_levels(op: Operation, n_levels: int, signed: bool) -> tuple[int, int]:
    lo, hi = levels(n_levels, signed)
    if hi > 2**31 - 1:
        raise NoKernelError(op, f"n_levels = {n_levels} exceeds the kernels' int32 clip range")
    return lo, hi


def wrap(value: int, bits: int) -> int:
    """`value` modulo 2^bits, as an unsigned number."""
    return value % (1 << bits)


def wrap_signed(value: int, bits: int) -> int:
    v = value % (1 << bits)
    return v - (1 << bits) if v >= 1 << (bits - 1) else v


def arg_in(index: int, c: str, offset: int = 0) -> Arg:
    return Arg("in", index, offset=offset, code=c)


def arg_out(index: int, c: str, offset: int = 0) -> Arg:
    return Arg("out", index, offset=offset, code=c)


NULL = Arg("null")


def kcall(kernel: str, codes_: Sequence[str], args: Sequence[Arg],
          params: Sequence[tuple[Param, str]], *, macro: str | None = None,
          lead: Sequence[str] = ()) -> KernelCall:
    """A call of `tsl_<kernel>__<codes>`, instantiated by `TSL_DEFINE_<MACRO>(lead..., codes...)`.

    `params` pairs each value with its C type."""
    name = f"tsl_{kernel}__{'_'.join(codes_)}"
    macro_args = ", ".join((*lead, *codes_))
    inst = f"TSL_DEFINE_{(macro or kernel).upper()}({macro_args})"
    return KernelCall(callee=name, args=tuple(args), params=tuple(p for p, _ in params),
                      instantiation=inst, param_types=tuple(t for _, t in params))


def arr(values: Sequence[int]) -> tuple[tuple[int, ...], str]:
    return tuple(int(v) for v in values), ARR


def check_fits_i32(op: Operation, *sizes: int) -> None:
    if any(s > 2**31 - 1 for s in sizes):
        raise NoKernelError(op, "a tensor has more than 2^31 - 1 elements")


def require_int(op: Operation, c: str, what: str) -> None:
    if is_float(c):
        raise NoKernelError(op, f"{what} must be an integer tensor")

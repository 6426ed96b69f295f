"""Kernel calls: the contract between kernel selection, bufferization and the C printer.

A graph op lowers to a short sequence of `KernelCall`s. Each names a C function of the
kernel library (`callee`), its buffer arguments (`args`: the op's operands and results, a
null pointer, or a scratch buffer) and its scalar or array parameters (`params`). The C
calling convention is `callee(buffer args..., params...)`: buffers as typed pointers
advanced by `Arg.offset` elements, integers as `int32_t` (or `int64_t` when the value does
not fit), floats as `float` or `double` per the kernel, and integer tuples as
`const int32_t[]`.

Two optional fields make a call printable without knowing the kernel: `Arg.code` is the
element-type code of a buffer (the C printer's `c_call.emit_call` casts the buffer to
`const T *` / `T *` with it), and `KernelCall.param_types` gives each parameter's C type
(`int32_t`, `int64_t`, `uint32_t`, `uint64_t`, `int8_t` ... the element types, `float`,
`double`, or `const int32_t[]` for an integer tuple). Without `param_types` an integer is
`int32_t` (`int64_t` if it does not fit), a float `double`, a tuple `const int32_t[]`.

Buffer arguments are in `args` order; `Arg.kind == "scratch"` names a temporary buffer of
`scratch_bytes` that calls of the same op share by `index` (the current library needs none).
A call with `parallel` runs inside one `tsl_fork` over the team (its end is the barrier
before the next call); kernels split their work by `tsl_core_id()` / `tsl_team_size()`.

Kernels are templates instantiated for element types: `instantiation` is the C macro call
that defines `callee` (for example `TSL_DEFINE_MATMUL(i8, i8, i32)` defines
`tsl_matmul__i8_i8_i32`). The printer emits each distinct instantiation once.

Lowerings are registered per op class with `@lowering(OpClass)`. `kernel_calls(op)` is what
kernel selection and bufferization call; an op without a lowering, or with types its
lowering rejects, raises `NoKernelError`, which names the op and its types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
)
from xdsl.ir import Attribute, Operation

Param = int | float | tuple[int, ...]


@dataclass(frozen=True)
class Arg:
    """One buffer argument: operand `index` (in), result `index` (out), null, or scratch."""

    kind: Literal["in", "out", "null", "scratch"]
    index: int = 0
    offset: int = 0  # in elements of `code`
    scratch_bytes: int = 0
    code: str = ""  # element-type code of the buffer (i8, ..., f64, b1); "" for null


@dataclass(frozen=True)
class KernelCall:
    callee: str
    args: tuple[Arg, ...]
    params: tuple[Param, ...] = ()
    instantiation: str | None = None
    engine: Literal["cluster", "npu", "host"] = "cluster"
    parallel: bool = True
    param_types: tuple[str, ...] = ()  # C type per param; () = the defaults above


class NoKernelError(Exception):
    """No kernel computes this op with these types; the message names both."""

    def __init__(self, op: Operation, reason: str):
        types = ", ".join(str(o.type) for o in op.operands)
        results = ", ".join(str(r.type) for r in op.results)
        super().__init__(f"no kernel for '{op.name}' on ({types}) -> ({results}): {reason}")
        self.op = op


Lowering = Callable[[Operation], list[KernelCall]]
LOWERINGS: dict[type[Operation], Lowering] = {}


def lowering(*ops: type[Operation]) -> Callable[[Lowering], Lowering]:
    def register(fn: Lowering) -> Lowering:
        for op in ops:
            if op in LOWERINGS:
                raise ValueError(f"{op.name} has two lowerings")
            LOWERINGS[op] = fn
        return fn

    return register


def kernel_calls(op: Operation) -> list[KernelCall]:
    """The calls that compute `op`, in order; raises NoKernelError when there are none."""
    _load_lowerings()
    fn = LOWERINGS.get(type(op))
    if fn is None:
        raise NoKernelError(op, "the kernel library has no lowering for this op")
    return fn(op)


def _load_lowerings() -> None:
    """Import the lowering modules once; they register themselves with @lowering."""
    from tinyslm_ir.kernels import lowerings  # noqa: F401


# ---------------------------------------------------------------------------------------------
# Element-type codes shared by kernel names, instantiation macros and the C printer.

_CODES: dict[str, str] = {
    "i8": "int8_t", "u8": "uint8_t", "i16": "int16_t", "u16": "uint16_t", "i32": "int32_t",
    "u32": "uint32_t", "i64": "int64_t", "u64": "uint64_t", "f32": "float", "f64": "double",
    "b1": "uint8_t",
}


def type_code(t: Attribute) -> str:
    """Short code of an element type: i8, u8, ..., f32, f64, b1 (i1 stored as a byte)."""
    if isinstance(t, IntegerType):
        w = t.width.data
        if w == 1:
            return "b1"
        prefix = "u" if t.signedness.data == Signedness.UNSIGNED else "i"
        code = f"{prefix}{w}"
        if code in _CODES:
            return code
    elif isinstance(t, Float32Type):
        return "f32"
    elif isinstance(t, Float64Type):
        return "f64"
    elif isinstance(t, BFloat16Type):
        raise ValueError("bf16 tensors are computed in f32 by the C library; not a storage type")
    raise ValueError(f"element type {t} has no C storage type")


def c_type(code: str) -> str:
    """The C type of an element-type code."""
    return _CODES[code]

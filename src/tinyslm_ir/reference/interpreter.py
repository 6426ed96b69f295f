"""The golden model: run a `func.func` of graph ops on numpy arrays.

The function body is planned once per call into a flat list of steps (impl, operands, result
kinds and shapes): dispatch is one lookup of the op class in `IMPLS`, and running a step costs
the impl call plus the result conversion, so whole models (~1,500 ops) take milliseconds of
interpreter overhead.

Value conventions (see `numerics`): integers are stored in their element type's numpy dtype
and computed exactly, i1 is bool, bf16 is float32 rounded to bf16 precision. An integer
result that does not fit its element type wraps (two's complement, as Deeploy's C does in
practice) and is reported with an `IntegerWrapWarning` naming the op and the count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects.graph_layouts import stored
from tinyslm_ir.reference.errors import InterpreterError, report_wrap
from tinyslm_ir.reference.integer_ops import INTEGER_IMPLS
from tinyslm_ir.reference.numerics import (
    ElementKind,
    convert_external,
    element_kind,
    round_bf16,
    wrap,
)
from tinyslm_ir.reference.registry import Impl
from tinyslm_ir.reference.standard_ops import STANDARD_IMPLS

IMPLS: dict[type[Operation], Impl] = {**STANDARD_IMPLS, **INTEGER_IMPLS}

Observer = Callable[[Operation, Sequence[np.ndarray]], None]
"""Called after each op with its results: how the quantizer calibrates on intermediates."""


def _kind(v: SSAValue, what: str) -> ElementKind:
    if not isinstance(v.type, TensorType):
        raise InterpreterError(f"{what} has type {v.type}, expected a tensor")
    return element_kind(v.type.get_element_type())


def _describe(op: Operation) -> str:
    hints = [r.name_hint for r in op.results if r.name_hint]
    return f"{op.name} (%{hints[0]})" if hints else op.name


def _to_result(op: Operation, index: int, value: np.ndarray, kind: ElementKind,
               shape: tuple[int, ...]) -> np.ndarray:
    """Convert an impl's array to the declared result type (wrap + report, or round)."""
    value = np.asarray(value)
    if value.shape != shape:
        raise InterpreterError(f"{_describe(op)}: result #{index} has shape {value.shape}, "
                               f"the IR declares {shape}")
    if kind.is_int:
        value, count = wrap(value, kind)
        report_wrap(_describe(op), count, f"result #{index} ({kind.name})")
        return value
    value = value.astype(kind.dtype, copy=False)
    return round_bf16(value) if kind.bf16 else value


@dataclass(frozen=True)
class _Step:
    op: Operation
    impl: Impl
    operands: tuple[SSAValue, ...]
    results: tuple[tuple[SSAValue, ElementKind, tuple[int, ...]], ...]


def _find_func(module: ModuleOp, func_name: str) -> func.FuncOp:
    for op in module.ops:
        if isinstance(op, func.FuncOp) and op.sym_name.data == func_name:
            return op
    raise InterpreterError(f"no func.func @{func_name} in the module")


def _plan(body: Sequence[Operation]) -> tuple[list[_Step], list[g.WeightOp], func.ReturnOp]:
    steps: list[_Step] = []
    weights: list[g.WeightOp] = []
    ret: func.ReturnOp | None = None
    for op in body:
        if isinstance(op, g.WeightOp):
            weights.append(op)
            continue
        if isinstance(op, func.ReturnOp):
            ret = op
            break
        impl = IMPLS.get(type(op))
        if impl is None:
            raise InterpreterError(f"unsupported op '{op.name}': the reference interpreter has "
                                   f"no implementation for it")
        results = tuple((r, _kind(r, f"result of {op.name}"), g.shape_of(r.type))
                        for r in op.results)
        steps.append(_Step(op, impl, tuple(op.operands), results))
    if ret is None:
        raise InterpreterError("the function body has no func.return")
    return steps, weights, ret


def run_module(module: ModuleOp, weights: Mapping[str, np.ndarray], inputs: Sequence[np.ndarray],
               *, func_name: str = "main", observer: Observer | None = None
               ) -> list[np.ndarray]:
    """Run `@func_name` of `module` and return its results as numpy arrays.

    `weights` maps `graph.weight` names to arrays of any dtype; `inputs` are positional, in
    argument order. Both are converted to the declared element types after checking that
    every value is representable (integral floats are accepted for integer types, since test
    data store integers as int64 or float). Result dtypes follow the element types (i8 ->
    int8, ui8 -> uint8, i1 -> bool, f32 -> float32, bf16 -> float32 rounded to bf16).

    `observer`, if given, sees every op (weights excluded) with its converted results right
    after it runs; the post-training quantizer records activation ranges this way.
    """
    fn = _find_func(module, func_name)
    args = fn.body.block.args
    if len(inputs) != len(args):
        raise InterpreterError(f"@{func_name} takes {len(args)} inputs, got {len(inputs)}")
    env: dict[SSAValue, np.ndarray] = {}
    for i, (arg, value) in enumerate(zip(args, inputs, strict=True)):
        name = f"input #{i}" + (f" (%{arg.name_hint})" if arg.name_hint else "")
        env[arg] = _external(np.asarray(value), arg, name)
    steps, weight_ops, ret = _plan(list(fn.body.block.ops))
    for w in weight_ops:
        if w.weight_name not in weights:
            raise InterpreterError(f"weight @{w.weight_name} is missing from the weight store")
        env[w.res] = _external(stored(np.asarray(weights[w.weight_name]), w.layout_name),
                               w.res, f"weight @{w.weight_name}")
    for step in steps:
        outs = step.impl(step.op, _lookup(env, step.operands, _describe(step.op)))
        if len(outs) != len(step.results):
            raise InterpreterError(f"{_describe(step.op)}: impl returned {len(outs)} results, "
                                   f"the op has {len(step.results)}")
        for i, (out, (res, kind, shape)) in enumerate(zip(outs, step.results, strict=True)):
            env[res] = _to_result(step.op, i, out, kind, shape)
        if observer is not None:
            observer(step.op, [env[r] for r, _, _ in step.results])
    return [np.array(v) for v in _lookup(env, ret.operands, "func.return")]


def _lookup(env: dict[SSAValue, np.ndarray], values: Sequence[SSAValue], user: str
            ) -> list[np.ndarray]:
    try:
        return [env[v] for v in values]
    except KeyError as e:
        raise InterpreterError(f"{user} uses a value that is not defined before it") from e


def _external(value: np.ndarray, v: SSAValue, what: str) -> np.ndarray:
    """Check and convert a weight or an input to the type of the value it defines."""
    kind = _kind(v, what)
    shape = g.shape_of(v.type)
    if value.shape != shape:
        raise InterpreterError(f"{what}: shape {value.shape} differs from the declared {shape}")
    return convert_external(value, kind, what)

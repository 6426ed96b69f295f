"""Build one-function modules of graph ops for the reference interpreter tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    Float64Type,
    FunctionType,
    ModuleOp,
    TensorType,
    i1,
)
from xdsl.ir import Attribute, Block, Region, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.reference import run_module

bf16 = BFloat16Type()


def element_type(dtype: np.dtype) -> Attribute:
    """The graph element type that stores numpy `dtype` (int8 -> i8, uint8 -> ui8, ...)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return i1
    if dtype.kind in "iu":
        return gs.int_type(dtype.itemsize * 8, dtype.kind == "i")
    return {4: Float32Type(), 8: Float64Type()}[dtype.itemsize]


def tensor_of(a: np.ndarray, elt: Attribute | None = None) -> TensorType:
    return TensorType(elt or element_type(a.dtype), list(np.shape(a)))


def build_module(arg_types: Sequence[TensorType],
                 body: Callable[..., Sequence[SSAValue]]) -> ModuleOp:
    """`func.func @main(args) -> results` whose body `body(*args)` builds implicitly."""
    block = Block(arg_types=list(arg_types))
    with ImplicitBuilder(block) as args:
        results = list(body(*args))
        func.ReturnOp(*results)
    fn = func.FuncOp("main", FunctionType.from_lists(list(arg_types), [r.type for r in results]),
                     Region(block))
    module = ModuleOp([fn])
    module.verify()
    return module


def run_op(op_cls: type[g.GraphOp], args: Sequence[np.ndarray],
           props: Mapping[str, Attribute] | None = None, *,
           arg_types: Sequence[Attribute | None] | None = None,
           result_types: Sequence[Attribute] | None = None) -> list[np.ndarray]:
    """Run one op on `args` (element types from the dtypes unless `arg_types` says)."""
    types = [tensor_of(a, (arg_types or [None] * len(args))[i]) for i, a in enumerate(args)]

    def body(*values: SSAValue) -> Sequence[SSAValue]:
        return op_cls.from_operands(values, props, result_types).results

    return run_module(build_module(types, body), {}, list(args))


def run1(op_cls: type[g.GraphOp], args: Sequence[np.ndarray],
         props: Mapping[str, Attribute] | None = None, **kw) -> np.ndarray:
    (out,) = run_op(op_cls, args, props, **kw)
    return out

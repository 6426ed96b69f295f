"""Data movement: transpose, reshape, expand, concat, split, slice, pad and gather, all through
the strided N-D copy (one instance per element byte size), plus fill and gather
(tsl_k_move.h). Concat converts operands whose type differs from the promoted result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from math import prod

from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.kernels.catalog import Arg, KernelCall, NoKernelError, c_type, lowering
from tinyslm_ir.kernels.lowerings.views import (
    ARR,
    I32,
    arg_in,
    arg_out,
    broadcast_strides,
    byte_code,
    check_rank,
    code,
    collapse,
    contiguous,
    is_float,
    kcall,
    numel,
    shape,
)


def copy_call(op: Operation, src: Arg, dst: Arg, extent: Sequence[int],
              src_strides: Sequence[int], dst_strides: Sequence[int]) -> list[KernelCall]:
    """Copy the `extent` view (element strides on both sides); none if it is empty."""
    if numel(extent) == 0:
        return []
    view, (ss, ds) = collapse(extent, [src_strides, dst_strides])
    check_rank(op, len(view))
    if src.code == dst.code:
        c = byte_code(src.code)
        src, dst = replace(src, code=c), replace(dst, code=c)
    return [kcall("copy", [src.code, dst.code], [src, dst],
                  [(len(view), I32), (view, ARR), (ss, ARR), (ds, ARR)])]


def _in_out(op: Operation) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    return code(op, op.operands[0].type), shape(op.operands[0]), shape(op.results[0])


@lowering(g.TransposeOp)
def lower_transpose(op: Operation) -> list[KernelCall]:
    t, xs, out = _in_out(op)
    strides = contiguous(xs)
    perm = g.get_ints(op.properties, "perm")
    return copy_call(op, arg_in(0, t), arg_out(0, t), out, [strides[p] for p in perm],
                     contiguous(out))


@lowering(g.ReshapeOp)
def lower_reshape(op: Operation) -> list[KernelCall]:
    t, xs, _ = _in_out(op)
    n = numel(xs)
    return copy_call(op, arg_in(0, t), arg_out(0, t), (n,), (1,), (1,))


@lowering(g.ExpandOp)
def lower_expand(op: Operation) -> list[KernelCall]:
    t, xs, out = _in_out(op)
    return copy_call(op, arg_in(0, t), arg_out(0, t), out, broadcast_strides(xs, out),
                     contiguous(out))


@lowering(g.ConcatOp)
def lower_concat(op: Operation) -> list[KernelCall]:
    out = shape(op.results[0])
    r = code(op, op.results[0].type)
    ax = gs.normalize_axis(g.get_int(op.properties, "axis"), len(out))
    outer, inner = prod(out[:ax]), prod(out[ax + 1:])
    calls: list[KernelCall] = []
    start = 0
    for i, v in enumerate(op.operands):
        length = shape(v)[ax]
        row = length * inner
        calls += copy_call(op, arg_in(i, code(op, v.type)), arg_out(0, r, start * inner),
                           (outer, row), (row, 1), (out[ax] * inner, 1))
        start += length
    return calls


@lowering(g.SplitOp)
def lower_split(op: Operation) -> list[KernelCall]:
    t, xs, _ = _in_out(op)
    ax = gs.normalize_axis(g.get_int(op.properties, "axis"), len(xs))
    outer, inner = prod(xs[:ax]), prod(xs[ax + 1:])
    calls: list[KernelCall] = []
    start = 0
    for j, length in enumerate(g.get_ints(op.properties, "sizes")):
        row = length * inner
        calls += copy_call(op, arg_in(0, t, start * inner), arg_out(j, t), (outer, row),
                           (xs[ax] * inner, 1), (row, 1))
        start += length
    return calls


@lowering(g.SliceOp)
def lower_slice(op: Operation) -> list[KernelCall]:
    t, xs, out = _in_out(op)
    props = op.properties
    starts, steps = g.get_ints(props, "starts"), g.get_ints(props, "steps")
    strides = contiguous(xs)
    if numel(out) == 0:
        return []
    offset = sum(s * st for s, st in zip(starts, strides, strict=True))
    return copy_call(op, arg_in(0, t, offset), arg_out(0, t), out,
                     [step * st for step, st in zip(steps, strides, strict=True)], contiguous(out))


@lowering(g.PadOp)
def lower_pad(op: Operation) -> list[KernelCall]:
    """Fill the result with `value`, then copy the (cropped, for negative pads) input into it."""
    t, xs, out = _in_out(op)
    pads = g.get_ints(op.properties, "pads")
    rank = len(xs)
    begins, ends = pads[:rank], pads[rank:]
    xst, ost = contiguous(xs), contiguous(out)
    extent = [d - max(-b, 0) - max(-e, 0) for d, b, e in zip(xs, begins, ends, strict=True)]
    src_off = sum(max(-b, 0) * s for b, s in zip(begins, xst, strict=True))
    dst_off = sum(max(b, 0) * s for b, s in zip(begins, ost, strict=True))
    calls: list[KernelCall] = []
    if numel(out) > numel(extent):
        value = g.get_float(op.properties, "value")
        calls.append(kcall("fill", [t], [arg_out(0, t)],
                           [(numel(out), I32), (value if is_float(t) else int(value), c_type(t))]))
    return calls + copy_call(op, arg_in(0, t, src_off), arg_out(0, t, dst_off), extent, xst, ost)


@lowering(g.GatherOp)
def lower_gather(op: Operation) -> list[KernelCall]:
    data, idx = op.operands
    t, ti = byte_code(code(op, data.type)), code(op, idx.type)
    ds = shape(data)
    ax = gs.normalize_axis(g.get_int(op.properties, "axis"), len(ds))
    if numel(shape(op.results[0])) == 0:
        return []
    return [kcall("gather", [t, ti], [arg_in(0, t), arg_in(1, ti), arg_out(0, t)],
                  [(prod(ds[:ax]), I32), (ds[ax], I32), (prod(ds[ax + 1:]), I32),
                   (numel(shape(idx)), I32)])]


def _cache_view(op: Operation) -> tuple[str, str, list[int]]:
    """(element code, position code, [outer, n, cap, inner]) of a cache_write: the cache as
    (outer, cap, inner) around its axis, the rows as (outer, n, inner)."""
    cache, rows, pos = op.operands
    cs = shape(cache)
    axis = gs.normalize_axis(g.get_int(op.properties, "axis"), len(cs))
    tp = code(op, pos.type)
    if is_float(tp):
        raise NoKernelError(op, "the positions must be integers")
    dims = [numel(cs[:axis]), shape(rows)[axis], cs[axis], numel(cs[axis + 1:])]
    return byte_code(code(op, cache.type)), tp, dims


@lowering(g.CacheWriteOp)
def lower_cache_write(op: Operation) -> list[KernelCall]:
    """The append on the cores; in place once bufferization gives the result the cache's
    buffer (the kernel copies the cache only when it does not)."""
    t, tp, dims = _cache_view(op)
    if numel(dims) == 0:
        return []
    return [kcall("cache_write", [t, tp], [arg_in(0, t), arg_in(1, t), arg_in(2, tp),
                                           arg_out(0, t)], [(d, I32) for d in dims])]


def gather_rows_dma(op: Operation) -> KernelCall | None:
    """A gather on axis 0 as DMAs issued by core 0 (strict-L1 code) on buffers (data,
    indices, out), the indices already in L1: an embedding lookup moves its rows only. None
    for gathers on another axis."""
    data, idx = op.operands
    ds = shape(data)
    if gs.normalize_axis(g.get_int(op.properties, "axis"), len(ds)) != 0 or \
            numel(shape(op.results[0])) == 0:
        return None
    t, ti = byte_code(code(op, data.type)), code(op, idx.type)
    call = kcall("gather_rows_dma", [t, ti], [arg_in(0, t), arg_in(1, ti), arg_out(0, t)],
                 [(ds[0], I32), (prod(ds[1:]), I32), (numel(shape(idx)), I32)])
    return replace(call, parallel=False)


def cache_write_dma(op: Operation) -> KernelCall:
    """The append as one DMA issued by core 0 (strict-L1 code) on buffers (rows, pos,
    cache): the cache is written in place, and pos must already be in L1."""
    t, tp, dims = _cache_view(op)
    call = kcall("cache_write_dma", [t, tp], [arg_in(1, t), arg_in(2, tp), arg_out(0, t)],
                 [(d, I32) for d in dims])
    return replace(call, parallel=False)

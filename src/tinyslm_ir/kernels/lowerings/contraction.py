"""MatMul and Gemm as one batched GEMM kernel (tsl_k_gemm.h); MatMul fused with RequantShift
as tsl_gemm_rq (tsl_k_gemm_rq.h).

The kernels read A and B through strides, so transposed Gemm operands, numpy's 1-D promotion
and broadcast batch dimensions need no copies: the lowerings only compute the strides.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from xdsl.ir import Operation

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.kernels.catalog import KernelCall, NoKernelError, lowering
from tinyslm_ir.kernels.lowerings.views import (
    ARR,
    I32,
    NULL,
    arg_in,
    arg_out,
    broadcast_strides,
    check_rank,
    code,
    collapse,
    is_float,
    kcall,
    levels,
    log2_exact,
    maxabs,
    numel,
    scalar_type,
    shape,
    wrap_signed,
)


def _scalar(value: float, r: str) -> int | float:
    """alpha/beta in the result's scalar type: wrapped integers (the kernel's arithmetic is
    modulo 2^32/2^64) or floats."""
    if is_float(r):
        return float(value)
    return wrap_signed(int(value), 32 if r == "i32" else 64)


def gemm_call(op: Operation, ta: str, tb: str, r: str, *, batch: tuple[int, ...],
              bsa: tuple[int, ...], bsb: tuple[int, ...], m: int, n: int, k: int,
              a_mk: tuple[int, int], b_kn: tuple[int, int], c: tuple[str, tuple[int, int]] | None,
              alpha: float, beta: float) -> KernelCall:
    """The tsl_gemm call; `c` is (code, (scm, scn)) of operand 2, or None."""
    tc = c[0] if c else r
    args = [arg_in(0, ta), arg_in(1, tb), arg_in(2, tc) if c else NULL, arg_out(0, r)]
    sc = c[1] if c else (0, 0)
    st = scalar_type(r)
    return kcall("gemm", [ta, tb, tc, r], args,
                 [(len(batch), I32), (batch, ARR), (bsa, ARR), (bsb, ARR), (m, I32), (n, I32),
                  (k, I32), (a_mk[0], I32), (a_mk[1], I32), (b_kn[0], I32), (b_kn[1], I32),
                  (sc[0], I32), (sc[1], I32), (_scalar(alpha, r), st), (_scalar(beta, r), st)])


@lowering(g.MatMulOp)
def lower_matmul(op: Operation) -> list[KernelCall]:
    a, b = op.operands
    ta, tb, r = code(op, a.type), code(op, b.type), code(op, op.results[0].type)
    sa, sb = shape(a), shape(b)
    a2 = (1, *sa) if len(sa) == 1 else sa
    b2 = (*sb, 1) if len(sb) == 1 else sb
    m, k, n = a2[-2], a2[-1], b2[-1]
    if numel(shape(op.results[0])) == 0:
        return []
    batch = gs.broadcast_shapes(a2[:-2], b2[:-2])
    ba = broadcast_strides(a2[:-2], batch) if batch else ()
    bb = broadcast_strides(b2[:-2], batch) if batch else ()
    ba = tuple(s * m * k for s in ba)
    bb = tuple(s * k * n for s in bb)
    view, (bsa, bsb) = collapse(batch, [ba, bb])
    check_rank(op, len(view))
    return [gemm_call(op, ta, tb, r, batch=view, bsa=bsa, bsb=bsb, m=m, n=n, k=k,
                      a_mk=(k, 1), b_kn=(n, 1), c=None, alpha=1, beta=0)]


INT32_MAX = 2**31 - 1


@lowering(g.MatMulRequantOp)
def lower_matmul_requant(op: Operation) -> list[KernelCall]:
    """One tsl_gemm_rq call. The requantization runs in int32 when |acc|max*|mul|max +
    |add|max + div fits for the operand types, else in int64, where the kernel still takes
    int32 for each output whose |acc| is at most acc_lim (-1: none); |acc| is at most the int32
    product the MatMul wraps to, and at most K * |a|max * |b|max."""
    a, b, mul, add = op.operands
    ta, tb, tm, td = (code(op, v.type) for v in (a, b, mul, add))
    r = code(op, op.results[0].type)
    if is_float(ta) or is_float(tb) or is_float(tm) or is_float(td):
        raise NoKernelError(op, "matmul_rq needs integer operands")
    trans = g.get_bool(op.properties, "trans_rhs")
    sa, sb = shape(a), g.MatMulRequantOp.rhs_kn(shape(b), op.properties)
    m, k, n = sa[-2], sa[-1], sb[-1]
    if numel(shape(op.results[0])) == 0:
        return []
    batch = gs.broadcast_shapes(sa[:-2], sb[:-2])
    ba = tuple(s * m * k for s in broadcast_strides(sa[:-2], batch)) if batch else ()
    bb = tuple(s * k * n for s in broadcast_strides(sb[:-2], batch)) if batch else ()
    view, (bsa, bsb) = collapse(batch, [ba, bb])
    check_rank(op, len(view))
    div = g.get_int(op.properties, "div")
    lo, hi = levels(g.get_int(op.properties, "n_levels"), g.get_bool(op.properties, "signed"))
    pairs = g.get_bool(op.properties, "rhs_pairs")
    acc = min(k * maxabs(ta) * maxabs("i8" if pairs else tb), 2**31)  # k_pairs hold int8
    tc = "i32" if acc * maxabs(tm) + maxabs(td) + div <= INT32_MAX else "i64"
    room = INT32_MAX - maxabs(td) - div  # what acc*mul may take; the rounding half is < div
    acc_lim = room // maxabs(tm) if room >= 0 else -1
    if pairs:
        # B is k_pairs words (K/2, N): the pair-packed kernel, for an i8 lhs (graph_layouts)
        return [kcall("gemm_rq_pairs", [tm, td, r, tc],
                      [arg_in(0, ta), arg_in(1, tb), arg_in(2, tm), arg_in(3, td), arg_out(0, r)],
                      [(len(view), I32), (view, ARR), (bsa, ARR), (m, I32), (n, I32), (k, I32),
                       (0 if numel(shape(mul)) == 1 else 1, I32),
                       (0 if numel(shape(add)) == 1 else 1, I32), (log2_exact(div), I32),
                       (lo, I32), (hi, I32), (acc_lim, I32)])]
    sbk, sbn = (1, k) if trans else (n, 1)
    return [kcall("gemm_rq", [ta, tb, tm, td, r, tc],
                  [arg_in(0, ta), arg_in(1, tb), arg_in(2, tm), arg_in(3, td), arg_out(0, r)],
                  [(len(view), I32), (view, ARR), (bsa, ARR), (bsb, ARR), (m, I32), (n, I32),
                   (k, I32), (sbk, I32), (sbn, I32), (0 if numel(shape(mul)) == 1 else 1, I32),
                   (0 if numel(shape(add)) == 1 else 1, I32), (log2_exact(div), I32),
                   (lo, I32), (hi, I32), (acc_lim, I32)])]


@lowering(g.GemmOp)
def lower_gemm(op: Operation) -> list[KernelCall]:
    a, b = op.operands[:2]
    props = op.properties
    ta, tb, r = code(op, a.type), code(op, b.type), code(op, op.results[0].type)
    trans_a, trans_b = g.get_bool(props, "trans_a"), g.get_bool(props, "trans_b")
    (ra, ca), (rb, cb) = shape(a), shape(b)
    m, k = (ca, ra) if trans_a else (ra, ca)
    n = rb if trans_b else cb
    if m * n == 0:
        return []
    c = None
    if len(op.operands) > 2:
        scm, scn = broadcast_strides(shape(op.operands[2]), (m, n))
        c = (code(op, op.operands[2].type), (scm, scn))
    return [gemm_call(op, ta, tb, r, batch=(1,), bsa=(0,), bsb=(0,), m=m, n=n, k=k,
                      a_mk=(1, m) if trans_a else (k, 1), b_kn=(1, k) if trans_b else (n, 1),
                      c=c, alpha=g.get_float(props, "alpha", 1.0),
                      beta=g.get_float(props, "beta", 1.0))]


def accumulating_gemm(call: KernelCall) -> list[KernelCall]:
    """Calls that add the product of ``call`` (a tsl_gemm) to what its output holds.

    A split reduction runs these on every K tile after the first: C is the output itself with
    beta = 1, so integer partial sums accumulate in place in the L1 output tile (exact in any
    order, being modulo 2^32). C is an unbatched (M, N) view, hence one call per batch index,
    with A, B and the output advanced to that batch.
    """
    if not call.callee.startswith("tsl_gemm__"):
        raise ValueError(f"{call.callee} has no accumulating form")
    a, b, _, out = call.args
    _, batch, bsa, bsb, m, n, k, sam, sak, sbk, sbn, _, _, alpha, _ = call.params
    r = out.code
    calls = []
    for i, idx in enumerate(itertools.product(*(range(e) for e in batch))):  # type: ignore
        da = sum(j * s for j, s in zip(idx, bsa, strict=True))  # type: ignore[arg-type]
        db = sum(j * s for j, s in zip(idx, bsb, strict=True))  # type: ignore[arg-type]
        o = replace(out, offset=out.offset + i * m * n)  # type: ignore[operator]
        args = [replace(a, offset=a.offset + da), replace(b, offset=b.offset + db), o, o]
        calls.append(kcall("gemm", [a.code, b.code, r, r], args,
                           [(1, I32), ((1,), ARR), ((0,), ARR), ((0,), ARR), (m, I32), (n, I32),
                            (k, I32), (sam, I32), (sak, I32), (sbk, I32), (sbn, I32), (n, I32),
                            (1, I32), (alpha, scalar_type(r)), (_scalar(1, r), scalar_type(r))]))
    return calls

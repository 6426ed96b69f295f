"""Tile-constraint descriptions: what an op computes, as far as tiling needs to know.

A description is an iteration space (named dims, parallel or reduction) plus, for every
operand and result, how each tensor axis is indexed by the iteration dims. It says nothing
about IR: `from_graph` builds one per graph op, and the builders below (`gemm`, `elementwise`,
`rows`, `conv2d`, ...) take plain shapes, so tests can make random ones.

The rules a tile size obeys live here too, because they belong to the kernel, not to the
solver: a dim the kernel cannot split is `fixed` (with the reason, which an infeasibility
diagnostic quotes), and a split dim's tile size is a multiple of its `granule` (packed int8
rows want multiples of 4), or the whole extent.

An axis is indexed affinely by at most one dim: the iteration range ``[i0, i0 + t)`` reads
tensor indices ``[offset + stride*i0, offset + stride*(i0 + t - 1) + window)``, clipped to
the tensor. ``window`` > 1 is a convolution's or pool's halo; ``offset`` is minus the padding
or a slice's start. An axis with no dim is read whole (a broadcast axis, a weight's kernel
window, the concat axis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import prod


@dataclass(frozen=True)
class Dim:
    """One loop of the iteration space.

    ``fixed`` is None when the kernel can tile the dim, else why it cannot (the dim's tile is
    then always its whole extent).
    """

    name: str
    extent: int
    reduction: bool = False
    granule: int = 1
    fixed: str | None = None

    def __post_init__(self) -> None:
        if self.extent < 1 or self.granule < 1:
            raise ValueError(f"dim {self.name!r}: extent and granule must be positive")

    def legal(self, tile: int) -> bool:
        """Whether the kernel accepts ``tile`` as this dim's tile size."""
        if tile == self.extent:
            return True
        return self.fixed is None and 0 < tile < self.extent and tile % self.granule == 0


@dataclass(frozen=True)
class Axis:
    """How one tensor axis is indexed (see the module docstring); ``dim=None``: read whole."""

    extent: int
    dim: str | None = None
    stride: int = 1
    window: int = 1
    offset: int = 0

    def span(self, start: int, size: int) -> tuple[int, int]:
        """The half-open index range read for iteration range ``[start, start + size)``."""
        if self.dim is None:
            return 0, self.extent
        lo = self.offset + self.stride * start
        hi = self.offset + self.stride * (start + size - 1) + self.window
        lo = min(max(lo, 0), self.extent)
        return lo, max(min(hi, self.extent), lo)

    def max_span(self, size: int) -> int:
        """An upper bound on the extent read for any tile of ``size`` iterations."""
        if self.dim is None:
            return self.extent
        return min(self.extent, self.stride * (size - 1) + self.window)


@dataclass(frozen=True)
class Operand:
    """An operand or result of the op: its axes (outermost first) and element size."""

    name: str
    axes: tuple[Axis, ...]
    elem_bytes: int
    output: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.extent for a in self.axes)

    @property
    def dims(self) -> frozenset[str]:
        """The iteration dims that index this operand."""
        return frozenset(a.dim for a in self.axes if a.dim is not None)


@dataclass(frozen=True)
class OpTiling:
    """The tile-constraint description of one layer.

    ``kernel`` names the kernel family in the cost model; ``work_per_point`` is the kernel's
    unit of work (a MAC, an element) per iteration point, e.g. the kh*kw taps of a conv whose
    window is folded into the input's halo. ``acc_bytes`` is the partial-sum element size
    kept in L1 when a reduction dim is split (int32 = 4), 0 when the op has no reduction.
    ``layer`` is only a label: it takes no part in equality, so identical layers share one
    cached solution.
    """

    kind: str
    dims: tuple[Dim, ...]
    operands: tuple[Operand, ...]
    kernel: str
    work_per_point: int = 1
    acc_bytes: int = 0
    layer: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        names = [d.name for d in self.dims]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.kind}: duplicate dim names {names}")
        for op in self.operands:
            unknown = op.dims - set(names)
            if unknown:
                raise ValueError(f"{self.kind}: operand {op.name!r} uses unknown dims {unknown}")

    @property
    def loop_order(self) -> tuple[Dim, ...]:
        """Parallel dims outermost (in order), reduction dims innermost: partial sums of one
        output tile are finished before the next one starts, so only one is live."""
        return tuple(d for d in self.dims if not d.reduction) + tuple(
            d for d in self.dims if d.reduction
        )

    @property
    def inputs(self) -> tuple[Operand, ...]:
        return tuple(o for o in self.operands if not o.output)

    @property
    def outputs(self) -> tuple[Operand, ...]:
        return tuple(o for o in self.operands if o.output)

    def dim(self, name: str) -> Dim:
        return next(d for d in self.dims if d.name == name)

    def points(self) -> int:
        """Iteration points of the whole op."""
        return prod(d.extent for d in self.dims)


# ---- builders, one per op family ----------------------------------------------------------

PACKED_INT8 = 4
"""Granule of a packed int8 axis: the kernels load 4 int8 values per 32-bit word."""


def _granule(elem_bytes: int) -> int:
    return PACKED_INT8 if elem_bytes == 1 else 1


def _broadcast_axes(shape: Sequence[int], out_dims: Sequence[Dim]) -> tuple[Axis, ...]:
    """Axes of an operand broadcast (numpy rules, right-aligned) against ``out_dims``."""
    lead = len(out_dims) - len(shape)
    if lead < 0:
        raise ValueError(f"operand of rank {len(shape)} does not broadcast to rank "
                         f"{len(out_dims)}")
    axes = []
    for extent, d in zip(shape, out_dims[lead:], strict=True):
        if extent == d.extent:
            axes.append(Axis(extent, d.name))
        elif extent == 1:
            axes.append(Axis(1))
        else:
            raise ValueError(f"extent {extent} does not broadcast to {d.extent}")
    return tuple(axes)


def elementwise(kind: str, out: Sequence[int], out_bytes: int,
                operands: Sequence[tuple[Sequence[int], int]], *,
                kernel: str = "eltwise") -> OpTiling:
    """An element-wise op with numpy broadcasting: every output axis is a parallel dim.

    ``operands`` are (shape, element bytes). The innermost dim keeps the packed-int8 granule
    of the narrowest tensor, so a tile never splits a 32-bit word of int8 values.
    """
    widths = [out_bytes, *(b for _, b in operands)]
    dims = tuple(
        Dim(f"d{i}", e, granule=_granule(min(widths)) if i == len(out) - 1 else 1)
        for i, e in enumerate(out)
    )
    ops = [Operand(f"in{i}", _broadcast_axes(s, dims), b) for i, (s, b) in enumerate(operands)]
    ops.append(Operand("out", tuple(Axis(d.extent, d.name) for d in dims), out_bytes, True))
    return OpTiling(kind, dims, tuple(ops), kernel)


def rows(kind: str, x: Sequence[int], x_bytes: int, out_bytes: int, *, axis: int = -1,
         params: Sequence[tuple[Sequence[int], int]] = (), kernel: str = "row") -> OpTiling:
    """A row op (softmax, norms): the axes from ``axis`` on are normalised and stay whole.

    ``params`` (shape, bytes) are per-element weights/biases broadcast against the
    normalised axes (or scalars); they are read whole by every tile.
    """
    axis %= len(x)
    why = f"the normalised axis of {kind} must stay whole"
    dims = tuple(Dim(f"d{i}", e, fixed=why if i >= axis else None) for i, e in enumerate(x))
    ops = [Operand("x", tuple(Axis(d.extent, d.name) for d in dims), x_bytes)]
    ops += [Operand(f"p{i}", _broadcast_axes(s, dims), b) for i, (s, b) in enumerate(params)]
    ops.append(Operand("out", tuple(Axis(d.extent, d.name) for d in dims), out_bytes, True))
    return OpTiling(kind, dims, tuple(ops), kernel)


def gemm(kind: str, batch: Sequence[int], m: int, n: int, k: int, *,
         a_batch: Sequence[int], b_batch: Sequence[int], a_bytes: int, b_bytes: int,
         out_bytes: int, trans_a: bool = False, trans_b: bool = False,
         bias: tuple[Sequence[int], int] | None = None,
         columns: Sequence[tuple[Sequence[int], int]] = (), kernel: str = "gemm",
         b_pairs: bool = False) -> OpTiling:
    """A batched GEMM ``out[b, m, n] = sum_k A[b, m, k] B[b, k, n] (+ bias[m, n])``.

    ``a_batch``/``b_batch`` are the operands' own batch shapes (broadcast against ``batch``).
    M, N and the reduction K are all tileable; N and K keep the packed-int8 granule of the
    operand whose rows they run along. K tiles accumulate in int32 partial sums in L1.
    ``columns`` (shape ``()`` or ``(n,)``, bytes) are per-column operands after the bias, such
    as a fused requantization's mul and add: sliced along N with the output. ``kernel``
    names the kernel family in the cost model. With ``b_pairs`` B is stored as k_pairs words
    (K/2, N) of ``b_bytes`` (`graph_layouts`): K stays whole and B's rows are read whole.
    """
    bdims = [Dim(f"b{i}", e) for i, e in enumerate(batch)]
    dm = Dim("m", m)
    dn = Dim("n", n, granule=_granule(b_bytes))
    dk = Dim("k", k, reduction=True, granule=_granule(min(a_bytes, b_bytes)),
             fixed="k_pairs weights keep K whole" if b_pairs else None)
    dims = (*bdims, dm, dn, dk)
    am, ak = Axis(m, "m"), Axis(k, "k")
    bk, bn = (Axis(k // 2), Axis(n, "n")) if b_pairs else (Axis(k, "k"), Axis(n, "n"))
    a_axes = (*_broadcast_axes(a_batch, bdims), *((ak, am) if trans_a else (am, ak)))
    b_axes = (*_broadcast_axes(b_batch, bdims), *((bn, bk) if trans_b else (bk, bn)))
    ops = [Operand("a", a_axes, a_bytes), Operand("b", b_axes, b_bytes)]
    if bias is not None:
        ops.append(Operand("bias", _broadcast_axes(bias[0], (dm, dn)), bias[1]))
    ops += [Operand(f"p{i}", _broadcast_axes(sh, (dn,)), b) for i, (sh, b) in enumerate(columns)]
    out_axes = tuple(Axis(d.extent, d.name) for d in (*bdims, dm, dn))
    ops.append(Operand("out", out_axes, out_bytes, True))
    return OpTiling(kind, dims, tuple(ops), kernel, acc_bytes=4)


@dataclass(frozen=True)
class Window:
    """A 2-D sliding window: kernel size, strides, dilations and top/left pads per axis."""

    kernel: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    dilations: tuple[int, int] = (1, 1)
    pads: tuple[int, int] = (0, 0)

    def axis(self, i: int, extent: int, dim: str) -> Axis:
        """The input axis ``i`` (0 = rows, 1 = columns) as read by output dim ``dim``."""
        span = (self.kernel[i] - 1) * self.dilations[i] + 1
        return Axis(extent, dim, self.strides[i], span, -self.pads[i])


def conv2d(x: Sequence[int], out: Sequence[int], window: Window, *, group: int,
           x_bytes: int, w_bytes: int, out_bytes: int, bias_bytes: int | None) -> OpTiling:
    """NCHW Conv: output channels, output rows/columns (the input tile grows by the halo)
    and, for a dense conv, the input channels K (int32 partial sums) are tileable.

    A depthwise conv reads input channel m for output channel m. Other grouped convs keep
    channels whole: a channel tile would have to respect group boundaries.
    """
    n, c, h, w = x
    _, m, oh, ow = out
    kh, kw = window.kernel
    grouped = group != 1 and not group == c == m
    why = "the channels of a grouped conv stay whole"
    dn, dm = Dim("n", n), Dim("m", m, fixed=why if grouped else None)
    doh, dow = Dim("oh", oh), Dim("ow", ow)
    dims: tuple[Dim, ...] = (dn, dm, doh, dow)
    rows_, cols = window.axis(0, h, "oh"), window.axis(1, w, "ow")
    if group == 1:
        dc = Dim("c", c, reduction=True)
        dims += (dc,)
        x_axes = (Axis(n, "n"), Axis(c, "c"), rows_, cols)
        w_axes = (Axis(m, "m"), Axis(c, "c"), Axis(kh), Axis(kw))
    else:
        x_axes = (Axis(n, "n"), Axis(c, None if grouped else "m"), rows_, cols)
        w_axes = (Axis(m, "m"), Axis(c // group), Axis(kh), Axis(kw))
    ops = [Operand("x", x_axes, x_bytes), Operand("w", w_axes, w_bytes)]
    if bias_bytes is not None:
        ops.append(Operand("bias", (Axis(m, "m"),), bias_bytes))
    out_axes = (Axis(n, "n"), Axis(m, "m"), Axis(oh, "oh"), Axis(ow, "ow"))
    ops.append(Operand("out", out_axes, out_bytes, True))
    taps = kh * kw * (1 if group == 1 else c // group)
    return OpTiling("conv", dims, tuple(ops), "gemm", work_per_point=taps, acc_bytes=4)


def pool2d(kind: str, x: Sequence[int], out: Sequence[int], window: Window, *,
           elem_bytes: int) -> OpTiling:
    """NCHW MaxPool/AveragePool: batch, channels and output rows/columns are tileable."""
    n, c, h, w = x
    oh, ow = out[2], out[3]
    dims = (Dim("n", n), Dim("c", c), Dim("oh", oh), Dim("ow", ow))
    x_axes = (Axis(n, "n"), Axis(c, "c"), window.axis(0, h, "oh"), window.axis(1, w, "ow"))
    out_axes = tuple(Axis(d.extent, d.name) for d in dims)
    ops = (Operand("x", x_axes, elem_bytes), Operand("out", out_axes, elem_bytes, True))
    return OpTiling(kind, dims, ops, "pool", work_per_point=prod(window.kernel))


def transpose(x: Sequence[int], perm: Sequence[int], elem_bytes: int) -> OpTiling:
    """A transpose, tiled along the outer dims: the innermost axis of the input and of the
    output stay whole, so every DMA row is a contiguous run on at least one side."""
    out = [x[p] for p in perm]
    inner = {len(out) - 1, perm.index(len(x) - 1)}
    why = "a transpose keeps the innermost axes of its input and output whole"
    dims = tuple(Dim(f"d{i}", e, fixed=why if i in inner else None) for i, e in enumerate(out))
    x_axes = tuple(Axis(x[j], f"d{perm.index(j)}") for j in range(len(x)))
    ops = (Operand("x", x_axes, elem_bytes),
           Operand("out", tuple(Axis(d.extent, d.name) for d in dims), elem_bytes, True))
    return OpTiling("transpose", dims, ops, "move")


def concat(inputs: Sequence[Sequence[int]], axis: int, elem_bytes: int) -> OpTiling:
    """A concat, tiled along every dim but the concat axis, which stays whole (a tile holds
    its part of every input, so no tile straddles two inputs unevenly). Splitting only the
    dims before the axis keeps each input tile one contiguous run per outer index; splitting
    inner ones costs strided DMA rows, which the cost model charges."""
    rank = len(inputs[0])
    axis %= rank
    out = list(inputs[0])
    out[axis] = sum(s[axis] for s in inputs)
    why = "a concat keeps its axis whole"
    dims = tuple(Dim(f"d{i}", e, fixed=why if i == axis else None) for i, e in enumerate(out))
    ops = [
        Operand(f"in{k}", tuple(Axis(e, d.name if i != axis else None)
                                for i, (e, d) in enumerate(zip(s, dims, strict=True))),
                elem_bytes)
        for k, s in enumerate(inputs)
    ]
    ops.append(Operand("out", tuple(Axis(d.extent, d.name) for d in dims), elem_bytes, True))
    return OpTiling("concat", dims, tuple(ops), "move")


def split(x: Sequence[int], axis: int, sizes: Sequence[int], elem_bytes: int) -> OpTiling:
    """A split, the mirror of a concat: tiled along every dim but the split axis, which stays
    whole, so a tile of the input holds its part of every output."""
    axis %= len(x)
    why = "a split keeps its axis whole"
    dims = tuple(Dim(f"d{i}", e, fixed=why if i == axis else None) for i, e in enumerate(x))
    ops = [Operand("x", tuple(Axis(d.extent, d.name) for d in dims), elem_bytes)]
    ops += [Operand(f"out{k}", tuple(Axis(size if i == axis else d.extent,
                                          d.name if i != axis else None)
                                     for i, d in enumerate(dims)), elem_bytes, True)
            for k, size in enumerate(sizes)]
    return OpTiling("split", dims, tuple(ops), "move")


def slice_(x: Sequence[int], starts: Sequence[int], steps: Sequence[int], out: Sequence[int],
           elem_bytes: int) -> OpTiling:
    """A normalised slice: output index i reads input index start + step*i. An axis read
    backwards (negative step) stays whole and is read whole."""
    why = "a slice keeps an axis it reverses whole"
    dims = tuple(Dim(f"d{i}", e, fixed=why if steps[i] < 0 else None) for i, e in enumerate(out))
    x_axes = tuple(Axis(x[i]) if steps[i] < 0 else Axis(x[i], f"d{i}", steps[i], 1, starts[i])
                   for i in range(len(x)))
    ops = (Operand("x", x_axes, elem_bytes),
           Operand("out", tuple(Axis(d.extent, d.name) for d in dims), elem_bytes, True))
    return OpTiling("slice", dims, ops, "move")


def gather(data: Sequence[int], indices: Sequence[int], axis: int, elem_bytes: int,
           index_bytes: int) -> OpTiling:
    """A gather: the gathered axis of ``data`` is read whole (any row may be picked); the
    outer data dims, the index dims and the inner data dims are tileable."""
    axis %= len(data)
    out = [*data[:axis], *indices, *data[axis + 1:]]
    dims = tuple(Dim(f"d{i}", e) for i, e in enumerate(out))
    ni = len(indices)
    data_axes = (*(Axis(data[i], f"d{i}") for i in range(axis)), Axis(data[axis]),
                 *(Axis(data[i], f"d{i + ni - 1}") for i in range(axis + 1, len(data))))
    idx_axes = tuple(Axis(e, f"d{axis + i}") for i, e in enumerate(indices))
    ops = (Operand("data", data_axes, elem_bytes), Operand("indices", idx_axes, index_bytes),
           Operand("out", tuple(Axis(d.extent, d.name) for d in dims), elem_bytes, True))
    return OpTiling("gather", dims, ops, "move")


def pad(x: Sequence[int], begins: Sequence[int], ends: Sequence[int],
        elem_bytes: int) -> OpTiling:
    """A constant pad (negative pads crop): output index i reads input index i - begin, so
    an output tile reads the input rows it overlaps and pads the rest itself."""
    out = [e + b + f for e, b, f in zip(x, begins, ends, strict=True)]
    dims = tuple(Dim(f"d{i}", e) for i, e in enumerate(out))
    x_axes = tuple(Axis(e, f"d{i}", offset=-b) for i, (e, b) in enumerate(zip(x, begins,
                                                                               strict=True)))
    ops = (Operand("x", x_axes, elem_bytes),
           Operand("out", tuple(Axis(d.extent, d.name) for d in dims), elem_bytes, True))
    return OpTiling("pad", dims, ops, "move")


def reduce(kind: str, x: Sequence[int], axes: Sequence[int], keepdims: bool, x_bytes: int,
           out_bytes: int) -> OpTiling:
    """A reduction over ``axes`` (all when empty): the kept axes are the (parallel)
    iteration space and the reduced ones are read whole by every tile, so each output element
    is finished in one tile (a mean's rounding needs the whole sum, and no partial-sum kernel
    is needed)."""
    reduced = {a % len(x) for a in axes} if axes else set(range(len(x)))
    dims = tuple(Dim(f"d{i}", e) for i, e in enumerate(x) if i not in reduced)
    x_axes = tuple(Axis(e) if i in reduced else Axis(e, f"d{i}") for i, e in enumerate(x))
    out_axes = tuple(Axis(1) if i in reduced else Axis(e, f"d{i}") for i, e in enumerate(x)
                     if keepdims or i not in reduced)
    ops = (Operand("x", x_axes, x_bytes), Operand("out", out_axes, out_bytes, True))
    work = prod(x[i] for i in reduced)
    return OpTiling(kind, dims or (Dim("d", 1),), ops, "eltwise", work_per_point=work)

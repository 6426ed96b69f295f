"""Hypothesis strategies: random tile-constraint descriptions of every op family, small
enough that a test can walk every iteration point."""

from __future__ import annotations

from hypothesis import strategies as st

from tinyslm_ir.analysis.tiling import constraints as c

extents = st.integers(1, 9)
elem = st.sampled_from([1, 2, 4])


@st.composite
def elementwise(draw: st.DrawFn) -> c.OpTiling:
    out = draw(st.lists(extents, min_size=1, max_size=3))
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        rank = draw(st.integers(0, len(out)))
        tail = out[len(out) - rank:]
        shape = [e if draw(st.booleans()) else 1 for e in tail]
        ops.append((shape, draw(elem)))
    return c.elementwise("add", out, draw(elem), ops)


@st.composite
def rows(draw: st.DrawFn) -> c.OpTiling:
    x = draw(st.lists(extents, min_size=1, max_size=3))
    axis = draw(st.integers(0, len(x) - 1))
    params = [([x[-1]], 4)] if draw(st.booleans()) else []
    return c.rows("irmsnorm", x, 1, 1, axis=axis if not params else -1, params=params)


@st.composite
def gemm(draw: st.DrawFn) -> c.OpTiling:
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [b if draw(st.booleans()) else 1 for b in batch]
    b_batch = [b if draw(st.booleans()) else 1 for b in batch]
    m, n, k = draw(extents), draw(st.integers(1, 12)), draw(st.integers(1, 12))
    return c.gemm("matmul", batch or [1], m, n, k, a_batch=a_batch, b_batch=b_batch,
                  a_bytes=draw(elem), b_bytes=draw(elem), out_bytes=draw(st.sampled_from([1, 4])),
                  trans_a=draw(st.booleans()), trans_b=draw(st.booleans()),
                  bias=([m, n] if draw(st.booleans()) else [n], 4) if draw(st.booleans())
                  else None)


@st.composite
def window(draw: st.DrawFn) -> tuple[c.Window, tuple[int, int]]:
    """A window and an input (H, W) it fits in, with its output size."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1)))
    span = [(k[i] - 1) * d[i] + 1 for i in range(2)]
    hw = tuple(draw(st.integers(max(span[i] - 2 * p[i], 1), 8)) for i in range(2))
    return c.Window(k, s, d, p), hw  # type: ignore[return-value]


def out_size(w: c.Window, hw: tuple[int, int]) -> tuple[int, int]:
    """Output extent with symmetric pads (the kernels imply bottom/right pads from it)."""
    return tuple(  # type: ignore[return-value]
        (hw[i] + 2 * w.pads[i] - (w.kernel[i] - 1) * w.dilations[i] - 1) // w.strides[i] + 1
        for i in range(2))


@st.composite
def conv(draw: st.DrawFn) -> tuple[c.OpTiling, c.Window]:
    """A conv and the window it was built from."""
    w, (h, wd) = draw(window())
    ch = draw(st.integers(1, 6))
    depthwise = draw(st.booleans())
    m = ch if depthwise else draw(st.integers(1, 6))
    oh, ow = out_size(w, (h, wd))
    n = draw(st.integers(1, 2))
    return c.conv2d((n, ch, h, wd), (n, m, oh, ow), w, group=ch if depthwise else 1,
                    x_bytes=1, w_bytes=1, out_bytes=draw(st.sampled_from([1, 4])),
                    bias_bytes=4 if draw(st.booleans()) else None), w


@st.composite
def pool(draw: st.DrawFn) -> c.OpTiling:
    w, (h, wd) = draw(window())
    oh, ow = out_size(w, (h, wd))
    ch = draw(st.integers(1, 4))
    return c.pool2d("maxpool", (1, ch, h, wd), (1, ch, oh, ow), w, elem_bytes=1)


@st.composite
def movement(draw: st.DrawFn) -> c.OpTiling:
    x = draw(st.lists(extents, min_size=1, max_size=3))
    kind = draw(st.sampled_from(["transpose", "concat", "slice", "gather"]))
    if kind == "transpose":
        return c.transpose(x, draw(st.permutations(range(len(x)))), 1)
    axis = draw(st.integers(0, len(x) - 1))
    if kind == "concat":
        other = list(x)
        other[axis] = draw(extents)
        return c.concat([x, other], axis, 1)
    if kind == "gather":
        return c.gather(x, draw(st.lists(extents, min_size=1, max_size=2)), axis, 1, 4)
    starts = [draw(st.integers(0, e - 1)) for e in x]
    steps = [draw(st.sampled_from([1, 2, -1])) for _ in x]
    out = [(e - s + st_ - 1) // st_ if st_ > 0 else s + 1
           for e, s, st_ in zip(x, starts, steps, strict=True)]
    return c.slice_(x, starts, steps, out, 1)


@st.composite
def pad(draw: st.DrawFn) -> c.OpTiling:
    """A constant pad; negative pads crop, but never the whole axis."""
    x = draw(st.lists(extents, min_size=1, max_size=3))
    begins = [draw(st.integers(-((e - 1) // 2), 3)) for e in x]
    ends = [draw(st.integers(-((e - 1) // 2), 3)) for e in x]
    return c.pad(x, begins, ends, 1)


@st.composite
def reduce(draw: st.DrawFn) -> c.OpTiling:
    x = draw(st.lists(extents, min_size=1, max_size=3))
    axes = draw(st.lists(st.integers(0, len(x) - 1), max_size=len(x), unique=True))
    return c.reduce("reduce_sum", x, axes, draw(st.booleans()), 1, 4)


descriptions = st.one_of(elementwise(), rows(), gemm(), conv().map(lambda cw: cw[0]), pool(),
                         movement(), pad(), reduce())

"""Storage layouts of weights: how a `graph.weight` with a `layout` holds its store tensor.

The weight store keeps every tensor as the model defines it; a layout is a compile-time
rearrangement that a kernel reads faster. The interpreter, the C weight blob and the tests
all derive the stored form from the store tensor through `stored`, so it has one
definition.

`k_pairs` packs an int8 matrix B (K, N) two rows at a time into int32 words (K/2, N):

    W[j, n] = B[2j + 1, n] + 65536 * B[2j, n]

RV32IMC has no SIMD, but one 32-bit multiply of the word by the packed activation pair
A_j = a[2j] + 65536 * a[2j + 1] leaves a[2j] B[2j] + a[2j + 1] B[2j + 1] in its upper half:

    A_j W = a[2j] B[2j + 1] + (a[2j] B[2j] + a[2j + 1] B[2j + 1]) 2^16 + a[2j + 1] B[2j] 2^32

Modulo 2^32 the last term vanishes, and the cross term c = a[2j] B[2j + 1] lies in
[-2^14, 2^14]. So for int8 operands, with D the pair's dot product and V = A_j W - 2^15:
V = (D - 1) 2^16 + (c + 2^15) with 0 <= c + 2^15 < 2^16, and D - 1 lies in [-32513, 32767],
so V fits int32 and V >> 16 (arithmetic) is exactly D - 1, for every int8 input. Two MACs
cost a load, a multiply, an add, a shift and an accumulate instead of two loads, two
multiplies and two adds.
"""

from __future__ import annotations

import numpy as np

K_PAIRS = "k_pairs"
LAYOUTS = (K_PAIRS,)


def packed_shape(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    """The stored shape of a weight of `shape` in `layout`."""
    assert layout == K_PAIRS
    if len(shape) != 2 or shape[0] % 2:
        raise ValueError(f"k_pairs needs a (K, N) matrix with K even, got {shape}")
    return (shape[0] // 2, shape[1])


def stored(array: np.ndarray, layout: str | None) -> np.ndarray:
    """The weight as its `graph.weight` holds it: the store tensor, rearranged by `layout`."""
    if layout is None:
        return array
    assert layout == K_PAIRS
    b = np.asarray(array).astype(np.int64)
    packed_shape(b.shape, layout)
    if b.size and (b.min() < -128 or b.max() > 127):
        raise ValueError("k_pairs packs int8 values only")
    return (b[1::2] + b[0::2] * 65536).astype(np.int32)


def unpack_k_pairs(words: np.ndarray) -> np.ndarray:
    """The int8 matrix (K, N) that `stored(_, K_PAIRS)` packed into `words` (K/2, N)."""
    w = np.asarray(words).astype(np.int64)
    low = ((w & 0xFFFF) ^ 0x8000) - 0x8000  # B[2j + 1]: the sign-extended lower half
    high = (w - low) >> 16                  # B[2j]
    out = np.empty((2 * w.shape[0], *w.shape[1:]), dtype=np.int8)
    out[0::2], out[1::2] = high, low
    return out

"""The diagnostic raised when a layer has no tiling that fits the L1 budget."""

from __future__ import annotations


class TilingInfeasibleError(Exception):
    """No legal tiling of ``layer`` fits ``capacity`` bytes of L1.

    ``min_bytes`` is the least L1 any legal tiling needs (its smallest tiles, alignment padding
    included), computed in closed form, never by a timed-out search; ``constraint`` says what
    stops the tiles from shrinking further, and ``breakdown`` lists that tiling's buffers.
    """

    def __init__(self, layer: str, kind: str, capacity: int, min_bytes: int, constraint: str,
                 breakdown: str) -> None:
        super().__init__(
            f"layer {layer} ({kind}) does not fit in {capacity} B of L1: it needs at least "
            f"{min_bytes} B with its smallest legal tiles ({breakdown}); {constraint}"
        )
        self.layer = layer
        self.kind = kind
        self.capacity = capacity
        self.min_bytes = min_bytes
        self.constraint = constraint
        self.breakdown = breakdown

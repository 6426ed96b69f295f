"""Buffer lifetimes over a straight-line schedule.

After bufferization a function is a sequence of kernel calls; each reads some buffers and
writes others. A buffer must hold its value from the step that first touches it (its
definition) to the last step that touches it (its last use), so its live range is the closed
interval ``[first, last]`` of step indices. A buffer touched by one step only is live at that
step alone: a kernel's output that nobody reads, or a scratch buffer, still needs memory while
the kernel runs.

Straight-line code needs no dataflow fixpoint: one scan over the steps is exact. This module
knows nothing about IR; `bufferize` builds the schedule from its `lmem.call`s and writes the
intervals onto the `lmem.alloc`s, and `verify-memory-plan` recomputes them to check the IR.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

Step = tuple[Iterable[K], Iterable[K]]
"""One schedule step: the buffers it reads and the buffers it writes."""


def live_intervals(schedule: Sequence[Step[K]]) -> dict[K, tuple[int, int]]:
    """The closed live interval ``[first, last]`` of every buffer the schedule touches.

    Reads and writes count alike: a buffer read before it is written (a value that enters the
    schedule from outside) is live from that first read. Buffers appear in the result in the
    order the schedule first touches them.
    """
    intervals: dict[K, tuple[int, int]] = {}
    for step, (reads, writes) in enumerate(schedule):
        for buf in (*reads, *writes):
            first, _ = intervals.get(buf, (step, step))
            intervals[buf] = (first, step)
    return intervals


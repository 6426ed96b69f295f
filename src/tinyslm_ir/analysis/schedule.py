"""Memory-aware ordering of a dataflow graph's steps.

The order of a straight-line schedule decides which values are live together, and with it the
peak memory that any planner can reach. Exporters emit nodes in an order chosen for nothing in
particular; this greedy list scheduler keeps the dependences and, among the steps that are
ready, runs the one that grows live memory least (allocated minus freed bytes), ties broken by
the original order so that an already good order is kept. It is a heuristic: minimal-peak
scheduling is NP-hard, and on transformer graphs the greedy choice is what matters (finish a
branch that frees a large tensor before starting one that allocates another).

Like `lifetimes`, it knows no IR: a step is the set of values it reads and the set it writes.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from tinyslm_ir.analysis.lifetimes import Step

K = TypeVar("K", bound=Hashable)


def memory_aware_order(steps: Sequence[Step[K]], sizes: Mapping[K, int]) -> list[int]:
    """A permutation of ``range(len(steps))`` that respects every read-after-write dependence.

    ``steps`` must be a valid order already (every value is written before a later step reads
    it); values no step writes (inputs, weights) are available from the start. ``sizes`` gives
    the bytes of written values (missing ones count 0). Each value must be written by one step.
    """
    reads = [frozenset(r) for r, _ in steps]
    writes = [frozenset(w) for _, w in steps]
    producer = {v: i for i, w in enumerate(writes) for v in w}
    preds = [{producer[v] for v in r if v in producer} for r in reads]
    users: dict[K, set[int]] = {}
    for i, r in enumerate(reads):
        for v in r:
            users.setdefault(v, set()).add(i)
    succs: list[set[int]] = [set() for _ in steps]
    for i, p in enumerate(preds):
        for j in p:
            succs[j].add(i)

    waiting = [len(p) for p in preds]
    ready = {i for i, n in enumerate(waiting) if n == 0}
    remaining_users = {v: len(u) for v, u in users.items()}
    order: list[int] = []

    def growth(i: int) -> int:
        freed = sum(sizes.get(v, 0) for v in reads[i]
                    if v in producer and remaining_users[v] == 1)
        allocated = sum(sizes.get(v, 0) for v in writes[i] if v in users)
        return allocated - freed

    while ready:
        i = min(ready, key=lambda s: (growth(s), s))
        ready.remove(i)
        order.append(i)
        for v in reads[i]:
            remaining_users[v] -= 1
        for j in succs[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.add(j)
    if len(order) != len(steps):
        raise ValueError("the steps have a dependence cycle")
    return order

"""Roll a layer's straight-line core-0 code back into C loops.

A tiled layer is one `tile.loop` whose body is unrolled in the IR: every tile's DMAs, waits
and fork are separate ops, because each tile may differ (edge tiles, the copy of a double
buffer, the first and last K tile). Printed one statement per op, a layer with thousands of
tiles is hundreds of kilobytes of code, and a network of such layers (a 64-token prefill
tiled into a few KiB of L1) no longer fits L2 beside its weights and activations.

The tiles of a layer are mostly a regular grid, so its statement sequence is mostly periodic:
the same statements (the same buffers, kernels and fork bodies) whose byte offsets and
DMA tokens advance by a constant step from one period to the next. `reroll` finds such runs
greedily (at each position, the period that covers the most statements) and `render` prints
each as a `for` loop whose integer fields are affine in the loop counter; what does not repeat
stays as it was. The executed sequence of calls is exactly the unrolled one.

DMA tokens are kept in a ring, `dma[q % R]` for the q-th token-returning transfer of the
layer, with R the next power of two above the longest distance (in such transfers) from a
transfer to its last wait: so the slot of a token is affine in the loop counter too, and a
wait in one period can name a transfer of the previous period.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

MAX_PERIOD = 256
"""Longest loop body tried, in statements: a few rows of tiles of the widest layers."""

MIN_SAVED = 2
"""A run becomes a loop only if it saves at least this many statements."""


@dataclass(frozen=True)
class Stmt:
    """One C statement: literal `pieces` around integer fields.

    ``pieces`` has one more entry than ``ints``; ``mods`` gives per field the modulus it is
    printed reduced by (0: none), the DMA token ring's size for a ring index.
    """

    pieces: tuple[str, ...]
    ints: tuple[int, ...] = ()
    mods: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if len(self.pieces) != len(self.ints) + 1 or len(self.mods) != len(self.ints):
            raise ValueError("a statement needs one more piece than fields, and a mod each")

    @staticmethod
    def text(line: str) -> Stmt:
        """A statement without integer fields."""
        return Stmt((line,))

    @property
    def key(self) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """What must be equal for two statements to be one statement of a loop body."""
        return self.pieces, self.mods


@dataclass(frozen=True)
class Loop:
    """``count`` repetitions of ``body``: field k of statement j is ``body[j].ints[k] +
    steps[j][k] * i`` in repetition i."""

    count: int
    body: tuple[Stmt, ...]
    steps: tuple[tuple[int, ...], ...]


def _repetitions(stmts: Sequence[Stmt], keys: Sequence[int], start: int, period: int
                 ) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """How many times the `period` statements at `start` repeat with every field advancing
    by the same step each time, and those steps."""
    n = len(stmts)
    if start + 2 * period > n or any(keys[start + k] != keys[start + period + k]
                                     for k in range(period)):
        return 1, ()
    steps = tuple(tuple(b - a for a, b in zip(stmts[start + k].ints,
                                               stmts[start + period + k].ints, strict=True))
                  for k in range(period))
    count = 2
    while start + (count + 1) * period <= n:
        base = start + count * period
        if not all(keys[base + k] == keys[start + k] and all(
                x == a + count * d for x, a, d in zip(stmts[base + k].ints,
                                                      stmts[start + k].ints, steps[k],
                                                      strict=True))
                   for k in range(period)):
            break
        count += 1
    return count, steps


def reroll(stmts: Sequence[Stmt], max_period: int = MAX_PERIOD) -> list[Stmt | Loop]:
    """`stmts` with periodic runs replaced by loops (see the module docstring); expanding
    the loops gives `stmts` back."""
    ids: dict[tuple[tuple[str, ...], tuple[int, ...]], int] = {}
    keys = [ids.setdefault(s.key, len(ids)) for s in stmts]
    positions: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        positions.setdefault(k, []).append(i)
    out: list[Stmt | Loop] = []
    i = 0
    while i < len(stmts):
        best: tuple[int, int, tuple[tuple[int, ...], ...]] | None = None
        same = positions[keys[i]]
        for j in same[bisect_right(same, i):]:
            period = j - i
            if period > max_period or i + 2 * period > len(stmts):
                break
            count, steps = _repetitions(stmts, keys, i, period)
            if (count - 1) * period >= MIN_SAVED and (best is None or
                                                       count * period > best[0] * best[1]):
                best = (count, period, steps)
        if best is None:
            out.append(stmts[i])
            i += 1
            continue
        count, period, steps = best
        out.append(Loop(count, tuple(stmts[i:i + period]), steps))
        i += count * period
    return out


def _field(base: int, step: int, mod: int, var: str) -> str:
    if step == 0 or mod == 1:
        return str(base % mod if mod else base)
    expr = f"{base} + {step} * {var}"
    return f"({expr}) % {mod}" if mod else f"({expr})"


def _line(s: Stmt, steps: Sequence[int], var: str) -> str:
    parts = [s.pieces[0]]
    for a, d, m, piece in zip(s.ints, steps, s.mods, s.pieces[1:], strict=True):
        parts += [_field(a, d, m, var), piece]
    return "".join(parts)


def render(items: Sequence[Stmt | Loop], indent: str = "  ", var: str = "i") -> list[str]:
    """The C lines of `reroll`'s result; loops count with `var`."""
    lines = []
    for item in items:
        if isinstance(item, Stmt):
            lines.append(indent + _line(item, (0,) * len(item.ints), var))
            continue
        lines.append(f"{indent}for (int32_t {var} = 0; {var} < {item.count}; {var}++) {{")
        lines += [f"{indent}  " + _line(s, step, var)
                  for s, step in zip(item.body, item.steps, strict=True)]
        lines.append(f"{indent}}}")
    return lines

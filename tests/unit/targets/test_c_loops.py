"""Rolling a layer's core-0 statements into loops (`c_loops`): the loops run exactly the
statements they replace, periodic tile sequences shrink to a loop, and the printed loop
computes each field as an affine function of the counter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import MemRefType, i8
from xdsl.ir import Block

from tinyslm_ir.dialects import dma
from tinyslm_ir.targets.siracusa.c_loops import Loop, Stmt, render, reroll
from tinyslm_ir.targets.siracusa.c_printer import _TokenRing


def expand(items: list[Stmt | Loop]) -> list[Stmt]:
    """The statements `items` run, in order: a loop's fields advance by its steps."""
    out = []
    for item in items:
        if isinstance(item, Stmt):
            out.append(item)
            continue
        out += [Stmt(s.pieces, tuple(a + d * i for a, d in zip(s.ints, step, strict=True)),
                     s.mods)
                for i in range(item.count) for s, step in zip(item.body, item.steps, strict=True)]
    return out


def load(dst_off: int, src_off: int, slot: int) -> Stmt:
    return Stmt(("dma[", "] = tsl_dma_start_1d(a + ", ", b + ", ", 16);"),
                (slot, dst_off, src_off), (4, 0, 0))


def tiles(n: int, step: int) -> list[Stmt]:
    """A double-buffered tile sequence: load, wait, fork on alternating copies."""
    out = []
    for t in range(n):
        out += [load(64 * (t % 2), step * t, t), Stmt.text(f"tsl_fork(8, part_{t % 2}, NULL);"),
                Stmt(("tsl_dma_wait(dma[", "]);"), (t,), (4,))]
    return out


@st.composite
def sequences(draw: st.DrawFn) -> list[Stmt]:
    """Random runs of periodic statements with irregular ones in between."""
    out: list[Stmt] = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            out += tiles(draw(st.integers(1, 12)), draw(st.integers(-3, 40)))
        else:
            out += [Stmt(("x(", ");"), (draw(st.integers(0, 9)),), (0,))
                    for _ in range(draw(st.integers(1, 4)))]
    return out


@settings(max_examples=200, deadline=None)
@given(sequences())
def test_loops_run_exactly_the_statements_they_replace(stmts: list[Stmt]) -> None:
    assert expand(reroll(stmts)) == stmts


@settings(max_examples=100, deadline=None)
@given(sequences(), st.integers(1, 8))
def test_a_short_maximum_period_still_runs_the_same_statements(stmts: list[Stmt],
                                                              period: int) -> None:
    items = reroll(stmts, max_period=period)
    assert expand(items) == stmts
    assert all(len(item.body) <= period for item in items if isinstance(item, Loop))


def test_a_regular_tile_sequence_becomes_one_loop() -> None:
    items = reroll(tiles(40, 32))
    assert [type(item) for item in items] == [Loop]
    assert items[0].count == 20 and len(items[0].body) == 6


def test_a_loop_prints_affine_fields_and_ring_slots() -> None:
    lines = render(reroll(tiles(4, 32)))
    assert lines[0] == "  for (int32_t i = 0; i < 2; i++) {"
    assert lines[1] == "    dma[(0 + 2 * i) % 4] = tsl_dma_start_1d(a + 0, b + (0 + 64 * i), 16);"
    assert lines[2] == "    tsl_fork(8, part_0, NULL);"
    assert lines[-1] == "  }"


def test_irregular_statements_print_as_they_are() -> None:
    stmts = [Stmt(("x(", ");"), (v,), (0,)) for v in (3, 1, 4)]
    assert render(reroll(stmts)) == ["  x(3);", "  x(1);", "  x(4);"]


def test_the_token_ring_holds_every_token_until_its_last_wait() -> None:
    """Three waited-for transfers in flight when the first is waited for: a ring of four
    (the next power of two, so the slot's remainder is a mask); the transfer nobody waits
    for takes no slot."""
    block = Block(arg_types=[MemRefType(i8, [64]), MemRefType(i8, [64])])
    dst, src = block.args
    starts = [dma.StartOp(dst, src, dst_offset=16 * k, src_offset=0, row_bytes=16)
              for k in range(4)]
    waits = [dma.WaitOp(starts[k].token) for k in range(3)]
    ring = _TokenRing.of([*starts, *waits])
    assert ring.size == 4
    assert ring.slot == {starts[0].token: 0, starts[1].token: 1, starts[2].token: 2}
    assert _TokenRing.of([starts[0], waits[0]]).size == 1

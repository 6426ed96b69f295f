"""Siracusa memory map as simulated: the single source for the linker script symbols, spike's
`-m` regions, the plugin's bounds checks and the QEMU relocation.

L1/L2/WMEM follow the chip ([hw] siracusa-hardware.md). L3 is off-chip and has no fixed address
on the real SoC; we put it at 0x8000_0000, above every on-chip window and spike's CLINT
(0x0200_0000), so it cannot collide with anything, and size it 64 MiB (spike memory is sparse,
so untouched L3 costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """One memory window: `name` is also the linker-script symbol prefix (`__<name>_base`)."""

    name: str
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size


L1 = Region("l1", 0x1000_0000, 256 * 1024)
L2 = Region("l2", 0x1C00_0000, 2 * 1024 * 1024)
WMEM = Region("wmem", 0x1040_0000, 8 * 1024 * 1024)  # MRAM at +0, SRAM at +0x40_0000
L3 = Region("l3", 0x8000_0000, 64 * 1024 * 1024)
REGIONS: tuple[Region, ...] = (L1, L2, WMEM, L3)

# The shim device (DMA + NPU): in the cluster peripheral window (cluster_ctrl at 0x1020_0000,
# N-Eureka at +0x1000 on the chip). One 0x100-byte register bank per core, so cores never race
# on shared registers.
SHIM_BASE = 0x1020_1000
SHIM_SIZE = 0x1000

MAX_HARTS = 8
"""Harts the link script lays out stacks and TLS blocks for, whatever the simulated count."""
STRICT_STACK_SIZE = 1024
"""Per-core stack of strict-L1 builds. Strict cores may only touch L1, so their stacks live
there, and L1 is the scarce level. Measured: the deepest sp of a strict spike run of tiled
microLlama8 (commit log, every x2 write) is 448 B below core 0's stack top and 352 B for the
workers (run_network -> layer -> tsl_fork -> part -> kernel; the largest frame, an int8 GEMM,
is 224 B by -fstack-usage); printf on the error path adds about 400 B (printf 64 +
vfprintf 64 + 64 saved registers + dtoa 80 + the HTIF transfer 64, from the disassembly).
1 KiB is twice the deepest observed, and what the pulp-sdk gives cluster cores. Non-strict
builds keep 8 KiB stacks in L2."""
STRICT_RUNTIME_STATE = 3 * 1024
"""L1 bytes for the runtime's own state in strict builds: `.tsl_rt` (per-core clocks and DMA
queues, fork team, barrier records) is 2176 B, plus the per-hart TLS blocks (picolibc's
errno, 16 B aligned) and 64 B section alignment: 3 KiB leaves about 700 B of headroom, and the
link script asserts that they fit."""
L1_RESERVED_STRICT = MAX_HARTS * STRICT_STACK_SIZE + STRICT_RUNTIME_STATE
"""L1 bytes at the base of L1 that a strict-L1 build keeps for the runtime (stacks, TLS,
runtime state): the compiler's L1 budget is L1.size minus this. Planned L1 buffers start at
L1.base + L1_RESERVED_STRICT."""

# QEMU's `virt` machine has RAM only from 0x8000_0000 (and its UART sits on L1's address), so the
# QEMU build relocates every region into its RAM; only addresses change, never code size.
QEMU_REGIONS: tuple[Region, ...] = (
    Region("l2", 0x8000_0000, L2.size),
    Region("l1", 0x8040_0000, L1.size),
    Region("wmem", 0x8080_0000, WMEM.size),
    Region("l3", 0x8100_0000, 16 * 1024 * 1024),
)


def spike_memory_arg() -> str:
    """spike's `-m` argument for all regions."""
    return ",".join(f"{r.base:#x}:{r.size:#x}" for r in REGIONS)


def link_layout(strict_l1: bool) -> str:
    """The link script's generated `tsl_layout.ld`: where stacks, TLS and runtime state go
    (region `RT`), their size, and the limit the link script checks them against."""
    if strict_l1:
        return (f"REGION_ALIAS(\"RT\", L1);\n__stack_size = {STRICT_STACK_SIZE:#x};\n"
                f"__tsl_rt_limit = {L1.base + L1_RESERVED_STRICT:#x};\n"
                f"__l1_free = {L1.base + L1_RESERVED_STRICT:#x};\n")
    return ("REGION_ALIAS(\"RT\", L2);\n__stack_size = 0x2000;\n"
            "__tsl_rt_limit = __l2_base + __l2_size;\n__l1_free = __l1_base;\n")


def linker_defsyms(regions: tuple[Region, ...] = REGIONS) -> list[str]:
    """`-Wl,--defsym` flags that place the linker script's memories."""
    flags = []
    for r in regions:
        flags += [f"-Wl,--defsym=__{r.name}_base={r.base:#x}",
                  f"-Wl,--defsym=__{r.name}_size={r.size:#x}"]
    return flags

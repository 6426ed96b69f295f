"""Exceptions of the Siracusa simulator driver; every message names the cause."""

from __future__ import annotations


class SimError(Exception):
    """Base class: anything that kept a simulated program from producing a trusted result."""


class ToolchainMissing(SimError):
    """A required tool (compiler, dtc, spike, qemu) is absent; the message names it and the fix."""


class BuildError(SimError):
    """The C sources, the runtime or the spike plugin did not compile or link."""


class SimTimeout(SimError):
    """The simulation exceeded its wall-clock budget (the program probably hangs)."""


class SimTrap(SimError):
    """The program trapped (illegal instruction, misaligned or faulting access, ...).

    `fault` is the shim's explanation when a DMA/NPU command was refused (kind and address),
    `dma_race` the debug runtime's when a pending DMA destination was touched, and `strict_l1`
    the strict-L1 runtime's when a core touched memory outside L1."""

    def __init__(self, message: str, *, mcause: int, mepc: int, mtval: int,
                 fault: str | None = None, dma_race: str | None = None,
                 strict_l1: str | None = None) -> None:
        super().__init__(message)
        self.mcause, self.mepc, self.mtval = mcause, mepc, mtval
        self.fault, self.dma_race, self.strict_l1 = fault, dma_race, strict_l1


class SimFailed(SimError):
    """The program ended without the runtime's end marker, or with an unexpected exit code."""

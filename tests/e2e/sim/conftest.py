"""Skip the simulator tests with a clear reason when the RISC-V toolchain is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinyslm_ir.targets.siracusa.toolchain import missing_tools

PROGRAMS = Path(__file__).parent / "programs"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "qemu: needs qemu-system-riscv32 as well as spike")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    mine = [i for i in items if here in Path(str(i.path)).parents]
    if not mine:
        return
    missing = missing_tools(qemu=False)
    missing_qemu = missing_tools(qemu=True)
    for item in mine:
        gaps = missing_qemu if "qemu" in item.keywords else missing
        if gaps:
            item.add_marker(pytest.mark.skip(
                reason=f"RISC-V toolchain absent: {', '.join(gaps)} "
                       f"(run scripts/install-toolchain.sh)"))


@pytest.fixture
def program():
    """Path of a C test program by stem."""
    return lambda name: PROGRAMS / f"{name}.c"

"""Simulator speed: wall-clock MIPS of spike (+ shim) and QEMU (-icount shift=0) on a ~100M
instruction loop. Prints a table and writes benchmarks/results/sim_speed.json."""

from __future__ import annotations

import json
from pathlib import Path

from tinyslm_ir.targets.siracusa import sim

HERE = Path(__file__).resolve().parent
ITERS = 50_000_000  # about 2 instructions per iteration


def measure(backend: str, cores: int) -> dict[str, float | int | str]:
    elf = sim.build_elf([HERE / "programs" / "spin_loop.c"],
                        sim.BuildConfig(cores=cores, backend=backend,
                                        defines=(("ITERS", str(ITERS)),)))
    r = sim.run(elf, cores=cores, backend=backend, timeout=600)
    # every core runs its share of the loop; core 0's region count times the team is the total
    insns = r.regions[0].instret * cores
    return {"backend": backend, "cores": cores, "instructions": insns,
            "wall_s": round(r.wall_s, 3), "mips": round(insns / r.wall_s / 1e6, 1)}


def main() -> None:
    rows = [measure("spike", 1), measure("spike", 8), measure("qemu", 1)]
    print(f"{'backend':8} {'cores':>5} {'instructions':>13} {'wall s':>8} {'MIPS':>7}")
    for r in rows:
        print(f"{r['backend']:8} {r['cores']:>5} {r['instructions']:>13,} {r['wall_s']:>8} "
              f"{r['mips']:>7}")
    out = HERE / "results" / "sim_speed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

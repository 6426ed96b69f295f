"""Instructions per MAC of the int8 GEMM/GEMV kernels on spike (1 and 8 cores).

The modelled clock counts one cycle per retired instruction, so on one core the region's
cycles are its instructions; on 8 cores they are the critical core's instructions plus the
fork/barrier overhead. Prints a table and writes benchmarks/results/kernel_ipm.json.

    /work/venv/bin/python benchmarks/kernel_ipm.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from xdsl.dialects.builtin import TensorType, i8
from xdsl.ir import Block

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels import c_call
from tinyslm_ir.kernels.catalog import kernel_calls
from tinyslm_ir.targets.siracusa.sim import build_and_run

KERNELS = Path(g.__file__).resolve().parents[1] / "targets" / "siracusa" / "runtime" / "kernels"
SHAPES = {  # name: (M, K, N)
    "GEMM 64x64x64": (64, 64, 64),
    "GEMV 1x64 . 64x256": (1, 64, 256),
    "GEMV 1x256 . 256x64": (1, 256, 64),
}
TEAMS = (1, 8)


def _program() -> str:
    """One region per (shape, team size): region id = 2 * shape index + (team == 8)."""
    lines = ['#include "tsl_rt.h"', '#include "tsl_kernels.h"']
    body, calls = [], []
    for s, (m, k, n) in enumerate(SHAPES.values()):
        block = Block(arg_types=[TensorType(i8, [m, k]), TensorType(i8, [k, n])])
        op = g.MatMulOp.from_operands(block.args)
        (call,) = kernel_calls(op)
        calls.append(call)
        lines += [f"static int8_t a{s}[{m * k}], b{s}[{k * n}];", f"static int32_t o{s}[{m * n}];",
                  f"static void run{s}(void *arg) {{ (void)arg; "
                  f"{c_call.emit_call(call, [f'a{s}', f'b{s}', 'NULL', f'o{s}'])} }}"]
        body += [f"  for (int i = 0; i < {m * k}; i++) a{s}[i] = (int8_t)(i * 7 + 3);",
                 f"  for (int i = 0; i < {k * n}; i++) b{s}[i] = (int8_t)(i * 13 + 5);"]
        for t, team in enumerate(TEAMS):
            rid = 2 * s + t
            body += [f"  tsl_region_begin({rid});", f"  tsl_fork({team}, run{s}, 0);",
                     f"  tsl_region_end({rid});"]
    lines[2:2] = c_call.instantiations(calls)
    return "\n".join([*lines, "int main(void) {", *body, "  return 0;", "}", ""])


def measure() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="tsl-ipm-") as tmp:
        src = Path(tmp) / "kernel_ipm.c"
        src.write_text(_program())
        result = build_and_run([src], cores=8, include_dirs=[KERNELS], timeout=600)
    rows = []
    for s, (name, (m, k, n)) in enumerate(SHAPES.items()):
        macs = m * k * n
        for t, team in enumerate(TEAMS):
            region = result.regions[2 * s + t]
            rows.append({"kernel": name, "M": m, "K": k, "N": n, "cores": team, "macs": macs,
                         "cycles": region.cycles, "compute": region.compute,
                         "cycles_per_mac": region.cycles / macs,
                         "core_instructions_per_mac": region.compute * team / macs,
                         "macs_per_cycle": macs / region.cycles})
    return rows


def main() -> None:
    rows = measure()
    print(f"{'kernel':<22} {'cores':>5} {'cycles':>9} {'cyc/MAC':>8} {'instr/MAC/core':>15} "
          f"{'MAC/cyc':>8}")
    for r in rows:
        print(f"{r['kernel']:<22} {r['cores']:>5} {r['cycles']:>9} {r['cycles_per_mac']:>8.3f} "
              f"{r['core_instructions_per_mac']:>15.3f} {r['macs_per_cycle']:>8.2f}")
    out = Path(__file__).resolve().parent / "results" / "kernel_ipm.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

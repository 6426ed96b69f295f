"""Benchmark the memory planner on MiniMalloc's 11 "challenging" instances.

Each instance is a CSV of buffers (``id,lower,upper,size``, live over ``[lower, upper)``) that
must fit in 1,048,576 bytes; most have a lower bound equal to the capacity, so only a perfect
packing fits. The instances are read in place from ``../shared/data/minimalloc-challenging``
(relative to the repository root); the script skips cleanly when that folder is absent.

    python benchmarks/minimalloc.py [--time-limit SECONDS] [--only A,B]

Prints one row per instance and writes ``benchmarks/results/minimalloc.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from tinyslm_ir.analysis.memory_plan import (
    Buffer,
    MemoryPlanInfeasibleError,
    PlanVerificationError,
    lower_bound,
    verify_plan,
)
from tinyslm_ir.analysis.planners import greedy_plan, plan_memory

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "minimalloc-challenging"
RESULTS = REPO / "benchmarks" / "results" / "minimalloc.json"


def load(path: Path) -> tuple[list[Buffer], int]:
    """Buffers of one instance (no alignment: MiniMalloc has none) and its capacity."""
    with path.open(newline="") as f:
        buffers = [
            Buffer(row["id"], int(row["size"]), int(row["lower"]), int(row["upper"]))
            for row in csv.DictReader(f)
        ]
    return buffers, int(path.name.split(".")[1])


def run(path: Path, time_limit_s: float) -> dict[str, object]:
    buffers, capacity = load(path)
    t0 = time.perf_counter()
    greedy = greedy_plan(buffers)
    greedy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        plan = plan_memory(buffers, capacity, time_limit_s=time_limit_s, alignment=1)
        final_peak: int | None = plan.peak
        method = plan.method
        verify_plan(buffers, plan, capacity)
        valid = True
    except MemoryPlanInfeasibleError as e:
        final_peak, method, valid = e.best_peak, "none fits", False
    except PlanVerificationError as e:
        final_peak, method, valid = None, f"INVALID: {e}", False
    return {
        "instance": path.name.split(".")[0],
        "buffers": len(buffers),
        "capacity": capacity,
        "lower_bound": lower_bound(buffers),
        "greedy_peak": greedy.peak,
        "greedy_s": round(greedy_s, 3),
        "final_peak": final_peak,
        "final_s": round(time.perf_counter() - t0, 2),
        "method": method,
        "valid": valid,
        "fits": valid and final_peak is not None and final_peak <= capacity,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=25.0, help="seconds per instance")
    parser.add_argument("--only", default="", help="comma-separated instance letters")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (MiniMalloc instances are not part of the repo)")
        return 0
    wanted = {x for x in args.only.split(",") if x}
    paths = [p for p in sorted(DATA.glob("*.csv")) if not wanted or p.name[0] in wanted]
    header = (
        f"{'inst':<5}{'bufs':>6}{'lower bd':>10}{'greedy':>10}{'g s':>7}"
        f"{'final':>10}{'f s':>7}  {'valid':<6}{'fits':<6}method"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for path in paths:
        r = run(path, args.time_limit)
        rows.append(r)
        print(
            f"{r['instance']:<5}{r['buffers']:>6}{r['lower_bound']:>10}{r['greedy_peak']:>10}"
            f"{r['greedy_s']:>7.3f}{r['final_peak']!s:>10}{r['final_s']:>7.2f}  "
            f"{r['valid']!s:<6}{r['fits']!s:<6}{r['method']}",
            flush=True,
        )
    fitted = sum(bool(r["fits"]) for r in rows)
    print(f"{fitted}/{len(rows)} instances fit in capacity")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"time_limit_s": args.time_limit, "instances": rows}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

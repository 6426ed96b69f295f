"""Tile every layer of microLlama8 for several L1 budgets: solve time, peak vs bound, and the
first infeasible layer's diagnostic. Prints a table and writes
benchmarks/results/tiling_microllama8.json.

    /work/venv/bin/python benchmarks/tiling_microllama8.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tinyslm_ir.analysis.tiling.constraints import OpTiling
from tinyslm_ir.analysis.tiling.errors import TilingInfeasibleError
from tinyslm_ir.analysis.tiling.from_graph import layers
from tinyslm_ir.analysis.tiling.solver import Tiler, pareto_front
from tinyslm_ir.frontend.onnx_importer import import_onnx

MODEL = Path(__file__).resolve().parents[2] / (
    "shared/data/deeploy-tests/Models/microLlama/INT8/microLlama8/network.onnx")
BUDGETS = (65536, 16384, 1024, 256)
RESULTS = Path(__file__).parent / "results" / "tiling_microllama8.json"


def run_budget(descs: list[OpTiling], capacity: int) -> dict[str, object]:
    """Solve every layer; stop at the first infeasible one, as the compiler would."""
    tiler = Tiler(capacity)
    start = time.perf_counter()
    peak = bound = tiled = optimal = 0
    error = None
    for d in descs:
        try:
            sol = tiler.solve(d)
        except TilingInfeasibleError as e:
            error = str(e)
            break
        peak, bound = max(peak, sol.peak), max(bound, sol.lower_bound)
        tiled += any(n > 1 for n in sol.tile_counts.values())
        optimal += sol.optimal
    return {"l1": capacity, "solve_s": round(time.perf_counter() - start, 3),
            "layers": len(descs), "tiled_layers": tiled, "proven_optimal": optimal,
            "peak": peak, "lower_bound": bound, "infeasible": error}


def main() -> None:
    module = import_onnx(MODEL).module
    start = time.perf_counter()
    descs = [d for d in layers(module) if isinstance(d, OpTiling)]
    describe_s = time.perf_counter() - start
    need = max((pareto_front(d)[0].min_peak, d.layer) for d in set(descs))
    rows = [run_budget(descs, b) for b in BUDGETS]
    print(f"microLlama8: {len(descs)} layers ({len(set(descs))} distinct), described in "
          f"{describe_s:.3f} s; smallest L1 that tiles every layer: {need[0]} B ({need[1]})")
    print(f"{'L1 B':>7} {'solve s':>8} {'tiled':>6} {'optimal':>8} {'peak':>6} {'bound':>6}")
    for r in rows:
        print(f"{r['l1']:>7} {r['solve_s']:>8} {r['tiled_layers']:>6} {r['proven_optimal']:>8} "
              f"{r['peak']:>6} {r['lower_bound']:>6}")
        if r["infeasible"]:
            print(f"        infeasible: {r['infeasible']}")
    RESULTS.write_text(json.dumps({"min_l1": need[0], "min_l1_layer": need[1],
                                   "budgets": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()

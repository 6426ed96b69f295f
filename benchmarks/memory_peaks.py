"""Peak L1 and L2 of every Deeploy test network against their lower bounds (tiled, strict).

For each folder in ``../shared/data/deeploy-tests`` it runs the backend pipeline (import,
tiling into the L1 budget, bufferization, memory planning; no C compiler, no simulation) and
reads the planner's summary from the module (`lmem.plan`): the peak of each level and its
lower bound, the most bytes live at one step (for L1, the largest over the layers, each layer
being planned alone). The issue-5 bar is a peak within 5% of the bound.

    python benchmarks/memory_peaks.py [--l1 65536]

Prints a table and writes ``benchmarks/results/memory_peaks.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import onnx

from tinyslm_ir.driver.compile import tile_budget
from tinyslm_ir.evaluation.test_folder import TestFolder
from tinyslm_ir.frontend.onnx_importer import import_onnx, input_types_from_arrays
from tinyslm_ir.passes.pipeline import BackendOptions, run_backend_pipeline

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "deeploy-tests"
RESULTS = REPO / "benchmarks" / "results" / "memory_peaks.json"


def peaks(folder: Path, l1: int) -> dict[str, dict[str, int]]:
    """{level: {peak, lower_bound}} of one network compiled tiled into an `l1`-byte L1."""
    test = TestFolder.load(folder)
    model = onnx.load(str(test.network))
    imported = import_onnx(model, input_types=input_types_from_arrays(model, test.inputs))
    run_backend_pipeline(imported.module, BackendOptions(l1=tile_budget(l1)))
    summary = imported.module.attributes["lmem.plan"]
    return {level: {key: summary.data[level].data[key].value.data  # type: ignore[attr-defined]
                    for key in ("peak", "lower_bound")}
            for level in summary.data}  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l1", type=int, default=65536)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent")
        return 0
    rows = {}
    print(f"{'network':58} {'L1 peak':>8} {'bound':>8} {'gap':>6} {'L2 peak':>8} {'bound':>8} "
          f"{'gap':>6}")
    for network in sorted(DATA.rglob("network.onnx")):
        name = str(network.parent.relative_to(DATA))
        rows[name] = p = peaks(network.parent, args.l1)
        cells = []
        for level in ("L1", "L2"):
            peak, bound = p[level]["peak"], p[level]["lower_bound"]
            gap = (peak / bound - 1) * 100 if bound else 0.0
            cells.append(f"{peak:>8} {bound:>8} {gap:>5.1f}%")
        print(f"{name:58} {' '.join(cells)}")
    worst = {level: max((r[level]["peak"] / r[level]["lower_bound"] - 1) * 100
                        for r in rows.values() if r[level]["lower_bound"])
             for level in ("L1", "L2")}
    print(f"worst gap: L1 {worst['L1']:.1f}%, L2 {worst['L2']:.1f}% (--l1 {args.l1})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"l1": args.l1, "networks": rows, "worst_gap_percent": worst},
                                  indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

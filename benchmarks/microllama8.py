"""Benchmark the whole compiler on Deeploy's microLlama8 test network (int8, 8 decoder steps).

Compiles the network for the simulated Siracusa (the default: tiled into all of L1, strict L1)
on 1 core and on 8 cores, runs both on spike, checks the outputs against the folder's expected
outputs, and reports compile time, modelled cycles, the 8-core speedup and MACs per cycle (MACs
of the MatMul/Gemm/Conv layers, from their shapes). The network is read in place from
``../shared/data/deeploy-tests`` (relative to the repository root); the script skips cleanly
when that folder or the toolchain is absent.

    python benchmarks/microllama8.py

Prints a table and writes ``benchmarks/results/microllama8.json``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import onnx

from tinyslm_ir.driver.compile import CompileOptions, compile_model
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.evaluation.compare import compare_outputs
from tinyslm_ir.evaluation.test_folder import TestFolder
from tinyslm_ir.frontend.onnx_importer import input_types_from_arrays
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO.parent / "shared" / "data" / "deeploy-tests" / "Models" / "microLlama" / "INT8" \
    / "microLlama8"
RESULTS = REPO / "benchmarks" / "results" / "microllama8.json"
CORE_COUNTS = (1, 8)


def measure(folder: TestFolder, cores: int) -> dict[str, object]:
    """Compile for `cores`, run once on spike, and return the figures of that run."""
    model = onnx.load(str(folder.network))
    types = input_types_from_arrays(model, folder.inputs)
    with tempfile.TemporaryDirectory(prefix="tsl-bench-") as tmp:
        start = time.perf_counter()
        manifest = compile_model(model, tmp, CompileOptions("siracusa", cores, input_types=types))
        compile_s = time.perf_counter() - start
        outcome = run_compiled(tmp, folder.inputs)
    cmp = compare_outputs(outcome.outputs, folder.expected)
    macs = sum(row["macs"] for row in outcome.report["layers"])
    return {"cores": cores, "compile_s": round(compile_s, 2), "cycles": outcome.cycles,
            "macs": macs, "macs_per_cycle": round(macs / outcome.cycles, 4),
            "l1_peak": manifest.l1_peak, "l2_peak": manifest.l2_peak,
            "strict_l1": manifest.strict_l1, "match": cmp.match,
            "sim_wall_s": outcome.report["sim_wall_s"]}


def main() -> int:
    if not (FOLDER / "network.onnx").is_file():
        print(f"skipped: {FOLDER} not found (../shared is absent)")
        return 0
    if missing_tools():
        print(f"skipped: RISC-V toolchain absent: {', '.join(missing_tools())}")
        return 0
    folder = TestFolder.load(FOLDER)
    runs = [measure(folder, n) for n in CORE_COUNTS]
    one, eight = runs
    speedup = one["cycles"] / eight["cycles"]  # type: ignore[operator]
    print(f"microLlama8 on the simulated Siracusa ({one['macs']:,} MACs)")
    print(f"{'cores':>5} {'compile s':>10} {'cycles':>14} {'MAC/cycle':>10} {'L2 peak':>10} "
          f"{'match':>6}")
    for r in runs:
        print(f"{r['cores']:>5} {r['compile_s']:>10} {r['cycles']:>14,} "
              f"{r['macs_per_cycle']:>10} {r['l2_peak']:>10,} {r['match']!s:>6}")
    print(f"speedup 8 vs 1 core: {speedup:.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"network": "microLlama8", "runs": runs,
                                   "speedup_8_over_1": round(speedup, 3)}, indent=2) + "\n")
    return 0 if all(r["match"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the small language model on the simulated Siracusa: the TinyLLama-v0-configuration
int8 decoder stack (no embedding, no LM head, as the published figures count it) in decode
steps with KV caches of 1, 8, 64, 128 and 256 tokens and in prefills of 8 and 64 tokens, plus
one decode step of the whole model at KV 64 for the embedding and LM head cycles.

Each point is the cached form (`quantize_cached`, in-place KV caches) compiled for 8 cores,
tiled into all of L1, strict L1, and run once on spike; every run is compared bit for bit with
the reference interpreter. The lower bound is this project's own: the larger of MACs / the
peak MAC rate of 8 cores and bytes moved / the DMA bandwidth, where
- the peak MAC rate is 4 MACs per cycle: 8 cores at one `mul` and one `add` per MAC, operands
  already in registers (RV32IMC has no multiply-accumulate), and
- the bytes moved are the weights read once plus the KV caches read once (8 B per cycle).

Deeploy's published Siracusa figures sit beside the table; they were measured on a different
model of the chip (GVSoC and silicon), so they frame the numbers rather than compare exactly.

    python benchmarks/slm.py

Prints a table and writes ``benchmarks/results/slm.json``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from tinyslm_ir.driver.compile import CompileOptions, compile_imported
from tinyslm_ir.driver.generate import split_cycles
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.models.llama_config import TINYLLAMA_V0, LlamaWeights
from tinyslm_ir.models.llama_int8 import quantize_cached
from tinyslm_ir.reference.interpreter import run_module
from tinyslm_ir.targets.siracusa import cost_model
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "slm.json"
DECODE_KV = (1, 8, 64, 128, 256)
PREFILL = (8, 64)
PEAK_MACS_PER_CYCLE = 4
DEEPLOY = [
    ("microLlama64 decode, cluster + NPU (GVSoC)", "857 k cycles"),
    ("microLlama64_parallel prefill, cluster only (GVSoC)", "35.3 M cycles"),
    ("TinyLLama-v0 on silicon, 360 MHz", "340 tokens/s = 1.06 M cycles/token"),
]


def measure(weights: LlamaWeights, kind: str, n: int, full: bool = False) -> dict[str, object]:
    """One point: decode with a KV cache of `n`, or a prefill of `n` tokens."""
    n_new, cached = (1, n) if kind == "decode" else (n, 0)
    model = quantize_cached(weights, cached + n_new, embed=full, lm_head=full, samples=2)
    q = model.graph(n_new)
    rng = np.random.default_rng(n)
    caches = [rng.integers(-64, 64, model.cache_shape()).astype(np.int8)
              for _ in model.empty_caches()]
    x = rng.integers(0, weights.config.vocab, (1, n_new)) if full else \
        rng.integers(-64, 64, (1, n_new, weights.config.dim)).astype(q.inputs[0].dtype)
    inputs = model.step_inputs(x, cached, caches)
    with tempfile.TemporaryDirectory(prefix="tsl-slm-") as tmp:
        start = time.perf_counter()
        compile_imported(q.imported(), tuple(q.input_names), tmp, CompileOptions(cores=8))
        compile_s = time.perf_counter() - start
        outcome = run_compiled(tmp, inputs)
    want = run_module(q.module, q.weights, inputs)
    exact = all(np.array_equal(a, b) for a, b in zip(outcome.outputs, want, strict=True))
    rows = outcome.report["layers"]
    cycles = sum(r["cycles"] for r in rows)
    macs = sum(r["macs"] for r in rows)
    moved = sum(a.nbytes for a in q.weights.values()) + sum(c.nbytes for c in caches)
    bound = max(macs / PEAK_MACS_PER_CYCLE, moved / cost_model.DMA_BYTES_PER_CYCLE)
    point = {"kind": kind, "n": n, "full_model": full, "cycles": cycles, "macs": macs,
             "macs_per_cycle": round(macs / cycles, 3),
             "dma_wait_share": round(sum(r["dma_wait"] for r in rows) / cycles, 3),
             "compile_s": round(compile_s, 1), "lower_bound": round(bound),
             "gap": round(cycles / bound, 2), "exact": exact}
    if full:
        point["split"] = split_cycles(outcome.report)
    return point


def main() -> int:
    if missing_tools():
        print("skipped: the RISC-V toolchain is absent (run scripts/install-toolchain.sh)")
        return 0
    start = time.perf_counter()
    weights = LlamaWeights.seeded(TINYLLAMA_V0, seed=0)
    points = [measure(weights, "decode", t) for t in DECODE_KV]
    points += [measure(weights, "prefill", n) for n in PREFILL]
    points.append(measure(weights, "decode", 64, full=True))
    print("TinyLLama-v0 configuration, int8, 8 cores, tiled strict L1, no NPU "
          "(decoder stack unless marked)")
    print(f"{'point':22} {'cycles':>11} {'MACs':>11} {'MAC/cyc':>8} {'DMA wait':>9} "
          f"{'compile s':>10} {'bound':>10} {'gap':>6} {'exact':>6}")
    for p in points:
        label = f"{p['kind']} {'KV' if p['kind'] == 'decode' else 'N'} {p['n']}" + \
            (" (whole)" if p["full_model"] else "")
        print(f"{label:22} {p['cycles']:>11} {p['macs']:>11} {p['macs_per_cycle']:>8} "
              f"{p['dma_wait_share']:>9.1%} {p['compile_s']:>10} {p['lower_bound']:>10} "
              f"{p['gap']:>5}x {p['exact']!s:>6}")
    whole = points[-1]["split"]
    print(f"\nwhole model, decode at KV 64: decoder stack {whole['decoder_stack']}, "
          f"embedding {whole['embedding']}, LM head {whole['lm_head']} cycles")
    print("\nDeeploy's published Siracusa figures (a different model of the chip):")
    for what, figure in DEEPLOY:
        print(f"  {what:55} {figure}")
    wall = round(time.perf_counter() - start, 1)
    print(f"\nbenchmark wall time {wall} s")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"points": points, "deeploy": DEEPLOY, "wall_s": wall},
                                  indent=1) + "\n")
    return 0 if all(p["exact"] for p in points) else 1


if __name__ == "__main__":
    raise SystemExit(main())

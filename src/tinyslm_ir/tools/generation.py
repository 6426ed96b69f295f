"""`tinyslm generate` and `tinyslm demo`: greedy generation on the simulated Siracusa, with a
progress bar and a per-token cycle report (`driver.generate` does the work)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module on start; the compiler loads on use
    from tinyslm_ir.driver.generate import Generator, Step
    from tinyslm_ir.models.llama_config import LlamaWeights

BUILTIN = "tinyllama-v0"
DEMO_PROMPT = (1, 415, 2217, 1701, 263, 2217, 7826, 29889)  # 8 ids; BOS first
DEMO_TOKENS = 16


class ProgressBar:
    """A one-line text bar on stderr (the run is minutes long; each step says where it is)."""

    def __init__(self, total: int, width: int = 32) -> None:
        self.total, self.width, self.done = total, width, 0
        self.start = time.perf_counter()

    def advance(self, note: str) -> None:
        self.done += 1
        filled = self.width * self.done // self.total
        elapsed = time.perf_counter() - self.start
        print(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
              f"{elapsed:5.1f}s {note:40}", end="" if self.done < self.total else "\n",
              file=sys.stderr, flush=True)


def load_weights(model: str, heads: int) -> tuple[LlamaWeights, bool]:
    """The built-in TinyLLama-v0 configuration with seeded weights, or a state dict (.npz,
    Hugging Face names); the flag says whether the weights are seeded."""
    import numpy as np

    from tinyslm_ir.models.llama_config import TINYLLAMA_V0, LlamaConfig, LlamaWeights

    if model == BUILTIN:
        return LlamaWeights.seeded(TINYLLAMA_V0, seed=0), True
    path = Path(model)
    if path.suffix != ".npz" or not path.is_file():
        raise FileNotFoundError(f"model '{model}': expected '{BUILTIN}' or a .npz state dict "
                                "with Hugging Face LlamaForCausalLM names")
    with np.load(path) as npz:
        state = {k: npz[k] for k in npz.files}
    vocab, dim = state["model.embed_tokens.weight"].shape
    layers = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("model.layers."))
    ffn = state["model.layers.0.mlp.gate_proj.weight"].shape[0]
    config = LlamaConfig(dim=dim, n_heads=heads, n_layers=layers, ffn_dim=ffn, vocab=vocab)
    return LlamaWeights.from_state_dict(config, state), False


def run_generation(weights: LlamaWeights, prompt: Sequence[int], n_tokens: int,
                   directory: Path, cores: int, l1: int | None
                   ) -> tuple[Generator, list[Step]]:
    """Calibrate, compile and generate, showing progress on stderr."""
    from tinyslm_ir.driver.generate import Generator
    from tinyslm_ir.models.llama_int8 import quantize_cached

    start = time.perf_counter()

    def say(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    capacity = len(prompt) + n_tokens - 1
    say(f"calibrating the int8 model (caches of {capacity} positions)")
    model = quantize_cached(weights, capacity)
    gen = Generator.compile(model, len(prompt), directory, cores=cores, l1=l1, progress=say)
    bar = ProgressBar(n_tokens)
    steps = gen.generate(prompt, n_tokens, on_step=lambda s: bar.advance(
        f"{s.kind} at {s.position}: token {s.token}, {s.cycles['total']} cycles"))
    return gen, steps


def print_report(gen: Generator, steps: list[Step], prompt: Sequence[int],
                 texts: tuple[str, str] | None = None) -> None:
    import numpy as np

    from tinyslm_ir.driver.generate import CLOCK_HZ, POWER_W

    tokens = [s.token for s in steps]
    print(f"prompt ids:    {list(prompt)}")
    print(f"generated ids: {tokens}")
    if texts:
        print(f"prompt:    {texts[0]!r}\ngenerated: {texts[1]!r}")
    print("every step matched the reference interpreter bit for bit\n")
    decode = [s for s in steps if s.kind == "decode"]
    rows = [("prefill", steps[:1]), ("decode (mean)", decode)]
    print(f"{'cycles per step':16} {'decoder':>10} {'embedding':>10} {'LM head':>10} "
          f"{'total':>10} {'compute':>10} {'DMA wait':>10} {'overhead':>10}")
    for label, group in rows:
        if not group:
            continue
        mean = {k: round(np.mean([s.cycles[k] for s in group]))
                for k in ("decoder_stack", "embedding", "lm_head", "total")}
        cat = {k: round(np.mean([s.categories[k] for s in group]))
               for k in ("compute", "dma_wait", "overhead")}
        print(f"{label:16} {mean['decoder_stack']:>10} {mean['embedding']:>10} "
              f"{mean['lm_head']:>10} {mean['total']:>10} {cat['compute']:>10} "
              f"{cat['dma_wait']:>10} {cat['overhead']:>10}")
    if decode:
        per_token = np.mean([s.cycles["total"] for s in decode])
        print(f"\ndecode: {CLOCK_HZ / per_token:.0f} tokens/s and "
              f"{per_token / CLOCK_HZ * POWER_W * 1e6:.0f} uJ/token at {CLOCK_HZ / 1e6:.0f} MHz "
              f"and {POWER_W * 1e3:.1f} mW (Siracusa silicon average, Deeploy's 340 tokens/s "
              "figure)")
    print("\npeak memory per level (bytes; arenas, weights, caches and I/O):")
    for level, size in gen.image.peaks().items():
        print(f"  {level:5} {size:>10}")


def plot(gen: Generator) -> list[Path]:
    from tinyslm_ir.driver.plan_plot import plot_plan

    return plot_plan(gen.image.directory / "decode")


def generate_command(args: argparse.Namespace) -> int:
    weights, seeded = load_weights(args.model, args.heads)
    texts = None
    if args.prompt is not None:
        if args.tokenizer is None:
            raise ValueError("--prompt needs --tokenizer tokenizer.json (a Hugging Face "
                             "tokenizers file for the model's vocabulary)")
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(args.tokenizer))
        prompt = tok.encode(args.prompt).ids
    elif args.prompt_ids:
        prompt = [int(t) for t in args.prompt_ids.split(",")]
    else:
        raise ValueError("give --prompt-ids 1,2,3 or --prompt TEXT --tokenizer FILE")
    if seeded:
        print("note: seeded weights (no pretrained TinyLLama-v0 is available offline)")
    gen, steps = run_generation(weights, prompt, args.tokens, args.output, args.cores, args.l1)
    if args.prompt is not None:
        texts = (args.prompt, tok.decode([s.token for s in steps]))
    print_report(gen, steps, prompt, texts)
    return 0


def demo_command(args: argparse.Namespace) -> int:
    print("tinyslm demo: TinyLLama-v0 configuration (d=64, 16 heads, 8 layers, SwiGLU 256, "
          "vocab 32000), int8, on the simulated Siracusa (8 cores, tiled, strict L1).")
    print("Weights are seeded: no pretrained TinyLLama-v0 is available offline, so the tokens "
          "are not meaningful text; every step is checked against the reference.\n")
    weights, _ = load_weights(BUILTIN, 16)
    gen, steps = run_generation(weights, DEMO_PROMPT, DEMO_TOKENS, args.output, 8, None)
    print_report(gen, steps, DEMO_PROMPT)
    for png in plot(gen):
        print(f"memory plan picture: {png}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("generate", help="greedy generation on the simulated Siracusa")
    g.add_argument("model", help=f"'{BUILTIN}' (seeded weights) or a .npz state dict")
    g.add_argument("--heads", type=int, default=16, help="attention heads (.npz models)")
    g.add_argument("--prompt-ids", default=None, metavar="ID,ID,...")
    g.add_argument("--prompt", default=None, metavar="TEXT")
    g.add_argument("--tokenizer", type=Path, default=None, metavar="tokenizer.json")
    g.add_argument("--tokens", type=int, default=16, help="tokens to generate")
    g.add_argument("--cores", type=int, default=8)
    g.add_argument("--l1", type=int, default=None, metavar="BYTES")
    g.add_argument("-o", "--output", type=Path, default=Path("tinyslm-generate"), metavar="DIR")
    g.set_defaults(func=generate_command)

    d = sub.add_parser("demo", help="the main job: TinyLLama-v0 int8 generation")
    d.add_argument("-o", "--output", type=Path, default=Path("tinyslm-demo"), metavar="DIR",
                   help="where the compiled image and the memory-plan pictures go")
    d.set_defaults(func=demo_command)

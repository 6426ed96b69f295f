"""The cached int8 Llama compiled for the simulated Siracusa, untiled and tiled strict-L1 (the
default): prefill then decode over in-place KV caches match the reference interpreter bit for
bit, the updated caches are the input buffers, and a tiled step moves only its new cache
rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, IntegerAttr, ModuleOp

from tinyslm_ir.dialects import dma, lmem
from tinyslm_ir.driver.artifacts import Manifest
from tinyslm_ir.driver.compile import UNTILED, CompileOptions, compile_imported
from tinyslm_ir.driver.run import run_compiled
from tinyslm_ir.frontend.onnx_importer import import_onnx
from tinyslm_ir.models import llama
from tinyslm_ir.models.llama_config import LlamaConfig, LlamaWeights
from tinyslm_ir.models.llama_int8 import quantize_cached
from tinyslm_ir.reference.interpreter import run_module
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

SMALL = LlamaConfig(dim=16, n_heads=4, n_layers=2, ffn_dim=32, vocab=50, max_context=64)
CAPACITY = 16

needs_sim = pytest.mark.skipif(bool(missing_tools()), reason="RISC-V toolchain absent "
                               "(run scripts/install-toolchain.sh)")


def _cache_traffic(module: ModuleOp, caches: list[int]) -> tuple[list[int], int]:
    """(bytes each cache_write DMA kernel appends, bytes any dma.start writes into a cache
    argument) of a lowered module; `caches` are the argument indices of the caches. Reads
    are not counted: attention reads the whole cache by design."""
    main = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    cache_args = {main.body.block.args[i] for i in caches}
    appended, whole = [], 0
    for op in main.walk():
        if isinstance(op, lmem.CallOp) and "cache_write_dma" in op.callee.root_reference.data:
            outer, n, _, inner = (p.value.data for p in op.params.data
                                  if isinstance(p, IntegerAttr))
            appended.append(outer * n * inner)  # int8 caches: elements are bytes
        elif isinstance(op, dma.StartOp) and op.dst in cache_args:
            whole += op.field("row_bytes") * op.field("rows")
    return appended, whole


@needs_sim
@pytest.mark.parametrize("l1", [UNTILED, None], ids=["untiled", "tiled-strict"])
def test_prefill_then_decode_matches_the_reference(l1: int | None, tmp_path: Path):
    w = LlamaWeights.seeded(SMALL, seed=0)
    model = quantize_cached(w, CAPACITY, embed=False, lm_head=False, samples=1)
    x = np.random.default_rng(3).integers(-100, 100, (1, 5, SMALL.dim)).astype(np.int8)
    caches = model.empty_caches()
    row_bytes = SMALL.n_heads * SMALL.head_dim  # one position of one cache, every head
    for n_new, start in ((4, 0), (1, 4)):
        graph = model.graph(n_new)
        inputs = model.step_inputs(x[:, start:start + n_new], start, caches)
        want = run_module(graph.module, graph.weights, inputs)
        imported = graph.imported()
        directory = tmp_path / f"step{n_new}"
        compile_imported(imported, tuple(graph.input_names), directory,
                         CompileOptions(l1=l1))
        got = run_compiled(directory, inputs).outputs
        for g, r in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, r)
        manifest = Manifest.load(directory)
        if l1 != UNTILED:
            appended, whole = _cache_traffic(imported.module, list(range(2, len(inputs))))
            assert appended == [n_new * row_bytes] * len(caches), "a step appends its rows"
            assert whole == 0, "nothing but the append writes a cache"
            assert manifest.strict_l1
        # the updated caches are the input buffers, written out under the outputs' names
        assert [o.name for o in manifest.outputs] == [f"output_{j}" for j in range(len(got))]
        source = (directory / "network.c").read_text()
        assert "output_1[" not in source and 'tsl_host_write("output_1.bin", input_' in source
        caches = list(want[1:])


@needs_sim
def test_float_decode_step_matches_the_reference(tmp_path: Path):
    """The float cached form (graph.causal_softmax, float cache appends) on rv32imfc, tiled
    strict-L1: one decode step at position 5 of partly filled caches agrees with the
    reference interpreter to float32 rounding."""
    w = LlamaWeights.seeded(SMALL, seed=3)
    model = llama.build_llama(w, 1, capacity=CAPACITY)
    imported = import_onnx(model)
    rng = np.random.default_rng(4)
    arrays = []
    for arg in imported.module.walk():
        if isinstance(arg, func.FuncOp):
            for a in arg.body.block.args:
                shape = tuple(a.type.get_shape())
                name = a.name_hint or ""
                if "position" in name:
                    arrays.append(np.array([[5]], np.int32))
                elif a.type.get_element_type() == Float32Type():
                    arrays.append(rng.standard_normal(shape).astype(np.float32))
                else:
                    arrays.append(rng.integers(0, SMALL.vocab, shape))
            break
    want = run_module(imported.module, imported.weights, arrays)
    compile_imported(imported, tuple(i.name for i in model.graph.input), tmp_path,
                     CompileOptions())
    got = run_compiled(tmp_path, arrays).outputs
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)

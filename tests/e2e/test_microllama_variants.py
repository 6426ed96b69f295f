"""microLlama at cache and prompt lengths Deeploy does not ship (issue 5's acceptance point):
decode steps with KV caches of 1 to 256 tokens and prefills of 16 to 64 tokens, generated
from the shipped folders by `evaluation.microllama_variants`, must match exactly on siracusa
in strict L1 mode with 64 KiB of L1, and still with 16 KiB (the tiler shrinks the tiles).

The default run covers the longest decode and the longest prefill at 64 KiB and the longest
decode at 16 KiB; the other lengths are marked `sweep` and run with `pytest -m sweep`.
The generator's own checks need only the shipped folders and no toolchain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.conftest import DEEPLOY_TESTS
from tests.e2e.compiled_runs import check, run_cases
from tinyslm_ir.evaluation.microllama_variants import (
    Lengths,
    causal_mask,
    dim_map,
    expected_outputs,
    lengths_of,
    rope_matrices,
    write_variant,
)
from tinyslm_ir.evaluation.test_folder import TestFolder
from tinyslm_ir.targets.siracusa.toolchain import missing_tools

MICRO_LLAMA = DEEPLOY_TESTS / "Models" / "microLlama" / "INT8"
DECODE, PREFILL = MICRO_LLAMA / "microLlama8", MICRO_LLAMA / "microLlama8_parallel"
needs_data = pytest.mark.skipif(not DECODE.is_dir() or not PREFILL.is_dir(),
                                reason=f"Deeploy microLlama folders not found in {MICRO_LLAMA} "
                                       "(../shared is absent)")
_MISSING = missing_tools()
needs_sim = pytest.mark.skipif(bool(_MISSING), reason=f"RISC-V toolchain absent: "
                               f"{', '.join(_MISSING)} (run scripts/install-toolchain.sh)")

L1, L1_SMALL = 65536, 16384
DEFAULT = {("decode", 256, L1), ("prefill", 64, L1), ("decode", 256, L1_SMALL)}
CASES = [(kind, n, l1) for l1 in (L1, L1_SMALL)
         for kind, lengths in (("decode", (1, 16, 64, 128, 256)), ("prefill", (16, 32, 64)))
         for n in lengths]


def _case_id(case: tuple[str, int, int]) -> str:
    kind, n, l1 = case
    return f"{kind}{n}-{l1 // 1024}k"


def _params() -> list:
    return [pytest.param(c, id=_case_id(c), marks=() if c in DEFAULT else pytest.mark.sweep)
            for c in CASES]


def _write(root: Path, kind: str, n: int) -> Path:
    if kind == "decode":
        return write_variant(DECODE, root / f"decode{n}", cache_len=n, seed=n)
    return write_variant(PREFILL, root / f"prefill{n}", prompt_len=n, seed=n)


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """test-net of every selected case, each length generated once, the runs in parallel
    and the longest (prefill, then the longest caches, then 16 KiB) first."""
    cases = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec is not None and "case" in callspec.params:
            cases.add(callspec.params["case"])
    root = tmp_path_factory.mktemp("microllama")
    order = sorted(cases, key=lambda c: (c[0] != "prefill", -c[1], c[2]))
    folders = {(kind, n): _write(root, kind, n) for kind, n, _ in order}
    runs = run_cases([(folders[kind, n], l1) for kind, n, l1 in order], "siracusa")
    return {(kind, n, l1): runs[folders[kind, n], l1] for kind, n, l1 in order}


@needs_data
@needs_sim
@pytest.mark.parametrize("case", _params())
def test_variant_matches_in_strict_l1(case: tuple[str, int, int], results: dict):
    result = results[case]
    check(result)
    assert result["l1_peak"] <= case[2]


@needs_data
def test_rope_rows_are_the_shipped_quantization():
    """The formula the generator continues reproduces every shipped RoPE row (positions
    0-7 of the prefill, 8 of the decode)."""
    prefill = TestFolder.load(PREFILL).inputs[2][0]
    decode = TestFolder.load(DECODE).inputs[2][0]
    assert np.array_equal(rope_matrices(range(8), 4), prefill)
    assert np.array_equal(rope_matrices([8], 4), decode)


@needs_data
@pytest.mark.parametrize("folder", [MICRO_LLAMA / "microLlama1", DECODE, PREFILL],
                         ids=lambda f: f.name)
def test_expected_outputs_reproduce_deeploys(folder: Path):
    """Where the generated expected outputs come from agrees with Deeploy's own outputs on
    every shipped folder."""
    shipped = TestFolder.load(folder)
    outputs = expected_outputs(onnx.load(str(shipped.network)), shipped.inputs)
    assert len(outputs) == len(shipped.expected)
    for got, want in zip(outputs, shipped.expected, strict=True):
        np.testing.assert_array_equal(got, want)


@needs_data
def test_decode_variant_extends_the_caches(tmp_path: Path):
    folder = TestFolder.load(write_variant(DECODE, tmp_path / "d", cache_len=3, seed=1))
    model = onnx.load(str(folder.network))
    assert lengths_of(folder.inputs).cache == 3
    assert [a.shape for a in folder.inputs[:3]] == [(1, 1, 64), (4,), (1, 1, 4, 4)]
    assert not folder.inputs[1].any()
    assert np.array_equal(folder.inputs[2][0], rope_matrices([3], 4))
    dims = [d.dim_value for d in model.graph.output[1].type.tensor_type.shape.dim]
    assert dims == [1, 16, 4, 4]
    for cache, extended in zip(folder.inputs[3:], folder.expected[1:], strict=True):
        assert cache.shape == (1, 16, 3, 4)
        np.testing.assert_array_equal(extended[:, :, :3], cache)


@needs_data
def test_prefill_variant_is_causal_with_new_reshapes(tmp_path: Path):
    folder = TestFolder.load(write_variant(PREFILL, tmp_path / "p", prompt_len=5, seed=1))
    model = onnx.load(str(folder.network))
    assert folder.inputs[0].shape == (1, 5, 64)
    assert np.array_equal(folder.inputs[1], causal_mask(5, -128))
    assert np.array_equal(folder.inputs[2][0], rope_matrices(range(5), 4))
    shapes = {tuple(onnx.numpy_helper.to_array(t)) for t in model.graph.initializer
              if t.name in {n.input[1] for n in model.graph.node if n.op_type == "Reshape"}}
    assert shapes == {(1, 5, 16, 4), (1, 5, 64)}
    assert [o.shape for o in folder.expected] == [(1, 5, 64)] + [(1, 16, 5, 4)] * 16


def test_a_length_that_is_also_a_model_dimension_is_refused():
    """A one-token cache cannot be told from the batch dimension in the declared shapes."""
    with pytest.raises(ValueError, match="ambiguous"):
        dim_map(Lengths(prompt=1, cache=1), Lengths(prompt=1, cache=5), {1, 4, 16, 64})
    assert dim_map(Lengths(prompt=1, cache=8), Lengths(prompt=1, cache=5),
                   {1, 4, 16, 64}) == {8: 5, 9: 6}

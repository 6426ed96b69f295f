from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from tinyslm_ir.frontend.weights import WeightStore, attach_weights, weights_path_of


def test_store_round_trips_through_npz(tmp_path: Path) -> None:
    store = WeightStore({"w": np.arange(6, dtype=np.int8).reshape(2, 3)})
    store["b"] = np.zeros(3, np.float32)
    store.save(tmp_path / "m.weights.npz")
    loaded = WeightStore.load(tmp_path / "m.weights.npz")
    assert list(loaded) == ["w", "b"]
    assert loaded["w"].dtype == np.int8
    np.testing.assert_array_equal(loaded["w"], store["w"])


def test_relative_path_resolves_against_mlir_directory(tmp_path: Path) -> None:
    module = ModuleOp([])
    assert weights_path_of(module) is None
    attach_weights(module, "m.weights.npz")
    assert 'graph.weights = "m.weights.npz"' in str(module)
    assert weights_path_of(module, tmp_path / "m.mlir") == tmp_path.resolve() / "m.weights.npz"
    attach_weights(module, "/abs/w.npz")
    assert weights_path_of(module, tmp_path / "m.mlir") == Path("/abs/w.npz")

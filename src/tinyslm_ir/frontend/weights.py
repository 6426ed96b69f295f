"""The weight store: named constant tensors that live beside the IR, not inside it.

`graph.weight @name` ops refer into a `WeightStore` by name. The store is saved as an `.npz`
next to the `.mlir` file, and the module records where in the discardable attribute
`graph.weights`, so that a later tool invocation can find the weights of a printed module.
A relative path is resolved against the directory of the `.mlir` file, which lets the pair
be moved together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr

WEIGHTS_ATTR = "graph.weights"


class WeightStore(Mapping[str, np.ndarray]):
    """An insertion-ordered mapping from weight name to array, saved as `.npz`."""

    def __init__(self, arrays: Mapping[str, np.ndarray] | None = None):
        self._arrays: dict[str, np.ndarray] = dict(arrays or {})

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __setitem__(self, name: str, array: np.ndarray) -> None:
        self._arrays[name] = np.asarray(array)

    def save(self, path: str | Path) -> None:
        """Write all arrays uncompressed; weight files are read far more often than written."""
        with open(path, "wb") as f:
            np.savez(f, **self._arrays)

    @classmethod
    def load(cls, path: str | Path) -> WeightStore:
        with np.load(path, allow_pickle=False) as data:
            return cls({name: data[name] for name in data.files})


def attach_weights(module: ModuleOp, path: str | Path) -> None:
    """Record the store location in the module (kept as given: relative or absolute)."""
    module.attributes[WEIGHTS_ATTR] = StringAttr(str(path))


def weights_path_of(module: ModuleOp, mlir_path: str | Path | None = None) -> Path | None:
    """The recorded store path, resolved against the directory of `mlir_path` if relative."""
    attr = module.attributes.get(WEIGHTS_ATTR)
    if not isinstance(attr, StringAttr):
        return None
    path = Path(attr.data)
    if not path.is_absolute() and mlir_path is not None:
        path = Path(mlir_path).resolve().parent / path
    return path

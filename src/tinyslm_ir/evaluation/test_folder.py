"""Deeploy's test-folder format: `network.onnx`, `inputs.npz`, `outputs.npz`.

The conventions (spec §10): the i-th array feeds the i-th graph input that is not an
initializer; extra trailing input arrays duplicate weights and are ignored; empty inputs are
skipped; the i-th output array is the i-th graph output.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class TestFolder:
    path: Path
    inputs: list[np.ndarray]
    expected: list[np.ndarray]

    __test__ = False  # not a pytest class

    @property
    def network(self) -> Path:
        return self.path / "network.onnx"

    @classmethod
    def load(cls, path: str | Path) -> "TestFolder":
        folder = Path(path)
        for name in ("network.onnx", "inputs.npz", "outputs.npz"):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder}: missing {name} (not a test folder)")
        return cls(folder, _arrays(folder / "inputs.npz"), _arrays(folder / "outputs.npz"))


def _arrays(path: Path) -> list[np.ndarray]:
    with np.load(path) as npz:
        return [npz[k] for k in npz.files]

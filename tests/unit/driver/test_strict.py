"""Strict-L1 builds from the driver: on by default exactly when tiled (siracusa tiles into
all of L1 unless told `--l1 0`), and refused up front, naming the layer, when the tiler left a
layer computing on L2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr

from tinyslm_ir.driver.artifacts import MANIFEST, Manifest
from tinyslm_ir.driver.compile import UNTILED, default_l1
from tinyslm_ir.driver.strict import StrictL1Error, check_strict, strict_default
from tinyslm_ir.passes.bufferize import UNTILED_ATTR
from tinyslm_ir.targets.siracusa import memory_map
from tinyslm_ir.tools.diagnostics import user_error_types


def test_siracusa_tiles_into_all_of_l1_by_default_and_the_host_never_tiles() -> None:
    assert default_l1("siracusa") == memory_map.L1.size
    assert default_l1("host") == UNTILED == 0


@pytest.mark.parametrize(("target", "l1", "requested", "strict"), [
    ("siracusa", 65536, None, True),
    ("siracusa", default_l1("siracusa"), None, True),
    ("siracusa", UNTILED, None, False),
    ("host", default_l1("host"), None, False),
    ("host", 65536, None, False),
    ("siracusa", 65536, False, False),
    ("siracusa", 65536, True, True),
])
def test_strict_default(target: str, l1: int, requested: bool | None, strict: bool) -> None:
    assert strict_default(target, l1, requested) is strict


@pytest.mark.parametrize("target", ["siracusa", "host"])
def test_strict_without_tiling_is_a_usage_error(target: str) -> None:
    with pytest.raises(StrictL1Error, match="--l1 0"):
        strict_default(target, UNTILED, True)


def test_untiled_layer_is_refused_naming_it() -> None:
    module = ModuleOp([])
    check_strict(module)  # untiled mode: nothing recorded, nothing to refuse
    module.attributes[UNTILED_ATTR] = ArrayAttr([StringAttr("gather_3: no tiling description"),
                                                 StringAttr("topk_9: data-dependent")])
    with pytest.raises(StrictL1Error) as info:
        check_strict(module)
    message = str(info.value)
    assert "\n" not in message
    assert "layer 'gather_3' is not tiled (no tiling description)" in message
    assert "1 more" in message and "--no-strict" in message
    assert isinstance(info.value, user_error_types())  # the CLI reports it, exit code 2


def test_old_manifests_load_as_not_strict(tmp_path: Path) -> None:
    manifest = Manifest("siracusa", 8, "m.onnx", ("x",), (), (), 0, 0, 0.1, strict_l1=True)
    manifest.save(tmp_path)
    assert Manifest.load(tmp_path).strict_l1
    data = json.loads((tmp_path / MANIFEST).read_text())
    del data["strict_l1"]
    (tmp_path / MANIFEST).write_text(json.dumps(data))
    assert not Manifest.load(tmp_path).strict_l1

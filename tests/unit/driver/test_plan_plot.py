"""`tinyslm compile --plot`: one readable PNG per memory level, drawn from plan.json alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tinyslm_ir.driver.artifacts import PLAN
from tinyslm_ir.driver.plan_plot import plan_png, plot_plan

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _plan(directory: Path) -> None:
    buffers = [
        {"name": "buf_a", "level": "L1", "offset": 0, "size": 1024, "live": [0, 3], "type": "x"},
        {"name": "buf_b", "level": "L1", "offset": 1024, "size": 512, "live": [2, 5],
         "type": "x"},
        {"name": "buf_c", "level": "L2", "offset": 0, "size": 64, "live": [0, 0], "type": "x"},
        {"name": "buf_d", "level": "L2", "offset": 64, "size": 16, "live": [], "type": "x"},
    ]
    plan = {"levels": {"L1": {"peak": 1536, "lower_bound": 1536, "capacity": 2048,
                              "optimal": True, "method": "tiling-cp-sat"},
                       "L2": {"peak": 80, "capacity": 1 << 20}},
            "peaks": {"L1": 1536, "L2": 80}, "buffers": buffers}
    (directory / PLAN).write_text(json.dumps(plan))


def test_one_png_per_level_with_buffers(tmp_path: Path) -> None:
    _plan(tmp_path)
    written = plot_plan(tmp_path)
    assert written == [plan_png(tmp_path, "L1"), plan_png(tmp_path, "L2")]
    for png in written:
        assert png.read_bytes().startswith(PNG_MAGIC)


def test_capacity_far_above_the_peak_does_not_squash_the_plot(tmp_path: Path) -> None:
    """L2's capacity (1 MiB) is 13000x its peak: the picture is still drawn, at the peak's
    scale (the capacity goes to the title)."""
    _plan(tmp_path)
    from matplotlib.image import imread

    image = imread(plot_plan(tmp_path)[1])
    assert image.shape[0] > 400 and image.shape[1] > 1000

"""`tinyslm compile --plot`: the memory plan of each level as a PNG, time by address.

Like Figure 2 of the Deeploy paper: the x axis is the schedule step (the planner's time), the
y axis the byte offset in the level's arena, and every planned buffer is one rectangle over
its live range. The peak and, when it is on the same scale, the capacity are drawn as
horizontal lines, so how much slack a plan leaves and which buffers make the peak can be seen
at a glance. In tiled mode the L1 picture is the whole network's: layers are disjoint in time,
so each layer's tile buffers appear side by side along the x axis.

It reads only `plan.json`, so any compiled directory can be drawn again later.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinyslm_ir.driver.artifacts import PLAN

LABEL_HEIGHT = 0.06
"""A buffer is labelled when it is at least this fraction of the y range tall..."""
LABEL_WIDTH = 0.04
"""...and this fraction of the x range wide: only those have room for their name."""
CAPACITY_ON_SCALE = 6.0
"""The capacity line is drawn when it is within this factor of the peak; beyond, it would
squash the buffers into a sliver, so it is only written in the title."""


def plan_png(directory: Path, level: str) -> Path:
    """Where `plot_plan` puts the picture of `level`."""
    return directory / f"plan_{level}.png"


def plot_plan(directory: str | Path) -> list[Path]:
    """Draw every level of `directory/plan.json` that holds buffers; returns the PNG paths."""
    path = Path(directory)
    plan = json.loads((path / PLAN).read_text())
    levels = sorted({b["level"] for b in plan["buffers"]})
    written = []
    for level in levels:
        buffers = [b for b in plan["buffers"] if b["level"] == level and b["live"]]
        summary = plan["levels"].get(level, {})
        out = plan_png(path, level)
        _plot_level(level, buffers, summary, plan["peaks"].get(level, 0), out)
        written.append(out)
    return written


def _colour(name: str, cmap: Any) -> Any:
    """A stable colour per buffer name (crc32, not hash(): the same on every run)."""
    return cmap(zlib.crc32(name.encode()) % cmap.N)


def _plot_level(level: str, buffers: Sequence[dict[str, Any]], summary: dict[str, Any],
                peak: int, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    steps = max((b["live"][1] + 1 for b in buffers), default=1)
    capacity = summary.get("capacity")
    top = max(peak, 1) * 1.12
    if capacity and capacity <= CAPACITY_ON_SCALE * max(peak, 1):
        top = max(top, capacity * 1.05)
    fig, ax = plt.subplots(figsize=(14, 6), dpi=110)
    cmap = plt.get_cmap("tab20")
    rects = [Rectangle((b["live"][0], b["offset"]), b["live"][1] + 1 - b["live"][0], b["size"])
             for b in buffers]
    ax.add_collection(PatchCollection(rects, facecolors=[_colour(b["name"], cmap)
                                                         for b in buffers],
                                      edgecolors="black", linewidths=0.3, alpha=0.85))
    for b in buffers:
        width = b["live"][1] + 1 - b["live"][0]
        if b["size"] >= LABEL_HEIGHT * top and width >= LABEL_WIDTH * steps:
            ax.text(b["live"][0] + width / 2, b["offset"] + b["size"] / 2,
                    f"{b['name'].removeprefix('buf_')}\n{b['size']} B", ha="center",
                    va="center", fontsize=7, clip_on=True)
    ax.axhline(peak, color="red", linestyle="--", linewidth=1.2)
    ax.annotate(f"peak {peak} B", (steps, peak), xytext=(-4, 3), textcoords="offset points",
                ha="right", va="bottom", color="red", fontsize=9)
    peak_buffer = max(buffers, key=lambda b: b["offset"] + b["size"], default=None)
    if peak_buffer is not None:
        ax.plot([(peak_buffer["live"][0] + peak_buffer["live"][1] + 1) / 2], [peak], marker="v",
                color="red", markersize=8)
    if capacity and capacity <= top:
        ax.axhline(capacity, color="black", linewidth=1.5)
        ax.annotate(f"capacity {capacity} B", (0, capacity), xytext=(4, 3),
                    textcoords="offset points", fontsize=9)
    ax.set_xlim(0, steps)
    ax.set_ylim(0, top)
    ax.set_xlabel("schedule step")
    ax.set_ylabel(f"{level} offset (bytes)")
    title = f"{level} memory plan: {len(buffers)} buffers, peak {peak} B"
    if capacity:
        title += f", capacity {capacity} B"
    if "lower_bound" in summary:
        title += f", lower bound {summary['lower_bound']} B"
    if "method" in summary:
        title += f" ({summary['method']}{', optimal' if summary.get('optimal') else ''})"
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)

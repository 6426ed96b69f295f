"""Shared by the compiled-target e2e tests: run many test folders through `run_test_net` in
parallel worker processes, once per module, and keep each folder's result or error text.

Worker processes are spawned, not forked: the parent may already have run OR-Tools, whose
threads do not survive a fork.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest


def _run(folder: str, target: str, cores: int, l1: int | None) -> dict[str, Any]:
    from tinyslm_ir.evaluation.testnet import run_test_net

    try:
        return run_test_net(folder, target=target, cores=cores, l1=l1)
    except Exception as e:  # reported per folder by the test that asked for it
        return {"error": f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}"}


def run_cases(cases: list[tuple[Path, int | None]], target: str, cores: int = 8
              ) -> dict[tuple[Path, int | None], dict[str, Any]]:
    """`run_test_net` of every (folder, L1 budget) case, on as many workers as there are
    CPUs, in the given order (put the longest first to balance the workers)."""
    if not cases:
        return {}
    workers = min(len(cases), os.cpu_count() or 1)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = {c: pool.submit(_run, str(c[0]), target, cores, c[1]) for c in cases}
        return {c: fut.result() for c, fut in futures.items()}


def run_folders(folders: list[Path], target: str, cores: int = 8,
                l1: int | None = None) -> dict[Path, dict[str, Any]]:
    """`run_test_net` of every folder, on as many workers as there are CPUs (`l1`: tiled)."""
    results = run_cases([(f, l1) for f in folders], target, cores)
    return {f: results[f, l1] for f in folders}


def selected_folders(request: pytest.FixtureRequest, argname: str) -> list[Path]:
    """The folder parameters of the collected tests of this module that take `argname`."""
    folders = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec is not None and \
                callspec.params.get(argname) is not None:
            folders.append(callspec.params[argname])
    return folders


def check(result: dict[str, Any]) -> None:
    assert "error" not in result, result.get("error")
    assert result["match"], "\n".join(result["details"])

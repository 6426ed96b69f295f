"""Shared test helpers: where the external test data lives, and how to skip without it."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEEPLOY_TESTS = SHARED / "data" / "deeploy-tests"


def deeploy_folders() -> list[Path]:
    """Every Deeploy test folder (a directory holding network.onnx), sorted; empty if absent."""
    if not DEEPLOY_TESTS.is_dir():
        return []
    return sorted(p.parent for p in DEEPLOY_TESTS.rglob("network.onnx"))


def deeploy_params() -> list:
    """pytest parameters for the Deeploy folders, or one clearly-skipped placeholder."""
    folders = deeploy_folders()
    if not folders:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"external test data not found at {DEEPLOY_TESTS} (../shared is absent)"))]
    return [pytest.param(f, id=str(f.relative_to(DEEPLOY_TESTS))) for f in folders]

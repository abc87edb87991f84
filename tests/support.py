"""Helpers shared by the tests: where the real data is, and skip-or-fail for missing resources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """Where the real Spider/BIRD data is: $HARNESS_DATA_DIR, else ../shared/data."""
    env = os.environ.get("HARNESS_DATA_DIR")
    return Path(env) if env else (REPO / ".." / "shared" / "data").resolve()


def require(condition: bool, why: str) -> None:
    """Skip when a resource is missing, or fail when HARNESS_REQUIRE_ALL=1 (as in CI)."""
    if condition:
        return
    if os.environ.get("HARNESS_REQUIRE_ALL") == "1":
        pytest.fail(f"{why} (HARNESS_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(why)

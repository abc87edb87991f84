"""Shared fixtures: the Spider data in /work/shared/data (skipped where it is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("HARNESS_TEST_DATA", "/work/shared/data"))


@pytest.fixture(scope="session")
def spider_suite():
    from harness.suite import load_suite

    if not (SHARED_DATA / "spider" / "database" / "concert_singer").is_dir():
        pytest.skip(f"Spider databases not found under {SHARED_DATA}")
    return load_suite("spider", SHARED_DATA)

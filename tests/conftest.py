"""Shared fixtures: the real benchmark data beside the checkout, and throwaway SQLite suites."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from harness.core import Database, Example
from harness.suite import Suite
from tests.support import require, shared_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    root = shared_data_dir()
    require(
        (root / "spider" / "dev.json").exists(),
        f"Spider data not found under {root}: set HARNESS_DATA_DIR to a folder holding spider/ "
        f"(or run `harness data download spider`).",
    )
    return root


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Tests never read or write the user's cache (gold results, built sample databases,
    generations); only converted model weights are shared, as converting takes half a minute."""
    from harness.paths import models_dir

    os.environ.setdefault("HARNESS_MODELS_DIR", str(models_dir()))
    previous = os.environ.get("HARNESS_CACHE_DIR")
    os.environ["HARNESS_CACHE_DIR"] = str(tmp_path_factory.mktemp("harness-cache"))
    yield
    if previous is None:
        os.environ.pop("HARNESS_CACHE_DIR", None)
    else:
        os.environ["HARNESS_CACHE_DIR"] = previous


class TinySuite(Suite):
    """A real suite over SQLite files built by a test: one database per script."""

    name = "tiny"
    splits = ("dev",)
    default_rule = "bird"
    difficulty_levels = ("simple",)

    def __init__(self, folder: Path, scripts: dict[str, str], examples: list[Example]):
        super().__init__(folder)
        self.folder = folder
        self._examples = examples
        for db_id, script in scripts.items():
            path = self.database(db_id).path
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path)
            conn.executescript(script)
            conn.commit()
            conn.close()

    def load_examples(self, split: str) -> list[Example]:
        return list(self._examples)

    def database(self, db_id: str) -> Database:
        path = self.folder / db_id / f"{db_id}.sqlite"
        return Database(db_id, path)

    def split_files(self, split: str) -> list[Path]:
        return []


@pytest.fixture
def tiny_suite_factory(tmp_path):
    def make(scripts: dict[str, str], examples: list[Example]) -> TinySuite:
        return TinySuite(tmp_path / "tiny", scripts, examples)

    return make


@pytest.fixture(scope="session")
def spider_suite(data_dir):
    """The Spider suite over the real data (dev databases included)."""
    from harness.suite import load_suite

    require(
        (data_dir / "spider" / "database" / "concert_singer").is_dir(),
        f"Spider databases not found under {data_dir}/spider/database.",
    )
    return load_suite("spider", data_dir)


"""BIRD (Li et al., 2023) in its official layout under ``<data root>/bird``.

    dev.json  dev_tables.json  dev_databases/<db_id>/<db_id>.sqlite
    mini_dev/mini_dev_sqlite.json  mini_dev/dev_tables.json        (Mini-Dev uses the dev databases)
    train/train.json  train/train_tables.json  train/train_databases/<db_id>/<db_id>.sqlite

``question_id`` is the file's own ``question_id`` field (for Mini-Dev: the BIRD dev id).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from harness.core import Database, Example
from harness.suite import Suite, read_json
from suites import plain_db_id
from suites.bird.releases import BIRD_DEV_RELEASES, BIRD_MINI_DEV_RELEASES
from suites.bird.sources import BIRD_DEV, BIRD_MINI_DEV


class BirdSuite(Suite):
    name = "bird"
    description = "BIRD dev / Mini-Dev (set-of-rows rule; simple/moderate/challenging)"
    splits = ("dev", "mini-dev", "train")
    default_rule = "bird"
    difficulty_levels = ("simple", "moderate", "challenging")
    downloads = (BIRD_DEV, BIRD_MINI_DEV)
    releases = {"dev": BIRD_DEV_RELEASES, "mini-dev": BIRD_MINI_DEV_RELEASES}
    how_to_get = (
        "Get it with `harness data download bird`, or pass --data-dir pointing at a folder that "
        "holds bird/dev.json, bird/dev_tables.json and bird/dev_databases/<db_id>/<db_id>.sqlite."
    )
    _files = {
        "dev": ("dev.json", "dev_tables.json"),
        "mini-dev": ("mini_dev/mini_dev_sqlite.json", "mini_dev/dev_tables.json"),
        "train": ("train/train.json", "train/train_tables.json"),
    }

    @property
    def root(self) -> Path:
        return self.data_root / "bird"

    def split_files(self, split: str) -> list[Path]:
        self.check_split(split)
        return [self.root / name for name in self._files[split]]

    def gold_file(self, split: str) -> Path | None:
        gold = {"dev": "dev_gold.sql", "mini-dev": "mini_dev/mini_dev_sqlite_gold.sql"}
        return self.root / gold[split] if split in gold else None

    def load_examples(self, split: str) -> list[Example]:
        path = self.split_files(split)[0]
        if not path.exists():
            raise self.missing_data_error(path)
        return [
            Example(
                question_id=int(r.get("question_id", i)),
                db_id=plain_db_id(r["db_id"], path),
                question=r["question"],
                gold_sql=r["SQL"],
                evidence=r.get("evidence") or "",
                difficulty=r.get("difficulty"),
            )
            for i, r in enumerate(read_json(path))
        ]

    def database(self, db_id: str) -> Database:
        plain_db_id(db_id, f"suite {self.name}")
        for folder in ("dev_databases", "mini_dev/dev_databases", "train/train_databases"):
            path = self.root / folder / db_id / f"{db_id}.sqlite"
            if path.exists():
                return Database(db_id, path)
        return Database(db_id, self.root / "dev_databases" / db_id / f"{db_id}.sqlite")

    @cached_property
    def _tables(self) -> dict[str, dict]:
        tables: dict[str, dict] = {}
        for name in ("dev_tables.json", "train/train_tables.json"):
            path = self.root / name
            if path.exists():
                tables.update({t["db_id"]: t for t in read_json(path)})
        return tables

    def schema_entry(self, db_id: str) -> dict | None:
        return self._tables.get(db_id)

"""Spider 1.0 (Yu et al., 2018) in its official layout under ``<data root>/spider``.

    dev.json  train_spider.json  [train_others.json]  tables.json  database/<db_id>/<db_id>.sqlite

``question_id`` is the 0-based index in the split file. Difficulty is Spider hardness
(easy/medium/hard/extra), computed from the gold SQL by the official rules
(``suites.spider.hardness``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from harness.core import Database, Example
from harness.data.integrity import is_database_file
from harness.suite import Suite, read_json
from suites import plain_db_id
from suites.spider.hardness import cached_hardness
from suites.spider.releases import SPIDER_DEV_RELEASES, SPIDER_TRAIN_RELEASES
from suites.spider.sources import SPIDER


class SpiderSuite(Suite):
    name = "spider"
    description = "Spider 1.0 dev/train (test-suite execution rule; hardness easy…extra)"
    splits = ("dev", "train", "train-others")
    default_rule = "spider"
    difficulty_levels = ("easy", "medium", "hard", "extra")
    downloads = (SPIDER,)
    releases = {"dev": SPIDER_DEV_RELEASES, "train": SPIDER_TRAIN_RELEASES}
    how_to_get = (
        "Get it with `harness data download spider`, or pass --data-dir pointing at a folder that "
        "holds spider/dev.json, spider/tables.json and spider/database/<db_id>/<db_id>.sqlite."
    )
    _files = {"dev": "dev.json", "train": "train_spider.json", "train-others": "train_others.json"}

    @property
    def root(self) -> Path:
        return self.data_root / "spider"

    def split_files(self, split: str) -> list[Path]:
        self.check_split(split)
        return [self.root / self._files[split]]

    def gold_file(self, split: str) -> Path | None:
        return self.root / "dev_gold.sql" if split == "dev" else None

    def load_examples(self, split: str) -> list[Example]:
        (path,) = self.split_files(split)
        if not path.exists():
            raise self.missing_data_error(path)
        records = read_json(path)
        # The official gold files hold the JSON's SQL with tabs written as spaces (tab is their
        # column separator); the official evaluator executes that text, so we do too.
        golds = [r["query"].replace("\t", " ") for r in records]
        hardness = cached_hardness(golds)
        return [
            Example(
                question_id=i,
                db_id=plain_db_id(r["db_id"], path),
                question=r["question"],
                gold_sql=gold,
                difficulty=level,
            )
            for i, (r, gold, level) in enumerate(zip(records, golds, hardness))
        ]

    def database(self, db_id: str) -> Database:
        folder = self.root / "database" / plain_db_id(db_id, f"suite {self.name}")
        path = folder / f"{db_id}.sqlite"
        # The test-suite evaluator compares on every file whose name contains ".sqlite"; a stray
        # "x.sqlite-wal" or "x.sqlite-journal" is not a database, so only real database files.
        others = sorted(
            p for p in folder.glob("*")
            if ".sqlite" in p.name and p != path and is_database_file(p)
        )
        return Database(db_id, path, (path, *others))

    @cached_property
    def _tables(self) -> dict[str, dict]:
        path = self.root / "tables.json"
        return {t["db_id"]: t for t in read_json(path)} if path.exists() else {}

    def schema_entry(self, db_id: str) -> dict | None:
        return self._tables.get(db_id)

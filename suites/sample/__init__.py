"""The embedded ``sample`` suite: six small databases and their questions, written for this project.

It ships inside the package, so it needs no download: it is the default suite on CPU machines and in
CI, and its ``train`` split is small enough for short real training runs. Each database is a SQL
script in ``databases/``, built into an SQLite file in the cache on first use (see ``build.py``).
The splits share no database (four for ``train``, two for ``dev``), so ``dev`` measures transfer to
unseen schemas, as BIRD and Spider do.

    questions.jsonl            one question a line: question_id, split, db_id, question, evidence,
                               sql, difficulty (simple/moderate/challenging)
    databases/<db_id>.sql      CREATE TABLE statements and INSERTs
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from harness.core import Database, Example
from harness.data.releases import Release
from harness.errors import DataError
from harness.paths import cache_dir
from harness.suite import Suite
from suites import plain_db_id
from suites.sample.build import build_database
from suites.sample.schema import schema_entry

HERE = Path(__file__).parent
QUESTIONS = HERE / "questions.jsonl"
DATABASES = HERE / "databases"
#: The questions file as shipped since 2026-11-25 (commit 20736ac); an edit makes it unrecognised.
RELEASE = Release(
    name="2026-11",
    title="The embedded sample suite's questions, as shipped",
    source="suites/sample/questions.jsonl",
    question_sha256=("a1980e8ea4b8418f68cc68eccaa0a03ccfe3e1ac20eb561812239e0a4e7643a9",),
    downloadable=False,
)


class SampleSuite(Suite):
    name = "sample"
    description = "Embedded sample: 6 small databases written for the harness (runs anywhere)"
    splits = ("train", "dev")
    default_split = "dev"
    train_split = "train"
    default_rule = "bird"
    difficulty_levels = ("simple", "moderate", "challenging")
    releases = {"train": (RELEASE,), "dev": (RELEASE,)}
    how_to_get = (
        "The sample suite ships inside the package; reinstall the harness if it is missing."
    )

    def __init__(self, data_dir: str | Path | None = None):
        # The data root is irrelevant to our own files, but provenance still records it.
        super().__init__(data_dir)

    @cached_property
    def _records(self) -> list[dict]:
        if not QUESTIONS.exists():
            raise self.missing_data_error(QUESTIONS)
        with open(QUESTIONS, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def db_ids(self, split: str) -> list[str]:
        """The databases that ``split`` asks about, sorted."""
        self.check_split(split)
        return sorted({r["db_id"] for r in self._records if r["split"] == split})

    def split_files(self, split: str) -> list[Path]:
        return [QUESTIONS, *(DATABASES / f"{db_id}.sql" for db_id in self.db_ids(split))]

    def load_examples(self, split: str) -> list[Example]:
        self.check_split(split)
        return [
            Example(
                question_id=r["question_id"],
                db_id=plain_db_id(r["db_id"], QUESTIONS),
                question=r["question"],
                gold_sql=r["sql"],
                evidence=r["evidence"],
                difficulty=r["difficulty"],
            )
            for r in self._records
            if r["split"] == split
        ]

    def database(self, db_id: str) -> Database:
        script = DATABASES / f"{plain_db_id(db_id, f'suite {self.name}')}.sql"
        if not script.exists():
            known = ", ".join(sorted(p.stem for p in DATABASES.glob("*.sql")))
            raise DataError(f"The sample suite has no database '{db_id}'. Databases: {known}.")
        return Database(db_id, build_database(script, cache_dir() / "sample"))

    def schema_entry(self, db_id: str) -> dict | None:
        return schema_entry(self.database(db_id).path, db_id)

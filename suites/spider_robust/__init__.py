"""Spider's robustness sets: the dev questions reworded (Syn, Realistic) or needing domain
knowledge (DK), asked of Spider's own SQLite databases and scored by Spider's rules.

    <data root>/spider-syn/dev.json                  Gan et al., ACL 2021 (1,034 questions)
    <data root>/spider-dk/Spider-DK.json, tables.json, database/new_*/   Gan et al., EMNLP 2021
    <data root>/spider-realistic/spider-realistic.json                 Deng et al., NAACL 2021
    <data root>/spider/database/<db_id>/<db_id>.sqlite                 every other database

``question_id`` is the 0-based index in the set's own file, as for Spider, so a Spider-style
``.sql`` predictions file lines up. ``original_id`` names the Spider dev question a reworded
question comes from (see :mod:`suites.spider_robust.pairing`); ``harness compare`` pairs runs on it.
Difficulty is Spider hardness from each set's own gold SQL. The prompting method sees only
``Example.question``: each suite puts its reworded text there.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import ClassVar

from harness.core import Database, Example
from harness.errors import DataError
from harness.suite import Suite, read_json
from suites import plain_db_id
from suites.spider import SpiderSuite
from suites.spider.hardness import cached_hardness
from suites.spider_robust.pairing import align_to_spider, knowledge_type
from suites.spider_robust.releases import (
    SPIDER_DK_RELEASES,
    SPIDER_REALISTIC_RELEASES,
    SPIDER_SYN_RELEASES,
)
from suites.spider_robust.sources import SPIDER_DK, SPIDER_REALISTIC, SPIDER_SYN


class SpiderVariantSuite(Suite):
    """A dev-only question file over Spider's databases (plus any the set ships itself)."""

    splits = ("dev",)
    train_split = None
    default_rule = "spider"
    difficulty_levels = SpiderSuite.difficulty_levels
    folder: ClassVar[str]  # under the data root
    question_file: ClassVar[str]
    tables_file: ClassVar[str | None] = None  # the set's own tables.json, if it ships one
    own_databases: ClassVar[tuple[str, ...]] = ()  # databases in <folder>/database/

    def __init__(self, data_dir: str | Path | None = None):
        super().__init__(data_dir)
        self.spider = SpiderSuite(self.data_root)
        self.spider.data_root_source = self.data_root_source

    @property
    def root(self) -> Path:
        return self.data_root / self.folder

    def split_files(self, split: str) -> list[Path]:
        self.check_split(split)
        files = [self.root / self.question_file]
        return files + ([self.root / self.tables_file] if self.tables_file else [])

    def missing_data_error(self, missing: Path) -> DataError:
        return DataError(
            f"{self.name} is not downloaded: {missing} does not exist. "
            f"Run `harness data download {self.name}`.\n"
            f"The harness looked under {self.data_root} (chosen by {self.data_root_source}; "
            f"precedence: --data-dir, then HARNESS_DATA_DIR, then the default data folder).\n"
            f"{self.how_to_get}"
        )

    def _records(self) -> list[dict]:
        path = self.root / self.question_file
        if not path.exists():
            raise self.missing_data_error(path)
        records = read_json(path)
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise DataError(f"{path} is not a list of question records; re-download it.")
        return records

    def load_examples(self, split: str) -> list[Example]:
        self.check_split(split)
        records = self._records()
        # As for Spider: the official gold files hold the SQL with tabs written as spaces.
        golds = [r["query"].replace("\t", " ") for r in records]
        levels = cached_hardness(golds)
        questions = [self.question_of(r) for r in records]
        originals = self.original_ids(records)
        categories = [self.category_of(r) for r in records]
        return [
            Example(
                question_id=i,
                db_id=plain_db_id(r["db_id"], self.root / self.question_file),
                question=questions[i],
                gold_sql=golds[i],
                difficulty=levels[i],
                category=categories[i],
                original_id=originals[i],
            )
            for i, r in enumerate(records)
        ]

    # -- what each set says differently -------------------------------------------------------
    def question_of(self, record: dict) -> str:
        return record["question"]

    def category_of(self, record: dict) -> str | None:
        return None

    def original_ids(self, records: list[dict]) -> list[int | None]:
        return [None] * len(records)

    # -- databases and schemas ----------------------------------------------------------------
    def database(self, db_id: str) -> Database:
        plain_db_id(db_id, f"suite {self.name}")
        if db_id in self.own_databases:
            path = self.root / "database" / db_id / f"{db_id}.sqlite"
            return Database(db_id, path)
        return self.spider.database(db_id)

    @cached_property
    def _tables(self) -> dict[str, dict]:
        path = self.root / self.tables_file if self.tables_file else None
        if path is None or not path.exists():
            return {}
        return {t["db_id"]: t for t in read_json(path)}

    def schema_entry(self, db_id: str) -> dict | None:
        return self._tables.get(db_id) or self.spider.schema_entry(db_id)


class SpiderSynSuite(SpiderVariantSuite):
    """Spider dev with schema words in the question replaced by synonyms (Gan et al., 2021)."""

    name = "spider-syn"
    description = "Spider-Syn dev: schema words replaced by synonyms (Spider rules; hardness)"
    derived_from = ("spider", "dev")
    downloads = (SPIDER_SYN,)
    releases = {"dev": SPIDER_SYN_RELEASES}
    folder = "spider-syn"
    question_file = "dev.json"
    how_to_get = (
        "Get the questions with `harness data download spider-syn` and Spider's databases with "
        "`harness data download spider`, or pass --data-dir pointing at a folder that holds "
        "spider-syn/dev.json and spider/database/<db_id>/<db_id>.sqlite."
    )

    def question_of(self, record: dict) -> str:
        return record["SpiderSynQuestion"]

    def original_ids(self, records: list[dict]) -> list[int | None]:
        # The file is Spider dev, question by question in the same order, with the original
        # wording kept as SpiderQuestion (tests/test_spider_robust.py checks db_id and wording).
        return list(range(len(records)))


class SpiderDKSuite(SpiderVariantSuite):
    """Spider dev questions rewritten to need domain knowledge (Gan, Chen and Purver, 2021)."""

    name = "spider-dk"
    description = "Spider-DK: questions that need domain knowledge (Spider rules; by type T1-T5)"
    category_label = "knowledge type"
    downloads = (SPIDER_DK,)
    releases = {"dev": SPIDER_DK_RELEASES}
    folder = "spider-dk"
    question_file = "Spider-DK.json"
    tables_file = "tables.json"
    own_databases = ("new_concert_singer", "new_orchestra", "new_pets_1")
    how_to_get = (
        "Get it with `harness data download spider-dk` (questions and its three databases) and "
        "Spider's databases with `harness data download spider`, or pass --data-dir pointing at "
        "a folder that holds spider-dk/Spider-DK.json, spider-dk/tables.json, "
        "spider-dk/database/new_*/ and spider/database/<db_id>/<db_id>.sqlite."
    )

    def category_of(self, record: dict) -> str | None:
        return knowledge_type(record.get("type"))


class SpiderRealisticSuite(SpiderVariantSuite):
    """Spider dev questions with explicit column names removed (Deng et al., 2021)."""

    name = "spider-realistic"
    description = "Spider-Realistic: column names removed from the question (Spider rules)"
    derived_from = ("spider", "dev")
    downloads = (SPIDER_REALISTIC,)
    releases = {"dev": SPIDER_REALISTIC_RELEASES}
    folder = "spider-realistic"
    question_file = "spider-realistic.json"
    how_to_get = (
        "Get it with `harness data download spider-realistic` and Spider's databases with "
        "`harness data download spider`, or pass --data-dir pointing at a folder that holds "
        "spider-realistic/spider-realistic.json and spider/database/<db_id>/<db_id>.sqlite."
    )

    def original_ids(self, records: list[dict]) -> list[int | None]:
        # The file does not say which Spider dev question each one rewords: align on database,
        # gold SQL and wording (pairing.align_to_spider). Without Spider's dev.json, none.
        try:
            spider = self.spider.load_examples("dev")
        except DataError:
            return [None] * len(records)
        return align_to_spider(records, spider)

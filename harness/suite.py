"""The Suite interface, the suite registry, and the data check behind ``harness suites check``.

A suite is one file in ``suites/`` (or a third-party package registered under the entry-point group
``harness.suites``) that subclasses :class:`Suite`. It never edits the core.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from harness.core import Database, DatabaseProblem, Example
from harness.data.annotations import annotations_in, flags_for
from harness.data.integrity import SQLITE_MAGIC, integrity_problem, stray_files, unapplied_wal
from harness.data.releases import Release, ReleaseMatch, identify
from harness.data.sources import Dataset
from harness.errors import ConfigError, DataError, UnknownNameError
from harness.paths import data_root
from harness.registry import Registry


class Suite(ABC):
    """A benchmark: named splits of examples, the databases they ask about, an official rule."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    splits: ClassVar[tuple[str, ...]]
    default_split: ClassVar[str] = "dev"
    train_split: ClassVar[str | None] = "train"
    default_rule: ClassVar[str]
    difficulty_levels: ClassVar[tuple[str, ...]] = ()
    #: What ``Example.category`` means for this suite (a second breakdown), or "" when unused.
    category_label: ClassVar[str] = ""
    #: (suite, split) whose question ids ``Example.original_id`` names, for a reworded suite.
    derived_from: ClassVar[tuple[str, str] | None] = None
    #: Printed when data is missing: how to get it.
    how_to_get: ClassVar[str] = ""
    #: Archives ``harness data download NAME`` can fetch for this suite (see harness.data.sources).
    downloads: ClassVar[tuple[Dataset, ...]] = ()
    #: The published releases of each split (harness.data.releases), newest last.
    releases: ClassVar[dict[str, tuple[Release, ...]]] = {}

    def __init__(self, data_dir: str | Path | None = None):
        self.data_root, self.data_root_source = data_root(data_dir)

    # -- what a suite must provide ---------------------------------------------------------
    @abstractmethod
    def load_examples(self, split: str) -> list[Example]:
        """All examples of ``split`` in file order; raises DataError if the split file is absent."""

    @abstractmethod
    def database(self, db_id: str) -> Database:
        """The database ``db_id`` (its file may be missing: see :meth:`database_problem`)."""

    @abstractmethod
    def split_files(self, split: str) -> list[Path]:
        """The files that define ``split`` (hashed into run provenance)."""

    def schema_entry(self, db_id: str) -> dict | None:
        """The ``tables.json``-style schema entry for ``db_id``, when the suite ships one."""
        return None

    # -- shared behaviour -------------------------------------------------------------------
    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise ConfigError(
                f"Suite '{self.name}' has no split '{split}'. Splits: {', '.join(self.splits)}."
            )

    def missing_data_error(self, missing: Path) -> DataError:
        return DataError(
            f"{self.name} data not found: {missing} does not exist.\n"
            f"The harness looked under {self.data_root} (chosen by {self.data_root_source}; "
            f"precedence: --data-dir, then HARNESS_DATA_DIR, then the default data folder).\n"
            f"{self.how_to_get}"
        )

    def database_problem(self, db_id: str) -> DatabaseProblem | None:
        """Why ``db_id`` cannot be used, or None when it can: a missing file, a file that is not
        SQLite, one with a hot WAL beside it (``unsettled``: committed changes the file lacks, which
        immutable reading would ignore), or one that fails SQLite's ``quick_check`` (memoised by
        content hash, so each database is read in full once). Opened immutable: nothing is ever
        written beside it."""
        database = self.database(db_id)
        if not database.path.exists():
            return DatabaseProblem(db_id, "missing")
        for path in database.paths:
            try:
                with open(path, "rb") as f:
                    if f.read(16) != SQLITE_MAGIC:
                        return DatabaseProblem(db_id, "corrupt", f"not an SQLite file: {path}")
                if pending := unapplied_wal(path):
                    return DatabaseProblem(db_id, "unsettled", f"{pending}: {path}")
                problem = integrity_problem(path)
            except OSError as exc:
                return DatabaseProblem(db_id, "corrupt", f"{exc}: {path}")
            if problem:
                return DatabaseProblem(db_id, "corrupt", f"{problem}: {path}")
        return None

    def stray_files(self, db_id: str) -> list[Path]:
        """Journal/WAL files beside ``db_id``'s database: harmless to verdicts (connections are
        immutable) unless a WAL holds changes (see :meth:`database_problem`), but they mean
        something wrote there, so ``suites check`` names them."""
        return stray_files(self.database(db_id).path.parent)

    def gold_file(self, split: str) -> Path | None:
        """The split's official gold ``.sql`` file, when the suite has one."""
        return None

    def release(self, split: str) -> ReleaseMatch:
        """Which named release the split's files are (``unrecognised (modified?)`` if none)."""
        files, releases = self.split_files(split), self.releases.get(split, ())
        if not files or not releases:
            return ReleaseMatch("", "undeclared")
        try:
            examples = self.load_examples(split)
        except DataError:
            examples = None
        return identify(releases, files[0], examples, self.gold_file(split))

    def gold_annotations(self, split: str, release: str | None) -> dict[int, list[dict]]:
        """Published findings about ``split``'s golds in ``release`` (``harness.data.annotations``):
        the files in an ``annotations/`` folder beside the suite's module, per question id."""
        import inspect

        folder = Path(inspect.getfile(type(self))).parent / "annotations"
        return flags_for(annotations_in(folder), self.name, split, release)

    def split_hash(self, split: str) -> str:
        """SHA-256 over the split's files, to pin the data version in results."""
        digest = hashlib.sha256()
        for path in self.split_files(split):
            digest.update(path.name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()


@dataclass
class SplitReport:
    """What ``harness suites check`` prints for one split."""

    split: str
    available: bool
    problem: str = ""
    examples: int = 0
    databases: int = 0
    by_difficulty: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)  # Example.category, when set
    database_problems: dict[str, str] = field(default_factory=dict)
    unscorable: dict[str, list[int]] = field(default_factory=dict)  # db_id -> question_ids
    stray_files: dict[str, list[str]] = field(default_factory=dict)  # db_id -> file names
    release: ReleaseMatch | None = None  # which named release the split's files are

    @property
    def unscorable_count(self) -> int:
        return sum(len(ids) for ids in self.unscorable.values())

    def to_json(self) -> dict:
        return {
            "split": self.split,
            "available": self.available,
            "problem": self.problem,
            "examples": self.examples,
            "scorable": self.examples - self.unscorable_count,
            "unscorable": self.unscorable_count,
            "databases": self.databases,
            "by_difficulty": self.by_difficulty,
            "by_category": self.by_category,
            "database_problems": self.database_problems,
            "unscorable_question_ids": self.unscorable,
            "stray_files": self.stray_files,
            "release": self.release.name if self.release else None,
            "release_match": self.release.how if self.release else None,
            "question_file_sha256": self.release.question_sha256 if self.release else None,
        }


def check_suite(suite: Suite) -> list[SplitReport]:
    """Counts, missing or corrupt databases, and the examples they make unscorable, per split."""
    reports = []
    for split in suite.splits:
        try:
            examples = suite.load_examples(split)
        except DataError as exc:
            reports.append(SplitReport(split, available=False, problem=str(exc).splitlines()[0]))
            continue
        report = SplitReport(split, available=True, examples=len(examples),
                             release=suite.release(split))
        counts = Counter(e.difficulty or "unlabelled" for e in examples)
        order = [lv for lv in suite.difficulty_levels if lv in counts]  # easy before medium
        report.by_difficulty = {lv: counts[lv] for lv in order + sorted(set(counts) - set(order))}
        report.by_category = dict(
            sorted(Counter(e.category for e in examples if e.category is not None).items())
        )
        db_ids = sorted({e.db_id for e in examples})
        report.databases = len(db_ids)
        for db_id in db_ids:
            problem = suite.database_problem(db_id)
            if problem:
                report.database_problems[db_id] = str(problem)  # with the detail: which file
            stray = suite.stray_files(db_id)
            if stray:
                report.stray_files[db_id] = [p.name for p in stray]
        for e in examples:
            if e.db_id in report.database_problems:
                report.unscorable.setdefault(e.db_id, []).append(e.question_id)
        reports.append(report)
    return reports


def read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON ({exc}); re-download the data.") from exc


SUITES: Registry[type[Suite]] = Registry("suite", entry_point_group="harness.suites")
SUITES.register("spider", "suites.spider:SpiderSuite")
SUITES.register("bird", "suites.bird:BirdSuite")
SUITES.register("sample", "suites.sample:SampleSuite")
SUITES.register("spider-syn", "suites.spider_robust:SpiderSynSuite")
SUITES.register("spider-dk", "suites.spider_robust:SpiderDKSuite")
SUITES.register("spider-realistic", "suites.spider_robust:SpiderRealisticSuite")

DEFAULT_SUITE = "sample"


def load_suite(name: str | None = None, data_dir: str | Path | None = None) -> Suite:
    """The suite ``name`` (default: the embedded ``sample`` suite) over the chosen data root."""
    return SUITES.get(name or DEFAULT_SUITE)(data_dir)


def datasets() -> dict[str, Dataset]:
    """Every downloadable archive, by name: what each registered suite declares in ``downloads``.

    The core names no benchmark: the URLs, digests and layouts live beside each suite
    (``suites/spider/sources.py``, ``suites/bird/sources.py``).

    >>> sorted(datasets())
    ['bird', 'bird-mini-dev', 'spider', 'spider-dk', 'spider-realistic', 'spider-syn']
    """
    found: dict[str, Dataset] = {}
    for name in SUITES.names():
        for archive in getattr(SUITES.get(name), "downloads", ()):
            found[archive.name] = archive
    return found


def release_of(name: str, release: str) -> Release:
    """Release ``release`` of the downloadable dataset ``name``, refused with the names that can
    be fetched when it is unknown or has no pinned files (``harness data download --release``)."""
    known: dict[str, Release] = {}
    for suite in SUITES.names():
        for releases in getattr(SUITES.get(suite), "releases", {}).values():
            known.update({r.name: r for r in releases if r.base == name})
    chosen = known.get(release)
    if chosen is None or not chosen.downloadable:
        fetchable = ", ".join(r for r, v in known.items() if v.downloadable) or "none"
        why = "has no pinned files to fetch it by" if chosen else "is not a known release"
        raise ConfigError(f"{name} {release!r} {why}. Releases that can be downloaded: "
                          f"{fetchable}.", option="--release")
    return chosen


def dataset(name: str) -> Dataset:
    """The downloadable archive called ``name`` (``harness data download NAME``)."""
    known = datasets()
    if name not in known:
        raise UnknownNameError("dataset", name, known)
    return known[name]

"""The leaderboard store: SQLite by default (a file in the cache folder), PostgreSQL by URL.

    submissions       one per submission: model, method, decoding, latency as the run reported
                      it, claimed and recomputed metrics, status ("verified" or "reported"),
                      flags, and a content fingerprint that makes each submission land once
    results           one per (submission, suite, split): EX with its 95% interval, EX per
                      difficulty, strict EX, s/sample
    sample_verdicts   one per question of a verified result: verdict and reason, both SQLs,
                      the first rows of both results, timings
    provenance        one per verified result: the run's results.json as submitted, and ours

The tables are declared in ``leaderboard.schema`` and created by the Alembic migrations
shipped in ``leaderboard/migrations``. :func:`open_store` applies them under a per-database lock (a
lock file beside an SQLite file, a transaction-level advisory lock in PostgreSQL), so several
processes may open a new store at once. Every write is one transaction (``BEGIN IMMEDIATE`` on
SQLite, so concurrent writers queue instead of failing), and the unique fingerprint turns a
racing duplicate into a clear :class:`~harness.errors.DuplicateSubmission`.
"""

from __future__ import annotations

import contextlib
import math
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from harness.errors import DuplicateSubmission, StoreError
from harness.paths import cache_dir
from leaderboard.schema import (
    VERSION_TABLE,
    Base,
    Provenance,
    Result,
    SampleVerdict,
    Submission,
)

DB_ENV = "HARNESS_LEADERBOARD_DB"
MIGRATIONS = Path(__file__).with_name("migrations")
STATUSES = ("verified", "reported")
# Moderation: "public" rows are shown; "pending" wait for a maintainer (web uploads, when the
# server asks for approval); "hidden" rows stay stored (and block duplicates) but are not shown.
REVIEWS = ("public", "pending", "hidden")
METRICS = {
    "EX": "execution accuracy on the shipped databases",
    "TS": "test-suite accuracy (execution on several database variants)",
    "EM": "exact set match of SQL components",
}
SIZE_BUCKETS = ("≤1B", "1–3B", "3–8B", ">8B", "unknown")
# One PostgreSQL advisory-lock key for this schema's migrations (any fixed 32-bit number).
_PG_LOCK_KEY = zlib.crc32(b"text2sql-harness leaderboard migrations")


# -- what a writer hands the store ------------------------------------------------------------


@dataclass
class ResultRecord:
    """One suite/split of a submission; ``samples`` are ``records.sample_record`` dicts."""

    suite: str
    split: str
    metrics: dict  # results.json "metrics": ex, ex_ci95, ex_over_total, by_difficulty, strict_ex
    counts: dict = field(default_factory=dict)  # results.json "counts"
    rule: str | None = None
    s_per_sample: float | None = None
    claimed_ex: float | None = None
    source: str | None = None
    note: str | None = None
    question_limit: int | None = None  # a --limit run: only its first N questions
    samples: list[dict] = field(default_factory=list)
    claimed_results: dict | None = None
    verified_results: dict | None = None
    metric: str = "EX"  # EX | TS | EM: what a reported number measures
    dataset_version: str | None = None
    gold_copy_share: float | None = None


@dataclass
class SubmissionRecord:
    """A whole submission, written in one transaction by :meth:`Store.add`."""

    name: str
    fingerprint: str
    status: str
    verified: bool
    results: list[ResultRecord]
    flags: list[str] = field(default_factory=list)
    method: str | None = None
    base_model: str | None = None
    params_b: float | None = None
    decoding: str | None = None
    decoding_strategy: str | None = None
    decoding_n: int | None = None
    decoding_temperature: float | None = None
    decoding_extra_models: str | None = None
    review: str = "public"  # see REVIEWS
    published: str | None = None
    source_kind: str | None = None
    training_data: str | None = None
    hardware: str | None = None
    backend: str | None = None
    s_per_sample: float | None = None
    p50_s: float | None = None
    p95_s: float | None = None
    tokens_per_s: float | None = None
    latency: dict | None = None
    method_info: dict | None = None
    link: str | None = None
    source: str | None = None
    harness_version: str | None = None
    git_commit: str | None = None
    verifier_version: str | None = None
    data_hashes: dict | None = None
    claimed_metrics: dict | None = None
    recomputed_metrics: dict | None = None
    seed_group: str | None = None  # the seeds of one `harness run --seeds` run share it
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if not self.results:
            raise ValueError("a submission needs at least one result")
        if self.review not in REVIEWS:
            raise ValueError(f"review must be one of {REVIEWS}, got {self.review!r}")


def size_bucket(params_b: float | None) -> str:
    """The size filter's bucket for a parameter count in billions.

    >>> [size_bucket(p) for p in (0.5, 1.0, 1.5, 3.0, 3.09, 7.0, 14.0, None)]
    ['≤1B', '≤1B', '1–3B', '1–3B', '3–8B', '3–8B', '>8B', 'unknown']
    """
    if params_b is None:
        return "unknown"
    if params_b <= 1:
        return "≤1B"
    if params_b <= 3:
        return "1–3B"
    if params_b <= 8:
        return "3–8B"
    return ">8B"


# -- opening ----------------------------------------------------------------------------------


def default_db_path() -> Path:
    return cache_dir() / "leaderboard.sqlite"


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """The store's URL: ``--db``, else ``$HARNESS_LEADERBOARD_DB``, else the default SQLite file.

    A value without ``://`` is a path to an SQLite file.

    >>> resolve_url("/tmp/board.sqlite")
    'sqlite:////tmp/board.sqlite'
    >>> resolve_url("postgresql://lb@127.0.0.1:5432/board")
    'postgresql://lb@127.0.0.1:5432/board'
    """
    value = str(db) if db else os.environ.get(DB_ENV)
    if not value:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_url(path)
    if "://" not in value:
        return _sqlite_url(Path(value).expanduser().resolve())
    return value


def _sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path)).render_as_string()


def masked(url: str) -> str:
    """The URL with its password hidden, for messages and the app's sidebar.

    >>> masked("postgresql://lb:secret@db.example:5432/board")
    'postgresql://lb:***@db.example:5432/board'
    """
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


_URL_HELP = (
    "Give a path to an SQLite file, sqlite:////absolute/path.sqlite, or "
    "postgresql://user:password@host:5432/dbname."
)


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"'{masked(url)}' is not a database URL ({exc}). {_URL_HELP}") from exc
    backend = parsed.get_backend_name()
    if parsed.drivername == "postgres":
        raise StoreError(
            f"'{masked(url)}': SQLAlchemy spells the scheme 'postgresql://', not 'postgres://'."
        )
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return _postgres_engine(parsed)
    raise StoreError(
        f"'{masked(url)}' names a '{backend}' database; the leaderboard stores to SQLite or "
        f"PostgreSQL. {_URL_HELP}"
    )


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        if not folder.is_dir():
            raise StoreError(
                f"Cannot create the leaderboard database {url.database}: the folder {folder} "
                f"does not exist."
            )
    engine = create_engine(url, connect_args={"timeout": 60})  # busy timeout, seconds

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # pysqlite's own BEGIN handling defers the write lock, so two writers that both read
        # first deadlock and one fails at once; we issue BEGIN ourselves (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> Engine:
    import importlib.util

    if url.drivername == "postgresql":
        # SQLAlchemy 2.1 defaults to psycopg 3; our [postgres] extra installs psycopg2.
        installed = [d for d in ("psycopg", "psycopg2") if importlib.util.find_spec(d)]
        url = url.set(drivername=f"postgresql+{installed[0] if installed else 'psycopg2'}")
    driver = url.get_driver_name()
    if driver not in ("psycopg2", "psycopg"):
        raise StoreError(
            f"'{masked(url.render_as_string(False))}': the leaderboard talks to PostgreSQL "
            f"through psycopg2 or psycopg, not '{driver}'. Write postgresql://… instead."
        )
    if not url.database:
        raise StoreError(f"'{masked(url.render_as_string(False))}' names no database. {_URL_HELP}")
    try:
        return create_engine(
            url, connect_args={"connect_timeout": 10}, pool_pre_ping=True
        )
    except (ImportError, NoSuchModuleError) as exc:
        raise StoreError(
            f"PostgreSQL driver '{driver}' is not installed ({exc}). Install it with "
            f"pip install 'text2sql-harness[postgres]'."
        ) from exc


def open_store(db: str | os.PathLike | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``db`` (see :func:`resolve_url`)."""
    return Store(resolve_url(db))


class Store:
    """Reads and writes of the leaderboard database; every method returns plain dicts."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _engine(url)
        self._writer = self.engine.execution_options(write=True)
        with self._errors("open"):
            migrate(self.engine)

    @property
    def display_url(self) -> str:
        return masked(self.url)

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(
                f"Cannot {action} the leaderboard database {self.display_url}: {reason}"
                + (
                    ". Check host, port, user, password, and that the database exists."
                    if self.engine.dialect.name == "postgresql"
                    else ""
                )
            ) from exc

    # -- writing -------------------------------------------------------------------------------

    def add(self, record: SubmissionRecord) -> int:
        """Store a whole submission in one transaction; returns its id.

        Raises DuplicateSubmission when a submission with the same fingerprint is stored,
        including when another process stored it a moment ago.
        """
        existing = self.find(record.fingerprint)
        if existing is not None:
            raise DuplicateSubmission(record.fingerprint, existing)
        try:
            with self._errors("write to"), Session(self._writer) as session, session.begin():
                submission = Submission(**_submission_columns(record))
                session.add(submission)
                session.flush()
                for result_record in record.results:
                    _add_result(session, submission.id, result_record)
                submission_id = submission.id
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                existing = self.find(record.fingerprint)
                if existing is not None:  # lost the race to an identical submission
                    raise DuplicateSubmission(record.fingerprint, existing) from None
            raise
        return submission_id

    def delete(self, submission_id: int) -> bool:
        """Remove a submission with its results, verdicts and provenance."""
        with self._errors("write to"), Session(self._writer) as session, session.begin():
            submission = session.get(Submission, submission_id)
            if submission is None:
                return False
            result_ids = session.scalars(
                select(Result.id).where(Result.submission_id == submission_id)
            ).all()
            for table in (SampleVerdict, Provenance):
                session.query(table).filter(table.result_id.in_(result_ids)).delete()
            session.query(Result).filter(Result.submission_id == submission_id).delete()
            session.delete(submission)
        return True

    def set_review(self, submission_id: int, review: str) -> bool:
        """Approve (``public``), hold (``pending``) or hide (``hidden``) a submission."""
        if review not in REVIEWS:
            raise StoreError(f"review must be one of {', '.join(REVIEWS)}, got {review!r}.")
        with self._errors("write to"), Session(self._writer) as session, session.begin():
            submission = session.get(Submission, submission_id)
            if submission is None:
                return False
            submission.review = review
        return True

    def mark_reproduced(self, submission_id: int, report: dict | None) -> bool:
        """Record that the board reproduced a submission (``report``: its reproduce.json), or
        take the mark back (``None``)."""
        with self._errors("write to"), Session(self._writer) as session, session.begin():
            submission = session.get(Submission, submission_id)
            if submission is None:
                return False
            submission.reproduced = report is not None
            submission.reproduction = _clean(report)
        return True

    # -- reading -------------------------------------------------------------------------------

    def state_token(self) -> str:
        """Changes whenever a row is added, deleted, moderated or marked reproduced: the app
        keys its caches on it, so a hide shows on the next page load (one small query)."""
        import hashlib

        with self._errors("read"), Session(self.engine) as session:
            rows = session.execute(
                select(Submission.id, Submission.review, Submission.reproduced)
                .order_by(Submission.id)
            ).all()
        return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16]

    def find(self, fingerprint: str) -> int | None:
        """The id of the submission with this fingerprint, if any."""
        with self._errors("read"), Session(self.engine) as session:
            return session.scalar(
                select(Submission.id).where(Submission.fingerprint == fingerprint)
            )

    def submissions(self, reviews: tuple[str, ...] = REVIEWS) -> list[dict]:
        """Submissions in these review states, newest first, each with its ``results``."""
        with self._errors("read"), Session(self.engine) as session:
            subs = session.scalars(
                select(Submission)
                .where(Submission.review.in_(reviews))
                .order_by(Submission.id.desc())
            ).all()
            results = session.scalars(select(Result).order_by(Result.id)).all()
            by_submission: dict[int, list[dict]] = {}
            for result in results:
                by_submission.setdefault(result.submission_id, []).append(_as_dict(result))
            return [
                {**_as_dict(s), "results": by_submission.get(s.id, [])} for s in subs
            ]

    def submission(self, submission_id: int) -> dict | None:
        with self._errors("read"), Session(self.engine) as session:
            s = session.get(Submission, submission_id)
            if s is None:
                return None
            results = session.scalars(
                select(Result).where(Result.submission_id == submission_id).order_by(Result.id)
            ).all()
            return {**_as_dict(s), "results": [_as_dict(r) for r in results]}

    def verdicts(self, result_id: int) -> list[dict]:
        """Per-sample verdicts of one result, by question_id."""
        with self._errors("read"), Session(self.engine) as session:
            rows = session.scalars(
                select(SampleVerdict)
                .where(SampleVerdict.result_id == result_id)
                .order_by(SampleVerdict.question_id)
            ).all()
            return [_as_dict(r) for r in rows]

    def verdict(self, result_id: int, question_id: int) -> dict | None:
        with self._errors("read"), Session(self.engine) as session:
            row = session.scalar(
                select(SampleVerdict).where(
                    SampleVerdict.result_id == result_id,
                    SampleVerdict.question_id == question_id,
                )
            )
            return _as_dict(row) if row else None

    def provenance(self, result_id: int) -> dict | None:
        with self._errors("read"), Session(self.engine) as session:
            row = session.get(Provenance, result_id)
            return _as_dict(row) if row else None

    def counts(self) -> dict[str, int]:
        """How many rows each table holds (for checks and the app's footer)."""
        with self._errors("read"), Session(self.engine) as session:
            return {
                table.__tablename__: session.query(table).count()
                for table in (Submission, Result, SampleVerdict, Provenance)
            }




def _as_dict(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _clean(value):
    """PostgreSQL text cannot hold NUL, nor its JSON NaN or Infinity; untrusted input may."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _submission_columns(r: SubmissionRecord) -> dict:
    columns = {
        key: getattr(r, key)
        for key in Submission.__table__.columns.keys()
        if key not in ("id", "created", "size_bucket", "flagged") and hasattr(r, key)
    }
    columns.update(
        flagged=bool(r.flags),
        flags=r.flags or None,
        size_bucket=size_bucket(r.params_b),
        created=datetime.now(UTC),
    )
    return _clean(columns)


def _add_result(session: Session, submission_id: int, r: ResultRecord) -> None:
    m, c = r.metrics, r.counts
    ci = m.get("ex_ci95") or [None, None]
    result = Result(
        submission_id=submission_id,
        suite=r.suite,
        split=r.split,
        rule=r.rule,
        n_total=c.get("total"),
        n_scored=c.get("scored"),
        n_correct=c.get("correct"),
        ex=m.get("ex"),
        ex_ci_low=ci[0],
        ex_ci_high=ci[1],
        ex_over_total=m.get("ex_over_total"),
        strict_ex=m.get("strict_ex"),
        metric=r.metric,
        dataset_version=r.dataset_version,
        gold_copy_share=r.gold_copy_share,
        clean_ex=(m.get("clean") or {}).get("ex"),
        n_clean=(m.get("clean") or {}).get("scored"),
        by_difficulty=m.get("by_difficulty") or None,
        by_category=m.get("by_category") or None,
        question_limit=r.question_limit,
        s_per_sample=r.s_per_sample,
        claimed_ex=r.claimed_ex,
        source=r.source,
        note=r.note,
    )
    session.add(result)
    session.flush()
    if r.samples:
        session.execute(
            insert(SampleVerdict), [_verdict_row(result.id, s) for s in r.samples]
        )
    if r.claimed_results is not None or r.verified_results is not None:
        session.add(
            Provenance(
                result_id=result.id,
                claimed_results=_clean(r.claimed_results),
                verified_results=_clean(r.verified_results),
            )
        )


def _verdict_row(result_id: int, s: dict) -> dict:
    return _clean(
        {
            "result_id": result_id,
            "question_id": s["question_id"],
            "db_id": s["db_id"],
            "difficulty": s.get("difficulty"),
            "original_id": s.get("original_id"),
            "question": s.get("question"),
            "evidence": s.get("evidence"),
            "correct": bool(s["correct"]),
            "strict_correct": s.get("strict_correct"),
            "reason": s["reason"],
            "pred_sql": s.get("pred_sql"),
            "gold_sql": s.get("gold_sql"),
            "pred_rows": s.get("pred_rows"),
            "gold_rows": s.get("gold_rows"),
            "pred_preview": s.get("pred_preview"),
            "gold_preview": s.get("gold_preview"),
            "exec_ms": s.get("exec_ms"),
            "gold_exec_ms": s.get("gold_exec_ms"),
            "latency_s": s.get("latency_s"),
        }
    )


# -- migrations -------------------------------------------------------------------------------


def alembic_config():
    """The Alembic configuration for the migrations shipped in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        )
        return context.get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe when many processes do it at once."""
    from alembic import command

    head, current = head_revision(), current_revision(engine)
    if current == head:
        return
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"The leaderboard database {masked(str(engine.url))} was written by a newer harness "
            f"(schema revision {current!r}; this one knows up to {head!r}). Upgrade "
            f"text2sql-harness to open it."
        )
    with _migration_lock(engine):
        if engine.dialect.name == "sqlite":
            _enable_wal(engine)
        config = alembic_config()
        with engine.connect() as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                # Released when this transaction ends; a second opener waits here, then finds
                # the schema at head and does nothing.
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _PG_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock file beside an SQLite database (PostgreSQL locks in the transaction)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _enable_wal(engine: Engine) -> None:
    """Readers (the app) never block writers (submissions) in WAL mode; it persists in the file."""
    if engine.url.database in (None, "", ":memory:"):
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode = WAL")
    finally:
        raw.close()


__all__ = [
    "DB_ENV",
    "METRICS",
    "REVIEWS",
    "Base",
    "SIZE_BUCKETS",
    "ResultRecord",
    "Store",
    "SubmissionRecord",
    "masked",
    "open_store",
    "resolve_url",
    "size_bucket",
]

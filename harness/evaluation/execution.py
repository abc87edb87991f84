"""Sandboxed SQLite execution of untrusted SQL, in parallel, with an on-disk gold-result cache.

Model SQL is untrusted input. Every connection here:

* opens the database read-only and immutable (``file:…?mode=ro&immutable=1``), with
  ``PRAGMA query_only`` on top, so no file is ever written beside the data;
* installs an authorizer that allows only reading (SELECT, column reads, functions, recursive CTEs)
  and denies everything else: writes, DDL, ATTACH (so also ``VACUUM INTO``), PRAGMA, transactions,
  and the functions ``load_extension`` and ``fts3_tokenizer``;
* allows no attached databases and keeps single-step work small with ``setlimit``: one string or
  blob (and so one row) at most ``MAX_VALUE_BYTES``, ``LIKE``/``GLOB`` patterns at most
  ``MAX_LIKE_PATTERN`` bytes, ``printf()`` widths at most ``MAX_VALUE_BYTES`` in total;
* enforces a deadline with a progress handler, which really stops a runaway query inside SQLite
  (Python-level timeouts, as in the official scripts, cannot: reference/evaluators.md P7); behind
  it, :mod:`harness.evaluation.workers` kills a worker whose statement outlives the deadline;
* fetches rows against a row cap (``max_rows``: the result is flagged truncated) and a byte budget
  (``MAX_RESULT_BYTES`` of row data, counted the same way on every machine: the statement fails
  with ``result too large``), so memory never decides a verdict.

A failing statement is data, not an exception: :class:`~harness.core.Execution` carries the error.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import os
import re
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from harness.core import Execution
from harness.paths import cache_dir

if TYPE_CHECKING:  # the pool machinery is imported only when a pool starts
    from harness.evaluation.workers import WorkerPool

_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_DENIED_FUNCTIONS = {"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"}
MAX_VALUE_BYTES = 8 * 1024 * 1024  # one string, blob or row
MAX_LIKE_PATTERN = 1000  # bytes of one LIKE/GLOB pattern (SQLite's default: 50,000)
MAX_RESULT_BYTES = 64 * 1024 * 1024  # one result's rows, as counted by result_bytes()
SQLITE_HEAP_BYTES = 512 * 1024 * 1024  # all of SQLite's memory in one worker process
RESULT_TOO_LARGE = "result too large"
#: The documented bound on one process's peak memory during an evaluation (SQLite's heap, a
#: result within budget held while fetched, pickled and decoded, and the interpreter); the tree
#: of an evaluation stays under (workers + 1) times this. tests/test_hostile.py measures it.
PROCESS_MEMORY_BOUND = SQLITE_HEAP_BYTES + 4 * MAX_RESULT_BYTES + 256 * 1024 * 1024
_MAX_SQL_BYTES = 1024 * 1024  # one statement
_PROGRESS_EVERY = 1000  # SQLite VM instructions between deadline checks


MAX_TIMEOUT_S = 24 * 3600.0
MAX_ROWS_LIMIT = 10_000_000
MAX_WORKERS = 256


def settings_problem(timeout_s, max_rows, workers=None) -> str | None:
    """Why these execution settings are unusable (NaN, infinite, out of range), or None."""
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or not (
        math.isfinite(timeout_s) and 0 < timeout_s <= MAX_TIMEOUT_S
    ):
        return (
            f"--timeout must be positive and finite (at most {MAX_TIMEOUT_S:g} seconds), "
            f"got {timeout_s}."
        )
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or not (
        1 <= max_rows <= MAX_ROWS_LIMIT
    ):
        return f"--max-rows must be at least 1 and at most {MAX_ROWS_LIMIT}, got {max_rows}."
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS
    ):
        return f"--workers must be at least 1 and at most {MAX_WORKERS}, got {workers}."
    return None


@dataclass(frozen=True)
class ExecutionSettings:
    """How statements run. ``text_errors`` is how invalid UTF-8 text is decoded: ``strict`` (an
    error, like the BIRD evaluator's default connection) or ``ignore`` (dropped bytes, like the
    Spider test-suite evaluator's ``text_factory``)."""

    timeout_s: float = 30.0
    max_rows: int = 100_000
    text_errors: str = "strict"

    def __post_init__(self) -> None:
        problem = settings_problem(self.timeout_s, self.max_rows)
        if problem:
            raise ValueError(problem)
        if self.text_errors not in ("strict", "ignore"):
            raise ValueError(f"text_errors must be 'strict' or 'ignore', got {self.text_errors!r}")


@dataclass(frozen=True)
class Query:
    """One statement to run on one database file; ``gold`` results go through the disk cache."""

    db_path: Path
    sql: str
    gold: bool = False


# -- one connection ---------------------------------------------------------------------------


def _authorize(action: int, arg1, arg2, db_name, trigger) -> int:
    if action not in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


_PRINTF_DIRECTIVE = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d+))?(?:ll|l)?([a-zA-Z%])")
_plain_sqlite: sqlite3.Connection | None = None


def _guarded_printf(*call_args):
    """SQLite's own printf()/format(), minus its one unbounded step.

    A huge width or precision (``printf('%.*c', 2e9, 'x')``), or many wide ones, make SQLite loop
    inside a single VM instruction for seconds, where no deadline can reach it, only to return
    NULL because the result would exceed the length limit. Calls whose widths and precisions add
    up to more than that limit return that NULL at once; all others run the built-in function on
    a plain in-memory connection, so results are exactly SQLite's.
    """
    global _plain_sqlite
    if not call_args:
        return None  # what SQLite's printf() returns
    fmt, args = call_args[0], call_args[1:]
    if isinstance(fmt, str):
        arg_index = total = 0
        for match in _PRINTF_DIRECTIVE.finditer(fmt):
            for spec in match.group(1), match.group(2):
                if spec == "*":
                    value = args[arg_index] if arg_index < len(args) else 0
                    arg_index += 1
                    try:
                        spec = abs(int(value))
                    except (TypeError, ValueError):
                        spec = 0
                total += int(spec) if spec is not None else 0
                if total > MAX_VALUE_BYTES:
                    return None
            if match.group(3) != "%":
                arg_index += 1
    if _plain_sqlite is None:
        _plain_sqlite = sqlite3.connect(":memory:", check_same_thread=False)
    marks = ", ".join("?" * (1 + len(args)))
    return _plain_sqlite.execute(f"SELECT printf({marks})", (fmt, *args)).fetchone()[0]


def _decode_ignoring_errors(value: bytes) -> str:
    return value.decode(errors="ignore")


class SandboxedConnection:
    """A read-only connection with the authorizer, limits and a per-statement deadline."""

    def __init__(self, db_path: str | os.PathLike):
        path = Path(db_path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"database file not found: {path}")
        uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._conn.execute("PRAGMA query_only = 1")
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, _MAX_SQL_BYTES)
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN)
        for name in ("printf", "format"):
            self._conn.create_function(name, -1, _guarded_printf, deterministic=True)
        self._conn.set_authorizer(_authorize)
        self._deadline = float("inf")
        self._conn.set_progress_handler(self._past_deadline, _PROGRESS_EVERY)
        self._text_errors = "strict"

    def _past_deadline(self) -> bool:
        return time.monotonic() > self._deadline

    def execute(self, sql: str, settings: ExecutionSettings) -> Execution:
        if settings.text_errors != self._text_errors:
            strict = settings.text_errors == "strict"
            self._conn.text_factory = str if strict else _decode_ignoring_errors
            self._text_errors = settings.text_errors
        start = time.perf_counter()
        self._deadline = time.monotonic() + settings.timeout_s
        _watchdog().arm(self._conn, self._deadline + 0.5)
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql)
            rows = _fetch(cursor, settings.max_rows + 1)
            is_query = cursor.description is not None
        except (sqlite3.Error, sqlite3.Warning, ValueError, OverflowError, MemoryError) as exc:
            elapsed = (time.perf_counter() - start) * 1000
            if time.monotonic() > self._deadline:
                return Execution(None, error="timeout", timed_out=True, elapsed_ms=elapsed)
            return Execution(None, error=_error_text(exc), elapsed_ms=elapsed)
        except _TooLarge:
            elapsed = (time.perf_counter() - start) * 1000
            return Execution(None, error=RESULT_TOO_LARGE, elapsed_ms=elapsed)
        finally:
            _watchdog().disarm()
            self._deadline = float("inf")
            cursor.close()
        elapsed = (time.perf_counter() - start) * 1000
        truncated = len(rows) > settings.max_rows
        if truncated:
            rows = rows[: settings.max_rows]
        return Execution(rows, truncated=truncated, elapsed_ms=elapsed, is_query=is_query)

    def close(self) -> None:
        self._conn.close()


class _TooLarge(Exception):
    pass


_FIXED_CELL_BYTES = {int: 32, float: 24, type(None): 0}


def row_bytes(row: tuple) -> int:
    """What one row costs against the byte budget: text and blob lengths plus a fixed charge per
    cell and row, so the count is the same on every machine and every Python build."""
    total = 56 + 8 * len(row)
    for value in row:
        size = _FIXED_CELL_BYTES.get(type(value))
        total += size if size is not None else 49 + len(value)
    return total


def _fetch(cursor: sqlite3.Cursor, max_rows: int) -> list[tuple]:
    """Up to ``max_rows`` rows, one at a time, or _TooLarge as soon as they pass the budget
    (so at most one row more than the budget is ever held)."""
    rows: list[tuple] = []
    spent = 0
    for row in cursor:
        spent += row_bytes(row)
        if spent > MAX_RESULT_BYTES:
            raise _TooLarge
        rows.append(row)
        if len(rows) >= max_rows:
            break
    return rows


def set_process_limits() -> None:
    """Caps for a worker process: all of SQLite's memory in it (a fixed figure, not the
    machine's free memory, so an oversized statement fails the same way everywhere)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"PRAGMA hard_heap_limit = {SQLITE_HEAP_BYTES}")
    conn.close()


class _Watchdog(threading.Thread):
    """Backstop for a single long VM instruction, which the progress handler cannot see:
    one thread per process interrupts the running statement once its deadline has passed."""

    def __init__(self) -> None:
        super().__init__(name="sql-watchdog", daemon=True)
        self._cond = threading.Condition()
        self._armed: tuple[sqlite3.Connection, float] | None = None

    def arm(self, conn: sqlite3.Connection, deadline: float) -> None:
        with self._cond:
            self._armed = (conn, deadline)
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._armed = None

    def run(self) -> None:
        with self._cond:
            while True:
                if self._armed is None:
                    self._cond.wait()
                    continue
                conn, deadline = self._armed
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                elif self._armed is not None and self._armed[0] is conn:
                    conn.interrupt()
                    self._armed = None


_watchdog_thread: _Watchdog | None = None
_watchdog_pid: int | None = None


def _watchdog() -> _Watchdog:
    global _watchdog_thread, _watchdog_pid
    if _watchdog_thread is None or _watchdog_pid != os.getpid():  # a forked worker needs its own
        _watchdog_thread, _watchdog_pid = _Watchdog(), os.getpid()
        _watchdog_thread.start()
    return _watchdog_thread


def _error_text(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]


_connections: dict[str, tuple[tuple[int, int], SandboxedConnection]] = {}


def execute_sql(
    db_path: str | os.PathLike, sql: str, settings: ExecutionSettings | None = None
) -> Execution:
    """Run one untrusted statement on ``db_path`` in this process (connections are reused while
    the file keeps its size and time: an immutable connection must not outlive its file)."""
    settings = settings or ExecutionSettings()
    key = str(db_path)
    try:
        stat = os.stat(key)
    except OSError as exc:
        return Execution(None, error=f"cannot open database: {_error_text(exc)}")
    version = (stat.st_size, stat.st_mtime_ns)
    known = _connections.get(key)
    if known is None or known[0] != version:
        if known is not None:
            known[1].close()
        try:
            conn = SandboxedConnection(db_path)
        except (FileNotFoundError, sqlite3.Error) as exc:
            return Execution(None, error=f"cannot open database: {_error_text(exc)}")
        known = _connections[key] = (version, conn)
    return known[1].execute(sql, settings)


# -- the gold cache ---------------------------------------------------------------------------


class GoldCache:
    """Gold results on disk, keyed by database content hash + execution settings + SQL.

    Only results that the statement and the data decide are stored (:func:`cacheable`): a
    timeout depends on the run's ``--timeout`` and the machine's speed, so it is never cached.

    A second evaluation re-executes no gold query. Database hashes are memoised by
    (path, size, mtime), so a multi-GB BIRD database is hashed once. Only the main process
    writes; WAL mode and a busy timeout let several harness processes share the file.
    """

    FORMAT = 2  # 2: no settings-dependent results; the limits are part of the key

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else cache_dir() / "gold-results.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB NOT NULL)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS db_hashes (path TEXT PRIMARY KEY, size INTEGER,"
            " mtime_ns INTEGER, sha256 TEXT)"
        )
        self._conn.execute(  # facts derived from a gold's text alone (the ambiguity probes)
            "CREATE TABLE IF NOT EXISTS notes (kind TEXT, key TEXT, value TEXT NOT NULL,"
            " PRIMARY KEY (kind, key))"
        )
        self._conn.commit()
        self._db_hashes: dict[tuple[str, int, int], str] = {}
        self._resolved: dict[str, str] = {}  # resolving walks every folder: once per path

    def database_hash(self, db_path: Path) -> str:
        key = self._resolved.get(str(db_path))
        if key is None:
            key = self._resolved[str(db_path)] = str(Path(db_path).resolve())
        stat = os.stat(key)
        memo_key = (key, stat.st_size, stat.st_mtime_ns)
        if memo_key in self._db_hashes:
            return self._db_hashes[memo_key]
        row = self._conn.execute(
            "SELECT sha256 FROM db_hashes WHERE path=? AND size=? AND mtime_ns=?", memo_key
        ).fetchone()
        if row:
            digest = row[0]
        else:
            with open(key, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
            with self._conn:
                self._conn.execute("INSERT OR REPLACE INTO db_hashes VALUES (?,?,?,?)",
                                   (*memo_key, digest))
        self._db_hashes[memo_key] = digest
        return digest

    def key(self, query: Query, settings: ExecutionSettings) -> str:
        material = "\x00".join(
            [
                str(self.FORMAT),
                self.database_hash(query.db_path),
                settings.text_errors,
                str(settings.max_rows),
                f"{MAX_VALUE_BYTES}/{MAX_LIKE_PATTERN}/{MAX_RESULT_BYTES}",
                query.sql,
            ]
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def get_many(self, keys: list[str], settings: ExecutionSettings) -> dict[str, Execution]:
        found: dict[str, Execution] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for key, blob in self._conn.execute(
                f"SELECT key, value FROM results WHERE key IN ({marks})", batch
            ):
                execution, _timeout_used = _unpack(blob)
                if cacheable(execution):  # a file written by an older harness may hold others
                    found[key] = execution
        return found

    def put_many(self, items: list[tuple[str, Execution]], settings: ExecutionSettings) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?)",
                [
                    (key, _pack(execution, settings.timeout_s))
                    for key, execution in items
                    if cacheable(execution)
                ],
            )

    def get_notes(self, kind: str, keys: list[str]) -> dict[str, str]:
        """Stored notes of ``kind`` (text derived from a gold's text, such as its parsed probes)
        for those ``keys``, so a warm evaluation parses nothing again."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.update(self._conn.execute(
                f"SELECT key, value FROM notes WHERE kind = ? AND key IN ({marks})", [kind, *batch]
            ))
        return found

    def put_notes(self, kind: str, items: list[tuple[str, str]]) -> None:
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?)",
                                   [(kind, key, value) for key, value in items])

    def close(self) -> None:
        self._conn.close()


def _pack(e: Execution, timeout_s: float) -> bytes:
    return marshal.dumps(
        (e.rows, e.error, e.timed_out, e.truncated, e.elapsed_ms, e.is_query, timeout_s)
    )


def _unpack(blob: bytes) -> tuple[Execution, float]:
    rows, error, timed_out, truncated, elapsed_ms, is_query, timeout_s = marshal.loads(blob)
    return Execution(rows, error, timed_out, truncated, elapsed_ms, is_query), timeout_s


# -- many queries in parallel -----------------------------------------------------------------


class Executor:
    """Runs many queries: deduplicated, gold results through the cache, the rest in parallel.

    Work is cut into chunks that share a database, so each worker process keeps one open
    connection per database and the per-query overhead stays small. Statements always run in
    watched worker processes (:class:`~harness.evaluation.workers.WorkerPool`), ``workers`` of
    them, even one: only a process can be stopped whatever SQLite is doing, and the verdicts are
    then the same for any number of workers.
    """

    def __init__(
        self,
        settings: ExecutionSettings | None = None,
        workers: int | None = None,
        cache: GoldCache | None = None,
        chunk_size: int = 64,
    ):
        self.settings = settings or ExecutionSettings()
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.cache = cache
        self.chunk_size = chunk_size
        self._pool: WorkerPool | None = None

    def run(
        self,
        queries: Sequence[Query],
        settings: ExecutionSettings | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Execution]:
        """One Execution per query, in order. ``progress(n, total)`` is called as n more of the
        ``total`` distinct queries finish."""
        out: list[Execution | None] = [None] * len(queries)
        for indices, execution in self.stream(queries, settings, progress):
            for i in indices:
                out[i] = execution
        return out  # type: ignore[return-value]

    def stream(
        self,
        queries: Sequence[Query],
        settings: ExecutionSettings | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[tuple[list[int], Execution]]:
        """``(indices of the queries it answers, Execution)`` as each distinct query finishes, so
        a caller can decide and drop results as they come instead of holding them all."""
        settings = settings or self.settings
        keys = _work_keys(queries)
        unique = _unique_work(queries, keys)
        owners: dict[tuple[str, str, int], list[int]] = defaultdict(list)
        for i, key in enumerate(keys):
            owners[key].append(i)

        cache_keys, hits = self._cached(unique, settings)
        for work, execution in hits.items():
            yield owners[work], execution
        if progress and hits:
            progress(len(hits), len(unique))

        chunks = self._chunks([work for work in unique if work not in hits])
        fresh: list[tuple[str, Execution]] = []
        if chunks:
            pool = self._get_pool()
            tasks = [(chunk[0][0], [work[1] for work in chunk]) for chunk in chunks]
            for c, position, execution in pool.run(tasks, settings):
                work = chunks[c][position]
                if work in cache_keys and cacheable(execution):
                    fresh.append((cache_keys[work], execution))
                yield owners[work], execution
                if progress:
                    progress(1, len(unique))
        if fresh and self.cache is not None:
            self.cache.put_many(fresh, settings)

    def _cached(self, unique: dict[tuple[str, str, int], Query], settings: ExecutionSettings
                ) -> tuple[dict[tuple[str, str, int], str], dict[tuple[str, str, int], Execution]]:
        """(cache key of each gold query on an existing file, the results already cached)."""
        if self.cache is None:
            return {}, {}
        cache_keys = {
            work: self.cache.key(query, settings)
            for work, query in unique.items()
            if query.gold and Path(query.db_path).is_file()
        }
        cached = self.cache.get_many(list(cache_keys.values()), settings)
        hits = {work: cached[key] for work, key in cache_keys.items() if key in cached}
        return cache_keys, hits

    def _chunks(self, works: list[tuple[str, str, int]]) -> list[list[tuple[str, str, int]]]:
        """The work cut into chunks of at most ``chunk_size`` that share a database."""
        by_db: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for work in works:
            by_db[work[0]].append(work)
        return [
            group[start : start + self.chunk_size]
            for group in by_db.values()
            for start in range(0, len(group), self.chunk_size)
        ]

    def _get_pool(self) -> WorkerPool:
        if self._pool is None:
            from harness.evaluation.workers import WorkerPool

            self._pool = WorkerPool(self.workers)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def cacheable(execution: Execution) -> bool:
    """Whether a gold result may be stored: only what the statement and data decide, never what
    a run's settings or the machine decided (a timeout, an interruption, a dead worker)."""
    if execution.timed_out:
        return False
    error = execution.error or ""
    return execution.ok or not (
        error in ("interrupted", RESULT_TOO_LARGE)
        or error.startswith("execution process died")
        or "out of memory" in error
    )


def _work_keys(queries: Sequence[Query]) -> list[tuple[str, str, int]]:
    """Identical (database, SQL) pairs share a key and run once, except SQL that calls random():
    the official evaluators run prediction and gold separately, so such copies run separately."""
    return [
        (str(q.db_path), q.sql, i if "random" in q.sql.lower() else -1)
        for i, q in enumerate(queries)
    ]


def _unique_work(
    queries: Sequence[Query], keys: list[tuple[str, str, int]]
) -> dict[tuple[str, str, int], Query]:
    """One query per key; a gold flag on any copy makes it cacheable."""
    unique: dict[tuple[str, str, int], Query] = {}
    for key, query in zip(keys, queries):
        if key not in unique or (query.gold and not unique[key].gold):
            unique[key] = query
    return unique


__all__ = [
    "ExecutionSettings",
    "Executor",
    "GoldCache",
    "Query",
    "SandboxedConnection",
    "execute_sql",
]

"""Sandboxed SQLite execution of untrusted SQL, in parallel, with an on-disk gold-result cache.

Model SQL is untrusted input. Every connection here:

* opens the database read-only and immutable (``file:…?mode=ro&immutable=1``), with
  ``PRAGMA query_only`` on top;
* installs an authorizer that allows only reading (SELECT, column reads, functions, recursive CTEs)
  and denies everything else: writes, DDL, ATTACH (so also ``VACUUM INTO``), PRAGMA, transactions,
  and the functions ``load_extension`` and ``fts3_tokenizer``;
* allows no attached databases and caps string/blob sizes (``setlimit``);
* enforces a deadline with a progress handler, which really stops a runaway query inside SQLite
  (Python-level timeouts, as in the official scripts, cannot: reference/evaluators.md P7);
* caps the rows fetched (``max_rows``), flagging the result as truncated.

A failing statement is data, not an exception: :class:`~harness.core.Execution` carries the error.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sqlite3
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from harness.core import Execution
from harness.paths import cache_dir

if TYPE_CHECKING:  # the pool machinery is imported only when a pool starts
    from concurrent.futures import ProcessPoolExecutor

_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_DENIED_FUNCTIONS = {"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"}
_MAX_VALUE_BYTES = 64 * 1024 * 1024  # one string or blob
_MAX_SQL_BYTES = 1024 * 1024  # one statement
_PROGRESS_EVERY = 1000  # SQLite VM instructions between deadline checks


@dataclass(frozen=True)
class ExecutionSettings:
    """How statements run. ``text_errors`` is how invalid UTF-8 text is decoded: ``strict`` (an
    error, like the BIRD evaluator's default connection) or ``ignore`` (dropped bytes, like the
    Spider test-suite evaluator's ``text_factory``)."""

    timeout_s: float = 30.0
    max_rows: int = 100_000
    text_errors: str = "strict"

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError(f"timeout must be positive, got {self.timeout_s}")
        if self.max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, got {self.max_rows}")
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

    A huge width or precision (``printf('%.*c', 2e9, 'x')``) makes SQLite loop inside a single
    VM instruction for seconds, where no deadline can reach it, only to return NULL because the
    result would exceed the length limit. Such calls return that NULL at once; all others run the
    built-in function on a plain in-memory connection, so results are exactly SQLite's.
    """
    global _plain_sqlite
    if not call_args:
        return None  # what SQLite's printf() returns
    fmt, args = call_args[0], call_args[1:]
    if isinstance(fmt, str):
        arg_index = 0
        for match in _PRINTF_DIRECTIVE.finditer(fmt):
            for spec in match.group(1), match.group(2):
                if spec == "*":
                    value = args[arg_index] if arg_index < len(args) else 0
                    arg_index += 1
                    try:
                        spec = abs(int(value))
                    except (TypeError, ValueError):
                        spec = 0
                if spec is not None and int(spec) > _MAX_VALUE_BYTES:
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
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, _MAX_SQL_BYTES)
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
            rows = cursor.fetchmany(settings.max_rows + 1)
            is_query = cursor.description is not None
        except (sqlite3.Error, sqlite3.Warning, ValueError, OverflowError, MemoryError) as exc:
            elapsed = (time.perf_counter() - start) * 1000
            if time.monotonic() > self._deadline:
                return Execution(None, error="timeout", timed_out=True, elapsed_ms=elapsed)
            return Execution(None, error=_error_text(exc), elapsed_ms=elapsed)
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


_connections: dict[str, SandboxedConnection] = {}


def execute_sql(
    db_path: str | os.PathLike, sql: str, settings: ExecutionSettings | None = None
) -> Execution:
    """Run one untrusted statement on ``db_path`` in this process (connections are reused)."""
    settings = settings or ExecutionSettings()
    key = str(db_path)
    conn = _connections.get(key)
    if conn is None:
        try:
            conn = _connections[key] = SandboxedConnection(db_path)
        except (FileNotFoundError, sqlite3.Error) as exc:
            return Execution(None, error=f"cannot open database: {_error_text(exc)}")
    return conn.execute(sql, settings)


def _execute_chunk(db_path: str, sqls: list[str], settings: ExecutionSettings) -> list[Execution]:
    return [execute_sql(db_path, sql, settings) for sql in sqls]


# -- the gold cache ---------------------------------------------------------------------------


class GoldCache:
    """Gold results on disk, keyed by database content hash + execution settings + SQL.

    A second evaluation re-executes no gold query. Database hashes are memoised by
    (path, size, mtime), so a multi-GB BIRD database is hashed once. Only the main process
    writes; WAL mode and a busy timeout let several harness processes share the file.
    """

    FORMAT = 1

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
                execution, timeout_used = _unpack(blob)
                # A cached timeout stands only if we would not wait longer now.
                if execution.timed_out and settings.timeout_s > timeout_used:
                    continue
                found[key] = execution
        return found

    def put_many(self, items: list[tuple[str, Execution]], settings: ExecutionSettings) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?)",
                [(key, _pack(execution, settings.timeout_s)) for key, execution in items],
            )

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

    Work is cut into chunks that share a database, so each process keeps one open connection per
    database and the per-query overhead stays small. Chunks run in this process for the first
    ``inline_budget_s`` seconds (small jobs end there, without starting a pool), the rest in
    ``workers`` processes. With ``workers=1`` everything runs in this process.
    """

    def __init__(
        self,
        settings: ExecutionSettings | None = None,
        workers: int | None = None,
        cache: GoldCache | None = None,
        chunk_size: int = 64,
        inline_budget_s: float = 0.5,
    ):
        self.settings = settings or ExecutionSettings()
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.cache = cache
        self.chunk_size = chunk_size
        self.inline_budget_s = inline_budget_s
        self._pool: ProcessPoolExecutor | None = None

    def run(
        self,
        queries: Sequence[Query],
        settings: ExecutionSettings | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Execution]:
        """One Execution per query, in order. ``progress(n, total)`` is called as n more of the
        ``total`` distinct queries finish."""
        settings = settings or self.settings
        results: dict[tuple[str, str, int], Execution] = {}
        keys = _work_keys(queries)
        unique = _unique_work(queries, keys)

        cache_keys: dict[tuple[str, str, int], str] = {}
        if self.cache is not None:
            for work, query in unique.items():
                if query.gold and Path(query.db_path).is_file():
                    cache_keys[work] = self.cache.key(query, settings)
            cached = self.cache.get_many(list(cache_keys.values()), settings)
            for work, key in cache_keys.items():
                if key in cached:
                    results[work] = cached[key]
            if progress and results:
                progress(len(results), len(unique))

        pending = [work for work in unique if work not in results]
        advance = (lambda n: progress(n, len(unique))) if progress else None
        for work, execution in zip(pending, self._execute(pending, settings, advance)):
            results[work] = execution

        if self.cache is not None:
            fresh = [(cache_keys[w], results[w]) for w in pending if w in cache_keys]
            if fresh:
                self.cache.put_many(fresh, settings)
        return [results[key] for key in keys]

    def _execute(self, work: list[tuple[str, str, int]], settings, advance) -> list[Execution]:
        by_db: dict[str, list[int]] = defaultdict(list)
        for i, (db, _sql, _copy) in enumerate(work):
            by_db[db].append(i)
        chunks = [
            (db, indices[start : start + self.chunk_size])
            for db, indices in by_db.items()
            for start in range(0, len(indices), self.chunk_size)
        ]
        out: list[Execution | None] = [None] * len(work)

        def run_inline(db: str, indices: list[int]) -> None:
            sqls = [work[i][1] for i in indices]
            for i, execution in zip(indices, _execute_chunk(db, sqls, settings)):
                out[i] = execution
            if advance:
                advance(len(indices))

        # Small jobs finish before a pool of processes would even start: run chunks here until
        # the budget is spent, then hand the rest to the workers.
        started, inline = time.perf_counter(), 0
        while inline < len(chunks) and (
            self.workers == 1 or time.perf_counter() - started < self.inline_budget_s
        ):
            run_inline(*chunks[inline])
            inline += 1
        rest = chunks[inline:]
        if rest:
            pool = self._get_pool()
            futures = {
                pool.submit(_execute_chunk, db, [work[i][1] for i in indices], settings): indices
                for db, indices in rest
            }
            for future, indices in futures.items():
                for i, execution in zip(indices, future.result()):
                    out[i] = execution
                if advance:
                    advance(len(indices))
        return out  # type: ignore[return-value]

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # Forking a process that holds torch/CUDA threads can deadlock; start clean then.
            method = "forkserver" if "torch" in sys.modules else None
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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

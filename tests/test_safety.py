"""Hostile SQL against real Spider databases: nothing changes, everything returns in time."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pytest

from harness.evaluation.execution import ExecutionSettings, Executor, Query, execute_sql

TIMEOUT = 1.0
RUNAWAY = ("endless", "huge", "statement over", "deep")
DATABASES = ("concert_singer", "world_1", "car_1")


def hostile_statements(tmp: Path) -> list[tuple[str, str]]:
    """(title, SQL); every write must fail, every runaway must stop."""
    return [
        ("drop table", "DROP TABLE singer"),
        ("delete", "DELETE FROM singer"),
        ("update", "UPDATE singer SET Name = 'pwned'"),
        ("insert", "INSERT INTO singer (Name) VALUES ('pwned')"),
        ("replace", "REPLACE INTO singer (Singer_ID, Name) VALUES (1, 'pwned')"),
        ("create table", "CREATE TABLE evil (a)"),
        ("create temp table", "CREATE TEMP TABLE evil (a)"),
        ("create view", "CREATE VIEW evil AS SELECT 1"),
        ("create trigger", "CREATE TRIGGER evil AFTER INSERT ON singer BEGIN SELECT 1; END"),
        ("create index", "CREATE INDEX evil ON singer (Name)"),
        ("create virtual table", "CREATE VIRTUAL TABLE evil USING fts5(x)"),
        ("alter table", "ALTER TABLE singer ADD COLUMN evil TEXT"),
        ("delete from sqlite_master", "DELETE FROM sqlite_master"),
        ("attach", f"ATTACH DATABASE '{tmp / 'attached.db'}' AS evil"),
        ("detach", "DETACH DATABASE main"),
        ("pragma writable_schema", "PRAGMA writable_schema = 1"),
        ("pragma journal_mode", "PRAGMA journal_mode = DELETE"),
        ("pragma query_only off", "PRAGMA query_only = 0"),
        ("pragma table function", "SELECT * FROM pragma_table_info('singer')"),
        ("vacuum", "VACUUM"),
        ("vacuum into", f"VACUUM INTO '{tmp / 'copy.db'}'"),
        ("load_extension", f"SELECT load_extension('{tmp / 'evil.so'}')"),
        ("fts3_tokenizer", "SELECT fts3_tokenizer('simple')"),
        ("writefile", f"SELECT writefile('{tmp / 'written.txt'}', 'x')"),
        ("reindex", "REINDEX"),
        ("analyze", "ANALYZE"),
        ("begin", "BEGIN IMMEDIATE"),
        ("savepoint", "SAVEPOINT evil"),
        ("two statements", "SELECT 1; DROP TABLE singer"),
        ("transaction script", "BEGIN; DELETE FROM singer; COMMIT;"),
        ("endless recursive CTE", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                                  " SELECT count(*) FROM c"),
        ("endless recursive CTE, sorted", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                                          "SELECT x + 1 FROM c) SELECT x FROM c ORDER BY x DESC"),
        ("endless recursive CTE, streamed", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                                            "SELECT x + 1 FROM c) SELECT x FROM c"),
        ("huge cross join, counted", "SELECT count(*) FROM singer a, singer b, singer c, singer d,"
                                     " singer e, singer f, singer g, singer h, singer i, singer j"),
        ("huge cross join, sorted", "SELECT a.Name FROM singer a, singer b, singer c, singer d,"
                                    " singer e, singer f, singer g, singer h ORDER BY random()"),
        ("huge cross join, streamed", "SELECT * FROM singer a, singer b, singer c, singer d,"
                                      " singer e, singer f, singer g"),
        ("huge blob", "SELECT randomblob(2000000000)"),
        ("huge zeroblob", "SELECT length(zeroblob(2000000000))"),
        ("huge string", "SELECT length(printf('%.*c', 2000000000, 'x'))"),
        ("huge replace chain", "SELECT length(replace(replace(hex(zeroblob(50000000)), '0', "
                               "'00000000'), '0', '0000'))"),
        ("statement over the length limit", "SELECT " + "1 + " * 600_000 + "1"),
        ("deep expression", "SELECT " + "(" * 5000 + "1" + ")" * 5000),
    ]


def file_state(folders: list[Path]) -> dict[str, str]:
    """Every file in the database folders with its SHA-256 (new files show up too)."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.iterdir())
    }


@pytest.fixture
def writable_copies(data_dir, tmp_path) -> list[Path]:
    """Writable copies too, to show that read-only-ness comes from us, not the file system."""
    folders = []
    for db_id in DATABASES:
        target = tmp_path / "copies" / db_id
        shutil.copytree(data_dir / "spider" / "database" / db_id, target)
        folders.append(target)
    return folders


def test_hostile_corpus_is_large_enough(tmp_path):
    assert len(hostile_statements(tmp_path)) >= 30


@pytest.mark.parametrize("where", ["shared data", "writable copies"])
def test_hostile_statements_change_nothing_and_return_in_time(
    data_dir, writable_copies, tmp_path, where
):
    folders = (
        [data_dir / "spider" / "database" / db for db in DATABASES]
        if where == "shared data"
        else writable_copies
    )
    before = file_state(folders)
    settings = ExecutionSettings(timeout_s=TIMEOUT, max_rows=10_000)
    statements = hostile_statements(tmp_path)
    slow = []
    for n, folder in enumerate(folders):
        db = folder / f"{folder.name}.sqlite"
        for title, sql in statements:
            if n and title.startswith(RUNAWAY):
                continue  # slow by design: one database is enough
            start = time.monotonic()
            execution = execute_sql(db, sql, settings)
            took = time.monotonic() - start
            if took > TIMEOUT + 1:
                slow.append((folder.name, title, round(took, 2)))
            if execution.ok and execution.is_query:
                # Only harmless reads may succeed (a capped stream of rows, a count).
                assert not title.startswith(("drop", "delete", "update", "insert", "create")), title
    assert slow == []
    assert file_state(folders) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copies"]  # no file written beside


def test_writes_are_refused_with_a_reason(data_dir):
    db = data_dir / "spider" / "database" / "concert_singer" / "concert_singer.sqlite"
    for sql in ("DELETE FROM singer", "DROP TABLE singer", "PRAGMA writable_schema = 1"):
        execution = execute_sql(db, sql)
        assert not execution.ok and execution.error == "not authorized"
    attach = execute_sql(db, "ATTACH DATABASE ':memory:' AS x")
    assert not attach.ok


def test_runaway_queries_stop_in_worker_processes_too(data_dir, tmp_path):
    db = data_dir / "spider" / "database" / "world_1" / "world_1.sqlite"
    endless = [sql for title, sql in hostile_statements(tmp_path) if "endless" in title]
    queries = [Query(db, sql) for sql in endless] + [Query(db, "SELECT count(*) FROM city")]
    start = time.monotonic()
    settings = ExecutionSettings(timeout_s=1.0, max_rows=1000)
    with Executor(settings, workers=2, chunk_size=1) as executor:
        runs = executor.run(queries)
    assert time.monotonic() - start < 2 * (1.0 + 1) + 3  # two rounds of timeouts at most
    assert [r.timed_out or r.truncated for r in runs[:-1]] == [True] * len(endless)
    assert runs[-1].rows == [(4079,)]


def test_rows_are_capped(data_dir):
    db = data_dir / "spider" / "database" / "world_1" / "world_1.sqlite"
    execution = execute_sql(db, "SELECT * FROM city", ExecutionSettings(max_rows=100))
    assert execution.truncated and len(execution.rows) == 100


@pytest.mark.parametrize(
    "call",
    [
        "printf('%.2f', 3.14159)", "printf('%5.1f%%', 12.345)", "format('%d-%s', 5, 'x')",
        "printf('%q %Q %w', 'it''s', NULL, 'a\"b')", "printf('%*d|%-*d', 5, 42, 4, 7)",
        "printf('%.3s', 'abcdef')", "printf()", "printf(NULL)", "printf(12.5)",
        "printf('%c%c', 'x')", "printf('%,d', 1234567)", "printf('%lld', 9007199254740993)",
    ],
)
def test_guarded_printf_returns_what_sqlite_returns(data_dir, call):
    import sqlite3

    db = data_dir / "spider" / "database" / "concert_singer" / "concert_singer.sqlite"
    expected = sqlite3.connect(":memory:").execute(f"SELECT {call}").fetchall()
    assert execute_sql(db, f"SELECT {call}").rows == expected

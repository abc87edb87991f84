"""The leaderboard store: URLs, migrations, transactional writes, races; SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    make_run,
    pg_url_fixture,  # noqa: F401  (a fixture)
    run_concurrently,
    runs_fixture,  # noqa: F401  (a fixture)
)

from harness.errors import StoreError, SubmissionError
from leaderboard.store import (
    ResultRecord,
    SubmissionRecord,
    current_revision,
    head_revision,
    open_store,
    resolve_url,
    size_bucket,
)
from leaderboard.verify import SubmissionMeta, submit_runs


def record(fingerprint: str = "f" * 64, name: str = "m", **kw) -> SubmissionRecord:
    sample = {
        "question_id": 1, "db_id": "shop", "correct": True, "reason": "match",
        "pred_sql": "SELECT 1\x00", "gold_sql": "SELECT 1", "pred_preview": [[1, "a\x00b"]],
    }
    return SubmissionRecord(
        name=name, fingerprint=fingerprint, status="verified", verified=True,
        results=[ResultRecord("sample", "dev", {"ex": 0.5, "ex_ci95": [0.25, 0.75]},
                              {"total": 2, "scored": 2, "correct": 1}, samples=[sample],
                              claimed_results={"metrics": {"ex": 0.9}})],
        **kw,
    )


# -- opening -----------------------------------------------------------------------------------


def test_url_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HARNESS_LEADERBOARD_DB", raising=False)
    assert resolve_url() == f"sqlite:///{tmp_path}/cache/leaderboard.sqlite"
    monkeypatch.setenv("HARNESS_LEADERBOARD_DB", str(tmp_path / "env.sqlite"))
    assert resolve_url() == f"sqlite:///{tmp_path}/env.sqlite"
    assert resolve_url(tmp_path / "flag.sqlite") == f"sqlite:///{tmp_path}/flag.sqlite"
    assert resolve_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_open_creates_the_schema_once(tmp_path):
    path = tmp_path / "board.sqlite"
    store = open_store(path)
    assert current_revision(store.engine) == head_revision()
    assert store.counts() == {
        "submissions": 0, "results": 0, "sample_verdicts": 0, "provenance": 0
    }
    store.add(record())
    again = open_store(path)  # already at head: opens without migrating or losing anything
    assert again.counts()["submissions"] == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_match_the_models(tmp_path):
    """The shipped revision builds exactly the tables leaderboard.store declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from leaderboard.schema import VERSION_TABLE, Base

    store = open_store(tmp_path / "board.sqlite")
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: name != VERSION_TABLE,
            },
        )
        assert compare_metadata(context, Base.metadata) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u@localhost/board", "names a 'mysql' database"),
        ("postgres://u@localhost/board", "spells the scheme 'postgresql://'"),
        ("postgresql://u@localhost:notaport/board", "is not a database URL"),
        ("://", "is not a database URL"),
        ("postgresql+asyncpg://u@localhost/board", "through psycopg2 or psycopg"),
        ("postgresql://u@localhost:5432", "names no database"),
        ("postgresql://u:s3cret@127.0.0.1:1/board", "Connection refused"),
        ("sqlite:////nonexistent-folder/board.sqlite", "folder /nonexistent-folder does not"),
    ],
)
def test_a_broken_url_says_what_is_wrong(url, expected):
    with pytest.raises(StoreError, match=expected) as info:
        open_store(url)
    assert "s3cret" not in str(info.value)  # passwords never appear in messages


def test_size_buckets():
    assert [size_bucket(p) for p in (0.5, 1.5, 3, 7, 8.5, None)] == [
        "≤1B", "1–3B", "1–3B", "3–8B", ">8B", "unknown"
    ]


# -- writing -----------------------------------------------------------------------------------


def check_roundtrip(store) -> None:
    sid = store.add(record(params_b=1.5, flags=["claims differ"]))
    (sub,) = store.submissions()
    assert sub["id"] == sid and sub["size_bucket"] == "1–3B" and sub["flagged"]
    (result,) = sub["results"]
    assert (result["ex"], result["ex_ci_low"], result["n_correct"]) == (0.5, 0.25, 1)
    (verdict,) = store.verdicts(result["id"])
    assert verdict["pred_sql"] == "SELECT 1\ufffd"  # NUL kept out of text columns
    assert verdict["pred_preview"] == [[1, "a\ufffdb"]]
    assert store.provenance(result["id"])["claimed_results"] == {"metrics": {"ex": 0.9}}
    with pytest.raises(SubmissionError, match=f"already on the leaderboard as #{sid}"):
        store.add(record(name="same predictions, new name"))
    assert store.counts()["submissions"] == 1
    assert store.delete(sid) and store.counts() == {
        "submissions": 0, "results": 0, "sample_verdicts": 0, "provenance": 0
    }


def test_roundtrip_sqlite(tmp_path):
    check_roundtrip(open_store(tmp_path / "board.sqlite"))


def test_a_failed_write_stores_nothing(tmp_path):
    store = open_store(tmp_path / "board.sqlite")
    bad = record()
    bad.results[0].samples.append(dict(bad.results[0].samples[0]))  # same question twice
    with pytest.raises(StoreError):
        store.add(bad)
    assert store.counts()["submissions"] == 0 and store.counts()["results"] == 0


def own_runs(root: Path, n: int = 8) -> list[Path]:
    """n honest, different runs (wrong on every 2nd, 3rd, … question)."""
    return [make_run(root / f"run{k}", wrong_every=k) for k in range(2, 2 + n)]


def check_concurrent_submissions(url: str, runs_, root: Path, cache: Path) -> None:
    outcomes = run_concurrently(url, own_runs(root), runs_["gold"], cache)
    store = open_store(url)
    subs = store.submissions()
    own_ids = sorted(o["own"] for o in outcomes)
    assert len(set(own_ids)) == 8  # every process stored its own submission
    shared = [o["shared"] for o in outcomes]
    stored = [s for s in shared if isinstance(s, int)]
    assert len(stored) == 1  # the identical submission landed exactly once …
    assert all("already on the leaderboard" in s for s in shared if isinstance(s, str))
    assert len(subs) == 9 and len({s["fingerprint"] for s in subs}) == 9
    counts = store.counts()
    assert counts["results"] == 9 and counts["sample_verdicts"] == 9 * 57  # … and whole


def test_eight_processes_submit_at_once_sqlite(tmp_path, runs, lb_cache):
    # The store does not exist yet: the 8 first opens race on the migration too.
    check_concurrent_submissions(str(tmp_path / "board.sqlite"), runs, tmp_path, lb_cache)


# -- PostgreSQL --------------------------------------------------------------------------------


def test_roundtrip_postgres(pg_url):
    store = open_store(pg_url)
    assert current_revision(store.engine) == head_revision()
    check_roundtrip(store)
    store.close()


def test_verified_submission_postgres(pg_url, runs):
    store = open_store(pg_url)
    outcome = submit_runs(store, [runs["a"]], SubmissionMeta("A", "0.5B"), workers=1)
    (sub,) = store.submissions()
    assert sub["id"] == outcome.submission_id and not sub["flagged"]
    assert len(store.verdicts(sub["results"][0]["id"])) == 57
    store.close()


def test_eight_processes_submit_at_once_postgres(pg_url, runs, tmp_path, lb_cache):
    check_concurrent_submissions(pg_url, runs, tmp_path, lb_cache)


def test_a_store_from_a_newer_harness_is_refused(tmp_path):
    """A schema revision this harness does not ship is named, not matched from Alembic's text."""
    from leaderboard.schema import VERSION_TABLE

    path = tmp_path / "board.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    with pytest.raises(StoreError, match="written by a newer harness") as caught:
        open_store(path)
    assert "'9999'" in str(caught.value)

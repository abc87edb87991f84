"""A second evaluation re-executes no gold query; the cache key follows the database content."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

import harness.evaluation.execution as execution
from harness.evaluation.config import EvalConfig
from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache, Query
from harness.evaluation.workers import WorkerPool
from harness.pipeline import evaluate
from harness.suite import load_suite


@pytest.fixture
def executed(monkeypatch):
    """Every SQL text handed to the worker processes, where every statement runs.

    Counted in this process, at the pool's door: a spy inside the workers would miss statements
    whenever the pool starts them from a forkserver made before the spy (as it does once torch
    has been imported by an earlier test).
    """
    seen: list[str] = []
    real = WorkerPool.run

    def counting(self, chunks, settings):
        for _db, sqls in chunks:
            seen.extend(sqls)
        return real(self, chunks, settings)

    monkeypatch.setattr(WorkerPool, "run", counting)
    return seen


def test_second_spider_evaluation_executes_no_gold(data_dir, executed, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    suite = load_suite("spider", data_dir)
    config = EvalConfig(split="dev", workers=1)
    first, _ = evaluate(suite, config)
    assert len(executed) > 500  # every distinct gold text ran once
    executed.clear()
    second, _ = evaluate(suite, config)
    # Gold-vs-gold: the predictions equal the golds, so nothing at all needs executing now.
    assert executed == []
    assert second.metrics == first.metrics


def test_predictions_still_run_but_golds_do_not(data_dir, executed, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    suite = load_suite("spider", data_dir)
    examples = suite.load_examples("dev")[:40]
    golds = {e.gold_sql for e in examples}
    from harness.core import Prediction

    preds = {e.question_id: Prediction(e.question_id, "SELECT 1") for e in examples}
    config = EvalConfig(split="dev", workers=1, limit=40)
    evaluate(suite, config, predictions=preds)
    executed.clear()
    evaluate(suite, config, predictions=preds)
    assert executed and not any(sql.strip() in golds for sql in executed)
    assert set(executed) <= {"SELECT 1"}


def test_cache_key_follows_database_content(tmp_path):
    db = tmp_path / "db.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t (a); INSERT INTO t VALUES (1);")
    conn.close()
    cache = GoldCache(tmp_path / "cache.sqlite")
    query = Query(db, "SELECT a FROM t", gold=True)
    with Executor(workers=1, cache=cache) as executor:
        assert executor.run([query])[0].rows == [(1,)]
        conn = sqlite3.connect(db)
        conn.execute("UPDATE t SET a = 2")
        conn.commit()
        conn.close()
        execution._connections.clear()  # a new file version: reopen
        assert executor.run([query])[0].rows == [(2,)]
    assert cache.key(query, ExecutionSettings()) != ""


def test_a_copied_database_shares_cache_entries(data_dir, tmp_path):
    source = data_dir / "spider" / "database" / "pets_1" / "pets_1.sqlite"
    copy = tmp_path / "pets_1.sqlite"
    shutil.copy(source, copy)
    cache = GoldCache(tmp_path / "cache.sqlite")
    settings = ExecutionSettings()
    a, b = Query(source, "SELECT 1", gold=True), Query(copy, "SELECT 1", gold=True)
    assert cache.key(a, settings) == cache.key(b, settings)

"""How fast is gold-vs-gold Spider dev, against raw sqlite3 on the same queries?

The baseline is the floor any evaluator pays: every prediction and every gold executed once, in
one process, with one read-only connection per database and no checks at all. We measure, in the
same run: ``harness`` scoring in-process and as a whole ``harness eval`` process, each with a warm
and a cold gold cache; each side is the fastest of its repeats. Ratios land in the benchmark's
``extra_info`` (and are printed with -s).

Run: ``pytest tests/benchmarks --benchmark-enable --benchmark-only -s``
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.evaluation.config import EvalConfig
from harness.pipeline import evaluate
from harness.suite import load_suite

pytestmark = pytest.mark.benchmark
REPO = Path(__file__).resolve().parents[2]


def _raw_seconds(pairs: list[tuple[Path, str, str]]) -> float:
    start = time.perf_counter()
    connections: dict[Path, sqlite3.Connection] = {}
    for path, pred, gold in pairs:
        conn = connections.get(path)
        if conn is None:
            conn = connections[path] = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute(pred).fetchall()
        conn.execute(gold).fetchall()
    for conn in connections.values():
        conn.close()
    return time.perf_counter() - start


@pytest.fixture(autouse=True, scope="module")
def frozen_heap():
    """Time scoring as ``harness eval`` runs it: in a process that has not imported torch,
    transformers and streamlit. In the full test run, collecting the other test modules has, and
    every garbage collection would walk their objects (measured: 0.18 s alone, 0.36 s with every
    module collected, for the same warm Spider dev scoring); ``gc.freeze()`` sets them aside."""
    import gc

    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(scope="module")
def spider(data_dir):
    return load_suite("spider", data_dir)


@pytest.fixture(scope="module")
def raw_baseline(spider) -> float:
    """Fastest of 7 raw runs over the 972 scorable dev pairs (pred = gold)."""
    pairs = [
        (spider.database(e.db_id).path, e.gold_sql, e.gold_sql)
        for e in spider.load_examples("dev")
        if spider.database(e.db_id).path.exists()
    ]
    assert len(pairs) == 972
    return min(_raw_seconds(pairs) for _ in range(7))


def _record(benchmark, raw: float, seconds: float, label: str) -> float:
    ratio = seconds / raw
    benchmark.extra_info.update(raw_s=round(raw, 4), ratio_to_raw=round(ratio, 2))
    print(f"\n{label}: {seconds:.3f} s vs raw {raw:.3f} s = {ratio:.2f}x")
    return ratio


def best_of(fn, repeats: int) -> float:
    """The fastest of ``repeats`` timed calls: on a shared machine other work only ever adds
    time, so the minimum is the steadiest estimate of the cost (as ``timeit`` advises). Both
    sides of every ratio are measured this way."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_in_process_gold_vs_gold(benchmark, spider, raw_baseline, tmp_path, cache, monkeypatch):
    cache_root = tmp_path / "cache"
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(cache_root))
    config = EvalConfig(split="dev")
    evaluate(spider, config)  # warms the gold cache (and hardness labels)

    def run():
        if cache == "cold":
            (cache_root / "gold-results.sqlite").unlink()
            for extra in cache_root.glob("gold-results.sqlite-*"):
                extra.unlink()
        results, _ = evaluate(spider, config)
        assert results.metrics.ex == 1.0

    benchmark.pedantic(run, rounds=5, iterations=1)
    seconds = best_of(run, 3)
    ratio = _record(benchmark, raw_baseline, seconds, f"in-process, {cache} cache")
    assert ratio < (4 if cache == "warm" else 12)  # generous: shared 2-core machines are noisy


def test_in_process_equivalent_but_different_text(benchmark, spider, raw_baseline, tmp_path,
                                                  monkeypatch):
    """Predictions whose text differs from the gold (a trailing comment), so that each one is
    executed and compared in full rather than shared with its gold: the everyday case."""
    from harness.core import Prediction

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    examples = spider.load_examples("dev")
    preds = {e.question_id: Prediction(e.question_id, e.gold_sql + " -- p") for e in examples}
    config = EvalConfig(split="dev")
    evaluate(spider, config, predictions=preds)  # warm gold cache

    def run():
        results, _ = evaluate(spider, config, predictions=preds)
        assert results.metrics.ex == 1.0

    benchmark.pedantic(run, rounds=5, iterations=1)
    seconds = best_of(run, 3)
    ratio = _record(benchmark, raw_baseline, seconds, "in-process, warm cache, distinct texts")
    assert ratio < 6


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_harness_eval_process(benchmark, data_dir, raw_baseline, tmp_path, cache):
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "harness", "eval", "--suite", "spider", "--split", "dev",
           "--gold", "--data-dir", str(data_dir), "--out", str(tmp_path / "run"), "--overwrite",
           "--json"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=REPO)  # warm everything

    def run():
        if cache == "cold":
            for path in (tmp_path / "cache").glob("gold-results.sqlite*"):
                path.unlink()
        subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=REPO)

    benchmark.pedantic(run, rounds=5, iterations=1)
    seconds = best_of(run, 3)
    ratio = _record(benchmark, raw_baseline, seconds, f"harness eval process, {cache} cache")
    assert ratio < (10 if cache == "warm" else 25)


def many_candidates_timing(data_dir: str, work: str) -> dict:
    """Eight candidates per question (four distinct texts: the gold, the gold with a comment, two
    wrong constants), voted on, scored in this process: the fastest of 5 runs, against the raw
    time of executing each distinct (database, SQL) once (the floor for any evaluator that
    shares executions), fastest of 10. A minimum needs several tries to be steady: the floor
    is 50 ms, so one slow try of it moves the ratio by a whole point."""
    import json

    os.environ["HARNESS_CACHE_DIR"] = str(Path(work) / "cache")
    spider = load_suite("spider", data_dir)
    examples = [e for e in spider.load_examples("dev") if spider.database(e.db_id).path.exists()]
    lines, distinct = [], set()
    for e in examples:
        pool = [e.gold_sql, e.gold_sql + " -- c", "SELECT 0", "SELECT 1"]
        lines += [json.dumps({"question_id": e.question_id, "sql": pool[j % 4]}) for j in range(8)]
        distinct |= {(spider.database(e.db_id).path, sql) for sql in pool}
    path = Path(work) / "candidates.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = EvalConfig(split="dev", rule="bird")
    evaluate(spider, config, predictions_path=path)  # warm gold cache

    def raw() -> None:
        connections: dict[Path, sqlite3.Connection] = {}
        for db, sql in distinct:
            conn = connections.get(db)
            if conn is None:
                conn = connections[db] = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            conn.execute(sql).fetchall()

    def run() -> None:
        results, _ = evaluate(spider, config, predictions_path=path)
        assert results.metrics.candidates.n == 8

    return {"floor": best_of(raw, 10), "seconds": best_of(run, 5)}


def test_in_process_many_candidates(benchmark, data_dir, tmp_path):
    """Timed in a fresh interpreter, as ``harness eval`` runs: in this pytest process the modules
    other tests imported (torch, transformers, streamlit) make every garbage collection walk
    their objects and slow the scorer by a third or more."""
    import json

    code = ("import json, sys; from tests.benchmarks.test_eval_speed import "
            "many_candidates_timing as t; print(json.dumps(t(sys.argv[1], sys.argv[2])))")

    def measure() -> dict:
        done = subprocess.run([sys.executable, "-c", code, str(data_dir), str(tmp_path)],
                              capture_output=True, text=True, check=True, cwd=REPO)
        return json.loads(done.stdout.strip().splitlines()[-1])

    timing = benchmark.pedantic(measure, rounds=1, iterations=1)
    ratio = _record(benchmark, timing["floor"], timing["seconds"],
                    "in-process, 8 candidates per question")
    # The scorer's own work (reading 8,272 JSON lines, planning, voting, judging each candidate
    # under the rule and its strict twin, scanning the golds) is 7-9x the floor here. 30
    # interleaved rounds on the 2-core machine, median to median: 9.3x before evaluations
    # collected garbage less often (harness.evaluation.collector), 7.7x after; a CI run's
    # fastest of 3 was 10.05x before. The bound leaves room for that noise and fails a scorer
    # that becomes half again as slow as it is now.
    assert ratio < 12

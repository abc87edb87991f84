"""Shared by the leaderboard tests: real run folders on the sample suite, and store fixtures.

A test module imports the ``*_fixture`` functions it needs; pytest registers them under their
``name`` (``runs``, ``lb_cache``, ``pg_url``).

Run folders come from ``runner.evaluate`` on the embedded sample suite (dev, 57 questions), with
the gold SQL as predictions or deliberately perturbed: every k-th question answered
``SELECT 0`` (a wrong result), so each perturbation is a different, honest run. A perturbed
run's right answers are the gold query filtered by a tautology, ``SELECT * FROM (gold) WHERE 1``
(same rows, another structure), as a model's would be: only the gold run is a copy of the gold
SQL (``leaderboard.gold_copy`` sees through a bare ``SELECT * FROM (gold)`` wrapper).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from harness.core import Prediction
from harness.evaluation.config import EvalConfig
from harness.evaluation.records import LatencyInfo, MethodInfo, as_json, block, write_run
from harness.pipeline import evaluate
from harness.suite import load_suite

WRONG_SQL = "SELECT 0"


def make_run(
    out: Path,
    wrong_every: int = 0,
    offset: int = 0,
    latency: float | None = None,
    split: str = "dev",
    method: dict | None = None,
) -> Path:
    """A real run folder of the sample suite; every ``wrong_every``-th prediction is wrong."""
    suite = load_suite("sample")
    examples = suite.load_examples(split)
    predictions = {}
    for i, e in enumerate(examples):
        sql = e.gold_sql
        if wrong_every:
            sql = f"SELECT * FROM ({e.gold_sql.strip().rstrip(';')}) WHERE 1"
        if wrong_every and (i + offset) % wrong_every == 0:
            sql = WRONG_SQL
        meta = {"latency_s": round(0.05 * (1 + i % 4), 3)} if latency else {}
        predictions[e.question_id] = Prediction(e.question_id, sql, meta)
    source = "gold" if not wrong_every else "test"
    record, samples = evaluate(
        suite, EvalConfig(split=split, workers=1), predictions=predictions, source=source
    )
    if latency is not None:  # what `harness run` records (summarize_latency, provenance)
        record.latency = LatencyInfo(
            s_per_sample=latency, latency_p50_s=latency, latency_p95_s=2 * latency,
        )
        record.decoding = "greedy"
        record.method = MethodInfo("test", backend="none", hardware={"cpu": "test CPU"})
    if method is not None:
        record.method = block(MethodInfo, {**(as_json(record.method) if record.method else {}),
                                           **method})
    write_run(out, record, samples)
    return out


def voting_run(out: Path, n: int = 8) -> Path:
    """A real majority-of-``n`` run of sample/dev as ``harness run --samples n`` records it:
    every question's candidates in samples.jsonl, the vote in config and selection. On every
    other question most candidates are wrong, so the vote picks a wrong one although a right
    one is there (what a best-of-n with the gold as judge would pick instead)."""
    suite = load_suite("sample")
    candidates = {}
    for i, e in enumerate(suite.load_examples("dev")):
        right = f"SELECT * FROM ({e.gold_sql.strip().rstrip(';')}) WHERE 1"
        few, many = (n - 1) // 2, n - (n - 1) // 2
        wrong = "SELECT 'not it'"
        pool = [wrong] * many + [right] * few if i % 2 == 0 else [right] * many + [wrong] * few
        candidates[e.question_id] = [Prediction(e.question_id, sql) for sql in pool]
    record, samples = evaluate(suite, EvalConfig(split="dev", workers=1, vote="majority"),
                               candidates=candidates, source="test")
    record.decoding = f"maj@{n}"
    record.method = MethodInfo("prompting", sampling={"n": n, "temperature": 0.8},
                               config={"model": "Qwen2.5-Coder-0.5B", "samples": n})
    write_run(out, record, samples)
    return out


def pick_the_right_candidates(run: Path) -> None:
    """Edit a voting run as a cheat would: each pred_sql becomes a right candidate (the gold as
    judge), and results.json claims the EX that gives."""
    def pick(r: dict) -> dict:
        right = next((c["sql"] for c in r.get("candidates") or [] if c["correct"]), None)
        return {**r, "pred_sql": right or r["pred_sql"], "correct": bool(right) or r["correct"]}

    rewrite_samples(run / "samples.jsonl", pick)
    rewrite_json(run / "results.json", lambda r: r["metrics"].update(ex=1.0))


def rewrite_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def rewrite_samples(path: Path, change) -> None:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    records = [r for r in (change(r) for r in records) if r is not None]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture(scope="module", name="lb_cache")
def lb_cache_fixture(tmp_path_factory):
    """A private cache folder (sample databases, gold cache) for the whole module."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HARNESS_CACHE_DIR", str(cache))
        mp.delenv("HARNESS_LEADERBOARD_DB", raising=False)
        yield cache


@pytest.fixture(scope="module", name="runs")
def runs_fixture(lb_cache, tmp_path_factory) -> dict[str, Path]:
    """Run folders: gold, two perturbed (with latency), and one more for the Pareto plot."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "gold": make_run(root / "gold"),
        "a": make_run(root / "a", wrong_every=3, latency=0.5,
                      method={"method": "prompting", "config": {"model": "Qwen2.5-Coder-0.5B"}}),
        "b": make_run(root / "b", wrong_every=4, offset=1, latency=0.2),
        "c": make_run(root / "c", wrong_every=2, latency=0.1),
    }


def postgres_url() -> str:
    """$HARNESS_TEST_POSTGRES_URL, or skip (fail under HARNESS_REQUIRE_ALL=1)."""
    url = os.environ.get("HARNESS_TEST_POSTGRES_URL")
    if not url:
        message = (
            "HARNESS_TEST_POSTGRES_URL is not set: start a server with "
            "`scripts/start_postgres.sh` and export the URL it prints."
        )
        if os.environ.get("HARNESS_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(name="pg_url")
def pg_url_fixture():
    """A fresh, empty PostgreSQL database on the test server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(postgres_url())
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg2")
    name = f"harness_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def concurrent_submitter(args: tuple) -> dict:
    """One of N processes: open the store (maybe creating it), wait for all, then submit its own
    run and the shared one. Returns what happened (runs in a spawned process)."""
    url, own_run, shared_run, index, barrier, cache = args
    os.environ["HARNESS_CACHE_DIR"] = cache
    from harness.errors import SubmissionError
    from leaderboard.store import open_store
    from leaderboard.verify import SubmissionMeta, submit_runs

    store = open_store(url)
    barrier.wait(timeout=60)
    out = {"index": index, "own": None, "shared": None}
    out["own"] = submit_runs(
        store, [own_run], SubmissionMeta(f"worker {index}", "1B"), workers=1
    ).submission_id
    try:
        out["shared"] = submit_runs(
            store, [shared_run], SubmissionMeta(f"shared by {index}", "1B"), workers=1
        ).submission_id
    except SubmissionError as exc:
        out["shared"] = str(exc)
    store.close()
    return out


def run_concurrently(url: str, own_runs: list[Path], shared_run: Path, cache: Path) -> list[dict]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(own_runs))
        jobs = [
            (url, str(run), str(shared_run), i, barrier, str(cache))
            for i, run in enumerate(own_runs)
        ]
        # Not multiprocessing.Pool: its workers are daemonic and may not start the evaluation's
        # own worker processes, as every submitter here must.
        with ProcessPoolExecutor(len(own_runs), mp_context=ctx) as pool:
            return list(pool.map(concurrent_submitter, jobs))

"""The leaderboard's subsets (runs made with --limit) and its robustness columns.

A --limit run is verified on its first N questions and stored under its own column
(``suite/split first N``), never ranked; a submission holding a Spider dev result and a
Spider-Syn result gets the paired drop beside Spider dev, computed from the stored verdicts.
"""

from __future__ import annotations

import pytest
from lb_helpers import lb_cache_fixture  # noqa: F401  (a fixture)

from harness.core import Prediction
from harness.evaluation.config import EvalConfig
from harness.evaluation.records import write_run
from harness.pipeline import evaluate
from harness.suite import load_suite
from leaderboard.queries import ViewFilter, benchmark_frame, benchmarks, board_view
from leaderboard.store import open_store
from leaderboard.verify import SubmissionMeta, submit_runs


@pytest.fixture
def store(tmp_path, lb_cache):
    s = open_store(tmp_path / "board.sqlite")
    yield s
    s.close()


def limited_run(out, suite, limit, wrong=(), data_dir=None):
    """A real run folder of the first ``limit`` questions; ``wrong`` question_ids answered
    with SQL that returns the wrong rows, the others with the gold's rows in other SQL (the
    gold itself would be flagged as a copy)."""
    examples = suite.load_examples("dev")[:limit]
    def sql(e) -> str:
        return ("SELECT 'wrong'" if e.question_id in wrong
                else f"SELECT * FROM ({e.gold_sql.strip().rstrip(';')}) WHERE 1")

    predictions = {e.question_id: Prediction(e.question_id, sql(e)) for e in examples}
    results, samples = evaluate(suite, EvalConfig(limit=limit, workers=1),
                                predictions=predictions, source="test")
    write_run(out, results, samples)
    return out


def test_a_limited_run_is_stored_as_a_subset_and_never_ranked(store, tmp_path):
    sample = load_suite("sample")
    ids = [e.question_id for e in sample.load_examples("dev")]
    full = limited_run(tmp_path / "full", sample, 57, wrong=set(ids[:5]))
    part = limited_run(tmp_path / "part", sample, 20)

    outcome = submit_runs(store, [part], SubmissionMeta("Subset model"), workers=1)
    submit_runs(store, [full], SubmissionMeta("Whole model", decoding="greedy"), workers=1)

    stored = store.submission(outcome.submission_id)["results"][0]
    assert stored["question_limit"] == 20 and stored["n_total"] == 20
    assert "subset: the first 20 of 57 questions" in stored["note"]
    subs = store.submissions()
    views = {b.key: b for b in benchmarks(subs)}
    assert views["sample/dev first 20"].subset and "not ranked" in views[
        "sample/dev first 20"].label
    view = board_view(benchmark_frame(subs, "sample/dev"), ViewFilter())
    assert view["Submission"].tolist() == ["Whole model"] and view["Rank"].tolist() == [1]
    subset = board_view(benchmark_frame(subs, "sample/dev first 20"), ViewFilter())
    assert subset["Submission"].tolist() == ["Subset model"] and subset["Rank"].isna().all()


def test_spider_view_shows_the_paired_drop_on_spider_syn(store, tmp_path, data_dir):
    spider, syn = load_suite("spider", data_dir), load_suite("spider-syn", data_dir)
    runs = [limited_run(tmp_path / "spider", spider, 40, data_dir=data_dir),
            limited_run(tmp_path / "syn", syn, 40, wrong={3, 7, 11})]
    outcome = submit_runs(store, runs, SubmissionMeta("Robust model"), workers=1,
                          data_dir=data_dir)

    verdicts = store.verdicts(store.submission(outcome.submission_id)["results"][1]["id"])
    assert [v["original_id"] for v in verdicts][:3] == [0, 1, 2]
    subs = store.submissions()
    frame = benchmark_frame(subs, "spider/dev first 40", store.verdicts)
    view = board_view(frame, ViewFilter(show_difficulty=False))
    column = "EX drop on spider-syn"
    assert view.loc[0, column] == 7.5
    assert view.loc[0, f"{column} 95% CI"].startswith("[0.0, ") and "n=40 p=0.25" in \
        view.loc[0, f"{column} 95% CI"]
    columns = list(view.columns)
    assert columns.index(column) == columns.index("Unscorable") + 1
    # The reworded set's own view has no drop column.
    assert column not in benchmark_frame(subs, "spider-syn/dev first 40", store.verdicts)

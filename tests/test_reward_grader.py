"""The training reward's grader and `harness eval`'s scorer share one loop: same verdicts."""

from __future__ import annotations

import dataclasses

import pytest

from harness.core import Prediction
from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache
from harness.evaluation.rules import get_rule
from harness.evaluation.scorer import score_examples
from harness.suite import load_suite
from methods.execution_reward import ExecutionGrader, GradeRequest

MAX_ROWS = 3
PAIRS = [  # (gold, prediction): a failing gold in each way, then the prediction's own cases
    ("SELECT no_such_column FROM nowhere", "SELECT 1"),  # gold error
    ("SELECT name FROM sqlite_master UNION ALL SELECT name FROM sqlite_master", "SELECT 1"),
    ("SELECT 1", "SELECT 2"),  # rows differ
    ("SELECT 1", "SELEC 1"),  # prediction error
    ("SELECT 1", "SELECT 1"),  # match
]


@pytest.fixture
def suite(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    return load_suite("sample")


def test_grader_and_scorer_give_the_same_reasons(suite):
    example = suite.load_examples("dev")[0]
    examples = [
        dataclasses.replace(example, question_id=i, gold_sql=gold)
        for i, (gold, _) in enumerate(PAIRS)
    ]
    predictions = {i: Prediction(i, pred) for i, (_, pred) in enumerate(PAIRS)}
    rule = get_rule(suite.default_rule)
    with Executor(ExecutionSettings(30.0, MAX_ROWS), workers=1) as executor:
        scored = score_examples(examples, predictions, suite, rule, executor)
    grader = ExecutionGrader(suite, max_rows=MAX_ROWS, workers=1, cache=GoldCache())
    try:
        grades = grader.grade([GradeRequest(e.db_id, e.gold_sql, predictions[e.question_id].sql)
                               for e in examples])
        problems = grader.gold_problems([(e.db_id, e.gold_sql) for e in examples])
    finally:
        grader.close()
    reasons = [s.verdict.reason for s in scored]
    assert reasons[0].startswith("gold_error:") and reasons[1].startswith("gold_truncated:")
    assert "row cap" in reasons[1] and reasons[2:] == ["rows_differ", reasons[3], "match"]
    assert reasons[3].startswith("pred_error:")
    assert [g.reason for g in grades] == reasons
    assert [g.correct for g in grades] == [s.verdict.correct for s in scored]
    # The training-set filter names a failing gold as the scorer does.
    assert problems == reasons[:2] + [None] * 3

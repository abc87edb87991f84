"""The training reward's grader and `harness eval`'s scorer share one loop: same verdicts."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from harness.cli import main
from harness.core import Prediction
from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache
from harness.evaluation.predictions import BIRD_SEPARATOR
from harness.evaluation.records import read_samples
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


# -- through `harness eval` itself, on a BIRD-layout folder -----------------------------------
CLI_CASES = [  # (db_id, gold, prediction): each way a gold can fail, then a usable one
    ("library", "SELECT no_such_column FROM books", "SELECT 1"),  # gold error
    ("library", "SELECT title FROM books", "SELECT title FROM books"),  # over the row cap
    ("gone", "SELECT 1", "SELECT 1"),  # its database is missing
    ("library", "SELECT count(*) FROM books", "SELECT count(*) FROM books"),  # match
]


@pytest.fixture
def bird_root(suite, tmp_path):
    """A BIRD-layout folder around the sample suite's library database (``gone`` has none)."""
    root = tmp_path / "data"
    records = [
        {"question_id": i, "db_id": db, "question": f"q{i}", "evidence": "", "SQL": gold,
         "difficulty": "simple"}
        for i, (db, gold, _) in enumerate(CLI_CASES)
    ]
    (root / "bird" / "dev_databases" / "library").mkdir(parents=True)
    (root / "bird" / "dev.json").write_text(json.dumps(records))
    (root / "bird" / "dev_tables.json").write_text("[]")
    shutil.copy(suite.database("library").path,
                root / "bird" / "dev_databases" / "library" / "library.sqlite")
    return root


def test_harness_eval_and_the_grader_give_a_failing_gold_the_same_reason(bird_root, tmp_path,
                                                                          capsys):
    preds = {str(i): f"{pred}{BIRD_SEPARATOR}{db}" for i, (db, _, pred) in enumerate(CLI_CASES)}
    (tmp_path / "preds.json").write_text(json.dumps(preds))
    code = main(["eval", "--suite", "bird", "--split", "dev", "--data-dir", str(bird_root),
                 "--predictions", str(tmp_path / "preds.json"), "--max-rows", str(MAX_ROWS),
                 "--workers", "1", "--out", str(tmp_path / "run")])
    assert code == 0, capsys.readouterr().err
    reasons = [s["reason"] for s in sorted(read_samples(tmp_path / "run"),
                                           key=lambda s: s["question_id"])]
    assert reasons[0].startswith("gold_error:") and reasons[1].startswith("gold_truncated:")
    assert reasons[2] == "unscorable:database gone missing" and reasons[3] == "match"

    grader = ExecutionGrader(load_suite("bird", bird_root), max_rows=MAX_ROWS, workers=1)
    try:
        grades = grader.grade([GradeRequest(db, gold, pred) for db, gold, pred in CLI_CASES])
        problems = grader.gold_problems([(db, gold) for db, gold, _ in CLI_CASES])
    finally:
        grader.close()
    assert [g.reason for g in grades] == reasons
    assert problems == reasons[:3] + [None]
    assert [g.gold_usable for g in grades] == [False, False, False, True]
    assert grader.unusable == {"gold_error": 1, "gold_truncated": 1, "unscorable": 1}

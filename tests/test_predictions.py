"""Prediction files are untrusted: every format, and every way they go wrong."""

from __future__ import annotations

import json

import pytest

from harness.errors import PredictionsError
from harness.evaluation.predictions import BIRD_SEPARATOR, load_predictions
from harness.suite import load_suite


@pytest.fixture(scope="module")
def examples():
    return load_suite("sample").load_examples("dev")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_keyed_by_question_id_in_any_order(tmp_path, examples):
    lines = [json.dumps({"question_id": e.question_id, "sql": e.gold_sql, "note": "x"})
             for e in reversed(examples)]
    preds = load_predictions(write(tmp_path, "p.jsonl", "\n".join(lines)), examples)
    assert set(preds) == {e.question_id for e in examples}
    first = examples[0]
    assert preds[first.question_id].sql == first.gold_sql
    assert preds[first.question_id].meta == {"note": "x"}


def test_jsonl_accepts_string_ids_and_missing_questions(tmp_path, examples):
    e = examples[0]
    preds = load_predictions(
        write(tmp_path, "p.jsonl", json.dumps({"question_id": str(e.question_id), "sql": None})),
        examples,
    )
    assert list(preds) == [e.question_id] and preds[e.question_id].sql == ""


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "not valid JSON"),
        ('{"question_id": 1}', 'must be an object with "question_id" and "sql"'),
        ('[1, 2]', 'must be an object'),
        ('{"question_id": "one", "sql": "SELECT 1"}', "must be an integer"),
        ('{"question_id": true, "sql": "SELECT 1"}', "must be an integer"),
        ('{"question_id": 0, "sql": 42}', '"sql" must be a string'),
        ('{"question_id": 99999, "sql": "SELECT 1"}', "are not in this split"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path, examples, content, message):
    path = write(tmp_path, "p.jsonl", content)
    with pytest.raises(PredictionsError, match=message):
        load_predictions(path, examples)


def test_jsonl_duplicate_ids(tmp_path, examples):
    qid = examples[0].question_id
    line = json.dumps({"question_id": qid, "sql": "SELECT 1"})
    with pytest.raises(PredictionsError, match=f"p.jsonl:2: question_id {qid} appears twice"):
        load_predictions(write(tmp_path, "p.jsonl", f"{line}\n{line}\n"), examples)


def test_bird_dict_by_question_id_and_by_position(tmp_path, examples):
    by_id = {str(e.question_id): f"{e.gold_sql}{BIRD_SEPARATOR}{e.db_id}" for e in examples}
    by_position = {str(i): f"{e.gold_sql}{BIRD_SEPARATOR}{e.db_id}" for i, e in enumerate(examples)}
    for data in (by_id, by_position):
        preds = load_predictions(write(tmp_path, "p.json", json.dumps(data)), examples)
        assert {q: p.sql for q, p in preds.items()} == {e.question_id: e.gold_sql for e in examples}


def test_bird_sorted_keys_still_pair_correctly(tmp_path, examples):
    # The official script pairs by position, so sort_keys=True silently scrambles it (P3).
    data = {str(i): f"{e.gold_sql}{BIRD_SEPARATOR}{e.db_id}" for i, e in enumerate(examples)}
    path = write(tmp_path, "p.json", json.dumps(data, sort_keys=True))
    preds = load_predictions(path, examples)
    assert all(preds[e.question_id].sql == e.gold_sql for e in examples)


def test_bird_wrong_database_means_wrong_split_or_order(tmp_path, examples):
    e = examples[0]
    data = {str(e.question_id): f"SELECT 1{BIRD_SEPARATOR}financial"}
    with pytest.raises(PredictionsError, match="names database 'financial'.*another split"):
        load_predictions(write(tmp_path, "p.json", json.dumps(data)), examples)


@pytest.mark.parametrize(
    "content,message",
    [("[]", "is a JSON object"), ('{"x": "SELECT 1"}', "must be an integer"),
     ('{"123456": "SELECT 1"}', "neither question_ids"), ('{"0": 5}', "must be a string"),
     ("{", "not valid JSON")],
)
def test_bird_errors(tmp_path, examples, content, message):
    with pytest.raises(PredictionsError, match=message):
        load_predictions(write(tmp_path, "p.json", content), examples)


def test_spider_lines_in_order(tmp_path, examples):
    text = "\n".join(e.gold_sql for e in examples) + "\n"
    preds = load_predictions(write(tmp_path, "p.sql", text), examples)
    assert [preds[e.question_id].sql for e in examples] == [e.gold_sql for e in examples]


def test_spider_line_count_must_match(tmp_path, examples):
    text = "\n".join(e.gold_sql for e in examples[:-1])
    with pytest.raises(PredictionsError, match=f"has {len(examples) - 1} lines but the split has"):
        load_predictions(write(tmp_path, "p.sql", text), examples)


def test_unknown_extension_and_missing_file(tmp_path, examples):
    with pytest.raises(PredictionsError, match="--format"):
        load_predictions(write(tmp_path, "p.csv", "x"), examples)
    with pytest.raises(PredictionsError, match="not found"):
        load_predictions(tmp_path / "absent.jsonl", examples)


def test_not_utf8_and_oversized_sql_are_that_samples_problem(tmp_path, examples):
    """One bad statement is judged wrong on its own; the rest of the file stands."""
    first, second, third = (e.question_id for e in examples[:3])
    path = tmp_path / "p.jsonl"
    path.write_bytes(
        b'{"question_id": %d, "sql": "SELECT \xff"}\n' % first
        + json.dumps({"question_id": second, "sql": "x" * 200_000}).encode() + b"\n"
        + json.dumps({"question_id": third, "sql": "SELECT 1"}).encode() + b"\n"
    )
    preds = load_predictions(path, examples)
    assert preds[first].problem == "not valid UTF-8 text"
    preds[first].sql.encode("utf-8")  # safe to write back into samples.jsonl
    assert preds[second].problem == "statement over 100000 characters"
    assert preds[third].problem is None and preds[third].sql == "SELECT 1"
    lone = write(tmp_path, "lone.jsonl", json.dumps({"question_id": first, "sql": "\ud800"}))
    assert load_predictions(lone, examples)[first].problem == "not valid UTF-8 text"

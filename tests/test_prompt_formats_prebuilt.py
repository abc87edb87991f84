"""``finer-sql`` (the published system text) and ``prebuilt`` (released message sets, as given)."""

from __future__ import annotations

import json

import pytest

from harness.cli.app import main
from harness.errors import ConfigError, DataError
from harness.generation.prompt_formats import make_format
from harness.generation.prompt_formats.finer_sql import GROUP_BY_HINT, SYSTEM
from harness.suite import load_suite

SYSTEM_VERBATIM = (
    "You are a meticulous SQL expert. Generate a single, correct SQL query for the user question "
    "and the provided database schema.\n\nRules:\n- Output exactly one SQL statement.\n"
    "- The SQL must be executable on SQLite.\n- Do not include any explanatory text.\n"
    "- Output one SQL statement only. Do not include any extra text, tags, or code fences."
)


@pytest.fixture(scope="module")
def sample():
    suite = load_suite("sample")
    return suite, suite.load_examples("dev")


def test_finer_sql_sends_the_published_system_text(sample):
    suite, examples = sample
    plain = make_format("finer-sql", suite).messages(examples[0])
    assert SYSTEM == SYSTEM_VERBATIM and plain[0] == {"role": "system", "content": SYSTEM}
    assert plain[1]["content"].startswith("Database Schema:\nCREATE TABLE ")
    assert plain[1]["content"].endswith(f"\n\nQuestion: {examples[0].question.strip()}")
    spider = make_format("finer-sql", suite, group_by_hint=True)
    hinted = spider.messages(examples[0])
    assert hinted[0]["content"] == SYSTEM + "\n" + GROUP_BY_HINT
    assert hinted[1:] == plain[1:]
    assert spider.identity()["sha256"] != make_format("finer-sql", suite).identity()["sha256"]


def _released_row(example, messages, **extra):
    """One row in the layout of FINER-SQL's released prompt sets."""
    return {"dataset_name": "spider", "db_id": example.db_id, "sample_id": example.question_id,
            "question": example.question, "groundtruth_sqls": [example.gold_sql],
            "messages": messages, **extra}


def _conversation(example) -> list[dict]:
    return [{"role": "system", "content": "Be exact.\n  Keep   spacing."},
            {"role": "user", "content": f"Schema: …\n\nQuestion: {example.question} ✓"}]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_prebuilt_messages_come_out_exactly_as_released(sample, tmp_path):
    suite, examples = sample
    rows = [_released_row(e, _conversation(e)) for e in reversed(examples)]  # any order
    path = _write(tmp_path / "spider_dev_prompts.jsonl", rows)
    fmt = make_format("prebuilt", suite, path=str(path))
    fmt.prepare(examples)
    assert [fmt.messages(e) for e in examples] == [_conversation(e) for e in examples]
    assert [fmt.build(e).messages for e in examples] == [_conversation(e) for e in examples]


def test_a_saved_dataset_and_parquet_work_the_same(sample, tmp_path):
    import datasets

    suite, examples = sample
    rows = [_released_row(e, _conversation(e)) for e in examples]
    table = datasets.Dataset.from_list(rows)
    table.save_to_disk(str(tmp_path / "saved"))
    table.to_parquet(str(tmp_path / "rows.parquet"))
    for source in (tmp_path / "saved", tmp_path / "rows.parquet"):
        fmt = make_format("prebuilt", suite, path=str(source))
        fmt.prepare(examples)
        assert [fmt.messages(e) for e in examples] == [_conversation(e) for e in examples]


def test_missing_or_malformed_rows_are_refused_with_their_ids(sample, tmp_path):
    suite, examples = sample
    rows = [_released_row(e, _conversation(e)) for e in examples[2:]]
    rows[0]["messages"] = [{"role": "user"}]  # no content
    rows[1]["messages"] = "Question: ?"  # not a list
    rows[2]["db_id"] = "another_db"
    path = _write(tmp_path / "broken.jsonl", rows)
    fmt = make_format("prebuilt", suite, path=str(path))
    ids = [e.question_id for e in examples]
    with pytest.raises(DataError) as info:
        fmt.prepare(examples)
    message = str(info.value)
    assert f"2 missing (question ids {ids[0]}, {ids[1]})" in message
    assert f"2 with malformed messages (question ids {ids[2]}, {ids[3]})" in message
    assert f"1 for another database (question ids {ids[4]})" in message
    prompt = fmt.build(examples[0])  # never filled with another format's prompt
    assert prompt.messages == [] and "missing" in (prompt.error or "")


def test_prebuilt_needs_a_path_and_a_row_id(sample, tmp_path):
    suite, examples = sample
    with pytest.raises(ConfigError, match="needs the messages file"):
        make_format("prebuilt", suite)
    path = _write(tmp_path / "no_ids.jsonl", [{"messages": _conversation(examples[0])}])
    with pytest.raises(DataError, match="has no question id"):
        make_format("prebuilt", suite, path=str(path)).prepare(examples)


def test_harness_prompts_refuses_an_incomplete_set_in_one_line(sample, tmp_path, capsys):
    suite, examples = sample
    path = _write(tmp_path / "part.jsonl", [_released_row(examples[0], _conversation(examples[0]))])
    code = main(["prompts", "--suite", "sample", "--format", "prebuilt", "--option",
                 f"path={path}", "--jsonl"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith("Error: Prebuilt messages") and "missing" in err[0]

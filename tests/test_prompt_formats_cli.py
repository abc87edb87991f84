"""``harness prompts``: formats listed, messages rendered as JSON lines, errors in one line."""

from __future__ import annotations

import json

import pytest

from harness.cli.app import main
from harness.generation.prompt_formats import make_format
from harness.suite import load_suite
from tests.generation_support import need_smollm2


def test_without_a_format_it_lists_the_formats(capsys):
    assert main(["prompts"]) == 0
    out = capsys.readouterr().out
    for name in ("house", "omnisql", "sql-r1", "arctic"):
        assert name in out


def test_jsonl_gives_each_questions_messages_as_the_format_builds_them(capsys):
    assert main(["prompts", "--suite", "sample", "--format", "omnisql", "--limit", "3",
                 "--jsonl"]) == 0
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    suite = load_suite("sample")
    fmt = make_format("omnisql", suite)
    expected = suite.load_examples("dev")[:3]
    assert [r["question_id"] for r in records] == [e.question_id for e in expected]
    assert [r["messages"] for r in records] == [fmt.messages(e) for e in expected]
    # the hash a run records per sample (prompt_hash), so a number traces back to these messages
    assert [r["messages_sha256"] for r in records] == [fmt.build(e).hash for e in expected]
    assert "Rendered 3 of 3 prompts of sample/dev with format omnisql v1" in captured.err


def test_options_reach_the_format(capsys):
    assert main(["prompts", "--suite", "sample", "--format", "house", "--option",
                 "schema_format=columns", "--limit", "1", "--jsonl"]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    suite = load_suite("sample")
    example = suite.load_examples("dev")[0]
    assert record["messages"] == make_format("house", suite, schema_format="columns").messages(
        example
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "omnisq"], "Error: Unknown prompt format 'omnisq'. Did you mean: omnisql?"),
        (["--format", "omnisql", "--option", "colour"], "Error: --option takes KEY=VALUE"),
        (["--format", "omnisql", "--option", "colour=red"],
         "Error: Prompt format 'omnisql' has no option colour"),
    ],
)
def test_a_mistake_is_one_error_line(capsys, args, message):
    assert main(["prompts", "--suite", "sample", *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(message)
    assert "Available: arctic" in err[0] or "Available" not in message


def test_a_tokenizer_adds_the_chat_templated_text(capsys):
    need_smollm2()
    assert main(["prompts", "--suite", "sample", "--format", "arctic", "--limit", "1",
                 "--jsonl", "--tokenizer", "smollm2-135m"]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    # the assistant prefill is continued, not closed: the text ends with it
    prefill = "<|im_start|>assistant\nLet me solve this step by step. \n<think>"
    assert record["text"].endswith(prefill)
    assert record["messages"][1]["content"] in record["text"]


def test_the_transformers_backend_continues_an_assistant_prefill():
    need_smollm2()
    from harness.generation import load_generator

    gen = load_generator("smollm2-135m", backend="transformers", batch_size=1)
    try:
        asked = [{"role": "user", "content": "Count the singers."}]
        prefill = {"role": "assistant", "content": "Let me solve this step by step. \n<think>"}
        plain, continued = gen.render(asked), gen.render([*asked, prefill])
        assert continued == plain + prefill["content"]  # not closed, no second assistant turn
    finally:
        gen.close()

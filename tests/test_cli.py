"""The CLI in-process: what users see, exit codes, and one clear line for every mistake."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.evaluation.predictions import BIRD_SEPARATOR
from harness.evaluation.records import read_record, read_samples
from harness.suite import load_suite


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_clean_error(code, err, *fragments):
    assert code == 1
    assert err.startswith("Error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "eval" in out and "suites" in out and "Quick start" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "harness" in out


def test_suites_list_and_check(capsys, data_dir):
    code, out, _ = run(capsys, "suites", "list")
    assert code == 0 and all(name in out for name in ("spider", "bird", "sample"))
    code, out, _ = run(capsys, "suites", "check", "spider", "--data-dir", str(data_dir))
    assert code == 0
    assert "dev: 1034 examples" in out and "unscorable 62" in out and "wta_1 missing" in out
    code, out, _ = run(capsys, "suites", "check", "spider", "--data-dir", str(data_dir), "--json")
    dev = next(r for r in json.loads(out) if r["split"] == "dev")
    assert dev["unscorable"] == 62 and dev["scorable"] == 972
    assert len(dev["unscorable_question_ids"]["wta_1"]) == 62


def test_eval_gold_on_the_default_sample_suite(capsys, tmp_path):
    code, out, _ = run(capsys, "eval", "--gold", "--out", str(tmp_path / "run"))
    assert code == 0 and "sample / dev" in out and "100.00" in out
    results = read_record(tmp_path / "run")
    assert results.suite == "sample" and results.rule == "bird"
    assert results.metrics.ex == 1.0 and results.schema_version == 1
    samples = read_samples(tmp_path / "run")
    assert len(samples) == results.counts.total
    assert {"question_id", "db_id", "difficulty", "pred_sql", "gold_sql", "correct", "reason",
            "exec_ms"} <= set(samples[0])


def test_eval_predictions_in_each_format(capsys, tmp_path):
    examples = load_suite("sample").load_examples("dev")
    wrong = {examples[0].question_id, examples[1].question_id}
    sqls = {e.question_id: ("SELECT 1" if e.question_id in wrong else e.gold_sql)
            for e in examples}
    files = {
        "p.jsonl": "\n".join(json.dumps({"question_id": q, "sql": s}) for q, s in sqls.items()),
        "p.json": json.dumps({str(e.question_id): f"{sqls[e.question_id]}{BIRD_SEPARATOR}"
                              f"{e.db_id}" for e in examples}),
        "p.sql": "\n".join(sqls[e.question_id] for e in examples),
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        code, _, err = run(capsys, "eval", "--predictions", str(path), "--out",
                           str(tmp_path / name.replace(".", "-")), "--json")
        assert code == 0, err
        results = read_record(tmp_path / name.replace(".", "-"))
        assert results.counts.correct == len(examples) - 2
        # a file outside the data, the harness and the run keeps only its name (no machine path)
        assert results.predictions.source == f"<elsewhere>/{name}"
        assert len(results.predictions.sha256) == 64


def test_missing_predictions_count_as_wrong(capsys, tmp_path):
    e = load_suite("sample").load_examples("dev")[0]
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"question_id": e.question_id, "sql": e.gold_sql}))
    code, out, _ = run(capsys, "eval", "--predictions", str(path), "--out", str(tmp_path / "r"))
    assert code == 0 and "had no prediction (counted wrong)" in out
    results = read_record(tmp_path / "r")
    assert results.counts.correct == 1
    assert results.counts.missing_predictions == results.counts.total - 1


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["eval", "--suite", "spdier", "--gold"],
         ["Unknown suite 'spdier'", "Did you mean: spider"]),
        (["eval", "--suite", "spider", "--gold", "--data-dir", "/nonexistent"],
         ["/nonexistent/spider/dev.json does not exist", "--data-dir",
          "harness data download spider"]),
        (["eval", "--suite", "sample", "--split", "test", "--gold"], ["has no split 'test'"]),
        (["eval"], ["exactly one of --predictions FILE or --gold"]),
        (["eval", "--gold", "--predictions", "x.jsonl"], ["exactly one of"]),
        (["eval", "--gold", "--timeout", "0"], ["--timeout must be positive"]),
        (["eval", "--predictions", "/nonexistent.jsonl"], ["Predictions file not found"]),
        (["suites", "check", "nope"], ["Unknown suite 'nope'"]),
        (["data", "download", "imagenet"], ["Unknown dataset 'imagenet'"]),
    ],
)
def test_user_mistakes_give_one_clear_line(capsys, tmp_path, args, fragments):
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "r")) if args[0] == "eval" else \
        run(capsys, *args)
    assert_clean_error(code, err, *fragments)


DEV_ID = load_suite("sample").load_examples("dev")[0].question_id


@pytest.mark.parametrize(
    "content,fragment",
    [("{broken", "p.jsonl:1: not valid JSON"),
     ('{"question_id": %d, "sql": "x", "candidate": 0}\n'
      '{"question_id": %d, "sql": "y", "candidate": 0}', "candidate 0 of question_id"),
     ('{"question_id": 424242, "sql": "x"}', "not in this split")],
)
def test_malformed_predictions_files(capsys, tmp_path, content, fragment):
    path = tmp_path / "p.jsonl"
    path.write_text(content.replace("%d", str(DEV_ID)))
    code, _, err = run(capsys, "eval", "--predictions", str(path), "--out", str(tmp_path / "r"))
    assert_clean_error(code, err, fragment)
    assert not (tmp_path / "r").exists()


def test_spider_official_format_on_real_data(capsys, tmp_path, data_dir):
    gold_lines = (data_dir / "spider" / "dev_gold.sql").read_text().splitlines()
    path = tmp_path / "dev_pred.sql"
    path.write_text("\n".join(gold_lines) + "\n")  # "SQL<TAB>db_id": the tab cut keeps the SQL
    code, _, err = run(capsys, "eval", "--suite", "spider", "--predictions", str(path),
                       "--data-dir", str(data_dir), "--out", str(tmp_path / "r"), "--json")
    assert code == 0, err
    results = read_record(tmp_path / "r")
    assert results.counts.correct == 972 and results.metrics.ex == 1.0
    # Positional files must have exactly one line per question.
    path.write_text("\n".join(gold_lines[:-1]))
    code, _, err = run(capsys, "eval", "--suite", "spider", "--predictions", str(path),
                       "--data-dir", str(data_dir), "--out", str(tmp_path / "r2"))
    assert_clean_error(code, err, "has 1033 lines but the split has 1034 questions")


def test_debug_shows_the_traceback():
    from harness.errors import UnknownNameError

    with pytest.raises(UnknownNameError):
        main(["--debug", "eval", "--suite", "nope", "--gold"])

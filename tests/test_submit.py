"""Verified submissions: re-scoring, the tamper flag, every refused input, the CLI, seeding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    make_run,
    rewrite_json,
    rewrite_samples,
    runs_fixture,  # noqa: F401  (a fixture)
)
from support import require, shared_data_dir

from harness import cli as harness_cli
from harness.errors import (
    HarnessError,
    PredictionsError,
    RunFolderError,
    StoreError,
    SubmissionError,
    UnknownNameError,
)
from harness.evaluation.robustness import paired_report
from harness.suite import load_suite
from leaderboard.cli import (
    leaderboard_command,
    streamlit_command,
    submissions_group,
    submit_command,
)
from leaderboard.seed import load_own_runs, load_reported, seed_own_runs, seed_reported, seed_runs
from leaderboard.store import open_store
from leaderboard.verify import (
    MAX_SUBMISSION_BYTES,
    SubmissionMeta,
    parse_model_size,
    submit_predictions,
    submit_runs,
)


@pytest.fixture
def store(tmp_path, lb_cache):
    s = open_store(tmp_path / "board.sqlite")
    yield s
    s.close()


@pytest.fixture
def run_copy(tmp_path, runs):
    """A private copy of run "a" (wrong on every 3rd question) to damage."""
    return Path(shutil.copytree(runs["a"], tmp_path / "run"))


META = SubmissionMeta("Test model", model_size="0.5B")
PRED_META = SubmissionMeta("Test model", model_size="0.5B", decoding="greedy")  # a file must say
EMPTY = {"submissions": 0, "results": 0, "sample_verdicts": 0, "provenance": 0}


def predictions_file(tmp_path: Path, name: str, lines) -> Path:
    path = tmp_path / name
    path.write_text(lines if isinstance(lines, str) else "".join(json.dumps(x) + "\n"
                                                                  for x in lines))
    return path


# -- what is stored ----------------------------------------------------------------------------


def test_a_run_is_re_scored_and_stored_whole(store, runs):
    claimed = json.loads((runs["a"] / "results.json").read_text())
    outcome = submit_runs(store, [runs["a"]], META, workers=1)
    assert not outcome.flagged
    (summary,) = outcome.summary()
    assert summary["ex"] == claimed["metrics"]["ex"] == pytest.approx(38 / 57, abs=1e-6)
    sub = store.submission(outcome.submission_id)
    assert (sub["status"], sub["verified"], sub["flagged"]) == ("verified", True, False)
    assert sub["params_b"] == 0.5 and sub["size_bucket"] == "≤1B"
    assert sub["method"] == "prompting" and sub["base_model"] == "Qwen2.5-Coder-0.5B"
    assert sub["decoding"] == "greedy" and sub["hardware"] == "test CPU"
    assert sub["s_per_sample"] == 0.5 and sub["p95_s"] == 1.0
    assert sub["harness_version"] == claimed["harness_version"]
    assert sub["data_hashes"]["sample/dev"]["run"] == sub["data_hashes"]["sample/dev"]["verified"]
    (result,) = sub["results"]
    assert (result["n_correct"], result["n_total"]) == (38, 57)
    assert result["by_difficulty"] == claimed["metrics"]["by_difficulty"]
    verdicts = store.verdicts(result["id"])
    assert len(verdicts) == 57 and sum(v["correct"] for v in verdicts) == 38
    wrong = next(v for v in verdicts if not v["correct"])
    assert wrong["pred_sql"] == "SELECT 0" and wrong["reason"] == "rows_differ"
    assert wrong["gold_preview"] and wrong["pred_preview"] == [[0]]
    assert all(v["latency_s"] is not None for v in verdicts)
    provenance = store.provenance(result["id"])
    assert provenance["claimed_results"] == claimed
    assert provenance["verified_results"]["metrics"] == claimed["metrics"]


def test_what_harness_run_records_is_kept(store, run_copy):
    """The method, latency and decoding blocks of a `harness run` results.json (all optional)."""
    def describe(results: dict) -> None:
        results["method"] = {
            "method": "prompting",
            "config": {"model": "qwen2.5-coder-0.5b", "samples": 8, "api_key": "***"},
            "model_identity": {"backend": "vllm", "name": "qwen2.5-coder-0.5b",
                               "model_id": "Qwen/Qwen2.5-Coder-0.5B-Instruct@abc"},
            "hardware": {"cpu": "Xeon", "cpu_count": 16, "gpus": ["NVIDIA H100"] * 2},
        }
        results["latency"] = {"s_per_sample": 0.12, "latency_p50_s": 0.1, "latency_p95_s": 0.3,
                              "tokens_per_s": 812.5, "samples": 57}
        results["decoding"] = "maj@8"

    rewrite_json(run_copy / "results.json", describe)
    sub = store.submission(submit_runs(store, [run_copy], META, workers=1).submission_id)
    assert (sub["method"], sub["base_model"], sub["decoding"]) == (
        "prompting", "qwen2.5-coder-0.5b", "maj@8"
    )
    assert (sub["hardware"], sub["backend"]) == ("2× NVIDIA H100", "vllm")
    assert (sub["s_per_sample"], sub["p50_s"], sub["p95_s"], sub["tokens_per_s"]) == (
        0.12, 0.1, 0.3, 812.5
    )
    assert sub["results"][0]["s_per_sample"] == 0.12
    assert sub["method_info"]["model_identity"]["model_id"].startswith("Qwen/")
    assert not sub["flagged"]  # metadata is recorded as reported, never "verified"


def test_tampered_claims_are_replaced_and_flagged(store, run_copy):
    """A results.json claiming an inflated EX is stored with the recomputed EX, flagged."""
    rewrite_json(run_copy / "results.json", lambda r: r["metrics"].update(ex=0.95))
    outcome = submit_runs(store, [run_copy], META, workers=1)
    assert outcome.flagged
    assert "EX claimed 95.00%, re-scored 66.67%" in outcome.flags[0]
    (result,) = store.submission(outcome.submission_id)["results"]
    assert result["ex"] == pytest.approx(38 / 57, abs=1e-6)
    assert result["claimed_ex"] == 0.95
    sub = store.submission(outcome.submission_id)
    assert sub["flagged"] and sub["claimed_metrics"]["sample/dev"]["ex"] == 0.95
    assert sub["recomputed_metrics"]["sample/dev"]["ex"] == result["ex"]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_non_finite_claim_is_flagged(store, run_copy, value):
    rewrite_json(run_copy / "results.json", lambda r: r["metrics"].update(ex=value))
    outcome = submit_runs(store, [run_copy], META, workers=1)
    assert outcome.flagged and "not a finite number" in outcome.flags[0]
    (result,) = store.submission(outcome.submission_id)["results"]
    assert result["claimed_ex"] is None and result["ex"] == pytest.approx(38 / 57, abs=1e-6)


def test_a_claim_under_another_rule_is_checked_under_that_rule(store, run_copy, tmp_path):
    """Naming another rule does not dodge the check: the claims are re-scored under it."""
    rewrite_json(run_copy / "results.json",
                 lambda r: (r.update(rule="spider"), r["metrics"].update(ex=0.99)))
    outcome = submit_runs(store, [run_copy], META, workers=1)
    assert outcome.flagged
    assert "differ from re-scoring under rule 'spider' (EX claimed 99.00%" in outcome.flags[0]
    assert outcome.summary()[0]["ex"] == pytest.approx(38 / 57, abs=1e-6)  # the official rule's
    # An honest run under the other rule: its claims hold there; noted, not flagged.
    from harness.core import Prediction
    from harness.evaluation.config import EvalConfig
    from harness.evaluation.records import write_run
    from harness.pipeline import evaluate

    suite = load_suite("sample")
    records = [json.loads(line) for line in (run_copy / "samples.jsonl").open()]
    preds = {r["question_id"]: Prediction(r["question_id"],  # other SQL, the same rows
                                          f"SELECT * FROM ({r['pred_sql']}) AS again WHERE 1")
             for r in records}
    results, samples = evaluate(suite, EvalConfig(split="dev", rule="spider", workers=1),
                                predictions=preds, source="test")
    honest = write_run(tmp_path / "honest", results, samples)
    outcome = submit_runs(store, [honest], META, workers=1)
    assert not outcome.flagged and "checked under that rule" in outcome.notes[0]


def test_decoding_is_stored_as_fields(store, runs, tmp_path):
    meta = SubmissionMeta("Voting", "1.5B", decoding="maj@8", temperature=0.7)
    run = make_run(tmp_path / "vote", wrong_every=5)
    sub = store.submission(submit_runs(store, [run], meta, workers=1).submission_id)
    assert (sub["decoding"], sub["decoding_strategy"], sub["decoding_n"],
            sub["decoding_temperature"]) == ("maj@8", "majority", 8, 0.7)
    with pytest.raises(SubmissionError, match="Cannot read the decoding"):
        SubmissionMeta("x", decoding="whatever I like")


def test_tampered_verdicts_do_not_count(store, run_copy):
    """Marking wrong samples correct in samples.jsonl changes nothing: verdicts are recomputed."""
    rewrite_samples(run_copy / "samples.jsonl", lambda r: {**r, "correct": True})
    rewrite_json(run_copy / "results.json", lambda r: r["counts"].update(correct=57))
    outcome = submit_runs(store, [run_copy], META, workers=1)
    assert outcome.summary()[0]["correct"] == 38
    assert "57 correct claimed, 38 re-scored" in outcome.flags[0]


def test_missing_predictions_count_as_wrong(store, run_copy):
    rewrite_samples(
        run_copy / "samples.jsonl", lambda r: None if r["question_id"] % 2 else r
    )
    outcome = submit_runs(store, [run_copy], META, workers=1)
    (summary,) = outcome.summary()
    assert summary["total"] == 57 and summary["correct"] < 38
    (result,) = store.submission(outcome.submission_id)["results"]
    reasons = {v["reason"] for v in store.verdicts(result["id"])}
    assert "missing_prediction" in reasons


@pytest.mark.parametrize("fmt", ["jsonl", "bird", "spider"])
def test_a_predictions_file_alone(store, tmp_path, lb_cache, fmt):
    examples = load_suite("sample").load_examples("dev")
    if fmt == "jsonl":
        path = predictions_file(tmp_path, "p.jsonl", [
            {"question_id": e.question_id, "sql": e.gold_sql, "db_id": e.db_id}
            for e in examples[:40]
        ])
    elif fmt == "bird":
        path = tmp_path / "p.json"
        path.write_text(json.dumps({
            str(e.question_id): f"{e.gold_sql}\t----- bird -----\t{e.db_id}" for e in examples
        }))
    else:
        path = predictions_file(tmp_path, "p.sql", "".join(e.gold_sql + "\n" for e in examples))
    outcome = submit_predictions(store, path, "sample", "dev", PRED_META, workers=1)
    (summary,) = outcome.summary()
    assert summary["correct"] == (40 if fmt == "jsonl" else 57) and summary["total"] == 57
    # The file is the split's own gold SQL: stored with its score, and flagged as a copy.
    share = 40 / 57 if fmt == "jsonl" else 1.0
    assert summary["claimed_ex"] is None and summary["gold_copy_share"] == round(share, 6)
    flag, *more = outcome.flags
    assert f"{100 * share:.1f}% of the predictions are the gold SQL itself" in flag
    # A whole copy also scores what the gold itself scores: a second signal.
    assert [("within 0.5 points of the gold SQL's own" in f) for f in more] == (
        [] if fmt == "jsonl" else [True])


def test_a_run_of_two_suites_is_one_submission(store, runs, tmp_path):
    train = make_run(tmp_path / "train", split="train", wrong_every=5)
    outcome = submit_runs(store, [runs["b"], train], META, workers=1)
    keys = {(r["suite"], r["split"]) for r in store.submission(outcome.submission_id)["results"]}
    assert keys == {("sample", "dev"), ("sample", "train")}


# -- refused input: the store stays unchanged ---------------------------------------------------


def refused(store, error, match, action) -> None:
    before = store.counts()
    with pytest.raises(error, match=match):
        action()
    assert store.counts() == before


def test_a_duplicate_submission(store, runs, tmp_path):
    first = submit_runs(store, [runs["b"]], META, workers=1)
    copy = shutil.copytree(runs["b"], tmp_path / "again")
    refused(store, SubmissionError, f"already on the leaderboard as #{first.submission_id}",
            lambda: submit_runs(store, [copy], SubmissionMeta("Other name"), workers=1))
    # The same predictions as a bare file are the same submission too.
    records = [json.loads(line) for line in (runs["b"] / "samples.jsonl").open()]
    path = predictions_file(tmp_path, "p.jsonl", [
        {"question_id": r["question_id"], "sql": r["pred_sql"]} for r in records
    ])
    refused(store, SubmissionError, "already on the leaderboard",
            lambda: submit_predictions(store, path, "sample", "dev", PRED_META, workers=1))


RUN_DAMAGE = {
    "bad JSON line": (
        lambda d: (d / "samples.jsonl").write_text(
            (d / "samples.jsonl").read_text() + "{not json\n"),
        r"samples.jsonl:58: not valid JSON",
    ),
    "no question_id": (
        lambda d: rewrite_samples(d / "samples.jsonl",
                                  lambda r: {**r, "question_id": "x"} if r["question_id"] == 140
                                  else r),
        'integer "question_id"',
    ),
    "pred_sql not text": (
        lambda d: rewrite_samples(d / "samples.jsonl", lambda r: {**r, "pred_sql": 7}),
        '"pred_sql" must be a string',
    ),
    "results.json not JSON": (
        lambda d: (d / "results.json").write_text("{"), r"results.json is not valid JSON",
    ),
    "results.json missing": (lambda d: (d / "results.json").unlink(), "has no results.json"),
    "samples.jsonl missing": (lambda d: (d / "samples.jsonl").unlink(), "no samples.jsonl"),
    "unknown schema": (
        lambda d: rewrite_json(d / "results.json", lambda r: r.update(schema_version=99)),
        "schema_version 99",
    ),
    "unknown suite": (
        lambda d: rewrite_json(d / "results.json", lambda r: r.update(suite="spdier")),
        "Unknown suite 'spdier'. Did you mean: spider",
    ),
    "another split": (
        lambda d: rewrite_json(d / "results.json", lambda r: r.update(split="train")),
        r"question_id\(s\) are not in this split",
    ),
    "unknown question_ids": (
        lambda d: rewrite_samples(d / "samples.jsonl",
                                  lambda r: {**r, "question_id": r["question_id"] + 10_000}),
        r"57 question_id\(s\) are not in this split",
    ),
    "another database": (
        lambda d: rewrite_samples(d / "samples.jsonl", lambda r: {**r, "db_id": "shop"}),
        "about database 'shop' in the run",
    ),
    "a question twice": (
        lambda d: (d / "samples.jsonl").write_text(
            (d / "samples.jsonl").read_text().splitlines()[0] * 1 + "\n"
            + (d / "samples.jsonl").read_text()),
        "appears twice",
    ),
    "no predictions": (
        lambda d: rewrite_samples(d / "samples.jsonl", lambda r: {**r, "pred_sql": None}),
        "holds no predictions",
    ),
    "an invalid limit": (
        lambda d: rewrite_json(d / "results.json", lambda r: r["config"].update(limit=0)),
        "invalid config.limit: 0",
    ),
    "a limit that is no number": (
        lambda d: rewrite_json(d / "results.json", lambda r: r["config"].update(limit="ten")),
        r'config: limit is "ten", not int \| None',
    ),
    "oversized samples": (
        lambda d: _sparse(d / "samples.jsonl", MAX_SUBMISSION_BYTES + 1), "over the 64 MiB limit",
    ),
}


def _sparse(path: Path, size: int) -> None:
    with open(path, "r+b") as f:
        f.truncate(size)  # a sparse file: large on paper, no disk used


@pytest.mark.parametrize("case", list(RUN_DAMAGE))
def test_a_damaged_run_is_refused(store, run_copy, case):
    change, message = RUN_DAMAGE[case]
    change(run_copy)
    unreadable = {"bad JSON line", "no question_id", "pred_sql not text", "results.json not JSON",
                  "results.json missing", "samples.jsonl missing", "unknown schema",
                  "oversized samples", "a limit that is no number"}
    error = (UnknownNameError if case == "unknown suite"
             else RunFolderError if case in unreadable else SubmissionError)
    refused(store, error, message, lambda: submit_runs(store, [run_copy], META, workers=1))


def test_not_a_run_folder(store, tmp_path):
    refused(store, RunFolderError, "is not a run folder",
            lambda: submit_runs(store, [tmp_path / "nowhere"], META))


PREDICTION_DAMAGE = {
    "malformed jsonl": ("p.jsonl", '{"question_id": 130, "sql": "SELECT 1"}\nnot json\n',
                        PredictionsError, r"p.jsonl:2: not valid JSON"),
    "unknown question_ids": ("p.jsonl", [{"question_id": 99_999, "sql": "SELECT 1"}],
                             PredictionsError, r"question_id\(s\) are not in this split"),
    "another database": ("p.jsonl", [{"question_id": 130, "sql": "SELECT 1", "db_id": "shop"}],
                         SubmissionError, "names database 'shop'"),
    "bird keys of another split": ("p.json", {"5000": "SELECT 1\t----- bird -----\tshop"},
                                   PredictionsError, "neither question_ids of this split"),
    "spider lines of another split": ("p.sql", "SELECT 1\n" * 3, PredictionsError,
                                      "has 3 lines but the split has 57 questions"),
    "empty": ("p.jsonl", "", SubmissionError, "holds no predictions"),
    "not a predictions format": ("p.csv", "a,b\n", PredictionsError, "Cannot tell the format"),
}


@pytest.mark.parametrize("case", list(PREDICTION_DAMAGE))
def test_a_bad_predictions_file_is_refused(store, tmp_path, lb_cache, case):
    name, content, error, message = PREDICTION_DAMAGE[case]
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else (
        json.dumps(content) if isinstance(content, dict)
        else "".join(json.dumps(x) + "\n" for x in content)))
    refused(store, error, message,
            lambda: submit_predictions(store, path, "sample", "dev", PRED_META, workers=1))


def test_an_oversized_predictions_file_is_refused(store, tmp_path, lb_cache):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"")
    _sparse(path, MAX_SUBMISSION_BYTES + 1)
    refused(store, PredictionsError, "over the 64 MiB limit",
            lambda: submit_predictions(store, path, "sample", "dev", PRED_META))


def test_a_wrong_split_name_is_refused(store, tmp_path, lb_cache):
    path = predictions_file(tmp_path, "p.jsonl", [{"question_id": 130, "sql": "SELECT 1"}])
    refused(store, HarnessError, "has no split 'test'",
            lambda: submit_predictions(store, path, "sample", "test", PRED_META))


def test_a_suite_without_its_databases_is_refused(store, tmp_path, lb_cache):
    """BIRD dev questions but no BIRD databases: nothing can be scored, nothing is stored."""
    data = tmp_path / "data"
    (data / "bird").mkdir(parents=True)
    (data / "bird" / "dev.json").write_text(json.dumps([{
        "question_id": 0, "db_id": "california_schools", "question": "q", "evidence": "",
        "SQL": "SELECT 1", "difficulty": "simple",
    }]))
    (data / "bird" / "dev_tables.json").write_text("[]")
    path = predictions_file(tmp_path, "p.jsonl", [{"question_id": 0, "sql": "SELECT 1"}])
    refused(store, SubmissionError, "database california_schools missing",
            lambda: submit_predictions(store, path, "bird", "dev", PRED_META, data_dir=data))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"name": "x\ny"}, "one line"),
        ({"name": "x" * 201}, "at most 200"),
        ({"name": "x", "model_size": "big"}, "is not a model size"),
        ({"name": "x", "model_size": "0B"}, "is not a model size"),
        ({"name": "x", "link": "javascript:alert(1)"}, "http:// or https://"),
    ],
)
def test_bad_metadata_is_refused(fields, message):
    with pytest.raises(SubmissionError, match=message):
        SubmissionMeta(**fields)


def test_model_sizes():
    assert [parse_model_size(s) for s in ("3B", "1.5b", "500M", "7")] == [3.0, 1.5, 0.5, 7.0]


# -- the commands ------------------------------------------------------------------------------


@pytest.fixture
def harness_main():
    """harness.cli.main with the leaderboard commands added, as the integration will do."""
    harness_cli.cli.add_command(submit_command)
    harness_cli.cli.add_command(leaderboard_command)
    harness_cli.cli.add_command(submissions_group)
    yield harness_cli.main


def test_cli_submit_prints_the_recomputed_numbers(harness_main, run_copy, tmp_path, capsys):
    rewrite_json(run_copy / "results.json", lambda r: r["metrics"].update(ex=0.95))
    db = tmp_path / "cli.sqlite"
    code = harness_main(["submit", str(run_copy), "--name", "Tampered", "--model-size", "1.5B",
                         "--db", str(db), "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Stored submission #1 'Tampered' as verified" in out
    assert "sample/dev: EX 66.67%" in out and "the run claimed 95.00%" in out
    assert "FLAGGED: sample/dev: the run's claims differ" in out
    code = harness_main(["submit", str(run_copy), "--name", "Again", "--db", str(db)])
    assert code == 1
    assert "Error: This submission is already on the leaderboard as #1" in capsys.readouterr().err


def test_cli_submit_json_and_predictions(harness_main, tmp_path, lb_cache, capsys):
    examples = load_suite("sample").load_examples("dev")
    path = predictions_file(tmp_path, "p.jsonl", [
        {"question_id": e.question_id, "sql": e.gold_sql} for e in examples
    ])
    db = tmp_path / "cli.sqlite"
    assert harness_main(["submit", str(path), "--name", "x", "--db", str(db)]) == 1
    assert "say which suite it answers with --suite" in capsys.readouterr().err
    code = harness_main(["submit", str(path), "--suite", "sample", "--split", "dev", "--name",
                         "Gold file", "--db", str(db), "--json", "--workers", "1",
                         "--decoding", "greedy"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["results"][0]["ex"] == 1.0
    assert report["flagged"] and "gold SQL itself" in report["flags"][0]


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("mysql://u@localhost/board", "names a 'mysql' database"),
        ("postgresql://u:pw@127.0.0.1:1/board", "Connection refused"),
    ],
)
def test_cli_a_broken_database_url(harness_main, runs, db, message, capsys):
    code = harness_main(["submit", str(runs["a"]), "--name", "x", "--db", db])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("Error: ") and message in err and "pw@" not in err


def test_cli_options_that_contradict_the_run(harness_main, runs, tmp_path, capsys):
    code = harness_main(["submit", str(runs["a"]), "--name", "x", "--suite", "spider",
                         "--db", str(tmp_path / "x.sqlite")])
    assert code == 1 and "is a run of sample/dev, not --suite spider" in capsys.readouterr().err


def test_leaderboard_seed_is_idempotent(harness_main, runs, tmp_path, capsys):
    db = str(tmp_path / "seeded.sqlite")
    args = ["leaderboard", "--db", db, "--seed", "--seed-run", str(runs["gold"])]
    assert harness_main(args) == 0
    out = capsys.readouterr().out
    assert "published results (reported, not verified)" in out
    assert "Seeded 'Gold SQL (self-test)' (#" in out
    # The corrected published rows, with their metric and decoding.
    assert "SQL-R1-7B" in out and "bird/dev 66.6 EX" in out and "majority@8 T=0.8" in out
    assert "spider/dev 81.2 TS" in out and "CSC@64" in out and "7B merge model" in out
    counts = open_store(db).counts()
    assert harness_main(args) == 0
    assert "already there" in capsys.readouterr().out
    assert open_store(db).counts() == counts


def test_moderation_commands(harness_main, runs, tmp_path, capsys):
    db = str(tmp_path / "moderated.sqlite")
    store = open_store(db)
    sid = submit_runs(store, [runs["b"]], META, workers=1, review="pending").submission_id
    assert store.submissions(("public",)) == []
    assert harness_main(["submissions", "list", "--pending", "--db", db, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["id"], row["review"], row["results"]) == (sid, "pending", {"sample/dev": 75.44})
    assert harness_main(["submissions", "approve", str(sid), "--db", db]) == 0
    assert [s["id"] for s in store.submissions(("public",))] == [sid]
    assert harness_main(["submissions", "hide", str(sid), "--db", db]) == 0
    assert store.submissions(("public",)) == []
    with pytest.raises(SubmissionError, match="already on the leaderboard"):  # still blocks
        submit_runs(store, [runs["b"]], META, workers=1)
    assert harness_main(["submissions", "delete", str(sid), "--db", db, "--yes"]) == 0
    assert harness_main(["submissions", "delete", str(sid), "--db", db, "--yes"]) == 1
    assert f"no submission #{sid}" in capsys.readouterr().err
    assert harness_main(["submissions", "list", "--db", db]) == 0
    assert "No submissions." in capsys.readouterr().out


def test_leaderboard_refuses_a_broken_url_before_starting(harness_main, capsys):
    assert harness_main(["leaderboard", "--db", "mysql://x@y/z"]) == 1
    assert "names a 'mysql' database" in capsys.readouterr().err


def test_the_streamlit_command_line(tmp_path):
    argv, env = streamlit_command("sqlite:////tmp/x.sqlite", "127.0.0.1", 8765, tmp_path)
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[4].endswith("leaderboard/app.py")
    flags = dict(zip(argv[5::2], argv[6::2]))
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert (flags["--server.address"], flags["--server.port"]) == ("127.0.0.1", "8765")
    assert env["HARNESS_LEADERBOARD_DB"] == "sqlite:////tmp/x.sqlite"
    assert env["HARNESS_DATA_DIR"] == str(tmp_path)


def test_commands_have_help():
    for command in (submit_command, leaderboard_command):
        result = CliRunner().invoke(command, ["--help"])
        assert result.exit_code == 0 and "Example" in result.output


# -- seeding -----------------------------------------------------------------------------------


def test_reported_results_are_marked_and_sourced():
    records = load_reported()
    assert len(records) >= 15
    for r in records:
        assert r.status == "reported" and not r.verified
        assert all(res.source for res in r.results), r.name
        assert all(0 < res.metrics["ex"] < 1 for res in r.results), r.name
        assert r.source_kind in ("primary", "second-hand") and r.link.startswith("https://")
    finer = next(r for r in records if r.name == "FINER-SQL-3B-BIRD")
    bird, spider = finer.results
    assert bird.metrics["ex"] == 0.678 and finer.decoding == "vav@30, T=1"
    assert (finer.decoding_strategy, finer.decoding_n, finer.decoding_temperature) == (
        "value-aware", 30, 1.0)
    assert bird.metrics["by_difficulty"]["challenging"]["ex"] == 0.5586
    assert (spider.suite, spider.split, spider.metrics["ex"]) == ("spider", "dev", 0.838)


def test_published_rows_carry_the_corrections():
    """../shared/reference/published-results.md §2, row by row."""
    by_name = {r.name: r for r in load_reported()}

    def scores(name):
        return {(x.suite, x.split): (round(100 * x.metrics["ex"], 2), x.metric)
                for x in by_name[name].results}

    # SQL-R1: 67.1 is the 14B model; the 7B numbers are 8-sample self-consistency.
    assert scores("SQL-R1-7B") == {("bird", "dev"): (66.6, "EX"), ("spider", "dev"): (87.6, "EX"),
                                   ("spider", "test"): (88.7, "EX")}
    assert by_name["SQL-R1-7B"].decoding_n == 8 and scores("SQL-R1-14B")[("bird", "dev")][0] == 67.1
    assert scores("SQL-R1-7B (third-party, greedy)") == {("bird", "dev"): (63.7, "EX")}
    # OmniSQL's Spider dev is test-suite accuracy.
    assert scores("OmniSQL-7B (greedy)")[("spider", "dev")] == (81.2, "TS")
    assert scores("OmniSQL-7B (maj@8)")[("spider", "dev")] == (81.6, "TS")
    assert by_name["OmniSQL-7B (greedy)"].base_model == "Qwen2.5-Coder-7B-Instruct"
    # Arctic: the board's voting numbers and the card's are two rows.
    assert scores("Arctic-Text2SQL-R1-7B (BIRD board)") == {
        ("bird", "dev"): (70.7, "EX"), ("bird", "test"): (70.43, "EX")}
    assert scores("Arctic-Text2SQL-R1-7B (model card)")[("spider", "test")] == (88.8, "EX")
    # Sample budgets.
    csc = by_name["CSC-SQL-7B"]
    assert (csc.decoding_strategy, csc.decoding_n, csc.decoding_extra_models) == (
        "pipeline", 64, "7B merge model")
    assert scores("SLM-SQL-0.5B")[("spider", "test")] == (73.5, "EX")
    # Missing rows up to 8B, with their decoding.
    for name in ("CSC-SQL-3B", "SQL-R1-3B", "XiYanSQL-QwenCoder-7B-2504", "SLM-SQL-0.6B",
                 "SLM-SQL-1.3B", "Struct-SQL-4B", "Prem-1B-SQL", "Reasoning-SQL-7B",
                 "CogniSQL-R1-Zero-7B (single)", "ReEx-SQL-7B", "Think2SQL-7B",
                 "Reward-SQL v3 8B (greedy)", "FINER-SQL-1.5B (paper)",
                 "Qwen2.5-Coder-7B-Instruct (prompting, greedy)"):
        assert name in by_name and by_name[name].decoding, name
    assert by_name["Reasoning-SQL-7B"].source_kind == "second-hand"


def test_seeding_twice_adds_nothing(store, runs):
    n = seed_reported(store)
    assert n == len(load_reported()) and seed_reported(store) == 0
    (first,) = seed_runs(store, [runs["gold"]], workers=1)
    assert first.name == "Gold SQL (self-test)" and first.submission_id is not None
    (again,) = seed_runs(store, [runs["gold"]], workers=1)
    assert again.submission_id is None
    assert store.counts()["submissions"] == n + 1


def test_the_projects_own_runs_are_verified_and_match_their_claims(store, tmp_path):
    """The shipped runs re-score to what their results.json says; without Spider data the
    Spider runs are left out, with a message, instead of failing or scoring zero."""
    own = load_own_runs()
    assert all(d.is_dir() for _, dirs in own for d in dirs)
    seeded = seed_own_runs(store, data_dir=tmp_path / "no-data", workers=1)
    assert [s.name for s in seeded] == [meta.name for meta, _ in own]
    for entry in store.submissions():
        assert entry["verified"] and not entry["flags"], entry["flags"]
        assert {(r["suite"], r["split"]) for r in entry["results"]} == {("sample", "dev")}
    qwen = next(s for s in seeded if s.name.startswith("Qwen"))
    assert "spider/dev left out: its data is not under the data root" in qwen.message
    assert all(s.submission_id is None for s in seed_own_runs(store, tmp_path / "no-data", 1))


def test_the_projects_own_spider_runs_are_verified_on_the_real_data(store):
    data = shared_data_dir()
    require((data / "spider" / "dev.json").is_file(), f"no Spider data under {data}")
    seed_own_runs(store, data_dir=data, workers=2)
    spider = {(r["suite"], r["question_limit"]): r for entry in store.submissions()
              for r in entry["results"] if r["suite"] != "sample"}
    # Qwen2.5-Coder-0.5B on all of Spider dev; its Q4_K_M file on Spider-Realistic's first 50
    # and on the first 66 of Spider dev, which hold their originals.
    assert set(spider) == {("spider", None), ("spider", 66), ("spider-realistic", 50)}
    assert all(r["claimed_ex"] == r["ex"] for r in spider.values())
    assert all(not entry["flags"] for entry in store.submissions())
    # Every row names its release and has its clean-subset EX (the board's two columns).
    assert {k: r["dataset_version"] for k, r in spider.items()} == {
        ("spider", None): "2020-06", ("spider", 66): "2020-06",
        ("spider-realistic", 50): "2021-naacl"}
    assert all(r["clean_ex"] is not None and 0 < r["n_clean"] < r["n_scored"]
               for r in spider.values())
    # The pair is the board's robustness report: every Realistic question has its original.
    dev, realistic = spider[("spider", 66)], spider[("spider-realistic", 50)]
    report = paired_report(("spider", "dev"), store.verdicts(dev["id"]),
                           ("spider-realistic", "dev"), store.verdicts(realistic["id"]))
    assert report.n == 50


def test_store_error_is_a_harness_error():
    assert issubclass(StoreError, HarnessError)

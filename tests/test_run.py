"""``harness run``: the pipeline, resuming after a kill, and the packaged model for real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence

import pytest

from harness.cli import main
from harness.config import RunConfig
from harness.core import Example, Prediction
from harness.errors import ConfigError
from harness.evaluation.records import read_record, read_samples
from harness.method import Method
from harness.pipeline import run_method
from harness.suite import Suite, load_suite
from tests.generation_support import need_llama_cpp, need_smollm2
from tests.support import REPO
from tests.test_run_folder import _holds_flock, assert_refused_by_the_lock


class CountingMethod(Method):
    """Answers with the gold SQL for even question ids and a wrong query for odd ones, and
    counts what it was asked, so a test can see exactly which examples were (re)predicted."""

    name = "counting"

    def __init__(self, config=None):
        super().__init__(config)
        self.asked: list[int] = []

    def predict(self, examples: Sequence[Example], suite: Suite) -> Iterator[Prediction]:
        for e in examples:
            self.asked.append(e.question_id)
            sql = e.gold_sql if e.question_id % 2 == 0 else "SELECT 1"
            yield Prediction(e.question_id, sql, {"latency_s": 0.01, "generation_s": 0.01,
                                                  "batch_id": e.question_id})


def test_run_scores_and_records_the_method(tmp_path):
    suite = load_suite("sample")
    method = CountingMethod()
    results, samples = run_method(method, suite, RunConfig(), tmp_path / "run")
    n = len(suite.load_examples("dev"))
    assert len(method.asked) == n
    assert results.counts.correct == sum(1 for s in samples if s.example.question_id % 2 == 0)
    assert results.method.method == "counting" and results.decoding == "greedy"
    stored = (tmp_path / "run" / "results.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in stored and str(REPO) not in stored  # paths are relative
    assert results.data.files == ["<harness>/suites/sample/questions.jsonl",
                                  *(f"<harness>/suites/sample/databases/{n}.sql"
                                    for n in ("music_festival", "school"))]
    assert results.latency.samples == n
    assert len(read_samples(tmp_path / "run")) == n
    assert (tmp_path / "run" / "predictions.jsonl").read_text().count("\n") == n


def test_run_resumes_without_repredicting(tmp_path):
    suite = load_suite("sample")
    out = tmp_path / "run"
    first = CountingMethod()
    stop_after = 5

    class Interrupted(Exception):
        pass

    def interrupted_predict(examples, suite):
        for i, prediction in enumerate(CountingMethod.predict(first, examples, suite)):
            if i == stop_after:
                raise Interrupted
            yield prediction

    first.predict = interrupted_predict
    with pytest.raises(Interrupted):
        run_method(first, suite, RunConfig(), out)
    # A kill can also leave half a line behind.
    with open(out / "predictions.jsonl", "a") as f:
        f.write('{"question_id": 9')
    second = CountingMethod()
    results, _ = run_method(second, suite, RunConfig(), out)
    done = first.asked[:stop_after]
    assert not set(done) & set(second.asked)
    assert len(second.asked) == len(suite.load_examples("dev")) - stop_after
    assert results.timing.resumed_predictions == stop_after


def test_resume_refuses_other_settings(tmp_path):
    suite = load_suite("sample")
    run_method(CountingMethod(), suite, RunConfig(limit=3), tmp_path / "run")
    with pytest.raises(ConfigError, match="holds a run with other settings"):
        run_method(CountingMethod(), suite, RunConfig(limit=4), tmp_path / "run")


def test_a_scaffolded_method_resumes(tmp_path):
    """The skeleton `harness methods new` writes keeps the runner's contract: a run cut short
    predicts only what its predictions.jsonl lacks, and says how many it found saved."""
    from harness.cli.scaffold import write_method_skeleton
    from harness.config import resolve_method

    method_file, _ = write_method_skeleton("resumable", tmp_path / "m")
    cls = resolve_method(f"{method_file}:ResumableMethod")
    asked: list[int] = []

    class Watched(cls):  # the scaffolded method, counting what it is asked
        def predict(self, examples, suite):
            asked.extend(e.question_id for e in examples)
            yield from super().predict(examples, suite)

    suite, out = load_suite("sample"), tmp_path / "run"
    first, _ = run_method(Watched(), suite, RunConfig(limit=5), out)
    log = out / "predictions.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(lines[:3]) + lines[3][:10], encoding="utf-8")  # killed mid-line
    asked.clear()
    again, _ = run_method(Watched(), suite, RunConfig(limit=5), out)
    assert len(asked) == 2 and again.timing.resumed_predictions == 3
    assert again.metrics.ex == first.metrics.ex


def test_method_from_a_file_and_bad_settings(tmp_path, capsys):
    assert main(["methods", "new", "my-method", "--dir", str(tmp_path)]) == 0
    method_file = tmp_path / "my_method.py"
    code = main(["run", "--method", f"{method_file}:MyMethodMethod", "--out",
                 str(tmp_path / "r")])
    assert code == 0
    assert read_record(tmp_path / "r").method.method == "my-method"
    capsys.readouterr()
    assert main(["run", "--method", f"{method_file}:MyMethodMethod", "--samples", "4"]) == 1
    assert "Unknown setting 'samples' for method 'my-method'" in capsys.readouterr().err
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("method: prompting\nmax_new_token: 12\n")
    assert main(["run", "--config", str(bad_yaml)]) == 1
    assert "Did you mean: max_new_tokens" in capsys.readouterr().err
    assert main(["run", "--method", "promptin"]) == 1
    assert "Did you mean: prompting" in capsys.readouterr().err


# -- the packaged model, for real ---------------------------------------------------------------

SMALL = ["--max-new-tokens", "48", "--batch-size", "4"]


def test_prompting_with_the_packaged_model_on_sample(tmp_path, capsys):
    need_smollm2()
    out = tmp_path / "run"
    code = main(["run", "--method", "prompting", "--suite", "sample", "--limit", "6",
                 "--backend", "transformers", "--out", str(out), *SMALL])
    assert code == 0, capsys.readouterr().err
    results = read_record(out)
    assert results.counts.total == 6
    latency = results.latency
    assert latency is not None
    assert latency.samples == 6 and (latency.s_per_sample or 0) > 0
    assert (latency.tokens_per_s or 0) > 0
    # batches of 4 on transformers: throughput and batch time, no per-question percentiles
    assert (latency.batch_size, latency.batches) == (4, 2) and (latency.s_per_batch or 0) > 0
    assert latency.latency_per_question is False and latency.latency_p50_s is None
    assert (out / "run.log").is_file()
    assert results.method.model_identity["backend"] == "transformers"
    samples = read_samples(out)
    assert all(s["generation"]["latency_s"] > 0 for s in samples)
    assert all("raw" in s["generation"] for s in samples)


def test_a_llamacpp_run_reports_latency_per_question(tmp_path, capsys):
    """llama.cpp runs a batch's prompts one at a time and times each: a batch of 4 still gives
    per-question p50/p95 (transformers, above, cannot)."""
    need_smollm2()
    need_llama_cpp()
    out = tmp_path / "run"
    code = main(["run", "--method", "prompting", "--suite", "sample", "--limit", "6",
                 "--backend", "llama.cpp", "--no-cache", "--out", str(out), *SMALL])
    err = capsys.readouterr()
    assert code == 0, err.err
    latency = read_record(out).latency
    assert latency is not None and (latency.batch_size, latency.batches) == (4, 2)
    assert latency.latency_per_question is True
    assert 0 < (latency.latency_p50_s or 0) <= (latency.latency_p95_s or 0)
    assert "p50" in err.out + err.err


def test_a_llamacpp_run_ends_without_a_resource_warning(tmp_path):
    """llama-cpp-python leaves two /dev/null files open; the run's last line must still be its
    summary, not "ResourceWarning: unclosed file" printed at exit."""
    need_smollm2()
    need_llama_cpp()
    cmd = [sys.executable, "-m", "harness", "run", "--method", "prompting", "--suite", "sample",
           "--limit", "1", "--backend", "llama.cpp", "--max-new-tokens", "2", "--no-cache",
           "--n-threads", "1", "--out", str(tmp_path / "run")]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stdout + done.stderr


def _lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _six_question_run(out) -> list[str]:
    """`harness run` of the prompting method on 6 sample questions, in small uncached batches."""
    return [sys.executable, "-m", "harness", "run", "--method", "prompting", "--suite", "sample",
            "--limit", "6", "--out", str(out), "--max-new-tokens", "32", "--batch-size", "2",
            "--no-cache"]


def test_sigkill_then_resume_regenerates_nothing_finished(tmp_path):
    need_smollm2()
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = _six_question_run(out)
    process = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while len(_lines(out / "predictions.jsonl")) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = _lines(out / "predictions.jsonl")
    assert 2 <= len(before) < 6
    finished = [json.loads(line) for line in before]

    subprocess.run(cmd, env=env, cwd=REPO, check=True, capture_output=True, timeout=600)
    after = [json.loads(line) for line in _lines(out / "predictions.jsonl")]
    assert len(after) == 6
    assert after[: len(finished)] == finished  # kept as they were, not regenerated
    results = read_record(out)
    assert results.timing.resumed_predictions == len(finished)
    # Latency covers every generated sample, those finished before the kill included.
    assert results.latency.samples == 6
    new_batches = {p["meta"]["batch_id"] for p in after[len(finished):]}
    assert not new_batches & {p["meta"]["batch_id"] for p in finished}


@pytest.mark.slow  # the packaged model generating: minutes on a loaded machine (the lock itself
# is tested by default with two `harness eval` in tests/test_run_folder.py)
def test_a_second_run_into_the_same_folder_is_refused_while_the_first_generates(tmp_path):
    """The issue's case: two `harness run` into one --out both generated everything and the last
    writer won. Now the second stops at once (one Error: line, exit 1) and the first's run is
    whole: every question generated once, scored once."""
    need_smollm2()
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = _six_question_run(out)
    first = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _holds_flock(first.pid, out / ".lock"):
            assert first.poll() is None, first.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.05)
        second = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True,
                                timeout=300)
        assert_refused_by_the_lock(second)
        assert first.poll() is None  # refused by the lock, while the first still works
        _, stderr = first.communicate(timeout=900)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, stderr[-2000:]
    predicted = [json.loads(line)["question_id"] for line in _lines(out / "predictions.jsonl")]
    assert len(predicted) == len(set(predicted)) == 6
    assert sorted(s["question_id"] for s in read_samples(out)) == sorted(predicted)
    assert read_record(out).counts.total == 6

"""Run folders are a user's output: checked first, never silently replaced, one writer at once."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli.app import main
from harness.errors import ConfigError
from harness.evaluation import run_folder
from harness.suite import load_suite

REPO = Path(__file__).resolve().parents[1]


def _eval(capsys, *args: str) -> tuple[int, str]:
    code = main(["eval", "--gold", "--limit", "3", *args])
    captured = capsys.readouterr()
    return code, captured.err


def test_out_that_is_a_file_fails_before_any_work(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    code = main(["eval", "--out", str(target), "--predictions", str(tmp_path / "absent")])
    err = capsys.readouterr().err
    # the --out problem is reported, not the (later) missing predictions file
    assert code == 1 and err.startswith("Error: --out") and err.count("\n") == 1


def test_existing_run_is_refused_unless_overwritten_and_then_replaced_whole(capsys, tmp_path):
    out = tmp_path / "run"
    assert _eval(capsys, "--out", str(out))[0] == 0
    (out / "stale.txt").write_text("from an older run")
    code, err = _eval(capsys, "--out", str(out))
    assert code == 1 and "--overwrite" in err
    assert _eval(capsys, "--out", str(out), "--overwrite")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == [".lock", "results.json", "samples.jsonl"]


def test_overwrite_only_replaces_run_folders(capsys, tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    code, err = _eval(capsys, "--out", str(tmp_path), "--overwrite")
    assert code == 1 and "not a run folder" in err
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "run"
    with run_folder.lock(out):
        with pytest.raises(ConfigError, match="Another harness process is writing"):
            with run_folder.lock(out):
                pass
    with run_folder.lock(out):  # released: the next one gets it
        pass


def _holds_flock(pid: int, path: Path) -> bool:
    """Whether process ``pid`` holds a flock on ``path`` (read from /proc/locks, which takes
    no lock itself: probing with flock could refuse the very writer under test)."""
    if not path.exists():
        return False
    inode = f":{path.stat().st_ino} "
    with open("/proc/locks") as f:
        return any(line.split()[1:2] == ["FLOCK"] and f" {pid} " in line and inode in line
                   for line in f)


def assert_refused_by_the_lock(done: subprocess.CompletedProcess) -> None:
    """A second writer's end: one ``Error:`` line naming the other writer, exit code 1."""
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.startswith("Error: Another harness process is writing")
    assert done.stderr.count("\n") == 1, done.stderr


def test_a_second_eval_into_the_same_folder_is_refused_and_the_first_completes(tmp_path):
    """Two real `harness eval` processes into one --out: the second stops at once with one
    Error: line and exit code 1; the first, still running, writes a whole and correct run."""
    if not Path("/proc/locks").exists():
        pytest.skip("reads held locks from /proc/locks (Linux)")
    examples = load_suite("sample").load_examples("dev")[:6]
    slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    predictions = tmp_path / "predictions.jsonl"
    with open(predictions, "w") as f:
        for i, e in enumerate(examples):  # four statements that each run to the timeout first
            sql = f"{slow} WHERE x > {i}" if i < 4 else e.gold_sql
            f.write(json.dumps({"question_id": e.question_id, "sql": sql}) + "\n")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "harness", "eval", "--suite", "sample", "--predictions",
           str(predictions), "--out", str(out), "--limit", "6", "--timeout", "4",
           "--workers", "1", "--no-gold-cache", "--json"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _holds_flock(first.pid, out / run_folder.LOCK_NAME):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first eval never took the lock"
            time.sleep(0.05)

        for extra in ([], ["--overwrite"]):
            second = subprocess.run(cmd + extra, cwd=REPO, env=env, capture_output=True,
                                    text=True, timeout=120)
            assert_refused_by_the_lock(second)
            assert first.poll() is None  # refused by the lock, not by a finished run

        stdout, stderr = first.communicate(timeout=180)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [".lock", "results.json", "samples.jsonl"]
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert [(s["question_id"], s["reason"]) for s in samples] == [
        (e.question_id, "pred_timeout" if i < 4 else "match") for i, e in enumerate(examples)]
    results = json.loads((out / "results.json").read_text())
    assert results == json.loads(stdout)
    assert (results["counts"]["total"], results["counts"]["correct"]) == (6, 2)


def test_written_files_respect_the_umask(capsys, tmp_path):
    previous = os.umask(0o027)
    try:
        assert _eval(capsys, "--out", str(tmp_path / "run"))[0] == 0
    finally:
        os.umask(previous)
    for name in ("results.json", "samples.jsonl"):
        assert stat.S_IMODE((tmp_path / "run" / name).stat().st_mode) == 0o640

"""What ``harness run`` shows: stages and formatted training lines on the terminal, and every
library's output (raw trainer dicts, warnings, progress bars, logging) in the run's ``run.log``."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings

from rich.console import Console

from harness.cli.console import RichReporter, output_to_log
from harness.cli.summary import latency_line
from harness.generation.latency import summarize_latency
from harness.progress import reporter, reporting
from tests.generation_support import need_smollm2
from tests.support import REPO

CHILD = "import sys; sys.stderr.write('a worker process wrote this\\n')"


def write_like_the_libraries() -> None:
    print({"loss": 0.5, "grad_norm": 1.0, "learning_rate": 5e-05})  # a Trainer's PrinterCallback
    warnings.warn("this API is deprecated", FutureWarning, stacklevel=1)
    logging.getLogger("transformers.trainer").warning("a library's log line")
    subprocess.run([sys.executable, "-c", CHILD], check=True)
    os.write(2, b"written by C code to fd 2\n")


def test_library_output_goes_to_the_log_only(tmp_path, capfd):
    log = tmp_path / "run.log"
    with output_to_log(log) as terminal:
        write_like_the_libraries()
        terminal.write("for the user\n")
    out, err = capfd.readouterr()
    assert out == "" and err == "for the user\n"
    text = log.read_text()
    for expected in ("'loss': 0.5", "FutureWarning: this API is deprecated",
                     "WARNING transformers.trainer: a library's log line",
                     "a worker process wrote this", "written by C code to fd 2"):
        assert expected in text, expected
    print("after the block")  # the streams are back
    assert capfd.readouterr().out == "after the block\n"


def test_a_library_with_its_own_console_handler_logs_to_the_log_too(tmp_path, capfd):
    """As transformers does after its first warning: a handler on the stream it saw then, and no
    propagation. Inside the block its records go to run.log; after it, its handler is back."""
    library, seen_then = logging.getLogger("a_library"), io.StringIO()
    own = logging.StreamHandler(seen_then)
    library.addHandler(own)
    library.propagate = False
    log = tmp_path / "run.log"
    try:
        with output_to_log(log):
            logging.getLogger("a_library.trainer").warning("its line")
        assert library.handlers == [own] and library.propagate is False
    finally:
        library.removeHandler(own)
        library.propagate = True
    assert "WARNING a_library.trainer: its line" in log.read_text()
    assert seen_then.getvalue() == "" and capfd.readouterr() == ("", "")


def test_verbose_shows_the_library_output_too(tmp_path, capfd):
    log = tmp_path / "run.log"
    with output_to_log(log, verbose=True):
        write_like_the_libraries()
    _, err = capfd.readouterr()
    assert "'loss': 0.5" in err and "a worker process wrote this" in err
    assert "'loss': 0.5" in log.read_text()


def test_stages_and_training_steps_are_drawn_as_lines(tmp_path):
    screen = io.StringIO()
    log = io.StringIO()
    terminal = Console(file=screen, width=100, force_terminal=True, color_system=None)
    with reporting(RichReporter(terminal, log)):
        with reporter().stage("training (grpo)") as stage:
            stage.set_total(2)
            for step in (1, 2):
                stage.advance()
                print({"loss": 0.25, "epoch": 0.5})  # a trainer's own print: not drawn
                reporter().log_step(step, 2, {"loss": 0.25, "reward": 1.5, "reward_std": 0.5,
                                              "rewards/finer_format/mean": 1.0,
                                              "learning_rate": 1e-05, "epoch": 0.5})
    shown = screen.getvalue()
    assert "▸ training (grpo)" in shown
    assert "step 2/2  loss 0.25  reward 1.5 ± 0.5 (format 1)  lr 1e-05" in shown
    assert "{" not in shown and "epoch" not in shown
    assert "2/2" in shown  # the finished bar
    assert "step 1/2" in log.getvalue()


def batch(batch_id: str, n: int, seconds: float, per_request: bool = False) -> list[dict]:
    return [{"batch_id": batch_id, "generation_s": seconds, "latency_s": seconds - i * 0.1,
             "completion_tokens": 10, "per_request_latency": per_request} for i in range(n)]


def test_batched_latency_is_throughput_and_batch_time_only():
    lat = summarize_latency(batch("a", 57, 68.9))
    assert (lat["batch_size"], lat["batches"], lat["s_per_batch"]) == (57, 1, 68.9)
    assert lat["latency_p50_s"] is None and not lat["latency_per_question"]
    line = latency_line(lat)
    assert "1.209 s/sample throughput at batch size 57 (one batch of 57 took 68.9 s)" in line
    assert "no per-question latency" in line and "p50" not in line


def test_latency_per_question_when_measured_per_question():
    one_by_one = summarize_latency(batch("a", 1, 2.0) + batch("b", 1, 4.0))
    assert one_by_one["latency_per_question"] and one_by_one["latency_p50_s"] == 3.0
    served = summarize_latency(batch("a", 8, 5.0, per_request=True))  # vLLM / HTTP requests
    assert served["latency_per_question"] and served["latency_p95_s"] < 5.0
    assert "per question p50" in latency_line(served)


def test_harness_run_shows_stages_and_keeps_the_rest_in_run_log(tmp_path):
    """GRPO (warm start + one step) on two questions, run as a user runs it."""
    need_smollm2()
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--config", "configs/ci-grpo.yaml",
         "--limit", "2", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    shown = result.stdout + result.stderr
    for stage in ("method grpo", "baseline generation", "warm start (SFT on the gold SQL)",
                  "training (grpo)", "▸ generation", "▸ scoring (SQL queries run)",
                  "step 1/1  loss", "latency:", "run.log"):
        assert stage in shown, (stage, shown)
    assert "{'loss'" not in shown and "Warning" not in shown
    log = (out / "run.log").read_text()
    assert "{'loss'" in log  # the trainers' raw dicts, kept
    assert "[harness] step 1/1  loss" in log  # and what the terminal showed

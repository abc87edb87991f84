"""The leaderboard verifies uploads in a separate process: a hang, a crash or a user mistake there
comes back as one clear error, and the app's process carries on."""

from __future__ import annotations

import os
import time

import pytest

from harness.errors import SubmissionError
from leaderboard.isolated import run_isolated


def _answer(x):
    return {"pid": os.getpid(), "x": x}


def _mistake():
    raise SubmissionError("results.json names no suite.")


def _crash():
    os._exit(3)


def _hang():
    time.sleep(600)


def test_the_call_runs_in_another_process():
    result = run_isolated(_answer, 7)
    assert result["x"] == 7 and result["pid"] != os.getpid()


def test_a_user_mistake_comes_back_as_itself():
    with pytest.raises(SubmissionError, match="names no suite"):
        run_isolated(_mistake)


def test_a_crash_or_a_hang_is_one_clear_error():
    with pytest.raises(SubmissionError, match="stopped unexpectedly"):
        run_isolated(_crash)
    start = time.monotonic()
    with pytest.raises(SubmissionError, match="took longer"):
        run_isolated(_hang, timeout_s=2)
    assert time.monotonic() - start < 10

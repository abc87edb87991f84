"""Evaluations collect garbage less often while they run, and leave the process as they found it,
however many run at once (the leaderboard evaluates submissions in its server's threads)."""

from __future__ import annotations

import gc
import threading

import pytest

from harness.evaluation.collector import YOUNG_OBJECTS, fewer_collections
from harness.evaluation.config import EvalConfig
from harness.pipeline import evaluate
from harness.suite import load_suite


@pytest.fixture(autouse=True)
def default_thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_young_threshold_is_raised_inside_and_restored_after():
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_OBJECTS, 10, 10)
        with fewer_collections():  # re-entrant: the inner block restores nothing
            pass
        assert gc.get_threshold() == (YOUNG_OBJECTS, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_an_error_inside_still_restores():
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_of_the_process_is_never_lowered():
    gc.set_threshold(10 * YOUNG_OBJECTS, 5, 5)
    with fewer_collections():
        assert gc.get_threshold() == (10 * YOUNG_OBJECTS, 5, 5)
    assert gc.get_threshold() == (10 * YOUNG_OBJECTS, 5, 5)


def test_overlapping_threads_restore_only_when_the_last_leaves():
    """A enters, B enters, A leaves (still raised for B), B leaves (restored): neither undoes the
    other's setting, and the raised one is not left behind."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple] = {}

    def a():
        with fewer_collections():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def b():
        a_in.wait(10)
        with fewer_collections():
            b_in.set()
            a_out.wait(10)
            seen["b after a left"] = gc.get_threshold()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen["b after a left"] == (YOUNG_OBJECTS, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_an_evaluation_runs_with_the_raised_threshold_and_restores_it():
    seen = []
    record, _ = evaluate(load_suite("sample"), EvalConfig(split="dev", gold_cache=False),
                         progress=lambda done, total: seen.append(gc.get_threshold()[0]))
    assert record.metrics.ex == 1.0
    assert seen and set(seen) == {YOUNG_OBJECTS}
    assert gc.get_threshold() == (700, 10, 10)

"""Aggregate metrics against independent computations."""

from __future__ import annotations

import random

import pytest

from harness.evaluation.metrics import accuracy_block, bootstrap_ci, rves, rves_reward, soft_f1


@pytest.mark.parametrize("correct,n", [(30, 57), (972, 1034), (5, 10), (1, 200), (0, 40)])
def test_exact_bootstrap_matches_monte_carlo(correct, n):
    rng = random.Random(0)
    outcomes = [1] * correct + [0] * (n - correct)
    means = sorted(sum(rng.choices(outcomes, k=n)) / n for _ in range(4000))
    mc = (means[int(0.025 * len(means))], means[int(0.975 * len(means)) - 1])
    lo, hi = bootstrap_ci(correct, n)
    assert abs(lo - mc[0]) <= 1.5 / n + 1e-9 and abs(hi - mc[1]) <= 1.5 / n + 1e-9


def test_bootstrap_interval_contains_the_estimate_and_narrows():
    lo, hi = bootstrap_ci(60, 100)
    assert lo < 0.6 < hi
    lo2, hi2 = bootstrap_ci(600, 1000)
    assert hi2 - lo2 < hi - lo


def test_accuracy_block():
    assert accuracy_block([True, False, True, True]) == {
        "n": 4, "correct": 3, "ex": 0.75, "ex_ci95": [0.25, 1.0]
    }
    assert accuracy_block([]) == {"n": 0, "correct": 0, "ex": None, "ex_ci95": None}


@pytest.mark.parametrize(
    "gold,pred,expected",
    [
        ([(1, "a")], [(1, "a")], 1.0),
        ([(1, "a")], [("a", 1)], 1.0),  # lenient on column order within a row
        ([(1,), (2,)], [(2,), (1,)], 0.0),  # but rows are paired by position
        ([(1,), (1,)], [(1,)], 1.0),  # duplicates dropped first
        ([(1, "a")], [(1, "b")], 0.5),
        ([(1,), (2,)], [(1,)], 2 / 3),
        ([(1,)], [(1,), (2,)], 2 / 3),
        ([], [], 1.0),
        ([(1,)], [], 0.0),
        ([(1,)], None, 0.0),  # a failed prediction
    ],
)
def test_soft_f1_follows_mini_dev(gold, pred, expected):
    assert soft_f1(gold, pred) == pytest.approx(expected)


def test_rves():
    assert rves_reward([3.0, 2.9, 3.1]) == 1.25
    assert rves_reward([0.1, 0.11, 0.09]) == 0.25
    assert rves([1.25, 1, 0]) == pytest.approx((1.25**0.5 + 1) * 100 / 3, abs=1e-3)
    assert rves([]) is None

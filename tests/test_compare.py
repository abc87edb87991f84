"""``harness compare``: pairing runs across reworded suites, the paired interval and McNemar."""

from __future__ import annotations

import json
import random

import pytest

from harness.cli import main
from harness.core import Prediction
from harness.errors import ConfigError, DataError
from harness.evaluation.config import EvalConfig
from harness.evaluation.paired import mcnemar_exact, paired_bootstrap_ci
from harness.evaluation.records import write_run
from harness.evaluation.robustness import paired_report
from harness.pipeline import evaluate
from harness.suite import load_suite


def sample(qid, correct, original=None, reason=None):
    s = {"question_id": qid, "correct": correct, "reason": reason or ("match" if correct else "x")}
    if original is not None:
        s["original_id"] = original
    return s


def test_reworded_questions_pair_through_original_id():
    spider = [sample(0, True), sample(1, True), sample(2, False), sample(3, True),
              sample(4, True, reason=None)]
    # Realistic-like: its own ids 0..3, rewording Spider questions 3, 0, 1 and 4 (unscorable).
    reworded = [sample(0, False, 3), sample(1, True, 0), sample(2, False, 1),
                sample(3, False, 4, reason="unscorable:database x missing")]
    report = paired_report(("spider", "dev"), spider, ("spider-realistic", "dev"), reworded)
    assert report.keys == ("question_id", "original_id")
    c = report.comparison
    assert (c.both_right, c.only_a, c.only_b, c.both_wrong) == ([0], [1, 3], [], [])
    assert c.only_in_a == [2, 4]
    assert report.drop == pytest.approx(2 / 3)
    assert report.to_json()["mcnemar_p"] == 0.5


def test_unrelated_suites_are_refused_and_old_samples_explained():
    with pytest.raises(ConfigError, match="share no questions"):
        paired_report(("spider", "dev"), [sample(0, True)], ("bird", "dev"), [sample(0, True)])
    with pytest.raises(DataError, match="original_id"):
        paired_report(("spider", "dev"), [sample(0, True)], ("spider-syn", "dev"),
                      [sample(0, True)])


def test_paired_interval_agrees_with_resampling():
    """The exact interval against a plain resampling bootstrap of the same verdict pairs."""
    only_a, only_b, n = 30, 12, 200
    diffs = [1] * only_a + [-1] * only_b + [0] * (n - only_a - only_b)
    rng = random.Random(0)
    draws = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(4000))
    lo, hi = paired_bootstrap_ci(only_a, only_b, n)
    assert abs(lo - draws[100]) <= 0.011 and abs(hi - draws[3899]) <= 0.011
    assert lo > 0  # 30 vs 12 discordant: a real drop, as McNemar says too
    assert mcnemar_exact(only_a, only_b) < 0.01


def test_cli_compares_spider_dev_with_spider_syn(data_dir, tmp_path, capsys):
    spider, syn = load_suite("spider", data_dir), load_suite("spider-syn", data_dir)
    config = EvalConfig(split="dev", limit=40)
    a_results, a_samples = evaluate(spider, config)  # the gold: all right
    wrong = {3, 7, 11}  # reworded questions a model gets wrong
    predictions = {e.question_id: Prediction(e.question_id, "SELECT 'wrong'" if
                                             e.question_id in wrong else e.gold_sql)
                   for e in syn.load_examples("dev")[:40]}
    b_results, b_samples = evaluate(syn, config, predictions=predictions)
    write_run(tmp_path / "a", a_results, a_samples)
    write_run(tmp_path / "b", b_results, b_samples)

    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shared"] == 40 and report["only_a_right"] == 3 and report["only_b_right"] == 0
    assert report["drop"] == 0.075 and report["drop_ci95"][0] == 0.0
    assert report["mcnemar_p"] == 0.25
    assert report["paired_on"] == {"a": "question_id", "b": "original_id"}

    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    text = capsys.readouterr().out
    assert "spider/dev → spider-syn/dev: 40 shared questions" in text
    assert "Drop A − B: 7.5 points" in text and "McNemar exact p = 0.25" in text


def test_cli_says_what_is_not_a_run(tmp_path, capsys):
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 1
    assert "has no results.json" in capsys.readouterr().err


# -- samples edited by hand: refused, not silently miscounted ----------------------------------


@pytest.fixture
def two_runs(tmp_path):
    """Two gold runs of the sample suite's dev split, written as `harness eval` writes them."""
    results, samples = evaluate(load_suite("sample"), EvalConfig(limit=6))
    for name in ("a", "b"):
        write_run(tmp_path / name, results, samples)
    return tmp_path / "a", tmp_path / "b"


def _edit_samples(run, edit) -> None:
    path = run / "samples.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(s) + "\n" for s in edit(lines)))


@pytest.mark.parametrize("edit,message", [
    # "false" is a non-empty string: bool() counted it right.
    (lambda s: [{**s[0], "correct": "false"}, *s[1:]], '"correct" must be true or false'),
    (lambda s: [{**s[0], "correct": 0}, *s[1:]], '"correct" must be true or false'),
    (lambda s: [{**s[0], "correct": None}, *s[1:]], '"correct" must be true or false'),
    (lambda s: [{k: v for k, v in s[0].items() if k != "correct"}, *s[1:]],
     '"correct" must be true or false'),
    # Two verdicts for one question: the dict kept the last one.
    (lambda s: [*s, {**s[0], "correct": not s[0]["correct"]}], "appears twice"),
])
def test_compare_refuses_samples_it_would_miscount(two_runs, capsys, edit, message):
    a, b = two_runs
    assert main(["compare", str(a), str(b), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["shared"] == 6
    _edit_samples(b, edit)
    assert main(["compare", str(a), str(b)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1 and message in err, err


def test_a_reworded_run_with_a_non_integer_original_id_is_refused():
    from harness.errors import RunFolderError

    reworded = [sample(0, True, original="0"), sample(1, True, original=[1])]
    with pytest.raises(RunFolderError, match="original_id must be an integer"):
        paired_report(("spider", "dev"), [sample(0, True)], ("spider-syn", "dev"), reworded)

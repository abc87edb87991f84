"""``harness run --seeds``: one run folder per seed, the aggregate, and the paired comparison."""

from __future__ import annotations

import json
import re

import pytest

from harness.cli import main
from harness.errors import ConfigError
from harness.seeds import compare_aggregates, parse_seeds, read_aggregate, sign_flip_p
from harness.suite import load_suite

METHOD_FILE = '''
from harness.core import Prediction
from harness.method import Method


class SeededMethod(Method):
    """Right on the questions whose id plus the seed is not a multiple of SKIP."""

    name = "seeded"
    SKIP = 3

    def predict(self, examples, suite):
        for e in examples:
            right = (e.question_id + self.config.seed) % self.SKIP != 0
            yield Prediction(e.question_id, e.gold_sql if right else "SELECT 1")


class HalfMethod(SeededMethod):
    name = "half"
    SKIP = 2
'''


def expected_ex(skip: int, seed: int, ids: list[int]) -> float:
    return sum((q + seed) % skip != 0 for q in ids) / len(ids)


@pytest.fixture
def method_file(tmp_path):
    path = tmp_path / "seeded.py"
    path.write_text(METHOD_FILE)
    return path


def test_seeds_run_each_seed_and_aggregate(tmp_path, method_file, capsys):
    out = tmp_path / "runs"
    code = main(["run", "--method", f"{method_file}:SeededMethod", "--seeds", "0,1,2",
                 "--out", str(out)])
    assert code == 0
    ids = [e.question_id for e in load_suite("sample").load_examples("dev")]
    aggregate = read_aggregate(out)
    assert aggregate["method"] == "seeded" and aggregate["seeds"] == [0, 1, 2]
    exs = [expected_ex(3, s, ids) for s in (0, 1, 2)]
    assert [r["ex"] for r in aggregate["runs"]] == pytest.approx(exs, abs=1e-5)
    assert aggregate["ex_mean"] == pytest.approx(sum(exs) / 3, abs=1e-5)
    assert aggregate["ex_min"] == pytest.approx(min(exs), abs=1e-5)
    for seed in (0, 1, 2):  # every seed is an ordinary run folder with its own seed
        results = json.loads((out / f"seed-{seed}" / "results.json").read_text())
        assert results["method"]["config"]["seed"] == seed
    qid = str(ids[0])
    assert aggregate["question_correct_share"][qid] == pytest.approx(
        sum((ids[0] + s) % 3 != 0 for s in (0, 1, 2)) / 3)
    printed = capsys.readouterr().out
    assert "3 seeds" in printed and "EX mean" in printed

    # A second method over the same seeds, then the paired comparison (CLI and function).
    other = tmp_path / "half"
    assert main(["run", "--method", f"{method_file}:HalfMethod", "--seeds", "3",
                 "--out", str(other)]) == 0
    result = compare_aggregates(aggregate, read_aggregate(other))
    diffs = [expected_ex(3, s, ids) - expected_ex(2, s, ids) for s in (0, 1, 2)]
    assert result.seeds == [0, 1, 2] and result.ex_diffs == pytest.approx(diffs, abs=1e-5)
    assert result.questions == len(ids)
    assert 0 <= result.question_p <= 1
    capsys.readouterr()
    assert main(["seeds", "compare", str(out), str(other)]) == 0
    assert "permutation test" in capsys.readouterr().out


def test_resumed_seeds_redo_nothing(tmp_path, method_file, capsys):
    out = tmp_path / "runs"
    args = ["run", "--method", f"{method_file}:SeededMethod", "--seeds", "2", "--out", str(out)]
    assert main(args) == 0
    first = read_aggregate(out)
    capsys.readouterr()
    assert main(args) == 0
    for seed in (0, 1):  # every prediction came from the seed's own log, none was redone
        results = json.loads((out / f"seed-{seed}" / "results.json").read_text())
        assert results["timing"]["resumed_predictions"] == 57
    assert read_aggregate(out)["runs"] == first["runs"]


def test_parse_seeds():
    assert parse_seeds("0,1,2") == [0, 1, 2]
    assert parse_seeds("2") == [0, 1]
    assert parse_seeds("5,") == [5]
    for bad in ("0,0", "a", "0", "-1,2", ""):
        with pytest.raises(ConfigError):
            parse_seeds(bad)


def test_sign_flip_p_is_exact_for_few_questions():
    assert sign_flip_p([1.0, 1.0, 1.0]) == pytest.approx(2 / 8)
    assert sign_flip_p([1.0, -1.0]) == 1.0


def test_aggregates_of_other_suites_do_not_compare():
    a = {"suite": "sample", "split": "dev", "rule": "bird", "runs": []}
    with pytest.raises(ConfigError, match="suite"):
        compare_aggregates(a, dict(a, suite="spider"))


def test_submit_of_a_seed_folder_is_one_board_row_with_per_seed_rows(tmp_path, method_file,
                                                                      capsys):
    from leaderboard.queries import benchmark_frame
    from leaderboard.store import Store, resolve_url

    out = tmp_path / "runs"
    assert main(["run", "--method", f"{method_file}:SeededMethod", "--seeds", "3",
                 "--out", str(out)]) == 0
    db = str(tmp_path / "board.sqlite")
    capsys.readouterr()
    assert main(["submit", str(out), "--name", "Seeded", "--model-size", "135M",
                 "--db", db]) == 0
    printed = capsys.readouterr().out
    assert "Stored 3 seeds of 'Seeded'" in printed and "sd over 3 seeds" in printed
    store = Store(resolve_url(db))
    try:
        subs = store.submissions()
    finally:
        store.close()
    assert len(subs) == 3 and len({s["seed_group"] for s in subs}) == 1
    assert sorted(s["seed"] for s in subs) == [0, 1, 2]
    exs = [r["ex"] for r in read_aggregate(out)["runs"]]
    (row,) = benchmark_frame(subs, "sample/dev").to_dict("records")
    assert row["Submission"] == "Seeded" and row["Seeds"] == "3 seeds"
    assert row["EX %"] == pytest.approx(100 * sum(exs) / 3, abs=0.01)
    assert row["95% CI"].startswith("± ") and "3 seeds" in row["95% CI"]
    # One number everywhere: the board's mean and sd are the ones `harness submit` printed.
    printed_ex, printed_sd = re.search(r"EX ([\d.]+)% ± ([\d.]+) \(sd over 3", printed).groups()
    assert f"{row['EX %']:.2f}" == printed_ex and row["95% CI"] == f"± {printed_sd} sd, 3 seeds"
    per_seed = benchmark_frame(subs, "sample/dev", per_seed=True)
    assert sorted(per_seed["Submission"]) == [f"Seeded · seed {s}" for s in (0, 1, 2)]
    assert sorted(per_seed["EX %"]) == pytest.approx(sorted(100 * e for e in exs), abs=0.01)
    # The same seeds again: refused, nothing stored.
    assert main(["submit", str(out), "--name", "Again", "--db", db]) == 1
    assert "already on the leaderboard" in capsys.readouterr().err


# -- a hand-edited or foreign aggregate.json is one Error line -----------------------------------


def _aggregate(**changes) -> dict:
    runs = [{"seed": s, "dir": f"seed-{s}", "ex": ex, "scored": 4, "correct": int(4 * ex)}
            for s, ex in ((0, 0.5), (1, 0.75))]
    good = {"kind": "seeds", "method": "seeded", "suite": "sample", "split": "dev",
            "rule": "bird", "seeds": [0, 1], "runs": runs, "ex_mean": 0.625, "ex_std": 0.18,
            "ex_min": 0.5, "ex_max": 0.75, "question_correct_share": {"0": 1.0, "1": 0.5}}
    return {**good, **changes}


def _run(**changes) -> dict:
    return {**_aggregate()["runs"][0], **changes}


MALFORMED = [
    ("{", "not valid JSON"),
    ("[]", "must hold a JSON object"),
    ('{"runs": [{"seed": ' + "9" * 5000 + "}]}", "not valid JSON"),  # over int's digit limit
    (b"\xff\xfe", "not UTF-8"),
    (_aggregate(runs=None), "runs must be a non-empty list"),
    (_aggregate(runs=[]), "runs must be a non-empty list"),
    (_aggregate(runs=5), "runs must be a non-empty list"),
    (_aggregate(runs=[1, 2]), "each run must be an object"),
    (_aggregate(runs=[_run(ex="0.5")]), "ex must be a number from 0 to 1"),
    (_aggregate(runs=[_run(ex=float("nan"))]), "ex must be a number from 0 to 1"),
    (_aggregate(runs=[_run(seed="0")]), "seed must be an integer"),
    (_aggregate(runs=[_run(dir="../elsewhere")]), 'dir must be "seed-0"'),
    (_aggregate(runs=[_run(correct=9)]), "correct ≤ scored"),
    (_aggregate(runs=[_run(), _run()], seeds=[0, 0]), "distinct seeds"),
    (_aggregate(seeds=[5]), "seeds must be the runs' distinct seeds"),
    (_aggregate(ex_mean="high"), "ex_mean must be a number"),
    (_aggregate(ex_std=None), "ex_std must be a number"),
    (_aggregate(ex_max=2.0), "ex_max must be a number from 0 to 1"),
    (_aggregate(question_correct_share=[1, 0]), "question_correct_share must be an object"),
    (_aggregate(question_correct_share={"0": "all"}), "question_correct_share must map"),
    (_aggregate(question_correct_share={"x": 1.0}), "question_correct_share must map"),
    (_aggregate(suite=None), "suite must be a non-empty string"),
    (_aggregate(kind="run"), "kind is"),
]


def _write_aggregate(folder, content) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        content = json.dumps(content)
    data = content if isinstance(content, bytes) else content.encode()
    (folder / "aggregate.json").write_bytes(data)


def test_a_well_formed_aggregate_is_read(tmp_path, capsys):
    _write_aggregate(tmp_path / "a", _aggregate())
    assert read_aggregate(tmp_path / "a") == _aggregate()
    assert main(["seeds", "show", str(tmp_path / "a")]) == 0
    assert main(["seeds", "compare", str(tmp_path / "a"), str(tmp_path / "a")]) == 0
    assert "A − B = +0.00 points" in capsys.readouterr().out


@pytest.mark.parametrize("content,message", MALFORMED)
def test_a_malformed_aggregate_is_one_error_line(tmp_path, capsys, content, message):
    """seeds show and compare crashed with a traceback on 7 of 9 malformed shapes."""
    _write_aggregate(tmp_path / "bad", content)
    _write_aggregate(tmp_path / "good", _aggregate())
    for args in (["show", str(tmp_path / "bad")],
                 ["compare", str(tmp_path / "good"), str(tmp_path / "bad")]):
        assert main(["seeds", *args]) == 1
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and err.count("\n") == 1, err
        assert message in err, err

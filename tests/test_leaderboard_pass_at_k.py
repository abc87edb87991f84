"""The leaderboard shows a submission's pass@k curve beside the EX of its voted answer."""

from __future__ import annotations

import json
from pathlib import Path

from lb_helpers import lb_cache_fixture  # noqa: F401  (a fixture)
from streamlit.testing.v1 import AppTest

from harness.evaluation.config import EvalConfig
from harness.evaluation.records import write_run
from harness.evaluation.voting import DEFAULT_VOTE
from harness.pipeline import evaluate
from harness.suite import load_suite
from leaderboard import queries as data
from leaderboard.store import open_store
from leaderboard.verify import SubmissionMeta, submit_runs

APP = str(Path(__file__).resolve().parents[1] / "leaderboard" / "app.py")


def candidates_run(folder: Path) -> dict:
    """A real run of sample/dev with four candidates per question: the gold, two wrong, and
    the gold again on every other question."""
    suite = load_suite("sample")
    lines = []
    for i, e in enumerate(suite.load_examples("dev")):
        pool = ["SELECT 0", e.gold_sql, "SELECT 1", e.gold_sql if i % 2 else "SELECT 2"]
        lines.append(json.dumps({"question_id": e.question_id, "candidates": pool}))
    path = folder / "candidates.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results, samples = evaluate(suite, EvalConfig(workers=1), predictions_path=path)
    write_run(folder / "run", results, samples)
    return results


def test_the_curve_is_read_from_the_submission_and_plotted(tmp_path, lb_cache, monkeypatch):
    results = candidates_run(tmp_path)
    store = open_store(tmp_path / "board.sqlite")
    submit_runs(store, [tmp_path / "run"], SubmissionMeta("Sampled", "0.5B"), workers=1)
    curves = data.pass_at_k_long(store.submissions(), "sample/dev")
    block = results.metrics.candidates
    assert list(curves["k"]) == [1, 2, 4]
    assert list(curves["pass@k"]) == [round(100 * v, 2) for v in block.pass_at_k.values()]
    assert set(curves["EX"]) == {round(100 * results.metrics.ex, 2)}
    assert set(curves["Vote"]) == {DEFAULT_VOTE} and set(curves["Submission"]) == {"Sampled"}
    assert data.pass_at_k_long(store.submissions(), "spider/dev").empty
    store.close()

    monkeypatch.setenv("HARNESS_LEADERBOARD_DB", str(tmp_path / "board.sqlite"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/plots.py").run()
    assert not at.exception
    assert "pass@k with several candidates per question" in [s.value for s in at.subheader]
    assert len(at.get("vega_lite_chart")) == 3  # no latency: per-difficulty, size, pass@k

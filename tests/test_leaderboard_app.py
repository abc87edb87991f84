"""The Streamlit app, page by page with AppTest, over a temporary store of real runs.

The store holds the published results (reported), the gold self-test, three perturbed runs with
latency, one run whose results.json was inflated (flagged), and one whose name is hostile markup.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    make_run,
    rewrite_json,
    runs_fixture,  # noqa: F401  (a fixture)
)
from streamlit.testing.v1 import AppTest

from harness.errors import HarnessError
from harness.evaluation.paired import mcnemar_exact
from leaderboard import queries as data
from leaderboard.seed import seed_reported, seed_runs
from leaderboard.store import open_store
from leaderboard.verify import SubmissionMeta, submit_runs

APP = str(Path(__file__).resolve().parents[1] / "leaderboard" / "app.py")
HOSTILE = "<script>alert(1)</script> **bold** [x](javascript:alert(1))"


@pytest.fixture(scope="module")
def board(runs, tmp_path_factory):
    """The store's URL, with HARNESS_LEADERBOARD_DB pointing at it for the module."""
    root = tmp_path_factory.mktemp("board")
    store = open_store(root / "board.sqlite")
    n_reported = seed_reported(store)
    seed_runs(store, [runs["gold"]], workers=1)
    ids = {
        "a": submit_runs(store, [runs["a"]], SubmissionMeta("Model A", "0.5B", method="prompting"),
                         workers=1).submission_id,
        "b": submit_runs(store, [runs["b"]], SubmissionMeta("Model B", "1.5B", method="SFT"),
                         workers=1).submission_id,
        "c": submit_runs(store, [runs["c"]], SubmissionMeta(HOSTILE, "7B", method="GRPO"),
                         workers=1).submission_id,
    }
    tampered = Path(shutil.copytree(runs["b"], root / "tampered"))
    make_run(tampered, wrong_every=6, latency=0.3)
    rewrite_json(tampered / "results.json", lambda r: r["metrics"].update(ex=0.99))
    ids["flagged"] = submit_runs(store, [tampered], SubmissionMeta("Inflated", "3B"),
                                 workers=1).submission_id
    url = store.url
    store.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HARNESS_LEADERBOARD_DB", url)
        yield {"url": url, "ids": ids, "n_reported": n_reported, "n": n_reported + 5}


# AppTest finds dataframes by position (their keys only hold selection state): the board's
# table is [0] and the details [1]; Compare: the 2×2 cells [0], A-only [1], B-only [2];
# Sample: the schema [0], the gold rows [1], the predicted rows [2].


def app(board, page: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def no_markup_leaks(at: AppTest) -> None:
    """User text is never handed to markdown (where it could render as links or HTML)."""
    for element in list(at.markdown) + list(at.caption) + list(at.title) + list(at.subheader):
        assert "<script>" not in element.value and "javascript:" not in element.value


# -- the table ---------------------------------------------------------------------------------


def test_the_table_shows_every_submission(board):
    at = app(board)
    assert at.title[0].value == "Text-to-SQL leaderboard"
    table = at.dataframe[0].value
    assert len(table) == board["n"]
    assert {"sample/dev EX", "sample/dev 95% CI", "sample/dev challenging", "bird/dev EX",
            "spider/dev easy", "Size", "Decoding", "s/sample"} <= set(table.columns)
    reported = table[table["Status"] == data.STATUS_REPORTED]
    assert len(reported) == board["n_reported"] and reported["Rank"].isna().all()
    assert (table["Status"] == data.STATUS_FLAGGED).sum() == 1
    # The default sort is the verified ranking: sample/dev, best first. The gold self-test
    # leads as the ceiling, without a rank; the four models are ranked 1…4.
    verified = table[table["Status"] != data.STATUS_REPORTED]
    assert verified["sample/dev EX"].is_monotonic_decreasing
    assert verified.iloc[0]["Submission"] == "Gold SQL (self-test)"
    assert pd.isna(verified.iloc[0]["Rank"]) and verified["Rank"].tolist()[1:] == [1, 2, 3, 4]
    flagged = table[table["Status"] == data.STATUS_FLAGGED].iloc[0]
    assert flagged["sample/dev EX"] < 99  # the recomputed number, not the claimed 99%
    assert HOSTILE in table["Submission"].tolist()  # shown, as a table cell
    no_markup_leaks(at)


def test_filters_search_and_sort(board):
    at = app(board)
    at.multiselect(key="board_suites").select("sample").run()
    table = at.dataframe[0].value
    assert len(table) == 5 and not any(c.startswith("bird/") for c in table.columns)
    at.multiselect(key="board_sizes").select("≤1B").run()
    assert at.dataframe[0].value["Submission"].tolist() == ["Model A"]
    at.multiselect(key="board_sizes").unselect("≤1B").run()
    at.text_input(key="board_search").input("model b").run()
    assert at.dataframe[0].value["Submission"].tolist() == ["Model B"]
    at.text_input(key="board_search").input("").run()
    at.toggle(key="board_difficulty").set_value(False).run()
    columns = at.dataframe[0].value.columns
    assert "sample/dev EX" in columns and "sample/dev simple" not in columns
    at.selectbox(key="board_sort").select("Params (B)").run()
    table = at.dataframe[0].value
    assert table["Params (B)"].dropna().is_monotonic_decreasing and table["Rank"].isna().all()
    assert any(c.value.startswith("5 of") for c in at.main.caption)


def test_reported_rows_can_be_hidden_and_filtered(board):
    at = app(board)
    at.multiselect(key="board_decodings").select("vav@30").run()
    table = at.dataframe[0].value
    assert len(table) == 4 and (table["Status"] == data.STATUS_REPORTED).all()
    at.multiselect(key="board_decodings").unselect("vav@30").run()
    at.toggle(key="board_reported").set_value(False).run()
    table = at.dataframe[0].value
    assert len(table) == 5 and data.STATUS_REPORTED not in set(table["Status"])
    at.multiselect(key="board_methods").select("SFT").run()
    assert at.dataframe[0].value["Submission"].tolist() == ["Model B"]


def test_details_show_flags_and_sources(board):
    at = app(board)
    at.selectbox(key="board_details").select(board["ids"]["flagged"]).run()
    assert not at.exception
    assert any("Flagged" in w.value for w in at.warning)
    assert any("EX claimed 99.00%" in c.value for c in at.code)
    details = at.dataframe[1].value
    fields = dict(zip(details["Field"], details["Value"]))
    assert fields["Status"] == data.STATUS_FLAGGED and fields["sample/dev: claimed EX"] == "99.00"
    reported = next(s for s in data.submissions(board["url"]) if s["name"] == "FINER-SQL-3B-BIRD")
    at.selectbox(key="board_details").select(reported["id"]).run()
    fields = dict(zip(*at.dataframe[1].value.T.values))
    assert fields["Status"] == data.STATUS_REPORTED and "finer-sql" in fields["Source"]


# -- plots -------------------------------------------------------------------------------------


def test_plots_page(board):
    at = app(board, "pages/plots.py")
    assert at.title[0].value == "Plots"
    at.selectbox(key="plots_key").select("sample/dev").run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # EX vs s/sample, EX vs size, per-difficulty bars
    at.selectbox(key="plots_key").select("bird/test").run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1  # sizes only
    assert any("per-difficulty" in i.value for i in at.info)


def test_the_pareto_front_of_the_board(board):
    points = data.plot_points(data.board_frame(board["url"]), "sample/dev")
    front = set(points[points["Pareto"]]["Submission"])
    # EX / s per sample: c (hostile name) 50.9% / 0.1, B 75.4% / 0.2, Inflated 82.5% / 0.3,
    # A 66.7% / 0.5 (beaten by B on both); the gold self-test reports no latency.
    assert front == {HOSTILE, "Model B", "Inflated"}
    assert data.pareto_front([0.5, 0.6, 0.55], [1.0, 2.0, 3.0]) == [True, True, False]


# -- compare -----------------------------------------------------------------------------------


def verdicts_of(board, submission_id) -> dict[int, bool]:
    store = open_store(board["url"])
    (result,) = store.submission(submission_id)["results"]
    return {v["question_id"]: v["correct"] for v in store.verdicts(result["id"])}


def result_id(board, submission_id) -> int:
    return open_store(board["url"]).submission(submission_id)["results"][0]["id"]


def test_compare_two_submissions(board):
    a, b = board["ids"]["a"], board["ids"]["b"]
    at = app(board, "pages/compare.py")
    assert at.selectbox(key="compare_key").value == "sample/dev"
    at.selectbox(key="compare_a").select(result_id(board, a)).run()
    at.selectbox(key="compare_b").select(result_id(board, b)).run()
    assert not at.exception
    va, vb = verdicts_of(board, a), verdicts_of(board, b)
    only_a = sorted(q for q in va if va[q] and not vb[q])
    only_b = sorted(q for q in va if vb[q] and not va[q])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["McNemar exact p"] == f"{mcnemar_exact(len(only_a), len(only_b)):.4g}"
    assert metrics["A: EX %"] == f"{100 * sum(va.values()) / 57:.2f}"
    agree = sum(va[q] == vb[q] for q in va) / 57
    assert metrics["Agreement %"] == f"{100 * agree:.1f}"
    assert at.dataframe[1].value["question_id"].tolist() == only_a
    assert at.dataframe[2].value["question_id"].tolist() == only_b
    cells = at.dataframe[0].value
    assert cells.loc["A right", "B wrong"] == len(only_a)
    # Drill down from a disagreement to the Sample page.
    at.selectbox(key="compare_question").select(only_b[0]).run()
    at.button(key="compare_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Sample"
    assert at.selectbox(key="sample_question").value == only_b[0]
    assert any(c.value == "SELECT 0" for c in at.code)  # A's wrong prediction


def test_compare_the_same_submission_twice_is_refused(board):
    rid = result_id(board, board["ids"]["a"])
    at = app(board, "pages/compare.py")
    at.selectbox(key="compare_a").select(rid).run()
    at.selectbox(key="compare_b").select(rid).run()
    assert any("two different" in w.value for w in at.warning)


# -- sample drill-down -------------------------------------------------------------------------


def test_sample_page_shows_one_question_whole(board):
    rid = result_id(board, board["ids"]["a"])
    verdicts = open_store(board["url"]).verdicts(rid)
    wrong = next(v for v in verdicts if not v["correct"])
    at = app(board, "pages/sample.py", sample_result=rid, sample_question=wrong["question_id"])
    assert at.selectbox(key="sample_question").value == wrong["question_id"]
    assert wrong["question"] in [t.value for t in at.text]
    codes = [c.value for c in at.code]
    assert wrong["gold_sql"] in codes and "SELECT 0" in codes and "rows_differ" in codes
    assert {m.label: m.value for m in at.metric}["Verdict"] == "wrong"
    schema = at.dataframe[0].value
    assert {"table", "column", "type", "key"} == set(schema.columns) and len(schema) > 3
    assert at.dataframe[2].value.iloc[0, 0] == "0"
    assert len(at.dataframe[1].value) >= 1
    at.toggle(key="sample_only_wrong").set_value(True).run()
    assert not at.exception
    assert len(at.selectbox(key="sample_question").options) == 19  # 57 - 38


def test_sample_page_of_a_hostile_submission(board):
    rid = result_id(board, board["ids"]["c"])
    at = app(board, "pages/sample.py", sample_result=rid)
    no_markup_leaks(at)


# -- submit ------------------------------------------------------------------------------------


def test_submit_page_explains_what_is_missing(board):
    at = app(board, "pages/submit.py")
    assert at.title[0].value == "Submit"
    at.button[0].click().run()  # the form's submit button, with nothing filled in
    assert at.error[0].value == "Not stored."
    assert "needs a name" in at.main.code[-1].value
    at.text_input(key="submit_name").input("Someone")
    at.button[0].click().run()  # now with a name, still with no file chosen
    assert not at.exception
    assert at.error[0].value == "Not stored."
    assert "Choose a file to upload" in at.main.code[-1].value
    at.radio(key="submit_kind").set_value("Run folder (results.json + samples.jsonl)").run()
    assert not at.exception


def test_upload_runs_the_same_verification(board, runs, tmp_path):
    url = board["url"]
    before = open_store(url).counts()["submissions"]
    examples = json.loads((runs["a"] / "results.json").read_text())
    assert examples["suite"] == "sample"
    records = [json.loads(line) for line in (runs["a"] / "samples.jsonl").open()]
    preds = "".join(
        json.dumps({"question_id": r["question_id"], "sql": r["pred_sql"] + " "}) + "\n"
        for r in records
    ).encode()
    outcome = data.submit_upload(url, {"name": "Uploaded"}, [("mine.jsonl", preds)], "sample")
    assert outcome.summary()[0]["correct"] == 38
    # A run folder's two files, with an inflated claim: stored with our numbers, flagged.
    run = make_run(tmp_path / "up", wrong_every=7)
    rewrite_json(run / "results.json", lambda r: r["metrics"].update(ex=1.0))
    files = [(n, (run / n).read_bytes()) for n in ("results.json", "samples.jsonl")]
    outcome = data.submit_upload(url, {"name": "Uploaded run", "model_size": "1B"}, files)
    assert outcome.flagged
    assert open_store(url).counts()["submissions"] == before + 2
    names = set(data.board_frame(url)["Submission"])  # caches were cleared
    assert {"Uploaded", "Uploaded run"} <= names
    for files, message in (
        ([], "Choose a file"),
        ([("a.csv", b"x")], "a predictions file ends in"),
        ([("a.jsonl", b""), ("b.jsonl", b""), ("c.json", b"")], "Upload one predictions file"),
        ([("p.jsonl", b"{}\n")], "Choose the suite"),
    ):
        with pytest.raises(HarnessError, match=message):
            data.submit_upload(url, {"name": "x"}, files)
    assert open_store(url).counts()["submissions"] == before + 2


def test_a_broken_store_url_is_shown_not_raised(board, monkeypatch):
    monkeypatch.setenv("HARNESS_LEADERBOARD_DB", "mysql://u@localhost/board")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.error[0].value == "The leaderboard database cannot be opened."
    assert "names a 'mysql' database" in at.main.code[-1].value


def test_an_empty_store(tmp_path, lb_cache, monkeypatch):
    monkeypatch.setenv("HARNESS_LEADERBOARD_DB", str(tmp_path / "empty.sqlite"))
    for page in (None, "pages/plots.py", "pages/compare.py", "pages/sample.py"):
        at = AppTest.from_file(APP, default_timeout=30).run()
        if page:
            at.switch_page(page).run()
        assert not at.exception and at.info, page


def test_board_view_is_pure():
    frame = data.build_board([])
    assert list(frame.columns) == data.BASE_COLUMNS + data.TAIL_COLUMNS
    view = data.board_view(frame, data.BoardFilter(query="x"))
    assert isinstance(view, pd.DataFrame) and view.empty

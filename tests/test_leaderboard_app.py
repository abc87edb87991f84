"""The Streamlit app, page by page with AppTest, over a temporary store of real runs.

The store holds the published results (reported), the gold self-test, three perturbed runs with
latency (one of them decoded with 8-sample voting), one run whose results.json was inflated
(flagged), one whose name is hostile markup, and, when the Spider data is here, the project's own
Qwen2.5-Coder-0.5B run on Spider dev (62 of its 1034 questions have no database: unscorable)
beside the Spider gold self-test.
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
from support import require, shared_data_dir

from harness.errors import HarnessError
from harness.evaluation.config import EvalConfig
from harness.evaluation.paired import mcnemar_exact
from harness.evaluation.records import write_run
from harness.pipeline import evaluate
from harness.suite import load_suite
from leaderboard import queries as data
from leaderboard.decoding import CLASS_GREEDY, CLASS_MANY
from leaderboard.seed import seed_own_runs, seed_reported, seed_runs
from leaderboard.store import open_store
from leaderboard.verify import SubmissionMeta, submit_runs

APP = str(Path(__file__).resolve().parents[1] / "leaderboard" / "app.py")
HOSTILE = "<script>alert(1)</script> **bold** [x](javascript:alert(1))"
PAGES = (None, "pages/plots.py", "pages/compare.py", "pages/sample.py", "pages/submit.py",
         "pages/about.py")


def spider_here() -> bool:
    return (shared_data_dir() / "spider" / "dev.json").is_file()


@pytest.fixture(scope="module")
def board(runs, lb_cache, tmp_path_factory):
    """The store's URL, with HARNESS_LEADERBOARD_DB pointing at it for the module."""
    root = tmp_path_factory.mktemp("board")
    store = open_store(root / "board.sqlite")
    n_reported = seed_reported(store)
    seed_runs(store, [runs["gold"]], workers=1)
    ids = {
        "a": submit_runs(store, [runs["a"]], SubmissionMeta(
            "Model A", "0.5B", method="prompting", decoding="greedy"), workers=1).submission_id,
        "b": submit_runs(store, [runs["b"]], SubmissionMeta(
            "Model B", "1.5B", method="SFT", decoding="maj@8"), workers=1).submission_id,
        "c": submit_runs(store, [runs["c"]], SubmissionMeta(
            HOSTILE, "7B", method="GRPO", decoding="greedy"), workers=1).submission_id,
    }
    tampered = Path(shutil.copytree(runs["b"], root / "tampered"))
    make_run(tampered, wrong_every=6, latency=0.3)
    rewrite_json(tampered / "results.json", lambda r: r["metrics"].update(ex=0.99))
    ids["flagged"] = submit_runs(store, [tampered], SubmissionMeta("Inflated", "3B"),
                                 workers=1).submission_id
    n = n_reported + 5
    with pytest.MonkeyPatch.context() as mp:
        if spider_here():
            mp.setenv("HARNESS_DATA_DIR", str(shared_data_dir()))
            n += len([s for s in seed_own_runs(store, workers=2) if s.submission_id])
            suite = load_suite("spider")
            results, samples = evaluate(suite, EvalConfig(split="dev", workers=2),
                                        source="gold")
            seed_runs(store, [write_run(root / "gold-spider", results, samples)], workers=2)
            n += 1
        url = store.url
        store.close()
        mp.setenv("HARNESS_LEADERBOARD_DB", url)
        yield {"url": url, "ids": ids, "n_reported": n_reported, "n": n, "root": root}


# AppTest finds dataframes by position (their keys only hold selection state): the board's
# table is [0] and the details [1]; Compare: the 2×2 cells [0], the questions [1];
# Sample: the schema [0] (when the data is here), the gold rows, the predicted rows.


def app(board, page: str | None = None, params: dict | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def no_markup_leaks(at: AppTest) -> None:
    """User text is never handed to markdown (where it could render as links or HTML)."""
    for element in list(at.markdown) + list(at.caption) + list(at.title) + list(at.subheader):
        assert "<script>" not in element.value and "javascript:" not in element.value


def result_id(board, submission_id) -> int:
    return open_store(board["url"]).submission(submission_id)["results"][0]["id"]


def table_on(board, key: str, **state) -> AppTest:
    return app(board, board_view=key, **state)


# -- one number everywhere ---------------------------------------------------------------------


def test_every_page_shows_the_ex_of_the_clis_results_json(board):
    """For every stored verified result: the board, the plots' points, Compare and Sample show
    the EX of the results.json that the evaluation core writes for the same predictions."""
    store = open_store(board["url"])
    checked = 0
    for s in store.submissions():
        if s["status"] != "verified":
            continue
        for r in s["results"]:
            ours = store.provenance(r["id"])["verified_results"]
            expected = f"{100 * ours['metrics']['ex']:.2f}"
            assert r["n_scored"] == ours["counts"]["scored"]
            if not s["flagged"]:  # an honest run's own results.json says the same
                assert ours["metrics"]["ex"] == store.provenance(r["id"])["claimed_results"][
                    "metrics"]["ex"]
            key = data.result_key(r)  # a --limit run has its own view: "spider/dev first 66"
            table = table_on(board, key).dataframe[0].value
            row = table[table["id"] == s["id"]].iloc[0]
            assert f"{row['EX %']:.2f}" == expected and row["Scored"] == r["n_scored"]
            points = data.plot_points(data.benchmark_frame(data.submissions(board["url"]), key))
            assert f"{points[points['Submission'] == s['name']].iloc[0]['EX']:.2f}" == expected
            sample = app(board, "pages/sample.py", params={"result": str(r["id"])})
            assert {m.label: m.value for m in sample.metric}[f"EX % on {key}"] == expected
            others = [x for x in data.verified_results(board["url"])
                      if x["key"] == key and x["result_id"] != r["id"]]
            if others:  # the only result of its view (a subset) has nothing to compare with
                compare = app(board, "pages/compare.py",
                              params={"a": str(r["id"]), "b": str(others[0]["result_id"])})
                assert {m.label: m.value for m in compare.metric}["A: EX %"] == expected
            checked += 1
    assert checked >= 5


def test_unscorable_questions_are_never_wrong(board):
    require(spider_here(), f"no Spider data under {shared_data_dir()}")
    qwen = next(r for r in data.verified_results(board["url"])
                if r["key"] == "spider/dev" and not r["gold"])
    gold = next(r for r in data.verified_results(board["url"])
                if r["key"] == "spider/dev" and r["gold"])
    assert (qwen["n_total"], qwen["n_scored"]) == (1034, 972)
    # The board: EX over the 972 scored questions, the 62 unscorable ones counted beside it.
    table = table_on(board, "spider/dev").dataframe[0].value
    row = table[table["result_id"] == qwen["result_id"]].iloc[0]
    assert (row["EX %"], row["Scored"], row["Unscorable"]) == (46.81, 972, 62)
    # Compare (the 94.00 / 44.00 defaults): the same 100.00 and 46.81 as the board.
    at = app(board, "pages/compare.py",
             params={"a": str(gold["result_id"]), "b": str(qwen["result_id"])})
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["A: EX %"], metrics["B: EX %"]) == ("100.00", "46.81")
    assert any("62 questions left out" in c.value for c in at.caption)
    # Sample: an unscorable question says so, with its cause.
    at = app(board, "pages/sample.py", params={"result": str(qwen["result_id"])})
    at.multiselect(key="sample_groups").select("unscorable (left out of EX)").run()
    assert {m.label: m.value for m in at.metric}["Verdict"] == "unscorable"
    assert any("not on this server" in t.value for t in at.text)


# -- the board ---------------------------------------------------------------------------------


def test_the_board_opens_on_the_first_real_benchmark(board):
    at = app(board)
    assert at.title[0].value == "Text-to-SQL leaderboard"
    expected = "spider/dev" if spider_here() else "sample/dev"
    assert at.selectbox(key="board_view").value == expected
    assert at.query_params["view"] == expected
    options = at.selectbox(key="board_view").options
    assert any("sample/dev · smoke test" in o for o in options) and "smoke test" in options[-1]
    table = at.dataframe[0].value
    assert {"Rank", "EX %", "95% CI", "Scored", "Unscorable", "Decoding", "Decoding class",
            "Method", "Base model", "Params (B)", "s/sample", "Timing", "Gold copy %",
            "Other metric", "Date", "Source"} <= set(table.columns)
    if spider_here():
        reported = table[table["Status"] == data.STATUS_REPORTED]
        assert reported["Rank"].isna().all() and len(reported) > 5
        assert reported["Date"].dropna().str.startswith("published").all()
        # OmniSQL's Spider dev number is test-suite accuracy: not in the EX column.
        omni = table[table["Submission"] == "OmniSQL-7B (greedy)"].iloc[0]
        assert pd.isna(omni["EX %"]) and omni["Other metric"] == "TS 81.20"
        ranked = table[table["Rank"].notna()]
        assert list(ranked["Rank"]) == [1] and ranked.iloc[0]["EX %"] == 46.81


def test_the_sample_view_is_labelled_a_smoke_test_and_ranks_within_classes(board):
    at = table_on(board, "sample/dev")
    assert any("smoke test" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert len(table) == 5 + (5 if spider_here() else 0)
    verified = table[table["Status"] != data.STATUS_REPORTED]
    gold = verified[verified["Submission"] == "Gold SQL (self-test)"].iloc[0]
    assert pd.isna(gold["Rank"]) and gold["Gold copy %"] == 100.0
    # Model B votes over 8 samples: ranked in its own class, and the page says so.
    b = table[table["Submission"] == "Model B"].iloc[0]
    assert b["Decoding class"] == CLASS_MANY and b["Rank"] == 1
    greedy = verified[verified["Decoding class"] == CLASS_GREEDY].dropna(subset=["Rank"])
    assert greedy["EX %"].is_monotonic_decreasing and list(greedy["Rank"]) == list(
        range(1, len(greedy) + 1))
    assert any("each has its own rank column" in i.value for i in at.info)
    assert data.rank_column(CLASS_MANY) in table and data.rank_column(CLASS_GREEDY) in table
    at.toggle(key="board_greedy").set_value(True).run()
    table = at.dataframe[0].value
    assert set(table["Decoding class"]) == {CLASS_GREEDY} and not at.info
    assert at.query_params["greedy"] == "1"
    flagged = verified[verified["Status"] == data.STATUS_FLAGGED]
    assert set(flagged["Submission"]) == {"Inflated"}
    assert flagged.iloc[0]["EX %"] < 99  # the recomputed number, not the claimed 99%
    assert HOSTILE in verified["Submission"].tolist()  # shown, as a table cell
    no_markup_leaks(at)


def test_filters_search_and_shareable_url(board):
    at = table_on(board, "sample/dev")
    at.multiselect(key="board_size").select("≤1B").run()
    assert "Model A" in at.dataframe[0].value["Submission"].tolist()
    assert all(s == "≤1B" for s in at.dataframe[0].value["Size"])
    at.multiselect(key="board_size").unselect("≤1B").run()
    at.text_input(key="board_search").input("model b").run()
    assert at.dataframe[0].value["Submission"].tolist() == ["Model B"]
    assert at.caption[-1].value.startswith("1 row of")
    at.text_input(key="board_search").input("").run()
    at.toggle(key="board_difficulty").set_value(True).run()
    assert "challenging EX %" in at.dataframe[0].value.columns
    at.multiselect(key="board_method").select("SFT").run()
    assert at.query_params["method"] == "SFT" and at.query_params["difficulty"] == "1"
    # The same URL opened afresh shows the same view.
    again = app(board, params={"view": "sample/dev", "method": "SFT", "greedy": "0"})
    assert again.dataframe[0].value["Submission"].tolist() == ["Model B"]


def test_reported_rows_can_be_hidden(board):
    at = table_on(board, "bird/dev")
    table = at.dataframe[0].value
    assert (table["Status"] == data.STATUS_REPORTED).all() and table["Rank"].isna().all()
    sql_r1 = table[table["Submission"] == "SQL-R1-7B"].iloc[0]
    assert sql_r1["EX %"] == 66.6 and sql_r1["Decoding class"] == CLASS_MANY
    assert sql_r1["Source"].startswith("primary:")
    at.toggle(key="board_reported").set_value(False).run()
    assert at.dataframe[0].value.empty and at.query_params["reported"] == "0"


def test_details_show_flags_and_sources(board):
    at = table_on(board, "sample/dev")
    at.selectbox(key="board_details").select(board["ids"]["flagged"]).run()
    assert any("Flagged" in w.value for w in at.warning)
    assert any("EX claimed 99.00%" in c.value for c in at.code)
    fields = dict(zip(*at.dataframe[1].value.T.values))
    assert fields["Status"] == data.STATUS_FLAGGED and fields["sample/dev: claimed EX"] == "99.00"
    assert at.query_params["row"] == str(board["ids"]["flagged"])
    reported = next(s for s in data.submissions(board["url"]) if s["name"] == "SQL-R1-7B")
    at = table_on(board, "bird/dev")
    at.selectbox(key="board_details").select(reported["id"]).run()
    fields = dict(zip(*at.dataframe[1].value.T.values))
    assert fields["Status"] == data.STATUS_REPORTED and fields["Samples per question"] == "8"
    assert fields["Source kind"] == "primary" and fields["Published"] == "2025-04"


# -- plots -------------------------------------------------------------------------------------


def test_plots_page(board):
    at = app(board, "pages/plots.py", plots_key="sample/dev")
    assert at.title[0].value == "Plots"
    charts = at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")
    assert len(charts) == 3
    assert "test CPU" in at.selectbox(key="plots_hardware").options
    spec = charts[0].proto.spec
    # Verified points in the strong colour, the legend in words (not true/false), names on
    # the points, interval bars.
    assert '"range": ["#1f4e9c", "#b0b8c4"]' in spec.replace("\n", "")
    assert '"domain": ["verified", "reported, not verified"]' in spec
    assert '"text"' in spec and '"ci_high"' in spec
    at.selectbox(key="plots_key").select("bird/test").run()
    assert not at.exception
    assert any("s/sample" in i.value for i in at.info)


def test_the_speed_plot_compares_one_hardware(board):
    points = data.plot_points(data.benchmark_frame(data.submissions(board["url"]), "sample/dev"))
    assert "test CPU" in data.timing_groups(points)
    timed = data.speed_points(points, "test CPU")
    front = set(timed[timed["Pareto front"]]["Submission"])
    # EX / s per sample: c (hostile name) 50.9% / 0.1, B 75.4% / 0.2, Inflated 82.5% / 0.3,
    # A 66.7% / 0.5 (beaten by B on both); the gold self-test reports no latency.
    assert front == {HOSTILE, "Model B", "Inflated"}
    bird = data.plot_points(data.benchmark_frame(data.submissions(board["url"]), "bird/dev"))
    assert "hardware not stated" in data.timing_groups(bird)


# -- compare -----------------------------------------------------------------------------------


def verdicts_of(board, submission_id) -> dict[int, bool]:
    store = open_store(board["url"])
    (result,) = store.submission(submission_id)["results"]
    return {v["question_id"]: v["correct"] for v in store.verdicts(result["id"])}


def test_compare_a_greedy_and_a_voting_row(board):
    a, b = board["ids"]["a"], board["ids"]["b"]
    at = app(board, "pages/compare.py", compare_key="sample/dev")
    at.selectbox(key="compare_a").select(result_id(board, a)).run()
    at.selectbox(key="compare_b").select(result_id(board, b)).run()
    assert at.query_params["a"] == str(result_id(board, a))
    va, vb = verdicts_of(board, a), verdicts_of(board, b)
    only_a = sorted(q for q in va if va[q] and not vb[q])
    only_b = sorted(q for q in va if vb[q] and not va[q])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["McNemar exact p"] == f"{mcnemar_exact(len(only_a), len(only_b)):.4g}"
    assert metrics["A: EX %"] == f"{100 * sum(va.values()) / 57:.2f}"
    summary = at.warning[0].value.replace("\\", "")  # other classes: a warning, in words
    assert "single greedy decode" in summary and "many (8–32)" in summary
    assert "decoding budget" in summary and ("better" in summary or "No clear winner" in summary)
    assert "95% interval" in summary
    cells = at.dataframe[0].value
    assert cells.loc["A right", "B wrong"] == len(only_a)
    listing = at.dataframe[1].value
    assert listing["question_id"].tolist() == only_a
    assert set(listing["A"]) == {"correct"} and set(listing["B"]) == {"wrong"}
    assert listing["B: why"].str.contains("rows differ").all()
    at.selectbox(key="compare_subset").select("B right, A wrong").run()
    assert at.dataframe[1].value["question_id"].tolist() == only_b
    # Search by the words of a question.
    words = at.dataframe[1].value["question"].iloc[0].split()[:3]
    at.text_input(key="compare_search").input(" ".join(words)).run()
    assert only_b[0] in at.dataframe[1].value["question_id"].tolist()
    # Drill down from a disagreement to the Sample page.
    at.selectbox(key="compare_question").select(only_b[0]).run()
    at.button(key="compare_open").click().run()
    assert not at.exception and at.title[0].value == "Sample"
    assert at.selectbox(key="sample_question").value == only_b[0]
    assert "SELECT\n  0" in [c.value for c in at.code]  # A's wrong prediction, laid out


def test_compare_the_same_submission_twice_is_refused(board):
    rid = result_id(board, board["ids"]["a"])
    at = app(board, "pages/compare.py", params={"a": str(rid), "b": str(rid)})
    assert any("two different" in w.value for w in at.warning)


# -- sample drill-down -------------------------------------------------------------------------


def test_sample_page_shows_one_question_whole(board):
    rid = result_id(board, board["ids"]["a"])
    verdicts = open_store(board["url"]).verdicts(rid)
    wrong = next(v for v in verdicts if not v["correct"])
    at = app(board, "pages/sample.py", params={"result": str(rid), "q": str(wrong["question_id"])})
    assert at.selectbox(key="sample_question").value == wrong["question_id"]
    assert wrong["question"] in [t.value for t in at.text]
    assert {m.label: m.value for m in at.metric}["Verdict"] == "wrong"
    codes = [c.value for c in at.code]
    assert "SELECT\n  0" in codes and "rows_differ" in codes
    assert any(c.startswith("--- gold") for c in codes)  # the line-by-line diff
    assert any("rows differ from the gold result" in t.value for t in at.text)
    frames = [d.value for d in at.dataframe]
    predicted = frames[-1]
    assert list(predicted.columns) == ["0"] and predicted.iloc[0, 0] == "0"  # SELECT 0 names "0"
    assert "col 1" not in frames[-2].columns  # the gold result under its real column names
    assert at.query_params["q"] == str(wrong["question_id"])


def test_sample_page_filters_and_steps(board):
    rid = result_id(board, board["ids"]["a"])
    verdicts = open_store(board["url"]).verdicts(rid)
    wrong = [v["question_id"] for v in verdicts if not v["correct"]]
    at = app(board, "pages/sample.py", params={"result": str(rid)})
    at.multiselect(key="sample_groups").select("wrong: different result").run()
    options = at.selectbox(key="sample_question").options
    assert len(options) == len(wrong) == 19  # 57 - 38
    # What the selector shows is what the page shows, after filtering and stepping.
    for _ in range(3):
        at.button(key="sample_next").click().run()
        shown = at.selectbox(key="sample_question").value
        detail = next(v for v in verdicts if v["question_id"] == shown)
        assert detail["question"] in [t.value for t in at.text] and shown in wrong
    at.button(key="sample_prev").click().run()
    assert at.selectbox(key="sample_question").value == wrong[2]
    at.multiselect(key="sample_levels").select("simple").run()
    for qid in at.selectbox(key="sample_question").options:
        assert next(v for v in verdicts if v["question_id"] == int(qid.split(":")[0]))[
            "difficulty"] == "simple"


def test_sample_page_opens_on_a_real_submission(board):
    at = app(board, "pages/sample.py")
    chosen = at.selectbox(key="sample_result").value
    info = next(r for r in data.verified_results(board["url"]) if r["result_id"] == chosen)
    assert not info["gold"]


def test_sample_page_of_a_hostile_submission(board):
    rid = result_id(board, board["ids"]["c"])
    at = app(board, "pages/sample.py", params={"result": str(rid)})
    no_markup_leaks(at)


# -- submit ------------------------------------------------------------------------------------


def test_submit_page_lists_what_it_can_verify_and_explains_what_is_missing(board):
    at = app(board, "pages/submit.py")
    assert at.title[0].value == "Submit"
    suites = at.selectbox(key="submit_suite").options
    assert "sample" in suites and "bird" not in suites  # no BIRD databases on this server
    assert ("spider" in suites) == spider_here()
    assert any('"question_id": 0' in c.value for c in at.code)  # the format example
    at.button[0].click().run()  # the form's submit button, with nothing filled in
    assert at.error[0].value == "Not stored."
    assert "needs a name" in at.main.code[-1].value
    at.text_input(key="submit_name").input("Someone")
    at.button[0].click().run()  # now with a name, still with no file chosen
    assert "Choose a file to upload" in at.main.code[-1].value
    at.radio(key="submit_kind").set_value("Run folder (results.json + samples.jsonl)").run()
    assert not at.exception


def test_upload_errors_speak_the_users_language(board):
    bad = b'{"question_id": 0, "sql": "SELECT 1"}\n{"question_id": "x"}\n'
    with pytest.raises(HarnessError) as err:
        data.submit_upload(board["url"], {"name": "x"}, [("my preds.jsonl", bad)], "sample")
    message = str(err.value)
    assert "my preds.jsonl" in message and "/tmp" not in message and "harness-upload" not in message
    with pytest.raises(HarnessError) as err:
        data.submit_upload(board["url"], {"name": "x", "link": "ftp://x"},
                           [("p.jsonl", bad)], "sample")
    assert "--link" not in str(err.value) and "Link must be" in str(err.value)


def test_a_gold_copy_upload_is_flagged_and_linked(board):
    examples = load_suite("sample").load_examples("dev")
    gold = "".join(  # the gold SQL, re-spaced: still a copy
        json.dumps({"question_id": e.question_id, "sql": "  ".join(e.gold_sql.split()) + " ;"})
        + "\n" for e in examples).encode()
    outcome = data.submit_upload(board["url"], {"name": "Totally my model",
                                                "decoding": "greedy"},
                                 [("mine.jsonl", gold)], "sample")
    assert outcome.flagged and "100.0% of the predictions are the gold SQL" in outcome.flags[0]
    table = table_on(board, "sample/dev").dataframe[0].value
    row = table[table["Submission"] == "Totally my model"].iloc[0]
    assert row["Status"] == data.STATUS_FLAGGED and row["Gold copy %"] == 100.0
    open_store(board["url"]).delete(outcome.submission_id)
    data.clear_caches()


def test_an_isolated_upload_shows_at_once_on_a_cached_board(board):
    """The app verifies uploads in a child process; the board this process has cached must
    still list the new row straight away (the child's cache clearing cannot reach it)."""
    examples = load_suite("sample").load_examples("dev")
    preds = "".join(json.dumps({"question_id": e.question_id, "sql": "SELECT 1"}) + "\n"
                    for e in examples).encode()
    assert "Isolated upload" not in {s["name"] for s in data.submissions(board["url"])}  # cached
    outcome = data.submit_upload_isolated(board["url"], {"name": "Isolated upload",
                                                         "decoding": "greedy"},
                                          [("p.jsonl", preds)], "sample")
    try:
        assert "Isolated upload" in {s["name"] for s in data.submissions(board["url"])}
        frame = data.view_frame(board["url"], "sample/dev")
        assert "Isolated upload" in set(frame["Submission"])
    finally:
        open_store(board["url"]).delete(outcome.submission_id)
        data.clear_caches()


def test_upload_runs_the_same_verification(board, runs, tmp_path):
    url = board["url"]
    before = open_store(url).counts()["submissions"]
    records = [json.loads(line) for line in (runs["a"] / "samples.jsonl").open()]
    spaced = "".join(  # the same predictions plus a space were a new row
        json.dumps({"question_id": r["question_id"], "sql": r["pred_sql"] + " "}) + "\n"
        for r in records
    ).encode()
    with pytest.raises(HarnessError, match="already on the leaderboard"):
        data.submit_upload(url, {"name": "Uploaded", "decoding": "greedy"},
                           [("mine.jsonl", spaced)], "sample")
    preds = "".join(
        json.dumps({"question_id": r["question_id"],
                    "sql": f"SELECT * FROM ({r['pred_sql']}) AS mine WHERE 1"}) + "\n"
        for r in records
    ).encode()
    added = []  # deleted at the end: the other tests of this module count the board's rows
    try:
        outcome = data.submit_upload(url, {"name": "Uploaded", "decoding": "greedy"},
                                     [("mine.jsonl", preds)], "sample")
        added.append(outcome.submission_id)
        assert outcome.summary()[0]["correct"] == 38 and not outcome.flagged
        run = make_run(tmp_path / "up", wrong_every=7)
        rewrite_json(run / "results.json", lambda r: r["metrics"].update(ex=1.0))
        files = [(n, (run / n).read_bytes()) for n in ("results.json", "samples.jsonl")]
        outcome = data.submit_upload(url, {"name": "Uploaded run", "model_size": "1B"}, files)
        added.append(outcome.submission_id)
        assert outcome.flagged
        assert open_store(url).counts()["submissions"] == before + 2
        names = {s["name"] for s in data.submissions(url)}  # caches were cleared
        assert {"Uploaded", "Uploaded run"} <= names
        for files, message in (
            ([], "Choose a file"),
            ([("a.csv", b"x")], "a predictions file ends in"),
            ([("a.jsonl", b""), ("b.jsonl", b""), ("c.json", b"")],
             "Upload one predictions file"),
            ([("p.jsonl", b"{}\n")], "Choose the suite"),
        ):
            with pytest.raises(HarnessError, match=message):
                data.submit_upload(url, {"name": "x"}, files)
        assert open_store(url).counts()["submissions"] == before + 2
    finally:
        for submission_id in added:
            open_store(url).delete(submission_id)
        data.clear_caches()


def test_uploads_can_wait_for_approval(board, runs, monkeypatch):
    monkeypatch.setenv(data.APPROVAL_ENV, "1")
    records = [json.loads(line) for line in (runs["c"] / "samples.jsonl").open()]
    preds = "".join(json.dumps({"question_id": r["question_id"],
                                "sql": f"SELECT * FROM ({r['pred_sql']}) AS w WHERE 1"})
                    + "\n" for r in records).encode()
    outcome = data.submit_upload(board["url"], {"name": "Waiting", "decoding": "greedy"},
                                 [("w.jsonl", preds)], "sample")
    assert outcome.review == "pending"
    assert "Waiting" not in {s["name"] for s in data.submissions(board["url"])}
    open_store(board["url"]).set_review(outcome.submission_id, "public")
    data.clear_caches()
    assert "Waiting" in {s["name"] for s in data.submissions(board["url"])}
    open_store(board["url"]).delete(outcome.submission_id)
    data.clear_caches()


def test_uploads_are_rate_limited_per_address_not_per_session(board, monkeypatch):
    """The limit reset on a page reload (it was kept per Streamlit session): it is now held by
    the server per client address, so a fresh session from the same address is refused."""
    import time

    log = data.UploadLog()
    monkeypatch.setattr(data, "upload_log", lambda: log)  # the server's one log
    monkeypatch.setattr(data, "client_address", lambda: "203.0.113.7")
    for _ in range(data.MAX_UPLOADS_PER_HOUR):
        log.take("203.0.113.7", time.time())
    for _ in range(2):  # two sessions: the second is a reload
        at = app(board, "pages/submit.py")
        at.text_input(key="submit_name").input("Someone")
        at.button[0].click().run()
        assert "uploads an hour from one address" in at.error[0].value


# -- the frame ---------------------------------------------------------------------------------


def test_every_page_runs(board):
    for page in PAGES:
        at = app(board, page)
        assert at.title, page
    about = app(board, "pages/about.py")
    text = about.markdown[0].value
    assert "unscorable" in text and "Verified" in text and "harness submissions approve" in text
    flat = " ".join(text.split())
    assert "Spider-Syn** (1,034" in flat and "Spider-DK** (535" in flat and "paired EX drop" in flat
    # Spider-Realistic with its size, licence and source.
    assert "Spider-Realistic** (508" in flat and "Zenodo record 5205322, CC BY-SA 4.0" in flat


def test_a_broken_store_url_is_shown_not_raised(board, monkeypatch):
    monkeypatch.setenv("HARNESS_LEADERBOARD_DB", "mysql://u@localhost/board")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.error[0].value == "The leaderboard database cannot be opened."
    assert "names a 'mysql' database" in at.main.code[-1].value


def test_an_empty_store(tmp_path, lb_cache, monkeypatch):
    monkeypatch.setenv("HARNESS_LEADERBOARD_DB", str(tmp_path / "empty.sqlite"))
    for page in ("pages/plots.py", "pages/compare.py", "pages/sample.py"):
        at = AppTest.from_file(APP, default_timeout=30).run()
        assert not at.exception and at.info
        at.switch_page(page).run()
        assert not at.exception and at.info, page


def test_board_view_is_pure():
    frame = data.benchmark_frame([], "sample/dev")
    assert list(frame.columns) == data.VIEW_COLUMNS + data.HIDDEN_COLUMNS
    view = data.board_view(frame, data.ViewFilter(query="x"))
    assert isinstance(view, pd.DataFrame) and view.empty


# -- state that survives navigation ------------------------------------------------------------


def test_choices_survive_a_page_switch_and_back(board):
    """The sidebar and st.switch_page open a page without its parameters, and Streamlit forgets
    the widgets it did not draw: each page's last choices come back."""
    at = app(board, params={"view": "sample/dev", "method": "SFT", "greedy": "0"})
    assert at.multiselect(key="board_method").value == ["SFT"]
    at.query_params.clear()
    at.switch_page("pages/plots.py").run()
    at.query_params.clear()  # what the sidebar does
    at.switch_page("pages/board.py").run()
    assert not at.exception
    assert at.multiselect(key="board_method").value == ["SFT"]
    assert at.dataframe[0].value["Submission"].tolist() == ["Model B"]
    assert at.query_params["method"] == "SFT"  # and the address bar says so again


def test_back_restores_the_comparison(board):
    """Back after "Open in Sample" (or after choosing another B) lands on the old address: the
    URL decides, not the state the session still holds."""
    ids = board["ids"]
    a, b, c = (result_id(board, ids[k]) for k in ("a", "b", "c"))
    at = app(board, "pages/compare.py", params={"on": "sample/dev", "a": str(a), "b": str(b)})
    assert (at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value) == (a, b)
    at.selectbox(key="compare_b").select(c).run()
    assert at.query_params["b"] == str(c)
    at.query_params["b"] = str(b)  # the browser's Back
    at.run()
    assert at.selectbox(key="compare_b").value == b and at.query_params["b"] == str(b)
    # Back after "Open in Sample": st.switch_page wrote Sample's parameters into Compare's
    # address before it left, so Back lands on /compare?result=…&q=… (seen in Chromium).
    at.query_params.clear()
    at.query_params.update({"result": str(c), "q": "133"})
    at.run()
    assert (at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value) == (a, b)
    assert (at.query_params["a"], at.query_params["b"]) == (str(a), str(b))


def test_compare_and_sample_open_on_the_top_two_unflagged_rows(board):
    top = data.top_unflagged(board["url"])
    flagged = {result_id(board, board["ids"]["flagged"])}
    assert top and not flagged & set(top)
    at = app(board, "pages/compare.py")
    a, b = at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value
    assert a == top[0] and (b == top[1] if len(top) > 1 else b != a)  # Spider dev: one model
    assert not flagged & {a, b}
    assert not at.success or any("is better" in s.value for s in at.success)
    sample = app(board, "pages/sample.py")
    assert sample.selectbox(key="sample_result").value == top[0]


def test_compare_shows_flags_and_claims_and_no_success_without_a_winner(board):
    ids = board["ids"]
    a, f = result_id(board, ids["a"]), result_id(board, ids["flagged"])
    at = app(board, "pages/compare.py", params={"on": "sample/dev", "a": str(a), "b": str(f)})
    assert any("B is flagged" in w.value for w in at.warning)
    assert any("claimed EX 99.00%" in c.value.replace("\\", "") for c in at.caption)
    view = data.paired(board["url"], a, f)
    if view.winner is None:
        assert not at.success  # "No clear winner" is never green


def test_submitter_text_is_never_markdown_on_compare(board, tmp_path):
    """--extra-model was rendered as Markdown on Compare (remote images, fake links)."""
    run = make_run(tmp_path / "md", wrong_every=5)
    sid = submit_runs(open_store(board["url"]), [run], SubmissionMeta(
        "Markdown model", "1B", decoding="maj@8",
        extra_models="![x](https://evil.example/p.png) [click](https://evil.example)"),
        workers=1).submission_id
    try:
        a = result_id(board, board["ids"]["a"])
        at = app(board, "pages/compare.py",
                 params={"on": "sample/dev", "a": str(a), "b": str(result_id(board, sid))})
        shown = [e.value for e in list(at.warning) + list(at.info) + list(at.success)
                 + list(at.caption) + list(at.markdown)]
        assert any("evil" in v for v in shown)
        for value in shown:
            assert "![x](" not in value and "](https://" not in value
    finally:
        open_store(board["url"]).delete(sid)


# -- the small UX list of the last probe -------------------------------------------------------


def test_the_sidebar_names_the_store_without_its_path(board):
    at = app(board)
    shown = [c.value for c in at.sidebar.code]
    assert shown == ["SQLite database board.sqlite"]
    assert str(board["root"]) not in " ".join(shown)


def test_details_show_no_sixteen_digit_floats(board):
    sid = board["ids"]["a"]
    store = open_store(board["url"])
    with store.engine.begin() as conn:  # what a float column may hold
        from sqlalchemy import text

        conn.execute(text("UPDATE submissions SET params_b = 0.30000000000000004 WHERE id = :i"),
                     {"i": sid})
    data.clear_caches()  # an edit behind the store's back (no new row, no review change)
    try:
        details = dict(data.submission_details(board["url"], sid).values.tolist())
        assert details["Parameters (B)"] == "0.3"
        assert not any(len(v) > 12 and v.replace(".", "").isdigit() for v in details.values())
    finally:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE submissions SET params_b = 0.5 WHERE id = :i"), {"i": sid})
        data.clear_caches()


def test_sample_says_a_batch_time_is_not_a_questions_latency(board):
    rid = result_id(board, board["ids"]["a"])
    at = app(board, "pages/sample.py", params={"result": str(rid)})
    captions = " ".join(c.value for c in at.caption)
    assert "batch" in captions and "not this question's latency" in captions

"""The board cannot be won by editing files: ranking rules, decoding from evidence, claims,
names, duplicates, the reproduced tier and moderation, each with the input that broke it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    make_run,
    pick_the_right_candidates,
    rewrite_json,
    voting_run,
)

from harness.errors import DuplicateSubmission, HarnessError, SubmissionError
from harness.suite import load_suite
from leaderboard import queries as data
from leaderboard.decoding import CLASS_GREEDY, CLASS_MANY
from leaderboard.store import open_store
from leaderboard.verify import SubmissionMeta, submit_predictions, submit_runs

GREEDY = {"decoding": "greedy"}


@pytest.fixture
def harness_main():
    from harness.cli import main

    return main


@pytest.fixture
def store(tmp_path, lb_cache):
    s = open_store(tmp_path / "board.sqlite")
    yield s
    s.close()


def golds() -> dict[int, str]:
    return {e.question_id: e.gold_sql for e in load_suite("sample").load_examples("dev")}


def predictions(tmp_path: Path, name: str, change) -> Path:
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"question_id": q, "sql": change(g)}) + "\n"
                            for q, g in golds().items()))
    return path


def view(store, **filters) -> data.pd.DataFrame:
    frame = data.benchmark_frame(store.submissions(("public",)), "sample/dev")
    return data.board_view(frame, data.ViewFilter(**filters))


GOLD_COPIES = {
    "gold copy": lambda g: g,
    "wrapped gold copy": lambda g: f"SELECT * FROM ({g.strip().rstrip(';')}) AS t",
    "gold; -- x": lambda g: f"{g.strip().rstrip(';')}; -- x",
}


@pytest.mark.parametrize("name", GOLD_COPIES)
def test_a_gold_copy_is_flagged_and_never_ranked(store, tmp_path, name):
    """The probe's three copies: each 100%, each flagged, none ranked (it was Rank 1 or 2)."""
    honest = make_run(tmp_path / "honest", wrong_every=3)
    submit_runs(store, [honest], SubmissionMeta("Honest", "1B", **GREEDY), workers=1)
    outcome = submit_predictions(store, predictions(tmp_path, "copy", GOLD_COPIES[name]),
                                 "sample", "dev", SubmissionMeta(name, "1B", **GREEDY),
                                 workers=1)
    assert outcome.flagged and "are the gold SQL itself" in outcome.flags[0]
    table = view(store)
    row = table[table["Submission"] == name].iloc[0]
    assert pd_na(row[data.RANK]) and row[data.NOT_RANKED].startswith("flagged: 100.0%")
    assert row["EX %"] == 100.0 and row["Gold copy %"] == 100.0
    ranked = table[table[data.RANK].notna()]
    assert list(ranked["Submission"]) == ["Honest"] and list(ranked[data.RANK]) == [1]


def pd_na(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(
        value) == "<NA>"


def test_ranks_are_one_to_n_within_each_class_never_interleaved(store, tmp_path):
    """The probe saw ranks 1, 2, 3, 1, 4, 1 in one column. Now: a rank column per class, the
    rows of a class together, 1..n in each; no stated decoding: not ranked."""
    for i, (every, decoding) in enumerate([(2, "greedy"), (3, "maj@8"), (4, "greedy"),
                                           (5, "maj@16"), (6, None), (7, "greedy")]):
        run = make_run(tmp_path / f"r{i}", wrong_every=every)
        submit_runs(store, [run], SubmissionMeta(f"m{i}", "1B", decoding=decoding), workers=1)
    table = view(store)
    ranked = table[table[data.RANK].notna()]
    classes = list(ranked["Decoding class"])
    assert classes == [CLASS_GREEDY] * 3 + [CLASS_MANY] * 2  # one block per class
    for cls in (CLASS_GREEDY, CLASS_MANY):
        block = ranked[ranked["Decoding class"] == cls]
        assert list(block[data.rank_column(cls)]) == list(range(1, len(block) + 1))
        assert block["EX %"].is_monotonic_decreasing
        others = table[table["Decoding class"] != cls][data.rank_column(cls)]
        assert others.isna().all()  # a row's rank shows in its own class's column only
    unstated = table[table["Submission"] == "m4"].iloc[0]
    assert pd_na(unstated[data.RANK]) and unstated[data.NOT_RANKED] == "decoding not stated"
    assert table.columns[:2].tolist() == [data.rank_column(CLASS_GREEDY),
                                          data.rank_column(CLASS_MANY)]


def test_a_voting_run_declared_greedy_is_refused(store, tmp_path):
    run = voting_run(tmp_path / "maj8")
    with pytest.raises(SubmissionError, match="holds 8 candidates per question"):
        submit_runs(store, [run], SubmissionMeta("Greedy, honest", "1B", **GREEDY), workers=1)
    with pytest.raises(SubmissionError, match="holds 8 candidates"):
        submit_runs(store, [run], SubmissionMeta("n=1", "1B", decoding="maj", samples=1),
                    workers=1)
    assert store.counts()["submissions"] == 0
    outcome = submit_runs(store, [run], SubmissionMeta("Voting", "1B"), workers=1)
    row = store.submission(outcome.submission_id)
    assert (row["decoding_strategy"], row["decoding_n"]) == ("majority", 8)
    assert not outcome.flagged and view(store).iloc[0]["Decoding class"] == CLASS_MANY


def test_a_selection_that_does_not_follow_the_vote_is_flagged(store, tmp_path):
    """Best-of-8 with the gold as judge, stored as verified 100% greedy Rank 1 before: now the
    vote is re-run on the candidates, its choice is stored, and the row is flagged."""
    run = voting_run(tmp_path / "cheat")
    pick_the_right_candidates(run)
    outcome = submit_runs(store, [run], SubmissionMeta("Best of 8 by the gold", "1B"), workers=1)
    assert any("selection does not follow the stated vote" in f for f in outcome.flags)
    ex = outcome.summary()[0]["ex"]
    assert ex == pytest.approx(28 / 57, abs=1e-6)  # the vote's picks, not the edited ones
    row = view(store).iloc[0]
    assert pd_na(row[data.RANK]) and "selection does not follow" in row[data.NOT_RANKED]


def test_a_predictions_file_must_state_its_decoding(store, tmp_path):
    path = predictions(tmp_path, "p", lambda g: "SELECT 1")
    with pytest.raises(SubmissionError, match="must state its decoding"):
        submit_predictions(store, path, "sample", "dev", SubmissionMeta("x", "1B"), workers=1)
    assert store.counts()["submissions"] == 0


@pytest.mark.parametrize("change, why, block", [
    (lambda r: r["latency"].update(s_per_sample=-1.0), "latency.s_per_sample = -1.0", "latency"),
    (lambda r: r["latency"].update(latency_p95_s="fast"), "latency.latency_p95_s", "latency"),
    (lambda r: r["metrics"].update(candidates={"n": 4, "pass_at_k": {"x": 0.5}}), "pass_at_k",
     "candidates"),
    (lambda r: r["metrics"].update(candidates={"pass_at_k": {"1": 7}}), "pass_at_k",
     "candidates"),
    (lambda r: r["metrics"].update(candidates={"pass_at_k": [0.1]}), "pass_at_k", "candidates"),
])
def test_malformed_claims_are_flagged_and_not_stored(store, tmp_path, change, why, block):
    run = make_run(tmp_path / "run", wrong_every=3, latency=0.2)
    rewrite_json(run / "results.json", change)
    try:
        outcome = submit_runs(store, [run], SubmissionMeta("Odd", "1B", **GREEDY), workers=1)
    except HarnessError as exc:  # the typed run record's reader refuses it outright: as good
        assert block in str(exc) and store.counts()["submissions"] == 0
        return
    assert any("malformed claims" in f and why in f for f in outcome.flags)
    sub = store.submission(outcome.submission_id)
    assert sub["s_per_sample"] is None or sub["s_per_sample"] >= 0
    assert data.pass_at_k_long(store.submissions(), "sample/dev").empty


def test_a_malformed_curve_stored_earlier_does_not_break_the_plots(store, tmp_path):
    """Rows stored before the check: the Plots page leaves the bad curve out, for everyone."""
    run = make_run(tmp_path / "run", wrong_every=3)
    outcome = submit_runs(store, [run], SubmissionMeta("Old", "1B", **GREEDY), workers=1)
    subs = store.submissions()
    subs[0]["claimed_metrics"] = {"sample/dev": {"ex": "x", "candidates": {
        "pass_at_k": {"one": 0.5, "2": float("nan")}, "vote": ["x"]}}}
    assert data.pass_at_k_long(subs, "sample/dev").empty
    assert outcome.submission_id


@pytest.mark.parametrize("name", [
    "evil\u202eledom", "\u200b\u200b\u200b", "\u2066Qwen\u2069", "tab\there", "bell\x07",
    "line\u2028break", "\u200d",
])
def test_names_must_be_printable_text(name):
    with pytest.raises(SubmissionError, match="printable"):
        SubmissionMeta(name, "1B")


def test_printable_names_pass():
    for name in ("Qwen2.5-Coder 1.5B · GRPO", "Modèle für SQL", "🧑‍💻 coder", "模型"):
        assert SubmissionMeta(name, "1B").name == name


def test_a_duplicate_is_found_on_canonical_sql(store, tmp_path):
    """The same predictions plus a space (or re-aliased, re-quoted) were a new row."""
    first = predictions(tmp_path, "a", lambda g: f"SELECT * FROM ({g.strip().rstrip(';')}) "
                                                 "AS t WHERE 1")
    submit_predictions(store, first, "sample", "dev", SubmissionMeta("a", "1B", **GREEDY),
                       workers=1)
    again = predictions(tmp_path, "b", lambda g: f"select *  from ( {g.strip().rstrip(';')} )"
                                                 " AS other  where 1 ;")
    with pytest.raises(DuplicateSubmission):
        submit_predictions(store, again, "sample", "dev", SubmissionMeta("b", "1B", **GREEDY),
                           workers=1)


def test_a_hide_is_gone_on_the_next_load(store, tmp_path, monkeypatch):
    """`harness submissions hide` reached the board after the 60 s cache; the caches are now
    keyed on the store's state, so the next read leaves the row out."""
    run = make_run(tmp_path / "run", wrong_every=3)
    sid = submit_runs(store, [run], SubmissionMeta("Hide me", "1B", **GREEDY),
                      workers=1).submission_id
    url = store.url
    assert [s["name"] for s in data.submissions(url)] == ["Hide me"]
    assert len(data.view_frame(url, "sample/dev")) == 1
    other = open_store(url)  # another process's store (the CLI)
    other.set_review(sid, "hidden")
    other.close()
    assert data.submissions(url) == [] and data.view_frame(url, "sample/dev").empty
    open_store(url).set_review(sid, "public")
    assert len(data.submissions(url)) == 1
    open_store(url).delete(sid)
    assert data.submissions(url) == []


def test_uploads_are_limited_per_client_address_not_per_session():
    log = data.UploadLog()
    assert all(log.take("203.0.113.7", 100.0 + i) for i in range(data.MAX_UPLOADS_PER_HOUR))
    assert not log.take("203.0.113.7", 200.0)  # a reload is the same address
    assert log.take("198.51.100.2", 200.0)  # another client is not held back
    assert log.take("203.0.113.7", 100.0 + 3601)  # an hour later, one slot is free again


def test_a_suite_without_databases_gets_a_web_sentence(tmp_path, lb_cache, monkeypatch):
    """The BIRD 'cannot verify' message gave a web user CLI advice in a broken sentence."""
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path / "nothing"))
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"question_id": 0, "sql": "SELECT 1"}) + "\n")
    url = open_store(tmp_path / "b.sqlite").url
    meta = {"name": "x", "model_size": "1B", "decoding": "greedy"}
    try:
        data.submit_upload(url, meta, [("p.jsonl", path.read_bytes())], "bird", "dev")
    except SubmissionError as exc:
        message = str(exc)
    else:
        pytest.skip("BIRD databases are on this machine")
    assert "--" not in message and "(a server path)" not in message
    assert "does not have the databases of bird" in message


# -- the reproduced tier -----------------------------------------------------------------------


def reproduce_report(digest: str, **change) -> dict:
    report = {
        "format": "reproduce/1",
        "original": {"kind": "submission", "ref": "#1", "predictions_digest": digest},
        "questions": 57, "identical_sql": 57, "identical_sql_share": 1.0,
        "verdict_agreement": 1.0, "ex_original": 0.6667, "ex_reproduced": 0.6667,
        "ex_diff": 0.0, "ex_diff_ci95": [0.0, 0.0], "greedy": True, "reproduced": True,
        "differing_question_ids": [], "backend": "transformers", "hardware": "2-core CPU",
    }
    report.update(change)
    return report


def stored_run(store, tmp_path) -> tuple[int, str]:
    from harness.evaluation.records import predictions_digest

    run = make_run(tmp_path / "run", wrong_every=3)
    sid = submit_runs(store, [run], SubmissionMeta("Repro me", "1B", **GREEDY),
                      workers=1).submission_id
    pairs = [(json.loads(line)["question_id"], json.loads(line)["pred_sql"])
             for line in (run / "samples.jsonl").read_text().splitlines()]
    return sid, predictions_digest(pairs)


def test_a_row_is_marked_reproduced_from_its_report(store, tmp_path, harness_main, capsys):
    sid, digest = stored_run(store, tmp_path)
    path = tmp_path / "repro" / "reproduce.json"
    path.parent.mkdir()
    path.write_text(json.dumps(reproduce_report(digest)))
    code = harness_main(["submissions", "mark-reproduced", str(sid), str(path.parent),
                         "--db", store.url])
    assert code == 0 and "is marked reproduced" in capsys.readouterr().out
    table = view(store)
    assert table.iloc[0]["Status"] == data.STATUS_REPRODUCED and table.iloc[0][data.RANK] == 1
    assert len(view(store, reproduced_only=True)) == 1
    details = dict(data.submission_details(store.url, sid).values.tolist())
    assert details["Reproduced"].startswith("re-generated here (greedy")


@pytest.mark.parametrize("change, message", [
    ({"format": "reproduce/2"}, "not a \"reproduce/1\" report"),
    ({"questions": 0}, "\"questions\""),
    ({"identical_sql": 58}, "\"identical_sql\""),
    ({"ex_reproduced": float("nan")}, "\"ex_reproduced\""),
    ({"ex_diff_ci95": [0.1, -0.1]}, "\"ex_diff\""),
    ({"greedy": "yes"}, "true or false"),
    ({"identical_sql": 50}, "contradicts its own figures"),
    ({"identical_sql": 50, "reproduced": False}, "was not reproduced"),
    ({"original": {"kind": "run", "ref": "x", "predictions_digest": "0" * 64}},
     "Reproduce this row's own run"),
])
def test_a_bad_reproduction_report_is_refused(store, tmp_path, harness_main, capsys, change,
                                              message):
    sid, digest = stored_run(store, tmp_path)
    path = tmp_path / "reproduce.json"
    path.write_text(json.dumps(reproduce_report(digest, **change)))
    code = harness_main(["submissions", "mark-reproduced", str(sid), str(path),
                         "--db", store.url])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("Error: ") and message in err
    assert "Traceback" not in err and not store.submission(sid)["reproduced"]

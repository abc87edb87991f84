"""harness reproduce: a greedy run of the packaged model reproduces exactly; edits are found."""

import json
import shutil

import pytest

from harness.cli.app import main
from harness.cli.reproduce import FORMAT, compare
from harness.evaluation.records import predictions_digest, read_record, read_samples
from tests.generation_support import need_smollm2

KEYS = {"format", "original", "questions", "identical_sql", "identical_sql_share",
        "verdict_agreement", "ex_original", "ex_reproduced", "ex_diff", "ex_diff_ci95", "greedy",
        "reproduced", "differing_question_ids", "backend", "hardware"}


def _samples(rows):
    return [{"question_id": q, "pred_sql": sql, "correct": c} for q, sql, c in rows]


def test_report_layout_and_figures():
    before = _samples([(1, "SELECT 1", True), (2, "SELECT 2", False), (3, "SELECT 3", True),
                       (4, "SELECT 4", False)])
    after = _samples([(1, "SELECT 1", True), (2, "SELECT 20", True), (3, "SELECT 3", True),
                      (5, "SELECT 5", True)])
    report = compare(before, after, kind="run", ref="runs/x", greedy=True, backend="transformers",
                     hardware="cpu")
    assert set(report) == KEYS and report["format"] == FORMAT
    assert report["original"] == {"kind": "run", "ref": "runs/x", "predictions_digest":
                                  predictions_digest([(s["question_id"], s["pred_sql"])
                                                      for s in before])}
    assert report["questions"] == 3 and report["identical_sql"] == 2  # question 4/5 unshared
    assert report["differing_question_ids"] == [2]
    assert report["ex_original"] == pytest.approx(2 / 3) and report["ex_reproduced"] == 1.0
    assert report["ex_diff"] == pytest.approx(1 / 3)
    lo, hi = report["ex_diff_ci95"]
    assert lo <= report["ex_diff"] <= hi
    assert report["verdict_agreement"] == pytest.approx(2 / 3)
    assert report["reproduced"] is False  # greedy: needs every SQL identical
    sampled = compare(before, after, kind="run", ref="x", greedy=False, backend="b", hardware="h")
    assert sampled["reproduced"] is (lo <= 0 <= hi)


def test_a_run_without_method_settings_is_refused(tmp_path, capsys):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "results.json").write_text("{}")
    assert main(["reproduce", str(folder)]) == 1
    assert capsys.readouterr().err.startswith("Error:")


def test_greedy_packaged_run_reproduces_and_a_tampered_copy_is_caught(tmp_path, capsys):
    need_smollm2()
    run = tmp_path / "run"
    assert main(["run", "--recipe", "smollm2-135m-fence", "--suite", "sample", "--limit", "6",
                 "--out", str(run), "--max-new-tokens", "24", "--batch-size", "6",
                 "--no-cache"]) == 0
    capsys.readouterr()
    assert main(["reproduce", str(run), "--out", str(tmp_path / "again")]) == 0
    report = json.loads((tmp_path / "again" / "reproduce.json").read_text())
    assert report["questions"] == 6 and report["identical_sql_share"] == 1.0
    assert report["reproduced"] is True and report["greedy"] is True
    assert report["differing_question_ids"] == [] and report["ex_diff"] == 0.0
    original = read_record(run).method
    assert original is not None and report["backend"] == original.backend  # the same backend

    tampered = tmp_path / "tampered"
    shutil.copytree(run, tampered)
    samples = read_samples(tampered)
    edited = [samples[1]["question_id"], samples[4]["question_id"]]
    for s in samples:
        if s["question_id"] in edited:
            s["pred_sql"] = "SELECT 'edited'"
    (tampered / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))
    assert main(["reproduce", str(tampered), "--out", str(tmp_path / "again2")]) == 0
    report2 = json.loads((tmp_path / "again2" / "reproduce.json").read_text())
    assert report2["differing_question_ids"] == sorted(edited)
    assert report2["identical_sql"] == 4 and report2["reproduced"] is False
    assert report2["original"]["predictions_digest"] != report["original"]["predictions_digest"]
    assert "questions whose SQL differs (2)" in capsys.readouterr().out

    record = read_record(run)  # the run records its recipe, format, extractor and both EX
    g = record.generation
    assert g.recipe == "smollm2-135m-fence" and g.extractor == "last-sql-fence"
    assert g.prompt_format["name"] == "house" and len(g.prompt_format["sha256"]) == 64
    assert "max_new_tokens" in g.from_flags and "model" in g.from_recipe
    assert g.extraction["questions"] == 6 and g.extraction["ex"] == record.metrics.ex
    assert 0 <= g.hit_token_limit <= g.completions == 6

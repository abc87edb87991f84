"""Named releases: every split in the shared data is named, an edited copy is not, and a release
is fetched over its base download (``harness.data.releases``, ``harness data download --release``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3

import pytest

from harness.data.download import install_release
from harness.data.releases import UNRECOGNISED, Release, content_sha256
from harness.data.sources import RemoteFile
from harness.suite import dataset, load_suite
from tests.test_cli import assert_clean_error, run
from tests.test_download import server  # noqa: F401 - the loopback server fixture

EXPECTED = {
    ("spider", "dev"): "2020-06",
    ("spider", "train"): "2018",
    ("bird", "dev"): "20240627",
    ("bird", "mini-dev"): "2024-07",
    ("spider-syn", "dev"): "2021-acl",
    ("spider-dk", "dev"): "2021-emnlp",
    ("spider-realistic", "dev"): "2021-naacl",
}


@pytest.mark.parametrize(("suite", "split"), list(EXPECTED))
def test_every_shared_split_is_named_by_its_file(data_dir, suite, split):
    match = load_suite(suite, data_dir).release(split)
    assert (match.name, match.how) == (EXPECTED[suite, split], "file")


def test_suites_check_names_the_release(capsys, data_dir):
    code, out, _ = run(capsys, "suites", "check", "spider", "--data-dir", str(data_dir), "--json")
    assert code == 0
    dev = next(r for r in json.loads(out) if r["split"] == "dev")
    assert (dev["release"], dev["release_match"]) == ("2020-06", "file")
    code, out, _ = run(capsys, "suites", "check", "spider", "--data-dir", str(data_dir))
    assert "release 2020-06 (question file byte-identical" in out


def spider_copy(data_dir, tmp_path, edit):
    """A data root with Spider's dev.json passed through ``edit`` and its databases linked."""
    root = tmp_path / "data"
    (root / "spider").mkdir(parents=True)
    records = json.loads((data_dir / "spider" / "dev.json").read_text(encoding="utf-8"))
    text = edit(records)
    (root / "spider" / "dev.json").write_text(text, encoding="utf-8")
    (root / "spider" / "database").symlink_to(data_dir / "spider" / "database")
    return root


def test_one_edited_question_is_unrecognised(capsys, data_dir, tmp_path):
    def edit(records):
        assert records[100]["question"].endswith("in 1970?")
        records[100]["question"] = records[100]["question"].replace("1970", "1971")
        return json.dumps(records)

    root = spider_copy(data_dir, tmp_path, edit)
    match = load_suite("spider", root).release("dev")
    assert (match.name, match.how) == (UNRECOGNISED, "none")
    code, out, _ = run(capsys, "suites", "check", "spider", "--data-dir", str(root))
    assert "release unrecognised (modified?)" in out
    # The run record and the summary say so too.
    code, out, _ = run(capsys, "eval", "--suite", "spider", "--gold", "--limit", "3",
                       "--data-dir", str(root), "--out", str(tmp_path / "run"))
    assert code == 0, out
    record = json.loads((tmp_path / "run" / "results.json").read_text())
    assert record["data"]["release"] == UNRECOGNISED
    assert "data release: unrecognised (modified?)" in out


def test_a_reserialised_copy_is_named_by_its_content(data_dir, tmp_path):
    root = spider_copy(data_dir, tmp_path, lambda records: json.dumps(records, indent=1))
    match = load_suite("spider", root).release("dev")
    assert (match.name, match.how) == ("2020-06", "content")


def test_the_original_spider_dev_differs_from_the_corrected_by_content(data_dir):
    """The pre-2020 digest is not the corrected one's: the 44 corrected examples change it."""
    examples = load_suite("spider", data_dir).load_examples("dev")
    original = load_suite("spider").releases["dev"][0]
    assert original.name == "2018-original"
    assert content_sha256(examples) != original.content_sha256
    assert content_sha256(examples) == load_suite("spider").releases["dev"][1].content_sha256


def test_release_download_refuses_unknown_and_unpinned_names(capsys, tmp_path):
    code, _, err = run(capsys, "data", "download", "bird", "--release", "2099",
                       "--data-dir", str(tmp_path))
    assert_clean_error(code, err, "'2099' is not a known release", "20251106")
    code, _, err = run(capsys, "data", "download", "bird-mini-dev", "--release", "2025-07",
                       "--data-dir", str(tmp_path))
    assert_clean_error(code, err, "no pinned files")


def test_a_release_replaces_the_question_file_and_keeps_the_databases(server, tmp_path):  # noqa: F811
    """What --release 20251106 does: its pinned questions over the databases already there."""
    root = tmp_path / "data"
    bird = root / "bird"
    (bird / "dev_databases" / "toy").mkdir(parents=True)
    sqlite3.connect(bird / "dev_databases" / "toy" / "toy.sqlite").execute(
        "CREATE TABLE t (a)").connection.commit()
    (bird / "dev.json").write_text("[]")
    (bird / "dev_tables.json").write_text("[]")
    questions = json.dumps([{"question_id": 0, "db_id": "toy", "question": "How many?",
                             "evidence": "", "SQL": "SELECT count(*) FROM t"}]).encode()
    server.add("/mirror/dev.json", questions, "application/json")
    release = Release(name="test", title="", source="a test", base="bird", files=(
        RemoteFile("dev.json", "unused", hashlib.sha256(questions).hexdigest()),))

    install_release(dataset("bird"), release, root, server.url("/mirror"), progress=False)
    assert (bird / "dev.json").read_bytes() == questions
    assert (bird / "dev_databases" / "toy" / "toy.sqlite").is_file()
    assert [e.gold_sql for e in load_suite("bird", root).load_examples("dev")] == [
        "SELECT count(*) FROM t"]

    server.add("/mirror/dev.json", b"[]", "application/json")  # other bytes: refused, kept
    shutil.rmtree(root / ".downloads", ignore_errors=True)
    with pytest.raises(Exception, match="(?i)sha-?256|checksum|digest"):
        install_release(dataset("bird"), release, root, server.url("/mirror"), progress=False)
    assert (bird / "dev.json").read_bytes() == questions


def test_release_with_sha256_option_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "data", "download", "bird", "--release", "20251106",
                       "--sha256", "0" * 64, "--data-dir", str(tmp_path))
    assert_clean_error(code, err, "takes no --sha256")


def test_shipped_annotations_name_a_declared_release_and_real_questions(data_dir):
    from pathlib import Path

    from harness.data.annotations import annotations_in

    counts = {}
    for suite_name, split_size in (("spider", 1034), ("bird", 1534)):
        suite = load_suite(suite_name, data_dir)
        folder = Path(__file__).resolve().parents[1] / "suites" / suite_name / "annotations"
        for a in annotations_in(folder):
            assert a.release in {r.name for r in suite.releases[a.split]}
            assert a.citation and a.licence and a.url.startswith("https://")
            assert all(0 <= qid < split_size for qid, _ in a.questions)
            counts[a.source] = len({qid for qid, _ in a.questions})
    assert counts == {"spider-2020-correction": 44, "wretblad-2024-financial": 52,
                      "wretblad-2024-sampled": 27}
    bird = load_suite("bird", data_dir).load_examples("dev")
    financial = {qid for qid, _ in annotations_in(
        Path(__file__).resolve().parents[1] / "suites" / "bird" / "annotations")[0].questions}
    assert {e.db_id for e in bird if e.question_id in financial} == {"financial"}


def test_annotations_apply_to_their_release_only(data_dir):
    spider = load_suite("spider", data_dir)
    original = spider.gold_annotations("dev", "2018-original")
    assert len(original) == 44
    assert {f["category"] for f in original[16]} == {"gold_sql_corrected_in_2020",
                                                    "question_corrected_in_2020"}
    assert spider.gold_annotations("dev", "2020-06") == {}
    assert load_suite("bird", data_dir).gold_annotations("dev", "20240627") == {}


@pytest.mark.parametrize("rule", ["spider", "spider-strict"])
def test_spider_realistic_gold_scores_100_percent_of_scorable(data_dir, rule):
    """Spider-Realistic, release 2021-naacl: its gold against itself, under both Spider rules
    (the 32 questions on wta_1, whose database is missing here, are unscorable)."""
    from harness.evaluation.config import EvalConfig
    from harness.pipeline import evaluate

    results, _ = evaluate(load_suite("spider-realistic", data_dir), EvalConfig(rule=rule))
    assert (results.counts.total, results.counts.scored, results.counts.correct) == (508, 476, 476)
    assert results.metrics.ex == 1.0 and results.data.release == "2021-naacl"
    assert results.metrics.clean.scored == 431 and results.metrics.clean.ex == 1.0

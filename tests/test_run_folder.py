"""Run folders are a user's output: checked first, never silently replaced, one writer at once."""

from __future__ import annotations

import os
import stat

import pytest

from harness.cli.app import main
from harness.errors import ConfigError
from harness.evaluation import run_folder


def _eval(capsys, *args: str) -> tuple[int, str]:
    code = main(["eval", "--gold", "--limit", "3", *args])
    captured = capsys.readouterr()
    return code, captured.err


def test_out_that_is_a_file_fails_before_any_work(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    code = main(["eval", "--out", str(target), "--predictions", str(tmp_path / "absent")])
    err = capsys.readouterr().err
    # the --out problem is reported, not the (later) missing predictions file
    assert code == 1 and err.startswith("Error: --out") and err.count("\n") == 1


def test_existing_run_is_refused_unless_overwritten_and_then_replaced_whole(capsys, tmp_path):
    out = tmp_path / "run"
    assert _eval(capsys, "--out", str(out))[0] == 0
    (out / "stale.txt").write_text("from an older run")
    code, err = _eval(capsys, "--out", str(out))
    assert code == 1 and "--overwrite" in err
    assert _eval(capsys, "--out", str(out), "--overwrite")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == [".lock", "results.json", "samples.jsonl"]


def test_overwrite_only_replaces_run_folders(capsys, tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    code, err = _eval(capsys, "--out", str(tmp_path), "--overwrite")
    assert code == 1 and "not a run folder" in err
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "run"
    with run_folder.lock(out):
        with pytest.raises(ConfigError, match="Another harness process is writing"):
            with run_folder.lock(out):
                pass
    with run_folder.lock(out):  # released: the next one gets it
        pass


def test_written_files_respect_the_umask(capsys, tmp_path):
    previous = os.umask(0o027)
    try:
        assert _eval(capsys, "--out", str(tmp_path / "run"))[0] == 0
    finally:
        os.umask(previous)
    for name in ("results.json", "samples.jsonl"):
        assert stat.S_IMODE((tmp_path / "run" / name).stat().st_mode) == 0o640

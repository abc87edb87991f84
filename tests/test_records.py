"""The run record's ``config`` block is typed like the others: EvalConfig's settings as the run
used them, unknown keys kept, the shipped runs' JSON unchanged by a read and a write."""

from __future__ import annotations

import dataclasses
import json

import pytest

from harness.errors import RunFolderError
from harness.evaluation.config import EvalConfig
from harness.evaluation.records import ConfigInfo, RunRecord
from harness.pipeline import evaluate
from harness.suite import load_suite
from tests.support import REPO

OWN_RUNS = sorted((REPO / "leaderboard" / "own_runs").glob("*/results.json"))


def test_the_config_block_names_evalconfigs_fields_in_order():
    names = [f.name for f in dataclasses.fields(ConfigInfo) if f.name != "extra"]
    assert names == [f.name for f in dataclasses.fields(EvalConfig)]


def test_an_evaluation_records_its_settings_resolved(tmp_path):
    record, _ = evaluate(load_suite("sample"), EvalConfig(workers=1, limit=3, vote="majority"))
    assert isinstance(record.config, ConfigInfo)
    expected = {**dataclasses.asdict(EvalConfig(workers=1, limit=3, vote="majority")),
                "split": "dev", "rule": "bird"}
    assert record.to_json()["config"] == expected
    again = RunRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert again.config == record.config and again.config.limit == 3


@pytest.mark.parametrize("path", OWN_RUNS, ids=lambda p: p.parent.name)
def test_a_shipped_runs_config_reads_typed_and_writes_back_the_same(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    record = RunRecord.from_json(data)
    assert isinstance(record.config, ConfigInfo) and record.config.extra == {}
    assert json.dumps(record.to_json()["config"]) == json.dumps(data["config"])  # key order too


def test_unknown_config_keys_are_kept_and_a_wrong_type_is_refused():
    data = json.loads(OWN_RUNS[0].read_text(encoding="utf-8"))
    data["config"]["beam_width"] = 4  # a setting of a later harness version
    record = RunRecord.from_json(data)
    assert record.config.extra == {"beam_width": 4}
    assert record.to_json()["config"] == data["config"]
    data["config"]["timeout_s"] = "30"
    with pytest.raises(RunFolderError, match='config: timeout_s is "30", not float'):
        RunRecord.from_json(data)

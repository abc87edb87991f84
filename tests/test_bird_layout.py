"""The BIRD suite end to end on a BIRD-layout folder built from real Spider databases.

The BIRD databases are not available here, so this builds the official BIRD layout (dev.json
with question_id/db_id/question/evidence/SQL/difficulty, dev_tables.json, dev_databases/) around
three Spider databases and Spider questions, and runs BIRD-format predictions through the CLI.
"""

from __future__ import annotations

import json
import shutil

import pytest

from harness.cli import main
from harness.evaluation.predictions import BIRD_SEPARATOR
from harness.evaluation.records import read_record, read_samples

DBS = ("concert_singer", "pets_1", "car_1")
LEVELS = ("simple", "moderate", "challenging")


@pytest.fixture
def bird_root(data_dir, tmp_path):
    spider = data_dir / "spider"
    dev = [e for e in json.loads((spider / "dev.json").read_text()) if e["db_id"] in DBS][:30]
    records = [
        {"question_id": i, "db_id": e["db_id"], "question": e["question"],
         "evidence": "", "SQL": e["query"], "difficulty": LEVELS[i % 3]}
        for i, e in enumerate(dev)
    ]
    root = tmp_path / "data"
    (root / "bird").mkdir(parents=True)
    (root / "bird" / "dev.json").write_text(json.dumps(records))
    tables = [t for t in json.loads((spider / "tables.json").read_text()) if t["db_id"] in DBS]
    (root / "bird" / "dev_tables.json").write_text(json.dumps(tables))
    for db in DBS:
        target = root / "bird" / "dev_databases" / db
        target.mkdir(parents=True)
        shutil.copy(spider / "database" / db / f"{db}.sqlite", target / f"{db}.sqlite")
    return root, records


def test_bird_predictions_file_through_the_cli(bird_root, tmp_path, capsys):
    root, records = bird_root
    preds = {str(r["question_id"]): f"{r['SQL']}{BIRD_SEPARATOR}{r['db_id']}" for r in records}
    preds["0"] = f"SELECT 1{BIRD_SEPARATOR}{records[0]['db_id']}"  # one wrong answer
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(preds, sort_keys=True))  # key order must not matter
    code = main(["eval", "--suite", "bird", "--split", "dev", "--predictions", str(path),
                 "--rule", "bird", "--data-dir", str(root), "--out", str(tmp_path / "run"),
                 "--soft-f1"])
    assert code == 0, capsys.readouterr().err
    results = read_record(tmp_path / "run")
    assert results.rule == "bird" and results.counts.correct == len(records) - 1
    assert set(results.metrics.by_difficulty) == set(LEVELS)
    assert results.metrics.soft_f1 < 1.0
    first = read_samples(tmp_path / "run")[0]
    assert first["reason"] == "rows_differ" and first["difficulty"] == "simple"

"""Property-based fuzzing of every reader of user files: whatever the bytes, the outcome is a
result or the one error class that the CLI prints as a single ``Error:`` line, never a traceback.
"""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import HarnessError, PredictionsError
from harness.evaluation.predictions import load_candidates, load_predictions
from harness.suite import load_suite

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
question_ids = (
    st.text(alphabet=string.digits + "-+ ²³¹٣۳𝟘\u00a0e.x", max_size=30)
    | st.integers().map(str)
    | st.just("9" * 5000)
    | json_values
)


@pytest.fixture(scope="module")
def examples():
    return load_suite("sample").load_examples("dev")


def _read(tmp_path, name: str, data: bytes, examples, many=False):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        (load_candidates if many else load_predictions)(path, examples)
    except PredictionsError:
        pass


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_in_any_format(tmp_path, examples, data):
    for name in ("p.jsonl", "p.json", "p.sql"):
        _read(tmp_path, name, data, examples)
    _read(tmp_path, "p.jsonl", data, examples, many=True)


@FUZZ
@given(record=json_values)
def test_any_json_line_or_document(tmp_path, examples, record):
    text = json.dumps(record).encode()
    _read(tmp_path, "p.jsonl", text, examples)
    _read(tmp_path, "p.jsonl", text, examples, many=True)
    _read(tmp_path, "p.json", text, examples)


@FUZZ
@given(qid=question_ids, sql=json_values)
def test_any_question_id_and_sql(tmp_path, examples, qid, sql):
    line = json.dumps({"question_id": qid, "sql": sql}).encode()
    _read(tmp_path, "p.jsonl", line, examples)
    if isinstance(qid, str):
        _read(tmp_path, "p.json", json.dumps({qid: sql}).encode(), examples)


def test_bird_json_with_a_duplicate_key_is_refused(tmp_path, examples):
    qid = examples[0].question_id
    path = tmp_path / "p.json"
    path.write_text(f'{{"{qid}": "SELECT 1", "{qid}": "SELECT 2"}}')
    with pytest.raises(PredictionsError, match="appears twice"):
        load_predictions(path, examples)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(results=st.dictionaries(st.sampled_from(
    ["config", "metrics", "counts", "data", "rule", "method", "decoding", "latency", "environment",
     "created", "predictions", "training", "timing"]), json_values, max_size=6))
def test_any_results_json_fields(tmp_path, examples, results):
    from leaderboard.verify import verify_run

    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    e = examples[0]
    (run / "results.json").write_text(json.dumps(
        {**results, "schema_version": 1, "suite": "sample", "split": "dev"}))
    (run / "samples.jsonl").write_text(json.dumps(
        {"question_id": e.question_id, "db_id": e.db_id, "pred_sql": e.gold_sql}) + "\n")
    try:
        verify_run(run, workers=1)
    except HarnessError:
        pass


@FUZZ
@given(lines=st.lists(json_values, min_size=1, max_size=4))
def test_any_saved_prediction_log_on_resume(tmp_path, lines):
    from harness.evaluation.predictions import PredictionLog

    path = tmp_path / "predictions.jsonl"
    path.write_text("\n".join(json.dumps(v) for v in lines) + "\n")
    try:
        PredictionLog(path)
    except HarnessError:
        pass


def _values(value) -> int:
    """JSON values inside ``value`` (the document itself not counted), as loads_bounded counts."""
    if isinstance(value, list):
        return sum(1 + _values(v) for v in value)
    if isinstance(value, dict):
        return sum(1 + _values(v) for v in value.values())
    return 0


@FUZZ
@given(value=json_values, slack=st.integers(-3, 3))
def test_bounded_json_is_json_loads_up_to_its_bound(value, slack):
    """Under the bound, the same result as json.loads (whichever scanner runs); over it,
    TooManyValues, whether the commas are structure or inside strings."""
    from harness.evaluation.bounded_json import TooManyValues, loads_bounded

    text = json.dumps(value)
    bound = max(0, _values(value) + slack)
    if _values(value) <= bound:
        assert repr(loads_bounded(text, bound)) == repr(json.loads(text))
    else:
        with pytest.raises(TooManyValues):
            loads_bounded(text, bound)

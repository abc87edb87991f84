"""Old import paths of the flat layout keep working for third-party methods and suites."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
import warnings

import pytest

from harness._compat import MOVED
from harness.cli import main
from harness.config import resolve_method
from harness.method import Method


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_is_the_new_module(old):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])
    assert any(
        issubclass(w.category, DeprecationWarning) and MOVED[old] in str(w.message) for w in caught
    )


def test_a_method_written_against_the_old_paths_runs_end_to_end(tmp_path):
    source = tmp_path / "old_style.py"
    source.write_text(textwrap.dedent('''
        from harness.core import Prediction
        from harness.execution import ExecutionSettings, Executor
        from harness.method import Method
        from harness.scoring import get_rule

        class GoldCopy(Method):
            name = "gold-copy"
            description = "predicts the gold SQL (uses the old import paths)"

            def predict(self, examples, suite):
                assert get_rule("bird") is not None and ExecutionSettings and Executor
                for e in examples:
                    yield Prediction(e.question_id, e.gold_sql)
    '''))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert issubclass(resolve_method(f"{source}:GoldCopy"), Method)
        code = main(["run", "--method", f"{source}:GoldCopy", "--suite", "sample",
                     "--out", str(tmp_path / "run")])
    assert code == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["metrics"]["ex"] == 1.0

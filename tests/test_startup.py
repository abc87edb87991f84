"""`harness eval` starts light: scoring a small file imports nothing it does not use.

Every process pays its imports before the first query runs; for many small evaluations (one per
candidate file, per CI job) that is most of the time. Measure with
``python -X importtime -m harness eval --suite sample --gold --json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

import pytest

from harness.evaluation.records import _version
from tests.support import REPO

#: Modules a plain evaluation must not import: models, dataframes, the leaderboard, SQL parsers
#: (only the Spider rule's quirks and hardness need them), the process pool (only when a query
#: is needed: every statement that runs goes to a watched worker process, so a warm gold cache
#: and gold predictions run none), the rich console (only for the table, not ``--json``).
HEAVY = (
    "torch", "transformers", "numpy", "pandas", "streamlit", "sqlalchemy", "sqlglot", "sqlparse",
    "rich", "concurrent.futures.process", "multiprocessing", "importlib.metadata", "statistics",
)


def test_a_small_evaluation_imports_nothing_heavy(tmp_path):
    def evaluate(out):
        code = (
            "import sys, json\n"
            "from harness.cli import main\n"
            f"main(['eval', '--suite', 'sample', '--gold', '--json', '--out', {str(out)!r}])\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n"
        )
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
        )

    evaluate(tmp_path / "first")  # warms the gold cache: its queries ran in the worker pool
    done = evaluate(tmp_path / "second")
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded == []
    assert json.loads(done.stdout)["metrics"]["ex"] == 1.0


@pytest.mark.parametrize("package", ["sqlglot", "sqlparse", "click", "pytest"])
def test_versions_read_without_importlib_metadata_agree_with_it(package):
    assert _version(package) == metadata.version(package)


def test_an_absent_package_has_no_version():
    assert _version("no_such_package_for_harness") is None

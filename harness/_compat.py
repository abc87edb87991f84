"""Old import paths of the flat layout, kept working for third-party methods and suites.

Before the layout by stage, every module sat directly in ``harness/`` (``harness.execution``,
``harness.scoring``, ``harness.store`` …). A method written against those paths still imports:
the old name is an alias of the new module (the same module object), with a
``DeprecationWarning`` that names the new path.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from importlib.machinery import ModuleSpec

#: old module -> new module
MOVED = {
    "harness.evaluate": "harness.evaluation.scorer",
    "harness.execution": "harness.evaluation.execution",
    "harness.scoring": "harness.evaluation.rules",
    "harness.metrics": "harness.evaluation.metrics",
    "harness.records": "harness.evaluation.records",
    "harness.predictions": "harness.evaluation.predictions",
    "harness.compare": "harness.evaluation.paired",
    "harness.summary": "harness.cli.summary",
    "harness.runner": "harness.pipeline",
    "harness.download": "harness.data.download",
    "harness.unpack": "harness.data.unpack",
    "harness.hardness": "suites.spider.hardness",
    "harness.serve": "harness.generation.serve",
    "harness.scaffold": "harness.cli.scaffold",
    "harness.cli_leaderboard": "harness.cli.leaderboard",
    "harness.store_schema": "leaderboard.schema",
    "harness.store": "leaderboard.store",
    "harness.submit": "leaderboard.verify",
    "harness.seed": "leaderboard.seed",
}


class _Alias:
    """Finds an old module name and loads it as the new module (a meta path finder and loader
    by protocol: subclassing ``importlib.abc`` would cost every command ~20 ms of imports)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return ModuleSpec(fullname, self)

    def create_module(self, spec):
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; import it from there.", DeprecationWarning, stacklevel=3
        )
        return importlib.import_module(new)

    def exec_module(self, module):
        """The new module is already executed."""


def install() -> None:
    """Add the alias finder once (``import harness`` calls this)."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())

"""The import rules of docs/architecture.md, checked on every module's top-level imports.

A package may import the packages upstream of it in the data flow, never downstream: the core
knows no method, benchmark or leaderboard; evaluation knows nothing of generation; nothing heavy
(torch, transformers, vLLM, Streamlit, SQLAlchemy, pandas) is imported at the top of a core module,
so `harness eval` and `harness --help` stay fast. Imports inside a function are not checked: that
is how the CLI reaches methods and the leaderboard lazily.
"""

from __future__ import annotations

import ast

import pytest

from tests.support import REPO

HEAVY = {"torch", "transformers", "trl", "vllm", "streamlit", "sqlalchemy", "pandas", "datasets",
         "peft", "accelerate", "sentence_transformers", "alembic"}
CORE = {"harness.core", "harness.errors", "harness.paths", "harness.files", "harness.machine",
        "harness.registry", "harness.suite", "harness.method", "harness.data"}

#: package prefix -> what its modules may import at top level (besides the standard library and
#: third-party packages not in HEAVY), checked longest prefix first.
ALLOWED: dict[str, set[str]] = {
    "harness.data": {"harness", "harness.errors", "harness.data"},
    "harness.evaluation": CORE | {"harness", "harness.evaluation"},
    "harness.generation": CORE | {"harness.generation"},
    "harness.cli": {"*"},
    "harness": CORE | {"harness", "harness.config", "harness.evaluation", "harness._compat",
                       "harness.cli"},
    "suites": CORE | {"suites"},
    "methods": CORE | {"harness.generation", "harness.evaluation", "methods"},
    "leaderboard": CORE | {"harness", "harness.evaluation", "harness.pipeline", "leaderboard"},
}
MAY_BE_HEAVY = ("harness.generation.", "harness.cli.", "methods.", "leaderboard.")


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for top in ("harness", "methods", "suites", "leaderboard"):
        for path in sorted((REPO / top).rglob("*.py")):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _top_level_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _allowed(module: str) -> set[str]:
    for prefix in sorted(ALLOWED, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return ALLOWED[prefix]
    raise AssertionError(f"{module} belongs to no package of the architecture")


def _permitted(target: str, allowed: set[str]) -> bool:
    return "*" in allowed or any(target == a or target.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("module,tree", _modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_follow_the_data_flow(module, tree):
    own = {"harness", "methods", "suites", "leaderboard"}
    imports = _top_level_imports(tree)
    wrong = sorted(
        t for t in imports
        if t.split(".")[0] in own and not _permitted(t, _allowed(module)) and t != module
    )
    assert wrong == [], f"{module} may not import {wrong} at top level (docs/architecture.md)"
    if not module.startswith(MAY_BE_HEAVY):
        heavy = sorted(t for t in imports if t.split(".")[0] in HEAVY)
        assert heavy == [], f"{module} imports {heavy} at top level: import it where it is used"

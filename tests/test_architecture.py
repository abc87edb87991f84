"""The layer table of docs/architecture.md (``tests/layers.py``) holds for every module.

A package imports what is upstream of it in the data flow, never downstream, at top level or
inside a function; nothing heavy (torch, transformers, vLLM, Streamlit, SQLAlchemy, pandas) is
imported at the top of a core module, so ``harness eval`` and ``harness --help`` stay fast; and no
two modules import each other. The checker is also fed planted modules, to show that it fails.
"""

from __future__ import annotations

import re

import pytest

from tests import layers
from tests.support import REPO

SOURCES = layers.repository_sources(REPO)


def test_every_module_follows_the_layer_table():
    assert layers.violations(SOURCES) == []


def test_every_exception_is_still_needed_and_justified():
    """An exception that no import uses any more is stale; each says why it exists."""
    used = set()
    for module, (source, is_package) in SOURCES.items():
        for imp in layers.imports(module, source, SOURCES, is_package):
            used.add((module, layers.unit_of(imp.target)))
    for key, why in layers.EXCEPTIONS.items():
        assert key in used, f"exception {key} is not used by any import: remove it"
        assert len(why.split()) >= 8, f"exception {key} needs a reason"
    graph_pairs = {frozenset(loop) for loop in _runtime_loops()}
    for pair, why in layers.CYCLE_EXCEPTIONS.items():
        assert pair in graph_pairs, f"cycle exception {sorted(pair)} is not a cycle any more"
        assert len(why.split()) >= 8


def _runtime_loops():
    graph: dict[str, set[str]] = {m: set() for m in SOURCES}
    for module, (source, is_package) in SOURCES.items():
        for imp in layers.imports(module, source, SOURCES, is_package):
            if imp.target in graph and imp.target != module and not imp.type_only:
                graph[module].add(imp.target)
    return layers.cycles(graph)


def test_the_table_has_no_loop_and_names_only_real_units():
    graph = {unit: set(allowed) for unit, allowed in layers.LAYERS.items()}
    assert layers.cycles(graph) == []
    units = set(layers.LAYERS)
    assert all(allowed <= units for allowed in layers.LAYERS.values())
    assert all(layers.unit_of(module) for module in SOURCES)


def test_the_docs_show_the_table():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert layers.markdown_table() in text
    for (module, unit), _ in layers.EXCEPTIONS.items():
        assert re.search(rf"`{re.escape(module)}`[^\n]*`{re.escape(unit)}`", text), (
            f"docs/architecture.md does not name the exception {module} -> {unit}")


# -- the checker fails where it should ---------------------------------------------------------


def _planted(module: str, source: str, package: bool = False) -> list[str]:
    return layers.violations({**SOURCES, module: (source, package)})


def test_it_fails_on_an_upward_import_at_top_level():
    problems = _planted("harness.evaluation.planted", "from harness.pipeline import evaluate\n")
    assert len(problems) == 1 and "harness.evaluation.planted:1 imports harness.pipeline" in (
        problems[0]) and "at top level" in problems[0]


def test_it_fails_on_an_upward_import_inside_a_function():
    source = "def f():\n    import methods.sft\n    return methods.sft\n"
    problems = _planted("harness.data.planted", source)
    assert len(problems) == 1 and "imports methods.sft (methods) inside a function" in problems[0]


def test_units_match_whole_names_never_a_prefix():
    """``harness.core_planted`` is a module of ``harness``, not of ``harness.core``."""
    assert layers.unit_of("harness.core_planted") == "harness"
    assert layers.unit_of("harness.core") == "harness.core"
    assert layers.unit_of("harness.evaluation.scorer") == "harness.evaluation"
    assert layers.unit_of("leaderboardx") is None


@pytest.mark.parametrize("target", ["harness.pipeline", "harness.config"])
def test_allowing_the_package_allows_none_of_its_modules(target):
    """``harness.data`` may import ``harness`` (the version), which is not ``harness.pipeline``."""
    problems = _planted("harness.data.planted", f"from {target} import x\n")
    assert len(problems) == 1 and f"({target})" in problems[0]


def test_it_fails_on_a_relative_upward_import():
    problems = _planted("harness.data.planted", "from ..suite import SUITES\n")
    assert len(problems) == 1 and "harness.data.planted:1 imports harness.suite" in problems[0]


def test_it_fails_on_a_heavy_import_at_module_level_of_the_core():
    assert _planted("harness.evaluation.planted", "def f():\n    import torch\n") == []
    problems = _planted("harness.evaluation.planted", "import torch\n")
    assert len(problems) == 1 and "torch at module level" in problems[0]


def test_it_fails_on_a_planted_cycle():
    first = "from harness.evaluation import planted_b\n"
    second = "def f():\n    from harness.evaluation.planted_a import x\n"
    problems = layers.violations({
        **SOURCES,
        "harness.evaluation.planted_a": (first, False),
        "harness.evaluation.planted_b": (second, False),
    })
    assert problems == ["import cycle: harness.evaluation.planted_a -> "
                        "harness.evaluation.planted_b -> harness.evaluation.planted_a"]


def test_type_checking_imports_make_no_cycle_but_still_obey_the_table():
    first = "from harness.evaluation.planted_b import x\n"
    second = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
              "    from harness.evaluation.planted_a import y\n    from harness.cli import z\n")
    problems = layers.violations({
        **SOURCES,
        "harness.evaluation.planted_a": (first, False),
        "harness.evaluation.planted_b": (second, False),
    })
    assert len(problems) == 1 and "imports harness.cli" in problems[0]

"""The layer rules of docs/architecture.md as data, and the checker that holds the code to them.

:data:`LAYERS` maps each *unit* (a package, or one module of the ``harness`` core) to the units it
may import. A module belongs to the longest unit that is itself or a package above it; an import
is judged by the unit of its target, so allowing ``harness`` (the package's ``__init__``: the
version) allows nothing of ``harness.pipeline``. Every import counts: top level, inside a
function, under ``if TYPE_CHECKING``. :data:`EXCEPTIONS` names each import the table does not
allow, with why it is there. Separately, no two modules may import each other at run time
(directly or round a loop), since a cycle makes the import order matter; ``TYPE_CHECKING``
imports are not run and do not count for cycles.

The checker works on ``{module name: source text}``, so a test can feed it planted modules.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

OWN = ("harness", "methods", "suites", "leaderboard")
HEAVY = {"torch", "transformers", "trl", "vllm", "streamlit", "sqlalchemy", "pandas", "datasets",
         "peft", "accelerate", "sentence_transformers", "alembic"}

#: The foundation every layer may use: the version, errors, the nouns, where files live, atomic
#: writes, the machine's CPU, the name → class registry and the progress a run reports.
FOUNDATION = frozenset({
    "harness", "harness.errors", "harness.core", "harness.paths", "harness.files",
    "harness.machine", "harness.registry", "harness.progress",
})

#: unit -> the units its modules may import (its own unit is always allowed).
LAYERS: dict[str, frozenset[str]] = {
    "harness": frozenset(),
    "harness.errors": frozenset(),
    "harness.core": frozenset({"harness.errors"}),
    "harness.paths": frozenset({"harness.errors"}),
    "harness.files": frozenset({"harness.errors"}),
    "harness.machine": frozenset(),
    "harness.registry": frozenset({"harness.errors"}),
    "harness.progress": frozenset(),
    "harness.data": frozenset({"harness", "harness.errors", "harness.paths"}),
    "harness.suite": FOUNDATION | {"harness.data"},
    "harness.method": FOUNDATION | {"harness.suite"},
    "harness.evaluation": FOUNDATION | {"harness.suite"},
    "harness.generation": FOUNDATION | {"harness.suite"},
    "harness.config": FOUNDATION | {"harness.evaluation", "harness.method"},
    "harness.seeds": FOUNDATION | {"harness.evaluation"},
    "harness.pipeline": FOUNDATION | {"harness.suite", "harness.method", "harness.config",
                                      "harness.evaluation", "harness.generation"},
    "harness.cli": FOUNDATION | {"harness.data", "harness.suite", "harness.method",
                                 "harness.evaluation", "harness.generation", "harness.config",
                                 "harness.seeds", "harness.pipeline"},
    "harness.__main__": frozenset({"harness.cli"}),
    "suites": FOUNDATION | {"harness.data", "harness.suite"},
    "methods": FOUNDATION | {"harness.suite", "harness.method", "harness.config",
                             "harness.evaluation", "harness.generation"},
    "leaderboard": FOUNDATION | {"harness.suite", "harness.evaluation", "harness.seeds",
                                 "harness.pipeline"},
}

#: (importing module, imported unit) -> why the table's rule does not hold for it.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("leaderboard.cli", "harness.cli"): "the leaderboard's commands take the CLI's shared "
    "options (--data-dir, --format) from harness.cli.options, so a flag is spelled once",
}

#: Pairs of modules allowed to import each other at run time, and why.
CYCLE_EXCEPTIONS: dict[frozenset[str], str] = {
    frozenset({"harness.evaluation.execution", "harness.evaluation.workers"}): "the executor "
    "starts the worker pool on demand (lazily), and each worker process runs the executor's "
    "execute_sql; both sides import inside functions, so neither import order matters",
}

#: Units whose modules may import a heavy package (torch, SQLAlchemy, …) at module level.
MAY_BE_HEAVY = frozenset({"harness.generation", "harness.cli", "methods", "leaderboard"})


@dataclass(frozen=True)
class Import:
    target: str  # the imported module (or package), absolute
    lazy: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING``
    line: int


def unit_of(module: str, layers: Iterable[str] = LAYERS) -> str | None:
    """The longest unit that is ``module`` or a package above it (None: in no unit)."""
    best = None
    for unit in layers:
        if (module == unit or module.startswith(unit + ".")) and len(unit) > len(best or ""):
            best = unit
    return best


def imports(module: str, source: str, modules: Iterable[str], is_package: bool) -> list[Import]:
    """Every import of one module's source, resolved to absolute module names."""
    known = set(modules)
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            child_lazy = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            child_type = type_only or _is_type_checking(child)
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, lazy, type_only, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(child, package)
                for alias in child.names:  # ``from pkg import submodule`` imports the submodule
                    name = f"{base}.{alias.name}"
                    found.append(Import(name if name in known else base, lazy, type_only,
                                        child.lineno))
            visit(child, child_lazy, child_type)

    visit(_parse(source), False, False)
    return found


@functools.cache
def _parse(source: str) -> ast.Module:
    return ast.parse(source)


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def violations(
    sources: Mapping[str, tuple[str, bool]],
    layers: Mapping[str, frozenset[str]] = LAYERS,
    exceptions: Mapping[tuple[str, str], str] = EXCEPTIONS,
    cycle_exceptions: Mapping[frozenset[str], str] = CYCLE_EXCEPTIONS,
) -> list[str]:
    """What breaks the rules in ``{module: (source, is_package)}``, one sentence each."""
    problems: list[str] = []
    graph: dict[str, set[str]] = {m: set() for m in sources}
    for module, (source, is_package) in sorted(sources.items()):
        own_unit = unit_of(module, layers)
        if own_unit is None:
            problems.append(f"{module} belongs to no unit of the layer table")
            continue
        for imp in imports(module, source, sources, is_package):
            top = imp.target.split(".")[0]
            if top in HEAVY and not imp.lazy and not imp.type_only and own_unit not in MAY_BE_HEAVY:
                problems.append(f"{module}:{imp.line} imports {imp.target} at module level: "
                                "import it where it is used")
            if top not in OWN:
                continue
            target_unit = unit_of(imp.target, layers)
            allowed = target_unit == own_unit or target_unit in layers[own_unit]
            if not allowed and (module, target_unit) not in exceptions:
                where = "inside a function" if imp.lazy else "at top level"
                problems.append(f"{module}:{imp.line} imports {imp.target} ({target_unit}) "
                                f"{where}; {own_unit} may import {sorted(layers[own_unit])}")
            if imp.target in graph and imp.target != module and not imp.type_only:
                graph[module].add(imp.target)
    problems += [f"import cycle: {' -> '.join(loop)}" for loop in cycles(graph)
                 if frozenset(loop) not in cycle_exceptions]
    return problems


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One loop (``a -> b -> a``) per strongly connected group of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                loops.append(_loop(graph, set(group)))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return loops


def _loop(graph: Mapping[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path round the group from its first module back to it (for the message)."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    for v in queue:
        for w in sorted(graph[v] & group):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return [start, start]


def repository_sources(repo: Path) -> dict[str, tuple[str, bool]]:
    """``{module: (source, is_package)}`` for every module of the four top packages."""
    found = {}
    for top in OWN:
        for path in sorted((repo / top).rglob("*.py")):
            name = ".".join(path.relative_to(repo).with_suffix("").parts).removesuffix(".__init__")
            found[name] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return found


def markdown_table(layers: Mapping[str, frozenset[str]] = LAYERS) -> str:
    """The table as docs/architecture.md shows it (checked there by the tests)."""
    rows = ["| unit | may import (besides itself) |", "|---|---|"]
    for unit, allowed in layers.items():
        if FOUNDATION <= allowed:
            shown = ["the foundation", *(f"`{u}`" for u in sorted(allowed - FOUNDATION))]
        else:
            shown = [f"`{u}`" for u in sorted(allowed)]
        rows.append(f"| `{unit}` | {', '.join(shown) or 'nothing'} |")
    return "\n".join(rows)

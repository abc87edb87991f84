"""List functions longer than a limit (default 50 lines), longest first.

    python scripts/long_functions.py [--limit 50] [paths...]

Counts a function from its ``def`` (decorators excluded) to its last line, docstring included.
The read-first path (docs/architecture.md) should have none over the limit.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

DEFAULT_PATHS = ("harness", "methods", "suites", "leaderboard")


def long_functions(paths: list[Path], limit: int) -> list[tuple[int, str]]:
    found = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > limit:
                        found.append((length, f"{path}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path(p) for p in DEFAULT_PATHS])
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    for length, where in long_functions(args.paths, args.limit):
        print(f"{length:5d}  {where}")


if __name__ == "__main__":
    main()

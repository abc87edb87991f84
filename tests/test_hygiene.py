"""Repository hygiene: what packaging promises exists, and no file names a developer's machine."""

from __future__ import annotations

import re
import subprocess

from tests.support import REPO

#: Absolute paths that only exist on someone's machine (a doctest or test naming one passes there
#: and silently tests nothing elsewhere).
MACHINE_PATH = re.compile(r"""["'](/work/|/home/|/root/|/Users/|C:\\\\)""")


def _tracked(*suffixes: str) -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return [f for f in out.stdout.split() if f.endswith(suffixes)]


def test_no_source_or_test_names_a_machine_path():
    offenders = [
        f"{name}:{i}"
        for name in _tracked(".py")
        for i, line in enumerate((REPO / name).read_text(encoding="utf-8").splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]
    assert offenders == []


def test_no_tracked_record_or_document_names_a_machine_path():
    """Shipped run records and documents publish no one's folders (a record stores paths
    relative to the data root, the run folder, the harness or ~)."""
    offenders = [
        f"{name}:{i}"
        for name in _tracked(".json", ".jsonl", ".yaml", ".yml", ".md", ".toml", ".cfg")
        for i, line in enumerate((REPO / name).read_text(encoding="utf-8").splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]
    assert offenders == []


def test_the_typed_marker_that_packaging_lists_exists():
    assert "py.typed" in (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert (REPO / "harness" / "py.typed").is_file()

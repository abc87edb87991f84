"""Atomic file writes: a reader (or a resumed run) never sees half a file.

Each write goes to a temporary file in the same folder and is renamed over the target, which is
atomic on one file system. The file gets the mode the user's umask asks for (``mkstemp`` alone
would make every output 0600).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, umask_mode())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def umask_mode(mode: int = 0o666) -> int:
    """``mode`` less the process's umask (read without changing it for good)."""
    current = os.umask(0o022)
    os.umask(current)
    return mode & ~current


def write_json_atomic(path: str | os.PathLike, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_jsonl_atomic(path: str | os.PathLike, records: Iterable) -> None:
    write_text_atomic(
        path, "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
    )

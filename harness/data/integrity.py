"""Is a benchmark database whole, and is anything lying beside it?

A database whose header is intact but whose later pages are garbage opens fine and answers some
queries: without a check, its failures would be blamed on the model. SQLite's ``quick_check``
reads every page, so its verdict is memoised in the cache folder by the file's SHA-256 (itself
memoised by path, size and modification time), and a database is checked once per content.

Every connection here is immutable (``mode=ro&immutable=1``): opening a database in WAL mode
without it creates ``-wal``/``-shm`` files beside the data. Files like those (and ``-journal``)
left by something else are reported by :func:`stray_files`; they never change a verdict, since
immutable connections read the database file alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from harness.paths import cache_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
STRAY_SUFFIXES = ("-wal", "-shm", "-journal")
_MEMO_FILE = "database-integrity.json"
_memo: dict | None = None


def immutable_uri(path: str | os.PathLike) -> str:
    """The URI that opens ``path`` read-only without ever writing beside it."""
    return f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"


def is_database_file(path: Path) -> bool:
    """A real SQLite database file (not a -wal/-shm/-journal companion, not another file)."""
    if not path.is_file() or path.name.endswith(STRAY_SUFFIXES):
        return False
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def stray_files(folder: Path) -> list[Path]:
    """Journal and WAL files beside the databases in ``folder``."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith(STRAY_SUFFIXES))


def integrity_problem(path: Path) -> str | None:
    """What ``quick_check`` finds wrong with the database at ``path`` (first line), or None."""
    memo = _load_memo()
    stat = path.stat()
    where = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    digest = memo["hashes"].get(where)
    if digest is None:
        with open(path, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        memo["hashes"][where] = digest
    if digest not in memo["checks"]:
        memo["checks"][digest] = _quick_check(path)
        _save_memo(memo)
    return memo["checks"][digest] or None


def _quick_check(path: Path) -> str:
    try:
        conn = sqlite3.connect(immutable_uri(path), uri=True)
        try:
            rows = conn.execute("PRAGMA quick_check(1)").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"quick_check failed: {exc}"
    first = " ".join(str(rows[0][0]).split()) if rows else "no answer"
    if first == "ok":
        return ""
    return f"quick_check: {first.removeprefix('*** in database main *** ')[:200]}"


def _memo_path() -> Path:
    return cache_dir() / _MEMO_FILE


def _load_memo() -> dict:
    global _memo
    path = _memo_path()
    if _memo is None or _memo.get("_path") != str(path):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not (isinstance(data.get("hashes"), dict) and isinstance(data.get("checks"), dict)):
                raise ValueError
        except (OSError, ValueError, AttributeError):
            data = {"hashes": {}, "checks": {}}
        data["_path"] = str(path)
        _memo = data
    return _memo


def _save_memo(memo: dict) -> None:
    path = _memo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"hashes": memo["hashes"], "checks": memo["checks"]}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)

"""Is a benchmark database whole, and is anything lying beside it?

A database whose header is intact but whose later pages are garbage opens fine and answers some
queries: without a check, its failures would be blamed on the model. SQLite's ``quick_check``
reads every page, so its verdict is memoised in the cache folder by the file's SHA-256 (itself
memoised by path, size and modification time), and a database is checked once per content.

Every connection here is immutable (``mode=ro&immutable=1``): opening a database in WAL mode
without it creates ``-wal``/``-shm`` files beside the data. Files like those (and ``-journal``)
left by something else are reported by :func:`stray_files`; immutable connections read the
database file alone, so they never change a verdict, with one exception: a *hot* WAL, whose
committed transactions were never copied into the database file (a writer crashed or still has
it open). Reading without it would score against stale data, and applying it would mean writing
beside the data (SQLite rebuilds the ``-shm`` index), so :func:`unapplied_wal` finds it and such
a database is unscorable ("unsettled") until its owner checkpoints or removes the WAL.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
import tempfile
from pathlib import Path
from urllib.parse import quote

from harness.paths import cache_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
STRAY_SUFFIXES = ("-wal", "-shm", "-journal")
_WAL_MAGIC = (0x377F0682, 0x377F0683)  # the WAL header's first word (checksum byte order)
_WAL_HEADER, _FRAME_HEADER = 32, 24
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


def unapplied_wal(path: Path) -> str | None:
    """What the ``-wal`` file beside the database at ``path`` would change were SQLite to apply
    it, or None: no such file, not a WAL, or only pages the database file already holds.

    Follows SQLite's WAL format: frames carry the header's salts until the first that does not
    (an older generation); a frame with a database size ends a committed transaction. The last
    committed version of each page is compared with the database file's page.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        with open(wal, "rb") as f:
            header = f.read(_WAL_HEADER)
            if len(header) < _WAL_HEADER:
                return None
            magic, _, page_size, _, *salts = struct.unpack(">6I", header[:24])
            if magic not in _WAL_MAGIC or page_size not in {2**k for k in range(9, 17)}:
                return None
            pages, size, commits = _committed_frames(f, page_size, tuple(salts))
            if not commits:
                return None
            changed = _changed_pages(path, f, pages, page_size, size)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{wal.name} cannot be read ({exc.strerror})"
    if not changed:
        return None
    return (
        f"{wal.name} holds {commits} committed transaction(s) changing {changed} page(s) that the "
        f"database file lacks; check it out with its owner, then apply it (sqlite3 {path.name} "
        f"'PRAGMA wal_checkpoint(TRUNCATE)') or remove it"
    )


def _committed_frames(f, page_size: int, salts: tuple[int, ...]) -> tuple[dict, int, int]:
    """(page number -> offset of its last committed copy, database pages after the last commit,
    committed transactions), reading frame headers from the WAL's first frame on."""
    end = os.fstat(f.fileno()).st_size
    committed: dict[int, int] = {}
    pending: dict[int, int] = {}
    size = commits = 0
    offset = _WAL_HEADER
    while offset + _FRAME_HEADER + page_size <= end:
        f.seek(offset)
        page, size_after, *frame_salts = struct.unpack(">4I", f.read(16))
        if tuple(frame_salts) != salts or page == 0:
            break
        pending[page] = offset + _FRAME_HEADER
        offset += _FRAME_HEADER + page_size
        if size_after:  # a commit frame
            committed.update(pending)
            pending.clear()
            size, commits = size_after, commits + 1
    return committed, size, commits


def _changed_pages(path: Path, wal, pages: dict[int, int], page_size: int, size: int) -> int:
    """How many of ``pages`` differ from the database file's (a different length counts as one)."""
    changed = int(path.stat().st_size != size * page_size)
    with open(path, "rb") as db:
        for page, offset in pages.items():
            wal.seek(offset)
            db.seek((page - 1) * page_size)
            changed += wal.read(page_size) != db.read(page_size)
    return changed


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

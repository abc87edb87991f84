"""Build an SQLite file from a sample database script, once per script version.

The scripts are the source of truth (reviewable text in the repository); the ``.sqlite`` files are a
cache. The file lives under a folder named by the script's hash, so editing a script yields a new
file instead of silently reusing a stale one, and it is written atomically, so a process that opens
it never sees half a database while another process is still building it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path


def build_database(script: Path, cache_root: Path) -> Path:
    """The SQLite file for ``script`` under ``cache_root``, built on first use.

    The path is ``<cache_root>/<first 16 hex of sha256(script)>/<db_id>/<db_id>.sqlite`` where
    ``db_id`` is the script's stem.
    """
    # Hash and build the same bytes, even if the script is edited meanwhile.
    text = script.read_bytes()
    db_id = script.stem
    path = cache_root / hashlib.sha256(text).hexdigest()[:16] / db_id / f"{db_id}.sqlite"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file sits in the same folder, so os.replace is an atomic rename.
    fd, tmp = tempfile.mkstemp(prefix=f".{db_id}.", suffix=".building", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript("BEGIN;\n" + text.decode("utf-8") + "\nCOMMIT;")
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path

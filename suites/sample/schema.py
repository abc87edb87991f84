"""A Spider ``tables.json`` entry read from an SQLite file's own catalogue.

The sample suite ships no ``tables.json``: deriving the entry from the built database means it can
never disagree with the data.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def schema_entry(path: Path, db_id: str) -> dict:
    """The ``tables.json``-style entry for the database at ``path``.

    Column indices count from the ``[-1, "*"]`` entry, as in Spider; ``primary_keys`` is flat (a
    composite key lists each of its columns) and ``foreign_keys`` holds ``[column, referenced]``
    index pairs. Types use Spider's words: ``number`` for numeric affinities, else ``text``.
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
        columns: list[list] = [[-1, "*"]]
        types = ["text"]
        primary_keys: list[int] = []
        index: dict[tuple[str, str], int] = {}
        pk_of: dict[str, list[str]] = {}
        for t, table in enumerate(tables):
            info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            for _cid, name, decl, _notnull, _default, _pk in info:
                index[(table, name)] = len(columns)
                columns.append([t, name])
                types.append(_spider_type(decl))
            keyed = sorted((pk, name) for _cid, name, _d, _n, _df, pk in info if pk)
            pk_of[table] = [name for _pk, name in keyed]
            primary_keys += [index[(table, name)] for name in pk_of[table]]
        foreign_keys = []
        for table in tables:
            rows = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
            for _id, seq, ref_table, src, dst, *_ in rows:
                dst = dst or pk_of[ref_table][seq]  # REFERENCES t without a column means t's key
                foreign_keys.append([index[(table, src)], index[(ref_table, dst)]])
    finally:
        conn.close()
    return {
        "db_id": db_id,
        "table_names_original": tables,
        "table_names": [t.replace("_", " ") for t in tables],
        "column_names_original": columns,
        "column_names": [[t, n if t < 0 else n.replace("_", " ")] for t, n in columns],
        "column_types": types,
        "primary_keys": primary_keys,
        "foreign_keys": sorted(foreign_keys),
    }


def _spider_type(declared: str) -> str:
    declared = declared.upper()
    numeric = ("INT", "REAL", "FLOA", "DOUB", "NUM", "DEC")
    return "number" if any(word in declared for word in numeric) else "text"

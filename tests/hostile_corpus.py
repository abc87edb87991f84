"""The hostile-input corpus: predictions a looping model or an attacker would send.

Each case names its class (what it attacks), the SQL (or raw bytes) of the prediction, and the
verdict reason the harness must give it, the same on every run, for any number of workers and
on a big or a small machine. ``tests/test_hostile.py`` runs them all against real Spider
databases; the classes are those of issue 9.
"""

from __future__ import annotations

from dataclasses import dataclass

A_4MB = "replace(hex(zeroblob(2000000)), '0', 'a')"  # 4,000,000 'a' characters, built in SQLite


def _a(n: int) -> str:
    return f"replace(hex(zeroblob({n // 2})), '0', 'a')"


@dataclass(frozen=True)
class Case:
    kind: str  # time, memory, bad prediction, write
    title: str
    sql: str | bytes  # bytes: written to the predictions file as they are
    reason: str  # the verdict reason it must get (a prefix for pred_error:<SQLite message>)


CASES = [
    # -- time: work inside one SQLite step, which the progress handler cannot stop ----------
    Case("time", "instr over megabytes", f"SELECT instr({A_4MB}, {_a(200_000)} || 'b')",
         "pred_timeout"),
    Case("time", "LIKE with a long pattern", f"SELECT {A_4MB} LIKE '%' || {_a(990)} || 'b'",
         "pred_timeout"),
    Case("time", "GLOB with a long pattern", f"SELECT {A_4MB} GLOB '*' || {_a(990)} || 'd'",
         "pred_timeout"),
    Case("time", "LIKE pattern over the limit", f"SELECT 'x' LIKE {_a(5000)}",
         "pred_error:LIKE or GLOB pattern too complex"),
    Case("time", "printf with many wide directives",
         "SELECT printf('" + "%.*c" * 40 + "', " + ", ".join(["1000000, 'x'"] * 40) + ")",
         "rows_differ"),
    Case("time", "endless recursive CTE",
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
         "pred_timeout"),
    Case("time", "huge cross join", "SELECT count(*) FROM singer a, singer b, singer c, singer d,"
         " singer e, singer f, singer g, singer h, singer i, singer j", "pred_timeout"),
    # -- memory: results that would be held whole ---------------------------------------------
    Case("memory", "zeroblob rows", "SELECT zeroblob(8000000) FROM singer a, singer b",
         "pred_error:result too large"),
    Case("memory", "a thousand rows of 100 kB",
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000) "
         "SELECT x, hex(zeroblob(50000)) FROM c", "pred_error:result too large"),
    Case("memory", "one value over the length limit", "SELECT length(zeroblob(2000000000))",
         "pred_error:string or blob too big"),
    Case("memory", "rows over the row cap",
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000) "
         "SELECT x FROM c", "pred_error:result exceeds the row cap"),
    # -- bad predictions: judged on their own, the file stands --------------------------------
    Case("bad prediction", "2-million-character statement", "SELECT " + "1 + " * 500_000 + "1",
         "pred_error:statement over 100000 characters"),
    Case("bad prediction", "bytes that are not UTF-8", b"SELECT '\xff\xfe' FROM singer",
         "pred_error:not valid UTF-8 text"),
    Case("bad prediction", "a NUL character", "SELECT 1\x00; DROP TABLE singer",
         "pred_error:"),
    # -- writes: the data never changes ------------------------------------------------------
    Case("write", "drop table", "DROP TABLE singer", "pred_error:not authorized"),
    Case("write", "vacuum into", "VACUUM INTO '/tmp/hostile-copy.sqlite'",
         "pred_error:authorization denied"),
    Case("write", "journal mode", "PRAGMA journal_mode = WAL", "pred_error:not authorized"),
]

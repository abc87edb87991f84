"""Built-in benchmark suites: ``spider``, ``bird`` and the embedded ``sample`` suite."""

from __future__ import annotations

import re

from harness.errors import DataError

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def plain_db_id(value: object, where: object) -> str:
    """``value`` if it is a plain database name, else a DataError naming ``where`` it was read.

    A db_id becomes a folder and a file name under the data root, so a question file saying
    ``../../x`` would open whatever SQLite file lies there: letters, digits, ``_``, ``.`` and
    ``-`` only, not starting with a dot (every Spider, BIRD and robustness db_id is such a name).
    """
    if isinstance(value, str) and _PLAIN_NAME.fullmatch(value):
        return value
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:60] + "…"
    raise DataError(
        f"{where}: db_id {shown} is not a plain database name (letters, digits, '_', '.', '-'); "
        f"the file is damaged or was edited, re-download it.",
        path=str(where),
    )

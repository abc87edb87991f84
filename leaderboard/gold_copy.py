"""Is a submission the benchmark's own gold SQL? The share of predictions that equal it.

Uploading the split's gold SQL scores 100% and would rank first. Models do write a gold query
word for word on some easy questions, so one match means nothing; a large share does. Texts are
compared after sqlglot normalisation (SQLite dialect: keyword and identifier case,
whitespace, identifier quoting, comments; string literals keep their case), so
re-formatting the gold does not hide a copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# Above this share a verified submission is flagged (the share is stored and shown either way).
# Measured on the project's own runs: Qwen2.5-Coder-0.5B prompting writes 22.2% of Spider dev's
# gold SQL word for word (EX 46.8%) and 29.8% of the sample suite's (EX 56.1%); a copy of the gold
# scores 100%. A strong model's honest share stays well below its EX.
GOLD_COPY_FLAG_SHARE = 0.5
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalise_sql(sql: str) -> str:
    """One canonical text per query, for equality only.

    >>> normalise_sql("select  name FROM Singer ;") == normalise_sql('SELECT "name"\\nfrom singer')
    True
    >>> normalise_sql("SELECT a FROM t WHERE") == normalise_sql("select a from t where")
    True
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    text = sql.strip().rstrip(";").strip()
    try:
        statements = [s for s in sqlglot.parse(text, read="sqlite") if s is not None]
        if len(statements) == 1:
            tree = statements[0]
            for node in tree.find_all(exp.Identifier):  # SQLite: "Name" is name
                node.set("quoted", False)
                node.set("this", str(node.this).lower())
            canonical = tree.sql(dialect="sqlite", comments=False)
            return _SPACE.sub(" ", canonical).strip()
    except (SqlglotError, RecursionError, ValueError, TypeError):
        pass  # not parseable: compare the text itself
    return _SPACE.sub(" ", text).lower()


def gold_copy_share(predictions: Mapping[int, str | None], gold: Mapping[int, str]) -> float | None:
    """The share of the split's questions whose prediction equals the gold SQL after
    normalisation (None for an empty split).

    >>> gold_copy_share({1: "select 1", 2: "SELECT 2"}, {1: "SELECT 1", 2: "SELECT 3"})
    0.5
    """
    if not gold:
        return None
    same = sum(
        1 for qid, g in gold.items()
        if predictions.get(qid) and g and normalise_sql(predictions[qid]) == normalise_sql(g)
    )
    return round(same / len(gold), 6)


__all__ = ["GOLD_COPY_FLAG_SHARE", "gold_copy_share", "normalise_sql"]

"""Which Spider dev question each reworded question comes from, and Spider-DK's type labels.

Spider-Syn keeps Spider dev's order (its ``SpiderQuestion`` is the original wording), so there
the mapping is the index. Spider-Realistic is a 508-question subset that names no source id, so
:func:`align_to_spider` finds it: a question pairs with the unused Spider dev question on the same
database with the same gold SQL (whitespace, case and quotes aside) whose wording overlaps most;
failing an SQL match (Spider's 2020 corrections changed some gold SQL), with the most similar
question on that database if at least half their words are shared; otherwise with none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.core import Example

MIN_WORD_OVERLAP = 0.5  # Jaccard similarity of word sets, for a match without the same SQL

# Spider-DK's ``type``: 0 needs no domain knowledge, 1-5 are the paper's T1-T5, and a
# multi-digit value combines types (34 = T3 and T4).
KNOWLEDGE_TYPES = {
    "none": "no domain knowledge needed (the Spider question, asked of the DK databases)",
    "T1": "columns left implicit in the question (e.g. 'list the singers' means their name)",
    "T2": "a simple inference (e.g. 'the oldest' means the largest age)",
    "T3": "a synonym for a cell value (e.g. 'American' for 'USA')",
    "T4": "a word that implies a condition on a non-cell value",
    "T5": "a phrase whose meaning in this domain differs from elsewhere",
}


def knowledge_type(value) -> str | None:
    """Spider-DK's ``type`` as a label.

    >>> [knowledge_type(v) for v in (0, 3, 34, "23", None)]
    ['none', 'T3', 'T3+T4', 'T2+T3', None]
    """
    if value is None:
        return None
    digits = str(value).strip()
    if not digits.isdigit():
        return f"type {digits}"
    if int(digits) == 0:
        return "none"
    return "+".join(f"T{d}" for d in digits)


def normalise_sql(sql: str) -> str:
    """SQL text with case, quotes, spacing and a trailing semicolon made uniform.

    >>> normalise_sql('SELECT T2.name ,  count(*) FROM a AS T2 WHERE x  =  "b";')
    "select t2.name,count(*) from a as t2 where x='b'"
    """
    text = sql.strip().rstrip(";").lower().replace('"', "'")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([(,=<>!])\s*", r"\1", text)
    return re.sub(r"\s+\)", ")", text)


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def align_to_spider(records: Sequence[dict], spider_dev: Sequence[Example]) -> list[int | None]:
    """For each record (``db_id``, ``query``, ``question``), the Spider dev question_id it rewords.

    Each Spider question is used at most once. Exact-SQL matches are made first, in file order,
    so a question without one cannot take another's partner.

    >>> dev = [Example(0, "a", "How many singers are there?", "SELECT count(*) FROM singer"),
    ...        Example(1, "a", "Count the singers.", "SELECT count(*) FROM singer"),
    ...        Example(2, "a", "Names of singers aged 30?", "SELECT name FROM singer WHERE age=30")]
    >>> align_to_spider([
    ...     {"db_id": "a", "question": "Count them.", "query": "select count(*) from singer"},
    ...     {"db_id": "a", "question": "Names of those aged 30?", "query": "SELECT x FROM y"},
    ...     {"db_id": "b", "question": "Unrelated", "query": "SELECT 1"}], dev)
    [1, 2, None]
    """
    by_sql: dict[tuple[str, str], list[Example]] = {}
    by_db: dict[str, list[Example]] = {}
    for e in spider_dev:
        by_sql.setdefault((e.db_id, normalise_sql(e.gold_sql)), []).append(e)
        by_db.setdefault(e.db_id, []).append(e)
    words = {e.question_id: _words(e.question) for e in spider_dev}
    used: set[int] = set()
    result: list[int | None] = [None] * len(records)

    def best(candidates: list[Example], question: str) -> tuple[float, int] | None:
        mine = _words(question)
        scored = [
            (_overlap(mine, words[e.question_id]), -e.question_id)
            for e in candidates
            if e.question_id not in used
        ]
        return max(scored) if scored else None

    for i, r in enumerate(records):
        key = (r["db_id"], normalise_sql(r["query"]))
        found = best(by_sql.get(key, []), r["question"])
        if found is not None:
            result[i] = -found[1]
            used.add(-found[1])
    for i, r in enumerate(records):
        if result[i] is not None:
            continue
        found = best(by_db.get(r["db_id"], []), r["question"])
        if found is not None and found[0] >= MIN_WORD_OVERLAP:
            result[i] = -found[1]
            used.add(-found[1])
    return result

"""Reasoning traces as SFT targets: derived from the gold SQL and the schema, or read from a file.

Shared by ``sft`` (``traces``), GRPO's and FINER-SQL's warm start (``warm_start``) and FINER-SQL's
memory seed, so no method imports another for its training data. Where the derived traces come from:

FINER-SQL's format gate gives every completion of a model that has not learned
``<think>…</think>SQL`` a reward of 0, so GRPO gets no signal from such a model. The paper
starts GRPO from a model fine-tuned on teacher reasoning traces (reference/finer-sql.md §1).
Without a teacher, this module writes a deterministic trace from the gold SQL itself: the tables
and ``table.column`` names the question needs, joins, filters, grouping, aggregation, ordering and
limit, in plain sentences. It is a scaffold that teaches the format and ties the reasoning to the
schema; a dataset with real traces can be supplied instead (``warm_start_traces``).

Example:
    >>> columns = {"singer": ["singer_id", "name", "age"], "concert": ["concert_id", "singer_id"]}
    >>> print(reasoning_trace(
    ...     "SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON T1.singer_id = T2.singer_id "
    ...     "WHERE T1.age > 20 ORDER BY T1.age DESC LIMIT 1", "Oldest singer with a concert?",
    ...     columns))
    The question asks: Oldest singer with a concert? It needs the tables singer, concert and the \
columns singer.name, singer.singer_id, concert.singer_id, singer.age. Join singer with concert \
on singer.singer_id = concert.singer_id. Keep only the rows where singer.age > 20. Return \
singer.name. Sort the result by singer.age in descending order. Keep only the first 1 rows. \
Now write this as one SQLite query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from harness.errors import ConfigError
from harness.suite import Suite

_AGG_WORDS = {
    "COUNT": "the number of",
    "SUM": "the total of",
    "AVG": "the average of",
    "MIN": "the minimum of",
    "MAX": "the maximum of",
}


def table_columns(db_path: str | Path) -> dict[str, list[str]]:
    """``{table: [column, …]}`` of an SQLite file, read-only, in declaration order."""
    uri = f"{Path(db_path).resolve().as_uri()}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            out[name] = [r[1] for r in conn.execute(f"PRAGMA table_info({quoted})")]
        return out
    finally:
        conn.close()


def wrap_trace(trace: str, sql: str) -> str:
    """The completion the model is taught: ``<think>\\ntrace\\n</think>\\nSQL``."""
    return f"<think>\n{trace.strip()}\n</think>\n{sql.strip()}"


def reasoning_trace(sql: str, question: str, columns: Mapping[str, Sequence[str]]) -> str:
    """A plain-language plan of ``sql`` that names tables and ``table.column``s.

    Falls back to a shorter trace (the question and the tables the SQL mentions) when sqlglot
    cannot parse the SQL.
    """
    try:
        root = sqlglot.parse_one(sql, read="sqlite")
    except (SqlglotError, ValueError, RecursionError):
        root = None
    lower_columns = {t.lower(): [c.lower() for c in cols] for t, cols in columns.items()}
    real_names = {t.lower(): t for t in columns}
    if root is None:
        mentioned = [t for t in columns if t.lower() in sql.lower()]
        return (
            f"The question asks: {question.strip()} The answer comes from the tables "
            f"{', '.join(mentioned) or 'of the schema'}; write one SQLite query that returns it."
        )
    return _Planner(lower_columns, real_names).plan(root, question)


class _Planner:
    def __init__(self, columns: dict[str, list[str]], real_names: dict[str, str]):
        self.columns = columns
        self.real = real_names

    def plan(self, root: exp.Expression, question: str) -> str:
        sentences = [f"The question asks: {question.strip()}"]
        selects = list(root.find_all(exp.Select))
        tables, used = [], []
        for select in selects:
            aliases = self._aliases(select)
            for table in aliases.values():
                if table not in tables:
                    tables.append(table)
            for column in select.find_all(exp.Column):
                if column.find_ancestor(exp.Select) is not select:
                    continue
                name = self._qualified(column, aliases)
                if name and name not in used:
                    used.append(name)
        needs = f"It needs the table{'s' if len(tables) > 1 else ''} {', '.join(tables)}"
        if used:
            needs += f" and the column{'s' if len(used) > 1 else ''} {', '.join(used)}"
        sentences.append(needs + ".")
        if isinstance(root, exp.SetOperation):
            word = {"union": "Combine", "intersect": "Intersect", "except": "Subtract"}[root.key]
            sentences.append(f"{word} the results of two queries ({root.key.upper()}).")
            for side, part in (("first", root.left), ("second", root.right)):
                sentences.append(f"In the {side} query:")
                sentences.extend(self._clauses(part))
        else:
            sentences.extend(self._clauses(root))
        nested = len(selects) - (2 if isinstance(root, exp.SetOperation) else 1)
        if nested > 0:
            sentences.append(f"It uses {nested} nested subquer{'ies' if nested > 1 else 'y'}.")
        sentences.append("Now write this as one SQLite query.")
        return " ".join(sentences)

    # -- clauses of one SELECT -----------------------------------------------------------------
    def _clauses(self, select: exp.Expression) -> list[str]:
        if isinstance(select, exp.Subquery):
            select = select.this
        if not isinstance(select, exp.Select):
            return []
        aliases = self._aliases(select)
        out = []
        source = select.args.get("from_")
        base = self._source_name(source.this, aliases) if source is not None else None
        for join in select.args.get("joins") or []:
            other = self._source_name(join.this, aliases)
            on = join.args.get("on")
            text = f"Join {base} with {other}"
            if on is not None:
                text += f" on {self._text(on, aliases)}"
            out.append(text + ".")
        if where := select.args.get("where"):
            out.append(f"Keep only the rows where {self._text(where.this, aliases)}.")
        if group := select.args.get("group"):
            keys = ", ".join(self._text(e, aliases) for e in group.expressions)
            out.append(f"Group the rows by {keys}.")
        if having := select.args.get("having"):
            out.append(f"Keep only the groups where {self._text(having.this, aliases)}.")
        outputs = [self._describe(e, aliases) for e in select.expressions]
        distinct = "the distinct values of " if select.args.get("distinct") else ""
        out.append(f"Return {distinct}{', '.join(outputs)}.")
        if order := select.args.get("order"):
            keys = ", ".join(
                f"{self._text(o.this, aliases)} in "
                f"{'descending' if o.args.get('desc') else 'ascending'} order"
                for o in order.expressions
            )
            out.append(f"Sort the result by {keys}.")
        if limit := select.args.get("limit"):
            out.append(f"Keep only the first {self._text(limit.expression, aliases)} rows.")
        return out

    def _describe(self, e: exp.Expression, aliases: dict[str, str]) -> str:
        target = e.this if isinstance(e, exp.Alias) else e
        if isinstance(target, exp.Func) and target.sql_name().upper() in _AGG_WORDS:
            arg = target.this
            if isinstance(arg, exp.Star) or arg is None:
                return "the number of rows" if target.sql_name().upper() == "COUNT" else "*"
            return f"{_AGG_WORDS[target.sql_name().upper()]} {self._text(arg, aliases)}"
        if isinstance(target, exp.Star):
            return "all columns"
        return self._text(target, aliases)

    # -- names ---------------------------------------------------------------------------------
    def _aliases(self, select: exp.Expression) -> dict[str, str]:
        """``{alias or table name (lower): real table name}`` for the SELECT's own sources."""
        out: dict[str, str] = {}
        sources = []
        if (source := select.args.get("from_")) is not None:
            sources.append(source.this)
        sources.extend(j.this for j in select.args.get("joins") or [])
        for s in sources:
            if isinstance(s, exp.Table):
                real = self.real.get(s.name.lower(), s.name)
                out[(s.alias or s.name).lower()] = real
                out[s.name.lower()] = real
        return out

    def _source_name(self, source: exp.Expression, aliases: dict[str, str]) -> str:
        if isinstance(source, exp.Table):
            return self.real.get(source.name.lower(), source.name)
        return "a subquery"

    def _qualified(self, column: exp.Column, aliases: dict[str, str]) -> str | None:
        name = column.name
        if column.table:
            table = aliases.get(column.table.lower())
            return f"{table}.{name}" if table else None
        owners = [
            t
            for t in dict.fromkeys(aliases.values())
            if name.lower() in self.columns.get(t.lower(), [])
        ]
        return f"{owners[0]}.{name}" if len(owners) == 1 else None

    def _text(self, node: exp.Expression, aliases: dict[str, str]) -> str:
        """The expression's SQL with aliases replaced by table names and columns qualified."""

        def rename(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Column) and n.find_ancestor(exp.Subquery) is None:
                qualified = self._qualified(n, aliases)
                if qualified:
                    table, _, col = qualified.partition(".")
                    return exp.column(col, table=table)
            return n

        return node.copy().transform(rename).sql(dialect="sqlite")


def load_trace_file(path: str | Path) -> dict[int, str]:
    """``{question_id: trace}`` from a JSONL file (``trace``, or a full ``completion``)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Reasoning-trace file {path} does not exist.")
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out[int(row["question_id"])] = row.get("trace") or row["completion"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}:{n}: each line needs question_id and trace (or completion): {exc}"
            ) from exc
    return out


def sft_targets(suite: Suite, examples, traces: str, traces_path: str | None) -> dict[int, str]:
    """The assistant answer for each example: the SQL, or ``<think>trace</think>SQL``."""
    if traces == "none":
        return {e.question_id: e.gold_sql.strip() for e in examples}
    if traces == "dataset":
        supplied = load_trace_file(traces_path)
        out = {}
        for e in examples:
            text = supplied.get(e.question_id)
            if text is None:
                continue
            out[e.question_id] = text if "</think>" in text else wrap_trace(text, e.gold_sql)
        return out
    columns: dict[str, dict] = {}
    out = {}
    for e in examples:
        if e.db_id not in columns:
            columns[e.db_id] = table_columns(suite.database(e.db_id).path)
        trace = reasoning_trace(e.gold_sql, e.question, columns[e.db_id])
        out[e.question_id] = wrap_trace(trace, e.gold_sql)
    return out

"""Spider's hardness levels (easy, medium, hard, extra), reproduced with sqlglot.

The official evaluator (``Evaluator.eval_hardness`` in taoyds/spider and taoyds/test-suite-sql-eval
``evaluation.py``) grades the *gold* SQL with three counters over the dict that its own
``process_sql.py`` builds. We compute the same counters from a sqlglot tree, quirks included,
because per-difficulty accuracy is only comparable with published numbers if every example lands
in the same bucket. The counters only look at the outermost query (for a set operation, its
leftmost SELECT); nested queries add to ``component2`` and are not graded themselves.

Much valid SQLite makes the official parser crash (a select alias, ``IS NULL``, ``EXISTS``,
parenthesised conditions, comma joins). Such SQL is still graded here by the same counters, so
it gets a level although the official evaluator has none to compare with.

sqlglot is imported inside the functions that parse: with a warm cache, ``cached_hardness`` only
reads a JSON file, so starting an evaluation does not pay for importing a SQL parser.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.paths import cache_dir

if TYPE_CHECKING:
    from sqlglot import exp

# Bump whenever a rule below changes: it is part of the cache key, so stale levels are never read.
HARDNESS_VERSION = "1"
LEVELS = ("easy", "medium", "hard", "extra")


@dataclass(frozen=True)
class HardnessCounts:
    """The official evaluator's three counters, kept to explain a level.

    ``component1``: WHERE, GROUP BY, ORDER BY, LIMIT, joins, ORs and LIKEs (``count_component1``).
    ``component2``: nested queries (``count_component2``).
    ``others``: several aggregates, columns, conditions or group keys (``count_others``).

    >>> HardnessCounts(component1=1, component2=0, others=0).level
    'easy'
    """

    component1: int
    component2: int
    others: int

    @property
    def level(self) -> str:
        """The decision table of ``eval_hardness``, checked top to bottom as it is there."""
        c1, c2, others = self.component1, self.component2, self.others
        if c1 <= 1 and others == 0 and c2 == 0:
            return "easy"
        if (others <= 2 and c1 <= 1 and c2 == 0) or (c1 <= 2 and others < 2 and c2 == 0):
            return "medium"
        if (
            (others > 2 and c1 <= 2 and c2 == 0)
            or (2 < c1 <= 3 and others <= 2 and c2 == 0)
            or (c1 <= 1 and others == 0 and c2 <= 1)
        ):
            return "hard"
        return "extra"


def spider_hardness(sql: str) -> str:
    """The Spider hardness level of one gold query.

    Example:
        >>> spider_hardness("SELECT count(*) FROM singer")
        'easy'
        >>> spider_hardness("SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)")
        'hard'

    Raises:
        ValueError: when sqlglot cannot parse ``sql`` as a query (the official parser would
            crash too); ``cached_hardness`` turns this into ``None`` instead.
    """
    return hardness_counts(sql).level


def hardness_counts(sql: str) -> HardnessCounts:
    """The three counters behind :func:`spider_hardness`.

    >>> hardness_counts("SELECT a FROM t WHERE b = 1 OR c LIKE 'x%'")
    HardnessCounts(component1=3, component2=0, others=1)
    """
    from sqlglot import exp

    tree = _parse(sql)
    main = _leftmost_select(tree)
    on = _on_conditions(main)
    where = _condition(main.args.get("where"))
    having = _condition(main.args.get("having"))
    group = main.args["group"].expressions if main.args.get("group") else []
    order = [o.this for o in main.args["order"].expressions] if main.args.get("order") else []

    tables = (1 if main.args.get("from_") else 0) + len(main.args.get("joins") or [])
    component1 = (
        bool(where.units)
        + bool(group)
        + bool(order)
        + bool(main.args.get("limit"))
        + max(tables - 1, 0)
        + sum(c.connectors.count("or") for c in (on, where, having))
        + sum(_is_like(u) for c in (on, where, having) for u in c.units)
    )

    # INTERSECT/UNION/EXCEPT count once: the official parser nests a chain to the right, so the
    # outer query holds only one of them.
    component2 = sum(_subquery_operands(u) for c in (on, where, having) for u in c.units)
    component2 += isinstance(tree, exp.SetOperation)

    aggregates = (
        # Only the outer aggregate of a select item: process_sql keeps one agg_id per item, and
        # a parenthesised one, as in `(count(*))`, lands in the inner column unit, unseen.
        sum(_is_agg(_unalias(e), unparen=False) for e in main.expressions)
        # Quirk: count_agg(sql['where'][::2]) reads cond_unit[0], the NOT flag.
        + sum(_is_negated(u) for u in where.units)
        + sum(_is_agg(g) for g in group)
        + sum(_is_agg(side) for o in order for side in _arithmetic_sides(o))
        # Quirk: count_agg(sql['having']) also walks the 'and'/'or' strings, whose [0] is a
        # letter, never the 0 of "no aggregate"; for cond units it reads the NOT flag again.
        + sum(_is_negated(u) for u in having.units)
        + len(having.connectors)
    )
    others = (
        (aggregates > 1) + (len(main.expressions) > 1) + (len(where.units) > 1) + (len(group) > 1)
    )
    return HardnessCounts(int(component1), int(component2), int(others))


def cached_hardness(sqls: Sequence[str]) -> list[str | None]:
    """:func:`spider_hardness` for many queries, with ``None`` where one cannot be parsed.

    The levels are kept in ``cache_dir()/hardness/<sha256>.json``, keyed by ``HARDNESS_VERSION``
    and every query, so loading a suite a second time costs a file read, not a second of parsing.
    One bad gold in a user's data gives ``None`` for that example instead of failing the load.
    """
    path = _cache_path(sqls)
    cached = _read_levels(path, len(sqls))
    if cached is not None:
        return cached
    levels = []
    for sql in sqls:
        try:
            levels.append(spider_hardness(sql))
        except ValueError:
            levels.append(None)
    _write_atomically(path, levels)
    return levels


@dataclass(frozen=True)
class _Condition:
    """A condition flattened as process_sql keeps it: units, and the and/or between them."""

    units: list[exp.Expression]
    connectors: list[str]


def _parse(sql: str) -> exp.Expression:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except SqlglotError as e:
        errors = getattr(e, "errors", None)
        detail = errors[0]["description"] if errors else str(e)
        raise ValueError(f"cannot grade hardness: sqlglot cannot parse {sql!r}: {detail}") from e
    if isinstance(tree, exp.Query):
        return tree
    raise ValueError(f"cannot grade hardness: {sql!r} is not a SELECT query")


def _leftmost_select(tree: exp.Expression) -> exp.Select:
    """The SELECT whose clauses are graded: process_sql reads `A UNION B` as A with B nested."""
    from sqlglot import exp

    node = tree
    while isinstance(node, (exp.SetOperation, exp.Subquery, exp.Paren)):
        node = node.this
    if isinstance(node, exp.Select):
        return node
    raise ValueError(f"cannot grade hardness: no SELECT in {tree.sql()!r}")


def _condition(clause: exp.Expression | None) -> _Condition:
    if clause is None:
        return _Condition([], [])
    return _as_process_sql_reads(_flatten(clause.this))


def _as_process_sql_reads(cond: _Condition) -> _Condition:
    """Drop the units that process_sql's parse_value skips after a column-valued comparison.

    When a condition's value is a column (`T2.Mar < T2.Jul`), parse_value scans ahead to the
    next ',', ')', 'and', clause or join keyword and ignores the tokens in between. So in
    `a < b OR c > d AND e = 1` the official dict keeps only `a < b AND e = 1`: the OR and the
    condition after it count for nothing. (A skipped condition holding a parenthesis, a subquery
    or a BETWEEN makes the official parser stop early or fail; that is not modelled.)
    """
    if not cond.units:
        return cond
    units, connectors = [cond.units[0]], []
    skipping = _value_is_column(cond.units[0])
    for connector, unit in zip(cond.connectors, cond.units[1:]):
        if skipping and connector == "or":
            continue
        units.append(unit)
        connectors.append(connector)
        skipping = _value_is_column(unit)
    return _Condition(units, connectors)


def _value_is_column(unit: exp.Expression) -> bool:
    """Whether the value parse_value reads last for this unit starts with a column reference."""
    from sqlglot import exp

    predicate = _predicate(unit)
    if isinstance(predicate, exp.Between):
        value = predicate.args.get("high")
    elif isinstance(predicate, (exp.Binary, exp.Like)):
        value = predicate.expression
    else:
        return False
    while isinstance(value, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        value = value.this
    # `"John"` is a string to process_sql (it quotes values with ") but a column to sqlglot.
    is_string = isinstance(value, exp.Column) and not value.table and value.this.quoted
    return isinstance(value, exp.Column) and not is_string


def _flatten(node: exp.Expression) -> _Condition:
    """In-order AND/OR leaves: process_sql reads a condition as a flat list, left to right."""
    from sqlglot import exp

    node = _unparen(node)
    if isinstance(node, exp.Connector):
        left, right = _flatten(node.this), _flatten(node.expression)
        op = "or" if isinstance(node, exp.Or) else "and"
        return _Condition(left.units + right.units, left.connectors + [op] + right.connectors)
    return _Condition([node], [])


def _on_conditions(select: exp.Select) -> _Condition:
    """All ON conditions as one list, joined by 'and' as parse_from does."""
    units: list[exp.Expression] = []
    connectors: list[str] = []
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is None:
            continue
        this = _as_process_sql_reads(_flatten(on))
        if units:
            connectors.append("and")
        units += this.units
        connectors += this.connectors
    return _Condition(units, connectors)


def _is_negated(unit: exp.Expression) -> bool:
    """process_sql's not_op: `NOT IN`, `NOT LIKE`, `NOT BETWEEN`."""
    from sqlglot import exp

    return isinstance(unit, exp.Not) or bool(unit.args.get("negate"))


def _predicate(unit: exp.Expression) -> exp.Expression:
    from sqlglot import exp

    return _unparen(unit.this) if isinstance(unit, exp.Not) else unit


def _is_like(unit: exp.Expression) -> bool:
    from sqlglot import exp

    return isinstance(_predicate(unit), exp.Like)


def _subquery_operands(unit: exp.Expression) -> int:
    """Queries among a condition's operands (val1, val2): `IN (SELECT ...)`, `> (SELECT ...)`.

    A query on the left, or under EXISTS, counts too; process_sql cannot parse either.
    """
    from sqlglot import exp

    count = 0
    for value in _predicate(unit).args.values():
        for operand in value if isinstance(value, list) else [value]:
            if isinstance(operand, exp.Expression) and isinstance(
                _unparen(operand), (exp.Subquery, exp.Query)
            ):
                count += 1
    return count


def _arithmetic_sides(node: exp.Expression) -> list[exp.Expression]:
    """An ORDER BY val_unit's column units: both sides of `a - b`, else the item itself."""
    from sqlglot import exp

    node = _unparen(node)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        return [node.this, node.expression]
    return [node]


def _is_agg(node: exp.Expression, unparen: bool = True) -> bool:
    from sqlglot import exp

    if unparen:
        node = _unparen(node)
    return isinstance(node, (exp.Max, exp.Min, exp.Count, exp.Sum, exp.Avg))


def _unparen(node: exp.Expression) -> exp.Expression:
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _unalias(node: exp.Expression) -> exp.Expression:
    from sqlglot import exp

    return node.this if isinstance(node, exp.Alias) else node


def _cache_path(sqls: Sequence[str]) -> Path:
    digest = hashlib.sha256("\0".join([HARDNESS_VERSION, *sqls]).encode()).hexdigest()
    return cache_dir() / "hardness" / f"{digest}.json"


def _read_levels(path: Path, n: int) -> list[str | None] | None:
    """The cached levels, or None when absent or unreadable (a torn or foreign file is redone)."""
    try:
        with open(path, encoding="utf-8") as f:
            levels = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(levels, list) or len(levels) != n:
        return None
    if not all(level is None or level in LEVELS for level in levels):
        return None
    return levels


def _write_atomically(path: Path, levels: list[str | None]) -> None:
    """A reader never sees half a file; a read-only cache is fine (nothing is written)."""
    from harness.files import write_text_atomic  # only when writing

    try:
        write_text_atomic(path, json.dumps(levels))
    except OSError:
        pass

"""Atomic-operation credit: how much of the gold query's structure a wrong prediction got right.

A query is decomposed with sqlglot (dialect ``sqlite``) into a set of short operation strings
(``FROM(singer as T1)``, ``WHERE_PRED(GT, age, VALUE(20))``, ``SELECT_AGG(COUNT, *)``…). The credit
for a prediction is the Jaccard overlap of its set with the gold's, passed through a concave
shaping function ``f(s) = e·s + (1 − e)·β·s^γ`` and maxed over every gold variant
(reference/finer-sql.md §2.4).

Two behaviours (§8.1; docs/training.md lists every difference with an example):

* **as intended** (default): FROM sources are emitted with canonical per-scope aliases
  ``T1, T2, …`` (FROM first, then JOINs in order), so ``FROM singer`` and ``FROM singer AS s``
  give the same operations; ``ON_EQ`` uses those aliases; ``JOIN`` names the table and its kind
  (``LEFT`` included); aggregates are named by their function (``SELECT_AGG(COUNT, *)``);
  brackets do not matter (``(a AND b) AND c`` is three conditions); a set operation's ORDER BY
  and LIMIT are operations; CTE bodies, joins and set-operation branches stay in their own scope.
* **as released** (``upstream_compat=True``): exactly what the released code produces under
  modern sqlglot (checked on every Spider and BIRD gold by
  ``scripts/compare_finer_sql_upstream.py``). Its FROM lookup finds nothing, so no FROM ops and
  raw aliases (``JOIN(concert.t2, INNER)``, ``ON_EQ(T1.id, T2.singer_id)``); it names a
  function by its first argument, so aggregates become ``SELECT_EXPR(AVG(age))`` and
  ``COUNT(*)`` becomes ``SELECT_EXPR(*(*))``; a bracketed ``(a AND b)`` stays one condition;
  joins inside subqueries count in the outer scope too; no CTE ops; a set operation repeats its
  left branch; a query with a literal projection or an unknown function has no operations.

Example:
    >>> sorted(atomic_ops("SELECT count(*) FROM singer AS s WHERE s.age > 20"))
    ['FROM(singer as T1)', 'SELECT_AGG(COUNT, *)', 'WHERE_PRED(GT, age, VALUE(20))']
    >>> sorted(atomic_ops("SELECT count(*) FROM singer WHERE age > 20", upstream_compat=True))
    ['SELECT_EXPR(*(*))', 'WHERE_PRED(GT, age, VALUE(20))']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

AGGREGATES = {"COUNT", "SUM", "AVG", "MIN", "MAX"}
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


@dataclass(frozen=True)
class Shaping:
    """``f(s) = e·s + (1 − e)·β·s^γ``: the credit for a Jaccard overlap ``s`` in [0, 1].

    >>> round(SHAPINGS["s3"](0.5), 3), round(SHAPINGS["s3"](1.0), 4)
    (0.678, 0.8005)
    """

    e: float
    beta: float
    gamma: float

    def __call__(self, s: float) -> float:
        return self.e * s + (1.0 - self.e) * self.beta * s**self.gamma


#: The variants of reference/finer-sql.md §2.4; ``s3`` is the released default.
SHAPINGS = {
    "s3": Shaping(0.05, 0.79, 0.20),
    "first-commit": Shaping(0.7, 0.3, 3.0),
    "class-defaults": Shaping(0.30, 0.71, 5.0),
}


def atomic_ops(sql: str, upstream_compat: bool = False) -> frozenset[str]:
    """The set of atomic operations of ``sql`` (empty when sqlglot cannot parse it)."""
    return _atomic_ops(sql, upstream_compat)


@lru_cache(maxsize=16384)
def _atomic_ops(sql: str, upstream_compat: bool) -> frozenset[str]:
    try:
        root = sqlglot.parse_one(sql, read="sqlite")
    except (SqlglotError, ValueError, RecursionError, TypeError, AttributeError):
        return frozenset()
    if root is None:
        return frozenset()
    writer = _OpsWriter(upstream_compat)
    try:
        writer.query(root)
    except (SqlglotError, ValueError, RecursionError, TypeError, AttributeError, KeyError):
        return frozenset()
    return frozenset(writer.ops)


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """``|A ∩ B| / |A ∪ B|``, and 0 for two empty sets.

    >>> jaccard({"a", "b"}, {"b", "c"})
    0.3333333333333333
    """
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def atomic_reward(
    pred_sql: str,
    gold_sqls: Sequence[str],
    shaping: Shaping = SHAPINGS["s3"],
    upstream_compat: bool = False,
) -> float:
    """``max_g f(jaccard(ops(pred), ops(g)))`` over every gold variant (0 without golds).

    Each gold is stripped and given a trailing ``;`` as upstream does; the prediction is used as
    it is.

    >>> gold = "SELECT name FROM singer WHERE age > 3"
    >>> round(atomic_reward("SELECT name FROM singer", [gold]), 3)
    0.725
    """
    pred_ops = atomic_ops(pred_sql, upstream_compat)
    best = 0.0
    for gold in gold_sqls:
        gold = gold.strip()
        if not gold.endswith(";"):
            gold += ";"
        best = max(best, shaping(jaccard(pred_ops, atomic_ops(gold, upstream_compat))))
    return best


class _OpsWriter:
    """Walks one parsed query, appending operation strings to ``ops``."""

    def __init__(self, compat: bool):
        self.compat = compat
        self.ops: list[str] = []
        self.scopes: list[dict[str, str]] = [{}]

    # -- scopes -------------------------------------------------------------------------------
    def _sub(self, role: str, node: exp.Expression) -> None:
        """A nested query in its own alias scope, between ENTER/EXIT markers."""
        self.ops.append(f"ENTER_SUBQUERY({role})")
        self.scopes.append({})
        self.query(node.this if isinstance(node, exp.Subquery) else node)
        self.scopes.pop()
        self.ops.append("EXIT_SUBQUERY")

    def _register(self, key: str) -> str:
        scope = self.scopes[-1]
        key = key.lower()
        if key not in scope:
            scope[key] = f"T{len(scope) + 1}"
        return scope[key]

    def _canon(self, qualifier: str) -> str:
        if not self.compat:
            for scope in reversed(self.scopes):
                if qualifier.lower() in scope:
                    return scope[qualifier.lower()]
        return qualifier

    # -- one query ----------------------------------------------------------------------------
    def query(self, node: exp.Expression) -> None:
        if isinstance(node, exp.Subquery):
            node = node.this
        with_ = node.args.get("with_") if not self.compat else None
        if with_ is not None:
            for cte in with_.expressions:
                self.ops.append(f"WITH_CTE({cte.alias_or_name.lower()})")
                self._sub("CTE", cte.this)
        is_set_op = isinstance(node, exp.SetOperation)
        if not self.compat and is_set_op:
            self._set_operation(node)
            self._order_limit(node)  # ORDER BY / LIMIT of the whole set operation
            return
        if not self.compat:
            self._from(node)
        self._joins(node)
        self._select(node)
        if where := node.args.get("where"):
            self._predicates(where.this, "WHERE_PRED")
        if group := node.args.get("group"):
            for e in group.expressions:
                self.ops.append(f"GROUP_BY({self._expr(e, show_table=False)})")
        if having := node.args.get("having"):
            self._predicates(having.this, "HAVING_PRED")
        self._order_limit(node)
        if self.compat and is_set_op:
            self._set_operation(node)

    def _order_limit(self, node: exp.Expression) -> None:
        if order := node.args.get("order"):
            for o in order.expressions:
                direction = "DESC" if o.args.get("desc") else "ASC"
                self.ops.append(f"ORDER_BY({self._expr(o.this, show_table=False)}, {direction})")
        if limit := node.args.get("limit"):
            n = limit.expression
            if isinstance(n, exp.Literal) and n.is_int:
                self.ops.append(f"LIMIT({n.this})")
            else:
                self.ops.append(f"LIMIT({self._expr(n, show_table=False)})")

    def _set_operation(self, node: exp.SetOperation) -> None:
        self.query(node.left)
        distinct = node.args.get("distinct", True)
        self.ops.append(node.key.upper() + ("" if distinct else "_ALL"))
        self._sub("SET_RIGHT", node.right)

    def _from(self, node: exp.Expression) -> None:
        from_ = node.args.get("from_")
        if from_ is None:
            return
        source = from_.this
        if isinstance(source, (exp.Subquery, exp.Select)):
            self._sub("FROM", source)
            canon = self._register(source.alias or "SUBQUERY")
            self.ops.append(f"FROM(SUBQUERY as {canon})")
        else:
            name, key = self._table(source)
            self.ops.append(f"FROM({name} as {self._register(key)})")

    def _joins(self, node: exp.Expression) -> None:
        if self.compat:  # upstream searched the whole tree, subqueries and CTEs included
            joins = list(node.find_all(exp.Join, bfs=False))
        else:
            joins = node.args.get("joins") or []
        for join in joins:
            target = join.this
            if self.compat:  # upstream read `kind` only, so LEFT JOIN reads INNER
                kind = (join.args.get("kind") or "INNER").upper()
                if isinstance(target, exp.Table):  # the alias is an identifier too
                    name = ".".join(i.name.lower() for i in target.find_all(exp.Identifier))
                    name = name or target.name.lower()
                else:
                    name = target.sql()
                self.ops.append(f"JOIN({name}, {kind})")
            else:
                parts = [join.args.get("side"), join.args.get("kind")]
                kind = " ".join(str(p).upper() for p in parts if p) or "INNER"
                if isinstance(target, (exp.Subquery, exp.Select)):
                    self._sub("JOIN", target)
                    self._register(target.alias or f"SUBQUERY{len(self.scopes[-1])}")
                    self.ops.append(f"JOIN(SUBQUERY, {kind})")
                else:
                    name, key = self._table(target)
                    self._register(key)
                    self.ops.append(f"JOIN({name}, {kind})")
            if on := join.args.get("on"):
                self._on(on)

    def _table(self, table: exp.Expression) -> tuple[str, str]:
        """(the table's name as rendered, the key its columns are qualified by)."""
        if isinstance(table, exp.Table):
            return table.name.lower(), table.alias or table.name
        return table.sql(dialect="sqlite"), table.alias_or_name or "SUBQUERY"

    def _on(self, cond: exp.Expression) -> None:
        if isinstance(cond, exp.Paren) and not self.compat:  # ON (a = b) is ON a = b
            self._on(cond.this)
        elif isinstance(cond, exp.And):
            for c in _conjuncts(cond, self.compat):
                self._on(c)
        elif isinstance(cond, exp.EQ):
            sides = [self._expr(cond.left), self._expr(cond.right)]
            if not self.compat:  # a = b and b = a are the same join condition
                sides.sort()
            self.ops.append(f"ON_EQ({sides[0]}, {sides[1]})")
        elif isinstance(cond, (exp.Or, exp.Not)):
            self.ops.append(f"ON_PRED_TREE({cond.sql()})")
        else:
            self.ops.append(self._predicate("ON_PRED", cond, show_table=True))

    def _select(self, node: exp.Expression) -> None:
        select = node if isinstance(node, exp.Select) else node.find(exp.Select, bfs=False)
        if not isinstance(select, exp.Select):
            return
        for projection in select.expressions:
            alias = None
            target = projection
            if isinstance(projection, exp.Alias):
                alias, target = projection.alias, projection.this
            if isinstance(target, exp.Window) and not self.compat:
                func = self._func_name(target.this)
                args = self._args(target.this)
                self.ops.append(f"WINDOW({self._window(target)})")
                self.ops.append(f"SELECT_WIN({func}, {args})")
                text = f"{func}({args})"
            elif isinstance(target, exp.Func) and self._agg_name(target) in AGGREGATES:
                func, args = self._agg_name(target), self._args(target)
                self.ops.append(f"SELECT_AGG({func}, {args})")
                text = f"{func}({args})"
            elif isinstance(target, exp.Column):
                text = self._expr(target, show_table=False)
                self.ops.append(f"SELECT_COL({text})")
            elif isinstance(target, exp.Star):
                text = "*"
                self.ops.append("SELECT_COL(*)")
            elif self.compat:  # upstream formatted every other projection as a function call
                text = self._func(target, show_table=False)
                self.ops.append(f"SELECT_EXPR({text})")
            else:
                text = self._expr(target, show_table=False)
                self.ops.append(f"SELECT_EXPR({text})")
            if alias:
                self.ops.append(f"ALIAS(COLUMN, {text}, {alias})")
        if select.args.get("distinct"):
            self.ops.append("DISTINCT")

    def _window(self, window: exp.Window) -> str:
        parts = []
        if partition := window.args.get("partition_by"):
            cols = ", ".join(self._expr(x, show_table=False) for x in partition)
            parts.append(f"partition_by=[{cols}]")
        if order := window.args.get("order"):
            items = [
                f"{self._expr(o.this, show_table=False)} {'DESC' if o.args.get('desc') else 'ASC'}"
                for o in order.expressions
            ]
            parts.append("order_by=[" + ", ".join(items) + "]")
        if frame := window.args.get("spec"):
            parts.append(f"frame={frame.sql()}")
        return ", ".join(parts) or "default"

    # -- predicates ---------------------------------------------------------------------------
    def _predicates(self, cond: exp.Expression, kind: str) -> None:
        role = "WHERE" if kind == "WHERE_PRED" else "HAVING"
        for p in _conjuncts(cond, self.compat):
            if isinstance(p, (exp.Or, exp.Not)):
                self.ops.append(f"{kind}_TREE({p.sql()})")
                continue
            if isinstance(p, _COMPARISONS):
                op = p.key.upper()
                if isinstance(p.right, exp.Subquery):
                    lhs = self._expr(p.left, show_table=False)
                    self._sub(f"{role}_SCALAR", p.right)
                    self.ops.append(f"{kind}({op}, {lhs}, SUBQ_LAST)")
                    continue
                if isinstance(p.left, exp.Subquery):
                    rhs = self._expr(p.right, show_table=False)
                    self._sub(f"{role}_SCALAR", p.left)
                    self.ops.append(f"{kind}({op}, SUBQ_LAST, {rhs})")
                    continue
            if isinstance(p, exp.In) and p.args.get("query") is not None:
                lhs = self._expr(p.this, show_table=False)
                self._sub("WHERE_IN", p.args["query"])
                self.ops.append(f"{kind}(IN_SUBQ, {lhs}, SUBQ_LAST)")
                continue
            if isinstance(p, exp.Exists):
                self._sub("WHERE_EXISTS", p.this)
                self.ops.append(f"{kind}(EXISTS_SUBQ, TRUE, SUBQ_LAST)")
                continue
            self.ops.append(self._predicate(kind, p, show_table=False))

    def _predicate(self, kind: str, p: exp.Expression, show_table: bool) -> str:
        def fmt(e: exp.Expression) -> str:
            return self._expr(e, show_table=show_table)

        if isinstance(p, (*_COMPARISONS, exp.Like, exp.ILike)):
            return f"{kind}({p.key.upper()}, {fmt(p.left)}, {fmt(p.right)})"
        if isinstance(p, exp.Between):
            return f"{kind}(BETWEEN, {fmt(p.this)}, [{fmt(p.args['low'])}, {fmt(p.args['high'])}])"
        if isinstance(p, exp.In) and p.args.get("expressions"):
            values = ", ".join(fmt(v) for v in p.args["expressions"])
            return f"{kind}(IN, {fmt(p.this)}, [{values}])"
        if isinstance(p, exp.Is):
            return f"{kind}(IS, {fmt(p.this)}, {fmt(p.expression)})"
        return f"{kind}_TREE({p.sql()})"

    # -- expressions --------------------------------------------------------------------------
    def _expr(self, e: exp.Expression, show_table: bool = True) -> str:
        if isinstance(e, exp.Column):
            name = e.name.lower()
            if show_table and e.table:
                return f"{self._canon(e.table)}.{name}"
            return name
        if isinstance(e, exp.Literal):
            return f"VALUE('{e.this}')" if e.is_string else f"VALUE({e.this})"
        if isinstance(e, exp.Null):
            return "VALUE(NULL)"
        if isinstance(e, exp.Boolean):
            return f"VALUE({str(e.this).upper()})"
        if isinstance(e, exp.Paren):
            return self._expr(e.this, show_table)
        if isinstance(e, exp.Func) and self.compat:  # upstream tested Func first; CAST is one
            return self._func(e, show_table)
        if isinstance(e, exp.Cast):
            return f"CAST({self._expr(e.this, show_table)} AS {e.args['to'].sql()})"
        if isinstance(e, exp.Func):
            return self._func(e, show_table)
        if isinstance(e, exp.Tuple):
            return "(" + ", ".join(self._expr(x, show_table) for x in e.expressions) + ")"
        if isinstance(e, exp.Distinct) and not self.compat:  # COUNT(DISTINCT x)
            return "DISTINCT " + ", ".join(self._expr(x, show_table) for x in e.expressions)
        return e.sql()

    def _agg_name(self, f: exp.Expression) -> str:
        """The aggregate a projection calls: upstream read ``.name``, the first argument's name
        (empty for a column, ``*`` for COUNT(*)), so it practically never named an aggregate and
        wrote ``SELECT_EXPR(AVG(age))`` instead of ``SELECT_AGG(AVG, age)``."""
        if self.compat:
            return (getattr(f, "name", "") or "").upper()
        return self._func_name(f)

    def _func_name(self, f: exp.Expression) -> str:
        if self.compat:  # `.name` is the first argument's name for typed functions: COUNT(*) -> *
            return (getattr(f, "name", "") or f.key or "").upper()
        if isinstance(f, exp.Anonymous):
            return str(f.name).upper()
        return f.sql_name().upper() if isinstance(f, exp.Func) else f.key.upper()

    def _args(self, f: exp.Expression, show_table: bool = False) -> str:
        nodes = list(f.args.get("expressions") or [])
        this = f.args.get("this")
        # Upstream also formatted a plain-string ``this`` (an anonymous function's name, a
        # literal's text) and failed on it, which gave the whole query no operations.
        if this is not None and (self.compat or isinstance(this, exp.Expression)):
            nodes.append(this)
        return ", ".join(self._expr(a, show_table) for a in nodes)

    def _func(self, f: exp.Expression, show_table: bool) -> str:
        if not isinstance(f, exp.Func) and not self.compat:
            return f.sql()
        name = self._func_name(f)
        if not name:
            return f.sql()
        if self.compat and f.args.get("distinct"):
            return f"{name}(DISTINCT {self._args(f, show_table)})"
        return f"{name}({self._args(f, show_table)})"


def _conjuncts(e: exp.Expression, compat: bool = False) -> list[exp.Expression]:
    """The AND-conjuncts of ``e``, sorted by their SQL text (a set is taken anyway).

    Brackets are dropped, so ``(a AND b) AND c`` has three conjuncts and ``(a OR b)`` is
    ``a OR b``; upstream (``compat``) kept a bracketed group as one conjunct.
    """
    if isinstance(e, exp.Paren) and not compat:
        return _conjuncts(e.this, compat)
    if isinstance(e, exp.And):
        both = _conjuncts(e.left, compat) + _conjuncts(e.right, compat)
        return sorted(both, key=lambda x: x.sql())
    return [e]

"""Is a submission the benchmark's own gold SQL? Compared on structure, not on text.

Uploading the split's gold SQL scores 100% and would rank first. Models do write a gold query
word for word on some easy questions, so one match means nothing; a large share does. A copy
is easy to disguise as text (``SELECT * FROM (<gold>) AS t``, ``<gold>; -- x``, other aliases,
swapped conditions), so each query is first brought to one canonical form with sqlglot
(:func:`canonical_sql`): comments and empty statements removed, derived-table and CTE wrappers
that only re-select everything unwrapped, table and column aliases renamed in order of
appearance, identifier quoting and case dropped, double-quoted string values read as strings,
and the operands of AND, OR, =, <> and IN put in one order.

Two more signals come from the scoring (:func:`copy_signals`): the share of predictions whose
text differs from the gold but whose canonical form equals it (an honest model rarely rewrites
a gold query into an equivalent one; a disguise does it on every question), and an EX within
:data:`CEILING_MARGIN` of what the gold SQL itself scores on the same questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

# Above this share a verified submission is flagged (the share is stored and shown either way).
# Measured on the project's own runs: Qwen2.5-Coder-0.5B prompting writes 22.2% of Spider dev's
# gold SQL word for word (EX 46.8%) and 29.8% of the sample suite's (EX 56.1%); a copy of the gold
# scores 100%. A strong model's honest share stays well below its EX.
GOLD_COPY_FLAG_SHARE = 0.5
# Above this share of *disguised* copies (other text, same structure as the gold) a submission
# is flagged: the project's own runs rewrite fewer than 3% of the golds into an equivalent form.
DISGUISED_FLAG_SHARE = 0.2
# An EX this close (a fraction) to the gold SQL's own EX on the same questions is flagged: the
# best published models stay 10 or more points below the gold on Spider and BIRD dev.
CEILING_MARGIN = 0.005
CEILING_MIN_QUESTIONS = 20  # fewer scored questions than this: 100% is not implausible
_SPACE = re.compile(r"\s+")
_PARSE_ERRORS: tuple[type[BaseException], ...] = (RecursionError, ValueError, TypeError)


@lru_cache(maxsize=65536)
def normalise_sql(sql: str) -> str:
    """The query's text with whitespace, case, trailing semicolons and identifier quoting
    evened out (no structural change): what "the same text" means.

    >>> normalise_sql("select  name FROM Singer ;") == normalise_sql('SELECT "name"\\nfrom singer')
    True
    """
    tree = _single_statement(sql)
    if tree is None:
        return _SPACE.sub(" ", sql.strip().rstrip(";").strip()).lower()
    _plain_identifiers(tree)
    return _render(tree)


@lru_cache(maxsize=65536)
def canonical_sql(sql: str) -> str:
    """One canonical form per query structure, for equality only (see the module docstring).

    >>> gold = "SELECT T1.name FROM singer AS T1 WHERE T1.age > 20 AND T1.country = 'France'"
    >>> canonical_sql(f"SELECT * FROM ({gold}) AS t; -- x") == canonical_sql(gold)
    True
    >>> canonical_sql("select s.NAME from singer s where country = \\"France\\" and age > 20"
    ...               ) == canonical_sql(gold)
    True
    >>> canonical_sql("SELECT name FROM singer WHERE age >= 20") == canonical_sql(
    ...     "SELECT name FROM singer WHERE age > 20")
    False
    """
    tree = _single_statement(sql)
    if tree is None:
        return normalise_sql(sql)
    try:
        tree = _unwrap(tree)
        _string_values(tree)
        _plain_identifiers(tree)
        _single_table_names(tree)
        _rename_aliases(tree)
        tree = _order_commutative(tree)
        return _render(tree)
    except _PARSE_ERRORS:
        return normalise_sql(sql)


def _single_statement(sql: str):
    """The one statement of ``sql`` without comments and empty statements (None: not one
    parseable statement)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite")
                      if s is not None and not isinstance(s, exp.Semicolon)]
    except (SqlglotError, *_PARSE_ERRORS):
        return None
    if len(statements) != 1:
        return None
    tree = statements[0]
    for node in tree.walk():
        node.comments = None
    return tree


def _render(tree) -> str:
    return _SPACE.sub(" ", tree.sql(dialect="sqlite", comments=False)).strip()


def _only_star(select) -> bool:
    from sqlglot import exp

    stars = select.expressions
    plain = len(stars) == 1 and (isinstance(stars[0], exp.Star)
                                 or (isinstance(stars[0], exp.Column) and stars[0].is_star))
    clauses = ("joins", "where", "group", "having", "order", "limit", "offset", "distinct",
               "qualify", "windows", "laterals")
    return plain and not any(select.args.get(c) for c in clauses)


def _unwrap(tree):
    """``(q)``, ``SELECT * FROM (q) [AS t]`` and ``WITH t AS (q) SELECT * FROM t`` → ``q``,
    repeatedly."""
    from sqlglot import exp

    while True:
        if isinstance(tree, exp.Subquery | exp.Paren) and isinstance(tree.this, exp.Query):
            tree = tree.this
            continue
        if not isinstance(tree, exp.Select) or not _only_star(tree):
            return tree
        source = tree.args.get("from_") or tree.args.get("from")
        inner = source.this if source is not None else None
        ctes = tree.args.get("with_") or tree.args.get("with")
        if isinstance(inner, exp.Subquery) and isinstance(inner.this, exp.Query) and not ctes:
            tree = inner.this
            continue
        if (isinstance(inner, exp.Table) and ctes is not None and len(ctes.expressions) == 1
                and not ctes.args.get("recursive")
                and ctes.expressions[0].alias_or_name.lower() == inner.name.lower()):
            tree = ctes.expressions[0].this
            continue
        return tree


def _string_values(tree) -> None:
    """SQLite reads ``"France"`` as the string 'France' where no such column exists; golds use
    both spellings, so a double-quoted name compared with something, listed in IN or given as a
    function's later argument reads as a string."""
    from sqlglot import exp

    for column in list(tree.find_all(exp.Column)):
        ident = column.this
        if column.table or not isinstance(ident, exp.Identifier) or not ident.quoted:
            continue
        parent = column.parent
        compared = isinstance(parent, exp.EQ | exp.NEQ | exp.Like | exp.GT | exp.GTE | exp.LT
                              | exp.LTE) and not _quoted_name(
            parent.this if parent.expression is column else parent.expression)
        listed = isinstance(parent, exp.In) and column in parent.expressions
        argument = isinstance(parent, exp.Func) and parent.this is not column  # COALESCE(x, "y")
        if compared or listed or argument:
            column.replace(exp.Literal.string(ident.this))


def _quoted_name(node) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.Column) and not node.table and bool(node.this.args.get("quoted"))


def _plain_identifiers(tree) -> None:
    from sqlglot import exp

    for node in tree.find_all(exp.Identifier):  # SQLite: "Name", [Name], `Name` and name agree
        node.set("quoted", False)
        node.set("this", str(node.this).lower())


def _single_table_names(tree) -> None:
    """In a SELECT over one table, ``T1.name`` is ``name`` and the table's alias says nothing."""
    from sqlglot import exp

    for select in tree.find_all(exp.Select):
        source = select.args.get("from_")
        table = source.this if source is not None else None
        if select.args.get("joins") or not isinstance(table, exp.Table):
            continue
        names = {table.name, table.alias} - {""}
        correlated = False
        for column in select.find_all(exp.Column):
            if column.table not in names:
                continue
            if column.find_ancestor(exp.Select) is select:
                column.set("table", None)
            else:
                correlated = True  # a subquery names this table: its alias stays
        if not correlated:
            table.set("alias", None)


def _rename_aliases(tree) -> None:
    """Table aliases become t1, t2 … and output-column aliases c1, c2 … in order of appearance,
    with every reference to them renamed alike (a qualifier refers to the nearest enclosing
    SELECT that defines it, so a wrapper's alias never captures the inner query's)."""
    from sqlglot import exp

    renamed = {id(node): f"t{i}" for i, node in enumerate(
        (n for n in tree.find_all(exp.Table, exp.Subquery, bfs=False) if n.alias), start=1)}
    moves = []
    for column in tree.find_all(exp.Column):
        select = column.find_ancestor(exp.Select) if column.table else None
        while select is not None:
            defined = _aliases_defined(select, renamed)
            if column.table in defined:
                moves.append((column, defined[column.table]))
                break
            select = select.find_ancestor(exp.Select)
    for node in tree.find_all(exp.Table, exp.Subquery):
        if id(node) in renamed:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(renamed[id(node)])))
    for column, name in moves:
        column.set("table", exp.to_identifier(name))
    columns: dict[str, str] = {}
    for select in tree.find_all(exp.Select):
        for projection in select.expressions:
            if isinstance(projection, exp.Alias) and projection.alias:
                name = projection.alias
                columns.setdefault(name, f"c{len(columns) + 1}")
                projection.set("alias", exp.to_identifier(columns[name]))
    for column in tree.find_all(exp.Column):  # a name may be an output column's alias
        if column.name in columns:
            column.set("this", exp.to_identifier(columns[column.name]))


def _aliases_defined(select, renamed: dict[int, str]) -> dict[str, str]:
    """The aliases a SELECT's FROM and JOINs define, with their new names."""
    from sqlglot import exp

    sources = [select.args.get("from_"), *(select.args.get("joins") or [])]
    return {s.this.alias: renamed[id(s.this)] for s in sources
            if s is not None and isinstance(s.this, exp.Table | exp.Subquery)
            and id(s.this) in renamed}


def _order_commutative(tree):
    """AND/OR chains flattened and sorted; both sides of =, <> and the members of IN sorted."""
    from sqlglot import exp

    def key(node) -> str:
        return node.sql(dialect="sqlite")

    def ordered(node):
        if isinstance(node, exp.And | exp.Or):
            kind = type(node)
            parts = sorted(node.flatten(), key=key)
            out = parts[0]
            for part in parts[1:]:
                out = kind(this=out, expression=part)
            return out
        if isinstance(node, exp.EQ | exp.NEQ):
            left, right = sorted((node.this, node.expression), key=key)
            return type(node)(this=left, expression=right)
        if isinstance(node, exp.In) and node.expressions:
            node.set("expressions", sorted(node.expressions, key=key))
        return node

    for node in reversed(list(tree.walk(bfs=False))):  # children before their parents
        new = ordered(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def gold_copy_share(predictions: Mapping[int, str | None], gold: Mapping[int, str]) -> float | None:
    """The share of the split's questions whose prediction equals the gold SQL in canonical
    form (None for an empty split).

    >>> gold_copy_share({1: "select 1", 2: "SELECT 2"}, {1: "SELECT 1", 2: "SELECT 3"})
    0.5
    """
    if not gold:
        return None
    same = sum(1 for qid, g in gold.items() if _same_structure(predictions.get(qid), g))
    return round(same / len(gold), 6)


def _same_structure(prediction: str | None, gold: str | None) -> bool:
    return bool(prediction and gold and canonical_sql(prediction) == canonical_sql(gold))


@dataclass(frozen=True)
class CopySignals:
    """How much a submission looks like the gold SQL (shares are fractions of the split)."""

    share: float | None  # predictions equal to the gold in canonical form
    disguised_share: float | None  # of which the text differs from the gold's
    ex: float | None  # the submission's EX over the scored questions
    ceiling: float | None  # the gold SQL's own EX over the same questions
    scored: int = 0

    def reasons(self) -> list[str]:
        """Why the submission is a copy of the gold, in words (empty: no reason)."""
        out = []
        if self.share is not None and self.share > GOLD_COPY_FLAG_SHARE:
            out.append(f"{100 * self.share:.1f}% of the predictions are the gold SQL itself "
                       "(the same query once comments, wrappers, aliases, quoting and the order "
                       "of conditions are evened out); a model rarely writes more than a few "
                       "questions' gold SQL")
        if self.disguised_share is not None and self.disguised_share > DISGUISED_FLAG_SHARE:
            out.append(f"{100 * self.disguised_share:.1f}% of the predictions are the gold SQL "
                       "rewritten to look different (other text, the same structure)")
        if (self.ex is not None and self.ceiling is not None
                and self.scored >= CEILING_MIN_QUESTIONS
                and self.ex >= self.ceiling - CEILING_MARGIN):
            out.append(f"EX {100 * self.ex:.2f}% is within {100 * CEILING_MARGIN:.1f} points of "
                       f"the gold SQL's own {100 * self.ceiling:.2f}% on these questions; no "
                       "model comes that close")
        return out


def copy_signals(predictions: Mapping[int, str | None], gold: Mapping[int, str],
                 verdicts: Mapping[int, tuple[bool, str]]) -> CopySignals:
    """The gold-copy signals of one scored submission; ``verdicts`` maps each question to its
    (correct, reason) as the scorer decided (``unscorable:`` reasons are left out)."""
    share = gold_copy_share(predictions, gold)
    disguised = sum(
        1 for qid, g in gold.items()
        if _same_structure(predictions.get(qid), g)
        and normalise_sql(predictions[qid] or "") != normalise_sql(g)
    )
    scored = {q: v for q, v in verdicts.items() if not str(v[1]).startswith("unscorable:")}
    n = len(scored)
    ex = sum(1 for ok, _ in scored.values() if ok) / n if n else None
    ceiling = (sum(1 for _, r in scored.values() if not str(r).startswith("gold_")) / n
               if n else None)
    return CopySignals(share, round(disguised / len(gold), 6) if gold else None, ex, ceiling, n)


__all__ = ["CEILING_MARGIN", "DISGUISED_FLAG_SHARE", "GOLD_COPY_FLAG_SHARE", "CopySignals",
           "canonical_sql", "copy_signals", "gold_copy_share", "normalise_sql"]

"""Write a candidates file of perturbed gold SQL: several near-misses per Spider dev question.

Each question gets the gold itself plus every perturbation below that applies to its gold SQL
(parsed with sqlglot, written back as SQLite): DISTINCT added or removed, the first two selected
columns swapped, ORDER BY removed, LIMIT changed or added, the first WHERE literal changed, the
first comparison flipped, MIN/MAX swapped, COUNT(*) made COUNT(DISTINCT first column), WHERE
removed, the first ORDER BY direction flipped, SELECT * for the columns, the gold as sqlglot
rewrites it, a misspelt table (an error), and the gold in lower case (string literals too).
Some are still right (DISTINCT on a unique column), most are not: a realistic mix of verdicts
for timing `harness eval` on many candidates per question against the official scripts
(scripts/compare_official_speed.py), and for trying pass@k and voting.

    python scripts/perturb_predictions.py --data-dir ../shared/data --out /tmp/perturbed.jsonl

Output: JSONL, one ``{"question_id", "candidate", "sql", "perturbation"}`` per line (the format
``harness eval --predictions`` reads). Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlglot
from sqlglot import exp

Perturb = Callable[[exp.Expression], exp.Expression | None]


def _select(tree: exp.Expression) -> exp.Select | None:
    return tree if isinstance(tree, exp.Select) else tree.find(exp.Select)


def toggle_distinct(tree):
    select = _select(tree)
    if select is None:
        return None
    if select.args.get("distinct"):
        select.set("distinct", None)
    else:
        select.set("distinct", exp.Distinct())
    return tree


def swap_columns(tree):
    select = _select(tree)
    if select is None or len(select.expressions) < 2:
        return None
    columns = list(select.expressions)
    columns[0], columns[1] = columns[1], columns[0]
    select.set("expressions", columns)
    return tree


def drop_order_by(tree):
    order = tree.args.get("order") or (_select(tree) and _select(tree).args.get("order"))
    if order is None:
        return None
    order.pop()
    return tree


def change_limit(tree):
    select = _select(tree)
    limit = tree.args.get("limit") or (select and select.args.get("limit"))
    if limit is None:
        if select is None:
            return None
        select.set("limit", exp.Limit(expression=exp.Literal.number(1)))
        return tree
    value = limit.expression
    if isinstance(value, exp.Literal) and value.is_int:
        limit.set("expression", exp.Literal.number(int(value.this) + 1))
        return tree
    return None


def change_where_literal(tree):
    where = tree.find(exp.Where)
    literal = where.find(exp.Literal) if where else None
    if literal is None:
        return None
    if literal.is_string:
        literal.replace(exp.Literal.string(literal.this + "x"))
    else:
        try:
            literal.replace(exp.Literal.number(float(literal.this) + 1))
        except ValueError:
            return None
    return tree


FLIPS = {exp.GT: exp.LT, exp.LT: exp.GT, exp.GTE: exp.LTE, exp.LTE: exp.GTE, exp.EQ: exp.NEQ}


def flip_comparison(tree):
    for node in tree.find_all(*FLIPS):
        node.replace(FLIPS[type(node)](this=node.this.copy(), expression=node.expression.copy()))
        return tree
    return None


def swap_min_max(tree):
    for node in tree.find_all(exp.Min, exp.Max):
        other = exp.Max if isinstance(node, exp.Min) else exp.Min
        node.replace(other(this=node.this.copy()))
        return tree
    return None


def count_distinct(tree):
    select = _select(tree)
    count = tree.find(exp.Count)
    if select is None or count is None or not isinstance(count.this, exp.Star):
        return None
    column = next(iter(select.find_all(exp.Column)), None)
    if column is None:
        return None
    count.set("this", exp.Distinct(expressions=[column.copy()]))
    return tree


def drop_where(tree):
    where = tree.find(exp.Where)
    if where is None:
        return None
    where.pop()
    return tree


def flip_order(tree):
    for node in tree.find_all(exp.Ordered):
        node.set("desc", not node.args.get("desc"))
        return tree
    return None


def select_star(tree):
    select = _select(tree)
    if select is None or select.find(exp.AggFunc) or select.is_star:
        return None
    select.set("expressions", [exp.Star()])
    return tree


def reformat(tree):
    """The gold as sqlglot writes it: another text, usually the same result."""
    return tree


def misspell_table(tree):
    table = tree.find(exp.Table)
    if table is None:
        return None
    table.set("this", exp.to_identifier(table.name + "_x"))
    return tree


PERTURBATIONS: dict[str, Perturb] = {
    "distinct": toggle_distinct,
    "swap_columns": swap_columns,
    "no_order_by": drop_order_by,
    "limit": change_limit,
    "where_literal": change_where_literal,
    "flip_comparison": flip_comparison,
    "min_max": swap_min_max,
    "count_distinct": count_distinct,
    "no_where": drop_where,
    "flip_order": flip_order,
    "select_star": select_star,
    "reformatted": reformat,
    "misspelt_table": misspell_table,
}


def candidates(gold: str) -> list[tuple[str, str]]:
    """(perturbation, SQL) pairs for one gold: the gold first, then each that applies."""
    out = [("gold", gold)]
    try:
        parsed = sqlglot.parse_one(gold, read="sqlite")
    except sqlglot.errors.ParseError:
        return out
    for name, perturb in PERTURBATIONS.items():
        changed = perturb(parsed.copy())
        if changed is not None:
            out.append((name, changed.sql(dialect="sqlite")))
    out.append(("lowercase", gold.lower()))  # string literals too: a common near-miss
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="holds spider/dev.json")
    parser.add_argument("--out", type=Path, required=True, help="the candidates JSONL to write")
    args = parser.parse_args(argv)
    questions = json.loads((args.data_dir / "spider" / "dev.json").read_text(encoding="utf-8"))
    kinds: Counter = Counter()
    with open(args.out, "w", encoding="utf-8") as f:
        for qid, question in enumerate(questions):
            for index, (kind, sql) in enumerate(candidates(question["query"])):
                kinds[kind] += 1
                record = {"question_id": qid, "candidate": index, "sql": sql, "perturbation": kind}
                f.write(json.dumps(record) + "\n")
    total = sum(kinds.values())
    print(f"{total} candidates for {len(questions)} questions -> {args.out}", file=sys.stderr)
    print("  " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

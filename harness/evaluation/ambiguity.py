"""Gold queries whose answer is not the only right one, found on the databases themselves.

Five kinds, each a flag on the question, never a change of verdict (the official rules stay
exactly official; :mod:`harness.evaluation.metrics` reports EX with and without the flagged ones):

* ``limit_tie``: ``ORDER BY … LIMIT k`` where the k-th and (k+1)-th rows tie on every sort key
  but differ in what is selected, so another answer is equally right and the gold keeps one by
  storage order;
* ``limit_no_order``: ``LIMIT k`` without ``ORDER BY`` over more than k rows (which k is
  unspecified);
* ``empty_gold``: the gold returns no rows (any query returning nothing matches it);
* ``gold_error``: the gold fails or times out (no prediction can match it);
* ``gold_over_cap``: the gold returns more rows than the row cap, so it is not compared.

Each ``SELECT`` with a numeric ``LIMIT`` (subqueries too, when they run on their own) gets a probe:
the same query with ``LIMIT k+1`` and its sort keys added as extra columns. Probes and golds run
through the executor as gold queries, so their results are cached with the gold results and a
second scan executes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from harness.core import Example, Execution
from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache, Query
from harness.suite import Suite

KINDS = {
    "limit_tie": "ORDER BY … LIMIT k ties at the boundary: another row is equally right",
    "limit_no_order": "LIMIT without ORDER BY over more rows than the limit",
    "empty_gold": "the gold query returns no rows",
    "gold_error": "the gold query fails or times out",
    "gold_over_cap": "the gold result is over the row cap and is not compared",
}
SOURCE = "harness-scan"
_KEY = "__tie_key_"
ALTERNATIVES = 50  # tied rows fetched past the limit, for the tie-aware diagnostic


@dataclass(frozen=True)
class Flag:
    """One reason to doubt a question's gold: its kind (a key of KINDS) and what was seen."""

    question_id: int
    kind: str
    detail: str = ""
    #: For a tie in the outermost query: its LIMIT, the rows ranked before the tie and the tied
    #: rows (the query's own columns, at most ALTERNATIVES): any of them completes a right answer.
    limit: int = 0
    before: tuple = ()
    tied: tuple = ()

    def to_json(self) -> dict:
        return {"source": SOURCE, "category": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class _Probe:
    question_id: int
    sql: str
    limit: int
    columns: int  # how many leading columns are the query's own; the rest are sort keys
    outermost: bool = False


def probes(example: Example) -> list[_Probe]:
    """The probe queries for each ``SELECT … LIMIT k`` in the gold (none when it does not parse)."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(example.gold_sql, read="sqlite")
    except (sqlglot.errors.SqlglotError, ValueError, RecursionError):
        return []
    found = []
    for select in tree.find_all(exp.Select):
        limit = _limit_value(select)
        if limit is None or limit < 1:
            continue
        outermost = select is tree
        order = select.args.get("order")
        extra = ALTERNATIVES if outermost and order else 1
        probe = select.copy()
        probe.set("limit", exp.Limit(expression=exp.Literal.number(limit + extra)))
        columns = len(select.expressions)
        for i, key in enumerate(_sort_keys(select, order)):
            probe = probe.select(exp.alias_(key, f"{_KEY}{i}"), copy=False)
        found.append(_Probe(example.question_id, probe.sql(dialect="sqlite"), limit,
                            columns if order else -1, outermost))
    return found


PROBES_NOTE = "ambiguity-probes/1"  # the note kind; change the version when probes() changes


def cached_probes(examples: Sequence[Example], cache: GoldCache | None) -> list[_Probe]:
    """Every example's probes, parsed once per gold text and then read from the gold cache, so
    a warm evaluation neither parses nor imports sqlglot."""
    if cache is None:
        return [p for e in examples for p in probes(e)]
    keys = {e.question_id: hashlib.sha256(e.gold_sql.encode()).hexdigest() for e in examples}
    known = cache.get_notes(PROBES_NOTE, sorted(set(keys.values())))
    found: list[_Probe] = []
    fresh: dict[str, str] = {}
    for e in examples:
        key = keys[e.question_id]
        if key in known or key in fresh:
            stored = json.loads(known.get(key) or fresh[key])
            found += [_Probe(e.question_id, **fields) for fields in stored]
            continue
        mine = probes(e)
        fresh[key] = json.dumps([{k: v for k, v in asdict(p).items() if k != "question_id"}
                                 for p in mine])
        found += mine
    if fresh:
        cache.put_notes(PROBES_NOTE, list(fresh.items()))
    return found


def _limit_value(select) -> int | None:
    limit = select.args.get("limit")
    value = getattr(limit, "expression", None)
    if value is None or not value.is_int:
        return None
    return int(value.name)


def _sort_keys(select, order) -> list:
    """The ORDER BY expressions, with select-list aliases and positions replaced by their
    expressions, so the probe can select them."""
    from sqlglot import exp

    if order is None:
        return []
    aliases = {e.alias: e.this for e in select.expressions if isinstance(e, exp.Alias)}
    keys = []
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Column) and not key.table and key.name in aliases:
            key = aliases[key.name]
        elif isinstance(key, exp.Literal) and key.is_int:
            position = int(key.name)
            if 1 <= position <= len(select.expressions):
                key = select.expressions[position - 1].unalias()
        keys.append(key.copy())
    return keys


def probe_flag(probe: _Probe, execution: Execution) -> Flag | None:
    """What a probe's result says: a tie at the boundary, a LIMIT over unordered rows, or none."""
    rows = execution.rows
    if rows is None or len(rows) <= probe.limit:
        return None  # failed (a correlated subquery cannot run alone) or no row past the limit
    last, next_ = rows[probe.limit - 1], rows[probe.limit]
    if probe.columns < 0:
        return Flag(probe.question_id, "limit_no_order",
                    f"LIMIT {probe.limit} without ORDER BY; more rows qualify")
    own, keys = slice(0, probe.columns), slice(probe.columns, None)
    if last[keys] != next_[keys] or last[own] == next_[own]:
        return None
    detail = (f"rows {probe.limit} and {probe.limit + 1} tie on the sort key "
              f"{list(last[keys])!r}: {list(last[own])!r} vs {list(next_[own])!r}")
    if not probe.outermost:
        return Flag(probe.question_id, "limit_tie", detail)
    first = next(i for i, row in enumerate(rows) if row[keys] == last[keys])
    tied = tuple(row[own] for row in rows[first:] if row[keys] == last[keys])
    return Flag(probe.question_id, "limit_tie", detail, probe.limit,
                tuple(row[own] for row in rows[:first]), tied)


def gold_flag(example: Example, execution: Execution) -> Flag | None:
    """A flag from the gold's own result: empty, failed, or over the row cap."""
    qid = example.question_id
    if execution.timed_out:
        return Flag(qid, "gold_error", "timed out")
    if execution.rows is None:
        return Flag(qid, "gold_error", (execution.error or "failed")[:200])
    if execution.truncated:
        return Flag(qid, "gold_over_cap", "more rows than the row cap")
    if not execution.rows:
        return Flag(qid, "empty_gold", "no rows")
    return None


def scan(
    suite: Suite, examples: Sequence[Example], executor: Executor,
    settings: ExecutionSettings | None = None,
) -> dict[int, list[Flag]]:
    """Flags per question id (questions without one are absent). Unscorable examples (missing
    database) are skipped. Golds and probes run as gold queries: cached, so a rescan is cheap."""
    paths = {db_id: suite.database(db_id).path for db_id in {e.db_id for e in examples}
             if suite.database_problem(db_id) is None}  # once per database, not per question
    usable = [e for e in examples if e.db_id in paths]
    golds = [Query(paths[e.db_id], e.gold_sql, gold=True) for e in usable]
    probe_list = cached_probes(usable, executor.cache)
    db_of = {e.question_id: paths[e.db_id] for e in usable}
    queries = golds + [Query(db_of[p.question_id], p.sql, gold=True) for p in probe_list]
    results = executor.run(queries, settings)
    flags: dict[int, list[Flag]] = {}
    found = [gold_flag(e, r) for e, r in zip(usable, results)]
    found += [probe_flag(p, r) for p, r in zip(probe_list, results[len(golds):])]
    for flag in found:
        if flag is not None and flag not in flags.get(flag.question_id, []):
            flags.setdefault(flag.question_id, []).append(flag)
    return flags


def returned_another_tied_row(flag: Flag, pred_rows: list[list] | None) -> bool:
    """Whether a prediction's rows (``pred_preview``, complete when the result is that short) are
    the gold's answer with another of the tied rows: every row ranked before the tie, the rest
    from the tied rows, as many as the LIMIT, in any order."""
    from harness.evaluation.scorer import preview

    if not flag.tied or pred_rows is None or len(pred_rows) != flag.limit:
        return False
    got = [tuple(row) for row in pred_rows]
    before = [tuple(preview([row])[0]) for row in flag.before]
    tied = {tuple(preview([row])[0]) for row in flag.tied}
    rest = list(got)
    for row in before:
        if row not in rest:
            return False
        rest.remove(row)
    return all(row in tied for row in rest)

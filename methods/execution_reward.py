"""Grading generated SQL for training rewards, through the harness's one executor and scorer.

Every reward that asks "does this SQL give the gold result?" goes through :class:`ExecutionGrader`:
the suite's rule prepares both texts (``Rule.prepare_gold`` / ``prepare_pred``), one
:meth:`harness.evaluation.execution.Executor.run` call executes a whole group of completions
(deduplicated, gold results from the on-disk cache, read-only sandboxed connections), and
:func:`harness.evaluation.rules.decide` gives the verdict: the same decision as ``harness eval``.

    grader = ExecutionGrader(suite)
    grades = grader.grade([GradeRequest("concert_singer", gold_sql, pred_sql), ...])
    rewards = [1.0 if g.correct else 0.0 for g in grades]

A gold that fails is never a match (reference/finer-sql.md §8.2). ``upstream_compat=True``
reproduces the released FINER-SQL behaviour instead: a gold that errors (without timing out) is
read as an empty result, so a prediction with an empty result "matches" it; a result over the
row cap is compared on its first ``max_rows`` rows (the released service truncated both), never
read as empty. Every gold the reward could not use is counted in :attr:`ExecutionGrader.unusable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.core import Execution
from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache, Query
from harness.evaluation.rules import Rule, decide, get_rule, gold_problem
from harness.suite import Suite


@dataclass(frozen=True)
class GradeRequest:
    """One prediction to grade: its database, the gold SQL and the predicted SQL (None: none)."""

    db_id: str
    gold_sql: str
    pred_sql: str | None


@dataclass(frozen=True)
class Grade:
    """The verdict on one prediction, with what the partial-credit rewards need to know.

    ``pred_executed``: the prediction ran without error or timeout on every database.
    ``gold_usable``: the gold ran (not an error, not a timeout, not over the row cap).
    """

    correct: bool
    reason: str
    pred_executed: bool
    gold_usable: bool
    gold_timed_out: bool = False


class ExecutionGrader:
    """Grades batches of predictions against their gold SQL under a suite's rule.

    Args:
        suite: gives the databases (and, by default, the rule).
        rule: a rule name (default: the suite's official rule).
        timeout_s, max_rows: per query, as in evaluation.
        workers: executor processes (default: the number of cores); one database's queries run
            in one chunk, so a group of completions for one question runs in-process.
        cache: the gold-result cache (default: the harness's on-disk cache).
        upstream_compat: read a failing gold as an empty result, as the released code did.
    """

    def __init__(
        self,
        suite: Suite,
        rule: str | None = None,
        *,
        timeout_s: float = 30.0,
        max_rows: int = 10_000,
        workers: int | None = None,
        cache: GoldCache | None = None,
        executor: Executor | None = None,
        upstream_compat: bool = False,
    ):
        self.suite = suite
        self.rule: Rule = get_rule(rule or suite.default_rule)
        self.settings = ExecutionSettings(timeout_s, max_rows, self.rule.text_errors)
        self._own_executor = executor is None
        self.executor = executor or Executor(
            self.settings, workers=workers, cache=cache if cache is not None else GoldCache()
        )
        self.upstream_compat = upstream_compat
        #: Graded requests whose gold was unusable, by problem (gold_error, gold_timeout,
        #: gold_truncated): reported in the training statistics.
        self.unusable: dict[str, int] = {}
        self._paths: dict[str, tuple] = {}

    def _db_paths(self, db_id: str) -> tuple:
        if db_id not in self._paths:
            database = self.suite.database(db_id)
            self._paths[db_id] = database.paths if self.rule.all_databases else (database.path,)
        return self._paths[db_id]

    def grade(self, requests: Sequence[GradeRequest]) -> list[Grade]:
        """One Grade per request, in order, from a single executor call."""
        queries: list[Query] = []
        plans = []
        for r in requests:
            paths = self._db_paths(r.db_id)
            gold = self.rule.prepare_gold(r.gold_sql)
            start = len(queries)
            for path in paths:
                queries.append(Query(path, gold.text, gold=True))
            has_pred = bool(r.pred_sql and r.pred_sql.strip())
            if has_pred:
                pred_text = self.rule.prepare_pred(r.pred_sql).text
                for path in paths:
                    queries.append(Query(path, pred_text))
            plans.append((r, gold, start, len(paths), has_pred))
        runs = self.executor.run(queries, settings=self.settings) if queries else []

        grades = []
        for r, gold, start, n, has_pred in plans:
            gold_runs = runs[start : start + n]
            gold_timed_out = any(g.timed_out for g in gold_runs)
            gold_usable = all(g.ok and not g.truncated for g in gold_runs)
            if not gold_usable:
                problem = gold_problem(gold_runs) or "gold_error"
                key = problem.split(":", 1)[0]
                self.unusable[key] = self.unusable.get(key, 0) + 1
            if not has_pred:
                grades.append(Grade(False, "no_sql", False, gold_usable, gold_timed_out))
                continue
            pred_runs = runs[start + n : start + 2 * n]
            pred_executed = all(p.ok for p in pred_runs)
            if self.upstream_compat:
                gold_runs = [_as_released(g, gold=True) for g in gold_runs]
                pred_runs = [_as_released(p, gold=False) for p in pred_runs]
            correct, reason = decide(self.rule, r.gold_sql, gold, gold_runs, pred_runs)
            grades.append(Grade(correct, reason, pred_executed, gold_usable, gold_timed_out))
        return grades

    def gold_problems(self, items: Sequence[tuple[str, str]]) -> list[str | None]:
        """For ``(db_id, gold_sql)`` pairs: why each gold cannot serve as a reward target, or None.

        Used to filter the training set up front (reference/finer-sql.md §3: drop golds that time
        out; with the §8.2 fix also golds that fail), in one executor call.
        """
        queries, spans = [], []
        for db_id, sql in items:
            paths = self._db_paths(db_id)
            text = self.rule.prepare_gold(sql).text
            spans.append((len(queries), len(paths)))
            queries.extend(Query(p, text, gold=True) for p in paths)
        runs = self.executor.run(queries, settings=self.settings) if queries else []
        return [gold_problem(runs[start : start + n]) for start, n in spans]

    def close(self) -> None:
        if self._own_executor:
            self.executor.close()
            if self.executor.cache is not None:
                self.executor.cache.close()


def _as_released(run: Execution, gold: bool) -> Execution:
    """An execution as the released FINER-SQL reward saw it (reference/finer-sql.md §2.3, §8.2).

    A gold error (not a timeout) was cached as ``[]``; a result over the row cap arrived cut to
    its first ``max_rows`` rows and was compared as it was.
    """
    if gold and not run.ok and not run.timed_out:
        return Execution([])
    if run.ok and run.truncated:
        return Execution(run.rows, elapsed_ms=run.elapsed_ms, is_query=run.is_query)
    return run

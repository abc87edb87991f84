"""Grading generated SQL for training rewards, through the harness's one executor and scorer.

Every reward that asks "does this SQL give the gold result?" goes through :class:`ExecutionGrader`,
which judges through ``harness eval``'s own plan → execute → decide loop
(:class:`harness.evaluation.scorer.ScoringBatch`): the suite's rule prepares both texts, one
executor call runs a whole group of completions (deduplicated, gold results from the on-disk
cache, read-only sandboxed connections), and the rule decides. A pair therefore gets the same
verdict and the same reason as in ``harness eval`` (only the strict twin, which the reward does
not need, is left out).

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

from harness.core import DatabaseProblem, Example, Execution, Prediction
from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache
from harness.evaluation.rules import Rule, get_rule, gold_problem
from harness.evaluation.scorer import Databases, ScoringBatch, unscorable
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
        executor: an executor to share (its timeout and row cap then apply).
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
        self._own_executor = executor is None
        self.executor = executor or Executor(
            ExecutionSettings(timeout_s, max_rows, self.rule.text_errors),
            workers=workers, cache=cache if cache is not None else GoldCache(),
        )
        self.settings: ExecutionSettings = self.executor.settings
        self.upstream_compat = upstream_compat
        #: Graded requests whose gold was unusable, by problem (gold_error, gold_timeout,
        #: gold_truncated, unscorable: the database itself): reported in the training statistics.
        self.unusable: dict[str, int] = {}
        self._databases = Databases(suite)

    def grade(self, requests: Sequence[GradeRequest]) -> list[Grade]:
        """One Grade per request, in order, from a single executor call."""
        batch = self._batch()
        grades: list[Grade | None] = [None] * len(requests)
        for k, r in enumerate(requests):
            problem, database = self._databases.get(r.db_id)
            if problem:  # nothing to run: unscorable, as harness eval says
                grades[k] = self._grade_unscorable(problem)
                continue
            batch.plan_gold(k, r.gold_sql, database)
            if r.pred_sql and r.pred_sql.strip():
                example = Example(k, r.db_id, "", r.gold_sql)
                batch.plan(k, example, [Prediction(k, r.pred_sql)], database)
        for k in batch.execute(self.executor):
            grades[k] = self._grade(batch, k, requests[k].gold_sql)
        return grades  # type: ignore[return-value]

    def _batch(self) -> ScoringBatch:
        return ScoringBatch(self.rule, strict_twin=False,
                            read=_as_released if self.upstream_compat else None)

    def _grade(self, batch: ScoringBatch, k: int, gold_sql: str) -> Grade:
        """Request ``k``'s grade, while the batch holds its executions."""
        gold_runs = batch.gold_runs(k)
        gold_timed_out = any(g.timed_out for g in gold_runs)
        gold_usable = all(g.ok and not g.truncated for g in gold_runs)
        if not gold_usable:
            self._count(gold_problem(gold_runs) or "gold_error")
        plan = batch.candidate(k, 0)
        if plan is None:
            return Grade(False, "no_sql", False, gold_usable, gold_timed_out)
        verdict = batch.verdict(plan, gold_sql)
        pred_executed = all(p.ok for p in batch.pred_runs(plan))
        return Grade(verdict.correct, verdict.reason, pred_executed, gold_usable, gold_timed_out)

    def _grade_unscorable(self, problem: DatabaseProblem) -> Grade:
        verdict = unscorable(problem)
        self._count(verdict.reason)
        return Grade(False, verdict.reason, False, False)

    def _count(self, problem: str) -> None:
        key = problem.split(":", 1)[0]
        self.unusable[key] = self.unusable.get(key, 0) + 1

    def gold_problems(self, items: Sequence[tuple[str, str]]) -> list[str | None]:
        """For ``(db_id, gold_sql)`` pairs: why each gold cannot serve as a reward target, or None.

        Used to filter the training set up front (reference/finer-sql.md §3: drop golds that time
        out; with the §8.2 fix also golds that fail), in one executor call.
        """
        batch = self._batch()
        problems: list[str | None] = [None] * len(items)
        for k, (db_id, sql) in enumerate(items):
            problem, database = self._databases.get(db_id)
            if problem:
                problems[k] = unscorable(problem).reason
            else:
                batch.plan_gold(k, sql, database)
        for k in batch.execute(self.executor):
            problems[k] = gold_problem(batch.gold_runs(k))
        return problems

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

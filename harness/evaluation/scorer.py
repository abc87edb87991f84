"""Score predictions against a suite: plan → execute (in parallel, gold cached) → decide.

Under an official rule every sample is also judged by its strict twin, from the same executions
wherever the texts agree, so each run reports the strict EX beside the official one and names
the quirk behind every verdict where the two differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from harness.core import Database, DatabaseProblem, Example, Execution, Prediction, Verdict
from harness.evaluation.execution import ExecutionSettings, Executor, Query, execute_sql
from harness.evaluation.metrics import soft_f1
from harness.evaluation.rules import PreparedSQL, Rule, comparison_quirks, decide
from harness.evaluation.voting import DEFAULT_VOTE, NOT_RUN, select
from harness.suite import Suite

PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 200


@dataclass
class ScoredSample:
    """One example with its prediction, verdict, timings and a glimpse of both results.

    With several candidates for the question, the sample is the one voting chose (its verdict is
    the question's), ``candidates`` holds every candidate's own ScoredSample, in order, and
    ``selection`` the voting outcome (:meth:`harness.evaluation.voting.Selection.to_dict`).
    """

    example: Example
    prediction: Prediction | None
    verdict: Verdict
    pred_ms: float | None = None
    gold_ms: float | None = None
    pred_row_count: int | None = None
    gold_row_count: int | None = None
    pred_preview: list[list] | None = None
    gold_preview: list[list] | None = None
    soft_f1: float | None = None
    extra: dict = field(default_factory=dict)
    candidates: list[ScoredSample] | None = None
    selection: dict | None = None


@dataclass
class _Gold:
    """One question's gold, prepared and queued once whatever the number of candidates."""

    prepared: PreparedSQL
    strict: PreparedSQL | None
    at: list[int]  # positions of its runs in the batch, one per database file
    strict_at: list[int]


@dataclass
class _Plan:
    index: int  # the example
    candidate: int
    gold: _Gold
    pred: PreparedSQL
    strict_pred: PreparedSQL | None
    at: list[int]
    strict_at: list[int]


def score_examples(
    examples: Sequence[Example],
    predictions: dict[int, Prediction],
    suite: Suite,
    rule: Rule,
    executor: Executor,
    progress: Callable[[int, int], None] | None = None,
    with_soft_f1: bool = False,
) -> list[ScoredSample]:
    """A ScoredSample per example, in order; missing predictions count as wrong."""
    return score_candidates(
        examples, {qid: [p] for qid, p in predictions.items()}, suite, rule, executor, progress,
        with_soft_f1,
    )


def score_candidates(
    examples: Sequence[Example],
    candidates: dict[int, list[Prediction]],
    suite: Suite,
    rule: Rule,
    executor: Executor,
    progress: Callable[[int, int], None] | None = None,
    with_soft_f1: bool = False,
    vote: str = DEFAULT_VOTE,
) -> list[ScoredSample]:
    """A ScoredSample per example, in order; a question with several candidates gets the one
    ``vote`` chooses (:func:`harness.evaluation.voting.select`, as the prompting method votes)
    with every candidate's verdict beside it. Missing predictions count as wrong.

    All the executions go to the executor in one batch, so each distinct (database, SQL) runs
    once however many candidates share it, and each gold once per question.
    """
    batch = ScoringBatch(rule)
    samples = _plan_questions(batch, examples, candidates, Databases(suite))

    def finish(i: int) -> None:
        preds = candidates[examples[i].question_id]
        own = batch.decide_question(i, examples[i], preds, with_soft_f1)
        samples[i] = batch.question_sample(i, examples[i], preds, own, vote)

    # Each question is decided as soon as its last result arrives, and its rows dropped then:
    # a run holds the results of the questions in flight, not of the whole split.
    for i in batch.execute(executor, progress):
        finish(i)
    for i in range(len(examples)):  # questions that needed no execution at all
        if samples[i] is None:
            finish(i)
    return samples  # type: ignore[return-value]


def _plan_questions(batch: ScoringBatch, examples: Sequence[Example],
                    candidates: dict[int, list[Prediction]], databases: Databases
                    ) -> list[ScoredSample | None]:
    """Plan every question that has something to run; the others' samples, decided already."""
    samples: list[ScoredSample | None] = [None] * len(examples)
    for i, example in enumerate(examples):
        problem, database = databases.get(example.db_id)
        preds = candidates.get(example.question_id) or []
        if problem:
            samples[i] = ScoredSample(example, preds[0] if preds else None, unscorable(problem))
        elif not preds:
            samples[i] = ScoredSample(
                example, None, Verdict(False, "missing_prediction", strict_correct=False)
            )
        else:
            batch.plan(i, example, preds, database)
    return samples


def unscorable(problem: DatabaseProblem) -> Verdict:
    """The verdict on a question whose database cannot be used (``Suite.database_problem``):
    its reason names no local path, so the same data gives the same verdict on every machine."""
    return Verdict(False, f"unscorable:{problem.reason}")


class Databases:
    """A suite's databases as scoring reads them: each checked once (``Suite.database_problem``)."""

    def __init__(self, suite: Suite):
        self.suite = suite
        self._seen: dict[str, tuple[DatabaseProblem | None, Database]] = {}

    def get(self, db_id: str) -> tuple[DatabaseProblem | None, Database]:
        """(why the database cannot be used or None, the database)."""
        if db_id not in self._seen:
            self._seen[db_id] = (self.suite.database_problem(db_id), self.suite.database(db_id))
        return self._seen[db_id]


class ScoringBatch:
    """Every query of one scoring call: planned per question, executed in one executor call,
    then decided per candidate (and voted on per question).

    ``harness eval`` (:func:`score_candidates`) and the training rewards' grader
    (:class:`methods.execution_reward.ExecutionGrader`) both judge through it, so a pair gets the
    same verdict and the same reason from both.

    Args:
        rule: the rule that decides.
        strict_twin: also judge each candidate by the rule's strict twin, to report the strict
            EX and name the quirk behind a verdict the two disagree on (the rewards need only
            the rule's own verdict, and skip those extra executions).
        read: how a decision reads an execution, ``read(run, gold)`` (default: as it is); the
            released FINER-SQL reward read failing golds and capped results its own way.
            Row counts and previews always show the executions as they were.
    """

    def __init__(self, rule: Rule, strict_twin: bool = True,
                 read: Callable[[Execution, bool], Execution] | None = None):
        self.rule = rule
        self.strict = rule.strict_twin() if strict_twin else None
        self.read = read
        self.queries: list[Query] = []
        self.golds: dict[int, _Gold] = {}  # example -> its gold's plan
        self.plans: dict[tuple[int, int], _Plan] = {}
        self.plans_of: dict[int, list[_Plan]] = {}  # example -> its candidates' plans
        self.early: dict[tuple[int, int], ScoredSample] = {}  # verdicts that need no execution
        self.vote_at: dict[int, list[int | None]] = {}  # example -> each candidate's raw run
        self.runs: list[Execution | None] = []
        self.owner: list[int] = []  # the example each query serves
        self._current = -1
        self._queued: dict[tuple, int] = {}  # the current question's queries, by what they run

    # -- plan ----------------------------------------------------------------------------------

    def queue(self, i: int, path, text: str, gold: bool = False) -> int:
        """The position of question ``i``'s query in the batch; a question's repeated query is
        queued once (sampled candidates repeat themselves, and their strict and voting runs
        often match). A question's queries are queued together."""
        if i != self._current:
            self._current, self._queued = i, {}
        key = (path, text, gold)
        if key not in self._queued:
            self.queries.append(Query(path, text, gold=gold))
            self.owner.append(i)
            self._queued[key] = len(self.queries) - 1
        return self._queued[key]

    def paths(self, database: Database) -> tuple:
        """The database files the rule compares on."""
        return database.paths if self.rule.all_databases else (database.path,)

    def plan_gold(self, i: int, gold_sql: str, database: Database) -> _Gold:
        """Queue question ``i``'s gold (once, however many candidates it has)."""
        if i not in self.golds:
            paths = self.paths(database)
            gold = _Gold(self.rule.prepare_gold(gold_sql), None, [], [])
            gold.at = [self.queue(i, path, gold.prepared.text, gold=True) for path in paths]
            if self.strict:
                gold.strict = self.strict.prepare_gold(gold_sql)
                gold.strict_at = [self.queue(i, p, gold.strict.text, gold=True) for p in paths]
            self.golds[i] = gold
        return self.golds[i]

    def plan(self, i: int, example: Example, preds: list[Prediction], database: Database) -> None:
        """Queue the question's gold once and each candidate (and, to vote, each as written)."""
        same_text: dict[str, _Plan] = {}  # a candidate repeated word for word is planned once
        for j, prediction in enumerate(preds):
            twin = same_text.get(prediction.sql)
            if twin is not None and not prediction.problem:
                self._add(dataclasses.replace(twin, candidate=j))
                continue
            early = self._decided_unrun(prediction)
            if early is not None:
                self.early[i, j] = ScoredSample(example, prediction, early)
                continue
            gold = self.plan_gold(i, example.gold_sql, database)
            same_text[prediction.sql] = self._add(self._plan_candidate(i, j, gold, prediction,
                                                                       database))
        if len(preds) > 1:  # voting runs the candidates as written, on the question's database
            self.vote_at[i] = [
                self.queue(i, database.path, p.sql) if p.sql and not p.problem else None
                for p in preds
            ]

    def _decided_unrun(self, prediction: Prediction) -> Verdict | None:
        """The verdict on a prediction that cannot be run at all, or None when it can."""
        if prediction.problem:
            return Verdict(False, f"pred_error:{prediction.problem}", strict_correct=False)
        if not prediction.sql.strip() and self.rule.empty_prediction_is_error:
            return Verdict(False, "pred_error:empty prediction", strict_correct=False)
        return None

    def _plan_candidate(self, i: int, j: int, gold: _Gold, prediction: Prediction,
                        database: Database) -> _Plan:
        paths = self.paths(database)
        pred = self.rule.prepare_pred(prediction.sql)
        plan = _Plan(i, j, gold, pred, None, [self.queue(i, p, pred.text) for p in paths], [])
        if self.strict:
            plan.strict_pred = self.strict.prepare_pred(prediction.sql)
            plan.strict_at = [self.queue(i, p, plan.strict_pred.text) for p in paths]
        return plan

    def _add(self, plan: _Plan) -> _Plan:
        self.plans[plan.index, plan.candidate] = plan
        self.plans_of.setdefault(plan.index, []).append(plan)
        return plan

    # -- execute -------------------------------------------------------------------------------

    def execute(self, executor: Executor, progress: Callable[[int, int], None] | None = None
                ) -> Iterator[int]:
        """Run the queries; yield each question as its last result arrives, then drop its
        results (the caller decides it in between)."""
        base = executor.settings
        settings = ExecutionSettings(base.timeout_s, base.max_rows, self.rule.text_errors)
        self.runs = [None] * len(self.queries)
        waiting: dict[int, int] = {}
        span: dict[int, list[int]] = {}  # example -> [first, end) of its queries (queued together)
        for k, i in enumerate(self.owner):
            waiting[i] = waiting.get(i, 0) + 1
            span.setdefault(i, [k, k])[1] = k + 1
        for indices, execution in executor.stream(self.queries, settings, progress):
            for k in indices:
                self.runs[k] = execution
                i = self.owner[k]
                waiting[i] -= 1
                if waiting[i] == 0:
                    yield i
                    first, end = span[i]
                    self.runs[first:end] = [None] * (end - first)

    # -- decide (while the question's results are held) ----------------------------------------

    def candidate(self, i: int, j: int) -> _Plan | None:
        """Question ``i``'s candidate ``j`` as planned (None: decided without running)."""
        return self.plans.get((i, j))

    def gold_runs(self, i: int) -> list[Execution]:
        """Question ``i``'s gold executions, one per database, as they were."""
        return [_run(self.runs, k) for k in self.golds[i].at]

    def pred_runs(self, plan: _Plan) -> list[Execution]:
        """A candidate's executions, one per database, as they were."""
        return [_run(self.runs, k) for k in plan.at]

    def _read(self, at: list[int], gold: bool) -> list[Execution]:
        runs = [_run(self.runs, k) for k in at]
        return runs if self.read is None else [self.read(run, gold) for run in runs]

    def verdict(self, plan: _Plan, gold_sql: str) -> Verdict:
        """A candidate's verdict under the rule; with the strict twin, its strict verdict too,
        and the quirks that flip it named as the reason where the two differ."""
        gold_runs, pred_runs = self._read(plan.gold.at, True), self._read(plan.at, False)
        gold = plan.gold.prepared
        correct, reason = decide(self.rule, gold_sql, gold, gold_runs, pred_runs)
        strict_correct = correct
        quirks = plan.pred.quirks + gold.quirks
        if self.strict and plan.gold.strict is not None:
            strict_correct, _ = decide(
                self.strict, gold_sql, plan.gold.strict,
                self._read(plan.gold.strict_at, True), self._read(plan.strict_at, False),
            )
            if strict_correct != correct:
                flipped = comparison_quirks(self.rule, gold_sql, gold, gold_runs, pred_runs)
                quirks = tuple(dict.fromkeys(quirks + tuple(flipped)))
                reason = "quirk:" + "+".join(quirks or ("unattributed",))
        return Verdict(correct, reason, quirks, strict_correct)

    def decide_question(self, i: int, example: Example, preds: list[Prediction],
                        with_soft_f1: bool) -> list[ScoredSample]:
        """Every candidate's own sample, in order (an executed text decided once)."""
        by_text: dict[str, ScoredSample] = {}
        own: list[ScoredSample] = []
        for j, prediction in enumerate(preds):
            plan = self.plans.get((i, j))
            if plan is None:
                own.append(self.early.pop((i, j)))
            elif prediction.sql in by_text:
                twin = by_text[prediction.sql]
                own.append(dataclasses.replace(twin, prediction=prediction,
                                               extra=dict(twin.extra)))
            else:
                own.append(self._sample(plan, example, prediction, with_soft_f1,
                                        previews=i not in self.vote_at))
                by_text[prediction.sql] = own[-1]
        return own

    def _sample(self, plan: _Plan, example: Example, prediction: Prediction,
                with_soft_f1: bool, previews: bool) -> ScoredSample:
        sample = ScoredSample(example, prediction, self.verdict(plan, example.gold_sql))
        gold, pred = _run(self.runs, plan.gold.at[0]), _run(self.runs, plan.at[0])
        _fill_result_details(sample, gold, pred, with_soft_f1, previews)
        return sample

    def question_sample(self, i: int, example: Example, preds: list[Prediction],
                        own: list[ScoredSample], vote: str) -> ScoredSample:
        """The question's sample: its one candidate, or the one ``vote`` chooses (only the
        chosen one carries previews of its first rows, for samples.jsonl)."""
        if len(own) == 1:
            return own[0]
        chosen = _voted(example, own, [p.sql for p in preds], self.vote_at[i], self.runs, vote)
        index = (chosen.selection or {}).get("index")
        plan = None if index is None else self.plans.get((i, index))
        if plan is not None:
            chosen.gold_preview, chosen.pred_preview = _previews(
                _run(self.runs, plan.gold.at[0]), _run(self.runs, plan.at[0])
            )
        return chosen


def _run(runs: list[Execution | None], k: int) -> Execution:
    """Result ``k``, which must not have been released yet (a question is decided first)."""
    run = runs[k]
    if run is None:
        raise RuntimeError(f"result {k} was released before its question was decided")
    return run


def _voted(example: Example, own: list[ScoredSample], sqls: list[str],
           at: list[int | None], runs: list[Execution | None], vote: str) -> ScoredSample:
    """The chosen candidate's sample, carrying all of them; wrong when none executed."""
    selection = select(vote, sqls, [NOT_RUN if k is None else _run(runs, k) for k in at])
    if selection.index is None:
        chosen = ScoredSample(example, own[0].prediction,
                              Verdict(False, "no_candidate_executed", strict_correct=False))
    else:
        chosen = dataclasses.replace(own[selection.index])
    chosen.candidates = own
    chosen.selection = selection.to_dict()
    return chosen


def _fill_result_details(
    sample: ScoredSample, gold: Execution, pred: Execution, f1: bool, previews: bool = True
) -> None:
    sample.gold_ms = round(gold.elapsed_ms, 3)
    sample.pred_ms = round(pred.elapsed_ms, 3)
    if gold.rows is not None:
        sample.gold_row_count = len(gold.rows)
    if pred.rows is not None:
        sample.pred_row_count = len(pred.rows)
    if previews:
        sample.gold_preview, sample.pred_preview = _previews(gold, pred)
    if f1:
        sample.soft_f1 = round(soft_f1(gold.rows, pred.rows), 6)


def _previews(gold: Execution, pred: Execution) -> tuple[list[list] | None, list[list] | None]:
    return (
        None if gold.rows is None else preview(gold.rows),
        None if pred.rows is None else preview(pred.rows),
    )


def preview(rows: list[tuple]) -> list[list]:
    """The first rows of a result, made JSON-safe (blobs described, long text cut)."""
    out = []
    for row in rows[:PREVIEW_ROWS]:
        cells = []
        for value in row:
            if isinstance(value, bytes):
                value = f"<blob {len(value)} bytes>"
            elif isinstance(value, str) and len(value) > PREVIEW_CELL_CHARS:
                value = value[:PREVIEW_CELL_CHARS] + "…"
            cells.append(value)
        out.append(cells)
    return out



def measure_rves(
    samples: list[ScoredSample], suite: Suite, iterations: int, settings: ExecutionSettings
) -> list[float]:
    """BIRD's R-VES reward per sample: time each correct pair ``iterations`` times.

    Like mini_dev ``evaluation_ves.py``, only correct predictions are timed and the others get 0.
    Unlike it, the clock covers execute + fetch on an open connection (not connect + close), in
    this one process, so parallel work cannot skew the ratios.
    """
    from harness.evaluation.metrics import rves_reward

    rewards = []
    for sample in samples:
        if sample.prediction is None or not (sample.verdict.scorable and sample.verdict.correct):
            rewards.append(0.0)
            continue
        path = suite.database(sample.example.db_id).path
        ratios: list[float] = []
        for _ in range(iterations):
            pred = execute_sql(path, sample.prediction.sql, settings)
            gold = execute_sql(path, sample.example.gold_sql, settings)
            if not (pred.ok and gold.ok) or pred.elapsed_ms <= 0:
                ratios = []
                break
            ratios.append(gold.elapsed_ms / pred.elapsed_ms)
        reward = rves_reward(ratios)
        sample.extra["rves_reward"] = reward
        rewards.append(reward)
    return rewards

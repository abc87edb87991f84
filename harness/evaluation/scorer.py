"""Score predictions against a suite: prepare → execute (in parallel, gold cached) → decide.

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
from harness.suite import Suite

PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 200


@dataclass
class ScoredSample:
    """One example with its prediction, verdict, timings and a glimpse of both results.

    With several candidates for the question, the sample is the one voting chose (its verdict is
    the question's), ``candidates`` holds every candidate's own ScoredSample, in order, and
    ``selection`` the voting outcome (:meth:`harness.generation.voting.Selection.to_dict`).
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
    vote: str = "majority",
) -> list[ScoredSample]:
    """A ScoredSample per example, in order; a question with several candidates gets the one
    ``vote`` chooses (:func:`harness.generation.voting.select`, as the prompting method votes)
    with every candidate's verdict beside it. Missing predictions count as wrong.

    All the executions go to the executor in one batch, so each distinct (database, SQL) runs
    once however many candidates share it, and each gold once per question.
    """
    batch = _Batch(rule)
    samples: list[ScoredSample | None] = [None] * len(examples)
    databases: dict[str, tuple[DatabaseProblem | None, Database]] = {}
    for i, example in enumerate(examples):
        if example.db_id not in databases:
            databases[example.db_id] = (suite.database_problem(example.db_id),
                                        suite.database(example.db_id))
        problem, database = databases[example.db_id]
        preds = candidates.get(example.question_id) or []
        if problem:
            verdict = Verdict(False, f"unscorable:{problem.reason}")  # no local path in it
            samples[i] = ScoredSample(example, preds[0] if preds else None, verdict)
        elif not preds:
            samples[i] = ScoredSample(
                example, None, Verdict(False, "missing_prediction", strict_correct=False)
            )
        else:
            batch.plan(i, example, preds, database)
    scored = dict(batch.early)

    def finish(i: int) -> None:
        example, preds = examples[i], candidates[examples[i].question_id]
        scored.update(batch.decide_question(i, example, candidates, with_soft_f1))
        samples[i] = batch.question_sample(i, example, preds, scored, vote)
        for j in range(len(preds)):
            scored.pop((i, j), None)

    # Each question is decided as soon as its last result arrives, and its rows dropped then:
    # a run holds the results of the questions in flight, not of the whole split.
    for i in batch.execute(executor, progress):
        finish(i)
    for i in range(len(examples)):  # questions that needed no execution at all
        if samples[i] is None:
            finish(i)
    return samples  # type: ignore[return-value]


class _Batch:
    """Every query of one scoring call: planned per question, executed in one executor call,
    then decided per candidate and voted on per question."""

    def __init__(self, rule: Rule):
        self.rule, self.strict = rule, rule.strict_twin()
        self.queries: list[Query] = []
        self.plans: dict[tuple[int, int], _Plan] = {}
        self.plans_of: dict[int, list[_Plan]] = {}  # example -> its candidates' plans
        self.early: dict[tuple[int, int], ScoredSample] = {}  # verdicts that need no execution
        self.vote_at: dict[int, list[int | None]] = {}  # example -> each candidate's raw run
        self.runs: list[Execution | None] = []
        self.owner: list[int] = []  # the example each query serves
        self._current = -1
        self._queued: dict[tuple, int] = {}  # the current question's queries, by what they run

    def queue(self, path, text: str, gold: bool = False) -> int:
        """The position of this query in the batch; a question's repeated query is queued once
        (sampled candidates repeat themselves, and their strict and voting runs often match)."""
        key = (path, text, gold)
        if key not in self._queued:
            self.queries.append(Query(path, text, gold=gold))
            self.owner.append(self._current)
            self._queued[key] = len(self.queries) - 1
        return self._queued[key]

    def plan(self, i: int, example: Example, preds: list[Prediction], database: Database) -> None:
        """Queue the question's gold once and each candidate (and, to vote, each as written)."""
        rule, strict = self.rule, self.strict
        self._current, self._queued = i, {}
        paths = database.paths if rule.all_databases else (database.path,)
        gold: _Gold | None = None
        same_text: dict[str, _Plan] = {}  # a candidate repeated word for word is planned once
        for j, prediction in enumerate(preds):
            twin = same_text.get(prediction.sql)
            if twin is not None and not prediction.problem:
                self.plans[i, j] = dataclasses.replace(twin, candidate=j)
                self.plans_of[i].append(self.plans[i, j])
                continue
            if prediction.problem:
                verdict = Verdict(False, f"pred_error:{prediction.problem}", strict_correct=False)
                self.early[i, j] = ScoredSample(example, prediction, verdict)
                continue
            if not prediction.sql.strip() and rule.empty_prediction_is_error:
                verdict = Verdict(False, "pred_error:empty prediction", strict_correct=False)
                self.early[i, j] = ScoredSample(example, prediction, verdict)
                continue
            if gold is None:
                gold = self._queue_gold(example.gold_sql, paths)
            pred = rule.prepare_pred(prediction.sql)
            plan = _Plan(i, j, gold, pred, None, [self.queue(p, pred.text) for p in paths], [])
            if strict:
                plan.strict_pred = strict.prepare_pred(prediction.sql)
                plan.strict_at = [self.queue(p, plan.strict_pred.text) for p in paths]
            self.plans[i, j] = same_text[prediction.sql] = plan
            self.plans_of.setdefault(i, []).append(plan)
        if len(preds) > 1:  # voting runs the candidates as written, on the question's database
            self.vote_at[i] = [
                self.queue(database.path, p.sql) if p.sql and not p.problem else None
                for p in preds
            ]

    def _queue_gold(self, gold_sql: str, paths) -> _Gold:
        gold = _Gold(self.rule.prepare_gold(gold_sql), None, [], [])
        gold.at = [self.queue(path, gold.prepared.text, gold=True) for path in paths]
        if self.strict:
            gold.strict = self.strict.prepare_gold(gold_sql)
            gold.strict_at = [self.queue(path, gold.strict.text, gold=True) for path in paths]
        return gold

    def execute(self, executor: Executor, progress: Callable[[int, int], None] | None
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

    def decide_question(self, i: int, example: Example, candidates, with_soft_f1: bool
                        ) -> dict[tuple[int, int], ScoredSample]:
        """Each executed candidate of question ``i``: its own verdict (decided once per text)."""
        out: dict[tuple[int, int], ScoredSample] = {}
        by_text: dict[str, ScoredSample] = {}
        own = candidates[example.question_id]
        for plan in self.plans_of.get(i, ()):
            prediction = own[plan.candidate]
            twin = by_text.get(prediction.sql)
            if twin is not None:
                out[i, plan.candidate] = dataclasses.replace(twin, prediction=prediction,
                                                             extra=dict(twin.extra))
                continue
            out[i, plan.candidate] = by_text[prediction.sql] = _decide(
                plan, example, candidates, self.runs, self.rule, self.strict, with_soft_f1,
                previews=i not in self.vote_at,  # of several candidates, only the chosen one's
            )
        return out

    def question_sample(self, i: int, example: Example, preds: list[Prediction],
                        scored: dict[tuple[int, int], ScoredSample], vote: str) -> ScoredSample:
        """The question's sample: its one candidate, or the one ``vote`` chooses."""
        own = [scored[i, j] for j in range(len(preds))]
        if len(own) == 1:
            return own[0]
        chosen = _voted(example, own, [p.sql for p in preds], self.vote_at[i], self.runs, vote)
        index = (chosen.selection or {}).get("index")
        plan = None if index is None else self.plans.get((i, index))
        if plan is not None:  # the chosen one's first rows, for samples.jsonl
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


def _decide(plan: _Plan, example: Example, candidates, runs: list[Execution | None], rule: Rule,
            strict: Rule | None, with_soft_f1: bool, previews: bool = True) -> ScoredSample:
    gold_runs = [_run(runs, k) for k in plan.gold.at]
    pred_runs = [_run(runs, k) for k in plan.at]
    correct, reason = decide(rule, example.gold_sql, plan.gold.prepared, gold_runs, pred_runs)
    strict_correct = correct
    quirks = plan.pred.quirks + plan.gold.prepared.quirks
    if strict and plan.gold.strict is not None:
        s_gold = [_run(runs, k) for k in plan.gold.strict_at]
        s_pred = [_run(runs, k) for k in plan.strict_at]
        strict_correct, _ = decide(strict, example.gold_sql, plan.gold.strict, s_gold, s_pred)
        if strict_correct != correct:
            flipped = comparison_quirks(
                rule, example.gold_sql, plan.gold.prepared, gold_runs, pred_runs
            )
            quirks = tuple(dict.fromkeys(quirks + tuple(flipped)))
            reason = "quirk:" + "+".join(quirks or ("unattributed",))
    sample = ScoredSample(
        example,
        candidates[example.question_id][plan.candidate],
        Verdict(correct, reason, quirks, strict_correct),
    )
    _fill_result_details(sample, gold_runs[0], pred_runs[0], with_soft_f1, previews)
    return sample


def _voted(example: Example, own: list[ScoredSample], sqls: list[str],
           at: list[int | None], runs: list[Execution | None], vote: str) -> ScoredSample:
    """The chosen candidate's sample, carrying all of them; wrong when none executed."""
    from harness.generation.voting import NOT_RUN, select

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

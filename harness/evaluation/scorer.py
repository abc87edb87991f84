"""Score predictions against a suite: prepare → execute (in parallel, gold cached) → decide.

Under an official rule every sample is also judged by its strict twin, from the same executions
wherever the texts agree, so each run reports the strict EX beside the official one and names
the quirk behind every verdict where the two differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness.core import Example, Execution, Prediction, Verdict
from harness.evaluation.execution import ExecutionSettings, Executor, Query, execute_sql
from harness.evaluation.metrics import soft_f1
from harness.evaluation.rules import PreparedSQL, Rule, comparison_quirks, decide
from harness.suite import Suite

PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 200


@dataclass
class ScoredSample:
    """One example with its prediction, verdict, timings and a glimpse of both results."""

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


@dataclass
class _Plan:
    index: int
    gold: PreparedSQL
    pred: PreparedSQL
    strict_gold: PreparedSQL | None
    strict_pred: PreparedSQL | None
    n_paths: int
    start: int  # position of this sample's first query in the batch


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
    strict = rule.strict_twin()
    problems: dict[str, str | None] = {}
    databases = {}
    samples: list[ScoredSample | None] = [None] * len(examples)
    plans: list[_Plan] = []
    queries: list[Query] = []

    for i, example in enumerate(examples):
        if example.db_id not in problems:
            problems[example.db_id] = suite.database_problem(example.db_id)
            databases[example.db_id] = suite.database(example.db_id)
        prediction = predictions.get(example.question_id)
        if problems[example.db_id]:
            verdict = Verdict(False, f"unscorable:{problems[example.db_id]}")
        elif prediction is None:
            verdict = Verdict(False, "missing_prediction", strict_correct=False)
        elif not prediction.sql.strip() and rule.empty_prediction_is_error:
            verdict = Verdict(False, "pred_error:empty prediction", strict_correct=False)
        else:
            verdict = None
        if verdict is not None:
            samples[i] = ScoredSample(example, prediction, verdict)
            continue
        database = databases[example.db_id]
        paths = database.paths if rule.all_databases else (database.path,)
        plan = _Plan(
            index=i,
            gold=rule.prepare_gold(example.gold_sql),
            pred=rule.prepare_pred(prediction.sql),
            strict_gold=strict.prepare_gold(example.gold_sql) if strict else None,
            strict_pred=strict.prepare_pred(prediction.sql) if strict else None,
            n_paths=len(paths),
            start=len(queries),
        )
        for path in paths:
            queries.append(Query(path, plan.gold.text, gold=True))
            queries.append(Query(path, plan.pred.text))
        if strict:
            for path in paths:
                queries.append(Query(path, plan.strict_gold.text, gold=True))
                queries.append(Query(path, plan.strict_pred.text))
        plans.append(plan)

    settings = ExecutionSettings(
        executor.settings.timeout_s, executor.settings.max_rows, rule.text_errors
    )
    runs = executor.run(queries, settings=settings, progress=progress)

    for plan in plans:
        example = examples[plan.index]
        n = plan.n_paths
        block = runs[plan.start : plan.start + (4 if strict else 2) * n]
        gold_runs, pred_runs = block[0 : 2 * n : 2], block[1 : 2 * n : 2]
        correct, reason = decide(rule, example.gold_sql, plan.gold, gold_runs, pred_runs)
        strict_correct = correct
        quirks = plan.pred.quirks + plan.gold.quirks
        if strict:
            s_gold, s_pred = block[2 * n :: 2], block[2 * n + 1 :: 2]
            strict_correct, _ = decide(strict, example.gold_sql, plan.strict_gold, s_gold, s_pred)
            if strict_correct != correct:
                flipped = comparison_quirks(rule, example.gold_sql, plan.gold, gold_runs, pred_runs)
                quirks = tuple(dict.fromkeys(quirks + tuple(flipped)))
                reason = "quirk:" + "+".join(quirks or ("unattributed",))
        sample = ScoredSample(
            example,
            predictions[example.question_id],
            Verdict(correct, reason, quirks, strict_correct),
        )
        _fill_result_details(sample, gold_runs[0], pred_runs[0], with_soft_f1)
        samples[plan.index] = sample
    return samples  # type: ignore[return-value]


def _fill_result_details(sample: ScoredSample, gold: Execution, pred: Execution, f1: bool) -> None:
    sample.gold_ms = round(gold.elapsed_ms, 3)
    sample.pred_ms = round(pred.elapsed_ms, 3)
    if gold.ok:
        sample.gold_row_count = len(gold.rows)
        sample.gold_preview = preview(gold.rows)
    if pred.ok:
        sample.pred_row_count = len(pred.rows)
        sample.pred_preview = preview(pred.rows)
    if f1:
        sample.soft_f1 = round(soft_f1(gold.rows, pred.rows), 6)


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
        if not (sample.verdict.scorable and sample.verdict.correct):
            rewards.append(0.0)
            continue
        path = suite.database(sample.example.db_id).path
        ratios = []
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

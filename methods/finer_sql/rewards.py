"""FINER-SQL's reward (reference/finer-sql.md §2), as TRL reward functions over one shared scorer.

    R = 0                                     if the format gate fails
    R = w_fmt·1 + w_exec·E + w_atom·A + w_mem·M   otherwise

* E (execution): ``correct_reward`` (2) when the SQL gives the gold result under the suite's
  rule; ``executes_reward`` (1) when it runs but differs; 0 when it does not run (or the gold
  cannot be used).
* A (atomic): for SQL that runs but differs, ``max_g f(jaccard(ops(pred), ops(g)))`` over all gold
  variants (:mod:`methods.finer_sql.atomic`); else 0. E + A is upstream's R_exec.
* M (memory): 1 when correct, else the cosine of the thought to the centroid of retrieved
  verified traces (:mod:`methods.finer_sql.memory`); 0 with the memory off.

Each term is its own reward function, so TRL logs ``rewards/finer_<term>/mean`` per step and
``reward_weights`` carries the weights; every term already includes the gate, so their weighted
sum is R. The four functions share one :class:`FinerSQLRewards`, which scores a batch once (one
executor call for all its completions) and hands each function its column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from methods.execution_reward import ExecutionGrader, GradeRequest
from methods.finer_sql.atomic import SHAPINGS, Shaping, atomic_reward
from methods.finer_sql.format import check_format, completion_text

TERMS = ("format", "execution", "atomic", "memory")


@dataclass
class BatchScores:
    """Every term for every completion of one batch (gated: zeros where the format failed)."""

    format: list[float]
    execution: list[float]
    atomic: list[float]
    memory: list[float]
    correct: list[bool]
    failed_conditions: list[str | None]
    memory_writes: dict[str, int] = field(default_factory=dict)

    def total(self, weights: dict[str, float]) -> list[float]:
        return [
            sum(weights[t] * getattr(self, t)[i] for t in TERMS) for i in range(len(self.format))
        ]


class FinerSQLRewards:
    """Scores batches of completions; the per-term reward functions read from it.

    Args:
        grader: the shared execution grader (one executor call per batch).
        shaping: the atomic credit's shaping function (default S3).
        memory: a :class:`~methods.finer_sql.memory.ReasoningMemory`, or None for R_mem = 0.
        correct_reward, executes_reward: the values of E.
        min_thought_chars: the gate's thought length (upstream 100).
        upstream_compat: atomic operations as run upstream (the grader has its own switch).
    """

    def __init__(
        self,
        grader: ExecutionGrader,
        *,
        shaping: Shaping = SHAPINGS["s3"],
        memory=None,
        correct_reward: float = 2.0,
        executes_reward: float = 1.0,
        min_thought_chars: int = 100,
        upstream_compat: bool = False,
    ):
        self.grader = grader
        self.shaping = shaping
        self.memory = memory
        self.correct_reward = correct_reward
        self.executes_reward = executes_reward
        self.min_thought_chars = min_thought_chars
        self.upstream_compat = upstream_compat
        self._last_key: tuple | None = None
        self._last: BatchScores | None = None

    def score(
        self,
        prompts: Sequence,
        completions: Sequence,
        db_id: Sequence[str],
        gold_sql: Sequence[str],
        gold_sqls: Sequence[Sequence[str]] | None = None,
    ) -> BatchScores:
        """All terms for a batch; a repeated call with the same batch is served from memory."""
        texts = [completion_text(c) for c in completions]
        key = (tuple(texts), tuple(db_id), tuple(gold_sql))
        if key == self._last_key and self._last is not None:
            return self._last
        golds = [list(g) if g else [s] for g, s in zip(gold_sqls or [None] * len(texts), gold_sql)]
        checks = [check_format(t, self.min_thought_chars) for t in texts]
        grades = self.grader.grade(
            [
                GradeRequest(d, g, c.parsed.sql if c.ok else None)
                for d, g, c in zip(db_id, gold_sql, checks)
            ]
        )
        scores = self._execution_terms(checks, grades, golds)
        if self.memory is not None:
            self._memory_term(scores, checks, prompts, db_id)
        self._last_key, self._last = key, scores
        return scores

    def _execution_terms(self, checks, grades, golds: list[list[str]]) -> BatchScores:
        """Format, execution and atomic terms (the memory term still 0)."""
        n = len(checks)
        fmt, exe, atom = [0.0] * n, [0.0] * n, [0.0] * n
        correct = [False] * n
        for i, (check, grade) in enumerate(zip(checks, grades)):
            if not check.ok:
                continue
            fmt[i] = 1.0
            if grade.correct:
                exe[i], correct[i] = self.correct_reward, True
            elif grade.pred_executed and (grade.gold_usable or self.upstream_compat):
                if not grade.gold_timed_out:
                    exe[i] = self.executes_reward
                    atom[i] = atomic_reward(
                        check.parsed.sql, golds[i], self.shaping, self.upstream_compat
                    )
        return BatchScores(fmt, exe, atom, [0.0] * n, correct, [c.failed for c in checks])

    def _memory_term(self, scores: BatchScores, checks, prompts, db_id) -> None:
        """The memory term of the completions that passed the gate; their traces written."""
        passed = [i for i in range(len(checks)) if checks[i].ok]
        thoughts = [checks[i].parsed.thought for i in passed]
        dbs = [db_id[i] for i in passed]
        oks = [scores.correct[i] for i in passed]
        values, vectors = self.memory.rewards(thoughts, dbs, oks)
        for i, value in zip(passed, values):
            scores.memory[i] = value if math.isfinite(value) else 0.0
        prompt_texts = [_prompt_text(prompts[i]) for i in passed]
        for w in self.memory.write(thoughts, prompt_texts, dbs, oks, vectors):
            scores.memory_writes[w.reason] = scores.memory_writes.get(w.reason, 0) + 1

    def reward_functions(self) -> list:
        """The four TRL reward functions, in :data:`TERMS` order."""
        return [_Term(self, term) for term in TERMS]


def _prompt_text(prompt) -> str:
    if isinstance(prompt, str):
        return prompt
    return "\n".join(str(m.get("content", "")) for m in prompt if isinstance(m, dict))


class _Term:
    """One term as a TRL reward function (``rewards/finer_<term>/mean`` in the logs)."""

    def __init__(self, rewards: FinerSQLRewards, term: str):
        self.rewards = rewards
        self.term = term
        self.__name__ = f"finer_{term}"

    def __call__(
        self, prompts, completions, db_id, gold_sql, gold_sqls=None, log_metric=None, **_
    ) -> list[float]:
        scores = self.rewards.score(prompts, completions, db_id, gold_sql, gold_sqls)
        if self.term == "format" and log_metric is not None:
            n = max(1, len(scores.correct))
            log_metric("finer/correct", sum(scores.correct) / n)
            for condition in ("think_tags", "leading_text", "short_thought", "empty_sql"):
                share = sum(f == condition for f in scores.failed_conditions) / n
                log_metric(f"finer/format_fail_{condition}", share)
            if self.rewards.memory is not None:
                log_metric("finer/memory_size", float(len(self.rewards.memory.paths)))
                log_metric("finer/memory_stored", float(scores.memory_writes.get("stored", 0)))
        return list(getattr(scores, self.term))

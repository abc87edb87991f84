"""The nouns of the harness, named once: Example, Database, DatabaseProblem, Prediction, Execution,
Verdict.

Everything else (suites, methods, the executor, the scorer, run records) speaks in these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Example:
    """One benchmark question with its gold SQL.

    ``question_id`` is the key predictions use: the 0-based index in the split file for Spider,
    the ``question_id`` field for BIRD. ``difficulty`` is BIRD's label (simple/moderate/challenging)
    or Spider's hardness (easy/medium/hard/extra) computed from the gold SQL.

    ``category`` is a suite's second breakdown beside difficulty (Spider-DK's knowledge type).
    ``original_id`` is, for a suite that rewords another (``Suite.derived_from``), the
    ``question_id`` of the question this one rewords there: runs are paired on it.
    """

    question_id: int
    db_id: str
    question: str
    gold_sql: str
    evidence: str = ""
    difficulty: str | None = None
    category: str | None = None
    original_id: int | None = None


@dataclass(frozen=True)
class Database:
    """A benchmark database: ``path`` is the one the question is asked of.

    ``paths`` lists every ``.sqlite`` file in its folder: the Spider test-suite evaluator compares
    results on all of them (one file gives plain EX, the distilled test-suite folders give TS).
    """

    db_id: str
    path: Path
    paths: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if not self.paths:
            object.__setattr__(self, "paths", (self.path,))


@dataclass(frozen=True)
class DatabaseProblem:
    """Why a benchmark database cannot be used: ``kind`` is ``missing``, ``corrupt`` or
    ``unsettled`` (a WAL beside it holds committed changes the file lacks).

    ``reason`` (``database <db_id> <kind>``) is what a verdict says, so the same data gives the
    same verdict on every machine; ``detail`` (what SQLite found, in which local file) is for
    ``harness suites check`` and error messages only, and ``str()`` joins the two.
    """

    db_id: str
    kind: str
    detail: str = ""

    @property
    def reason(self) -> str:
        return f"database {self.db_id} {self.kind}"

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@dataclass(frozen=True)
class Prediction:
    """A method's SQL for one question; ``meta`` carries what produced it (raw text, latency…).

    ``problem`` says why the SQL cannot be run at all (too long, not UTF-8 text): that sample is
    judged ``pred_error:<problem>`` without executing anything, and the rest of the file stands.
    """

    question_id: int
    sql: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    problem: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Execution:
    """What one SQL statement did on one database.

    ``rows`` is None when the statement failed (``error``) or ran out of time (``timed_out``).
    ``is_query`` is False when the text held no statement at all (empty, only a comment): SQLite
    then returns no rows, which the official evaluators read as an empty result.
    """

    rows: list[tuple] | None
    error: str | None = None
    timed_out: bool = False
    truncated: bool = False
    elapsed_ms: float = 0.0
    is_query: bool = True

    @property
    def ok(self) -> bool:
        return self.rows is not None


@dataclass(frozen=True)
class Verdict:
    """The scorer's decision for one prediction.

    ``reason`` is machine-readable: ``match``, ``rows_differ``, ``pred_error:<message>``,
    ``pred_timeout``, ``gold_error:<message>``, ``gold_timeout``, ``gold_truncated:<why>``,
    ``missing_prediction``,
    ``unscorable:<why>``, ``no_candidate_executed`` (several candidates, none ran, so voting had
    nothing to choose), or ``quirk:<name>[+<name>]`` when an official-evaluator quirk decided the
    verdict (``strict_correct`` then says what the quirk-free rule decides).
    """

    correct: bool
    reason: str
    quirks: tuple[str, ...] = ()
    strict_correct: bool | None = None

    @property
    def scorable(self) -> bool:
        return not self.reason.startswith("unscorable:")

"""What can change an evaluation's numbers: one dataclass, saved in ``results.json``.

``harness eval`` and ``harness run`` both take it (``harness.config.RunConfig`` extends it), and
each field is a command-line flag (``harness.cli.config_options``): its metadata holds the flag's
help, and optionally ``choices`` (a registry's live names, read when the command line is parsed:
:meth:`harness.registry.Registry.choices`) and ``aliases``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.errors import ConfigError
from harness.evaluation.execution import settings_problem
from harness.evaluation.rules import RULES
from harness.evaluation.voting import DEFAULT_VOTE, VOTES


@dataclass
class EvalConfig:
    """Everything that can change an evaluation's numbers (saved in results.json)."""

    split: str | None = field(
        default=None, metadata={"help": "Split (default: the suite's dev split)."})
    rule: str | None = field(default=None, metadata={
        "help": "Correctness rule (default: the suite's official rule).",
        "choices": RULES.choices()})
    timeout_s: float = field(default=30.0, metadata={
        "help": "Seconds per query (at most a day); a query past it is stopped.",
        "aliases": ["--timeout"]})
    max_rows: int = field(default=100_000, metadata={
        "help": "Rows per result (at most 10,000,000); larger results are flagged, not compared."})
    workers: int | None = field(default=None, metadata={
        "help": "Processes (default: number of cores; at most 256)."})
    limit: int | None = field(default=None, metadata={"help": "Only the first N examples."})
    gold_cache: bool = field(default=True, metadata={
        "help": "Serve gold results from the on-disk cache (--no-gold-cache re-executes each "
        "once per evaluation)."})
    soft_f1: bool = field(default=False, metadata={"help": "Also compute BIRD's Soft-F1."})
    rves_iterations: int = field(default=0, metadata={
        "help": "Also compute BIRD's R-VES, timing each correct pair N times (official: 100).",
        "aliases": ["--rves"]})
    vote: str = field(default=DEFAULT_VOTE, metadata={
        "help": "With several candidates per question: how the one whose EX counts is chosen.",
        "choices": VOTES.choices()})

    def __post_init__(self) -> None:
        problem = settings_problem(self.timeout_s, self.max_rows, self.workers)
        if problem:
            raise ConfigError(problem)
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {self.limit}.")
        if self.rves_iterations < 0:
            raise ConfigError(f"--rves must be 0 or more, got {self.rves_iterations}.")
        if self.vote not in VOTES:
            raise ConfigError(f"--vote must be one of {', '.join(VOTES)}, got {self.vote!r}.",
                              option="--vote")

"""Comparing two runs on the same questions: agreement and an exact paired significance test.

Two models scored on the same questions are paired data: a McNemar test looks only at the
questions where they disagree. With few disagreements (the usual case on a dev set) the exact
binomial form is the right one, not the chi-squared approximation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from harness.errors import RunFolderError
from harness.evaluation.metrics import _log_binom_pmf


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs.

    Under the null each disagreement is a fair coin, so min(b, c) is Binomial(b + c, 1/2) and
    the p-value is twice its lower tail (capped at 1). Integer arithmetic keeps it exact for
    any n.

    >>> mcnemar_exact(0, 0)
    1.0
    >>> mcnemar_exact(5, 5)
    1.0
    >>> round(mcnemar_exact(0, 10), 6)
    0.001953
    >>> round(mcnemar_exact(2, 12), 5)
    0.01294
    """
    if b < 0 or c < 0:
        raise ValueError("counts must be non-negative")
    n, k = b + c, min(b, c)
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / 2**n)


@dataclass
class Comparison:
    """Per-question agreement of runs A and B over the questions both answered."""

    both_right: list[int] = field(default_factory=list)
    only_a: list[int] = field(default_factory=list)  # A right, B wrong
    only_b: list[int] = field(default_factory=list)  # B right, A wrong
    both_wrong: list[int] = field(default_factory=list)
    only_in_a: list[int] = field(default_factory=list)  # questions B lacks
    only_in_b: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.both_right) + len(self.only_a) + len(self.only_b) + len(self.both_wrong)

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.only_a), len(self.only_b))


def compare_verdicts(a: Mapping[int, bool], b: Mapping[int, bool]) -> Comparison:
    """Pair two runs' verdicts (question_id → correct) and sort each question into a cell.

    >>> c = compare_verdicts({1: True, 2: True, 3: False, 4: False}, {1: True, 2: False, 3: True})
    >>> c.both_right, c.only_a, c.only_b, c.both_wrong, c.only_in_a, c.n
    ([1], [2], [3], [], [4], 3)
    """
    out = Comparison()
    for qid in sorted(set(a) | set(b)):
        if qid not in b:
            out.only_in_a.append(qid)
        elif qid not in a:
            out.only_in_b.append(qid)
        elif a[qid] and b[qid]:
            out.both_right.append(qid)
        elif a[qid]:
            out.only_a.append(qid)
        elif b[qid]:
            out.only_b.append(qid)
        else:
            out.both_wrong.append(qid)
    return out


def paired_bootstrap_ci(
    only_a: int, only_b: int, n: int, level: float = 0.95
) -> tuple[float, float] | None:
    """The paired percentile-bootstrap interval of EX(A) − EX(B) over ``n`` shared questions.

    Resampling questions keeps each question's pair of verdicts together, so only the discordant
    ones move the difference: among n draws, the number that are discordant is
    Binomial(n, (b + c)/n), and of those, the number where only A is right is
    Binomial(m, b/(b + c)). The quantiles come from that exact distribution, not from random
    resamples: no seed, no Monte-Carlo noise.

    >>> paired_bootstrap_ci(0, 0, 50)
    (0.0, 0.0)
    >>> paired_bootstrap_ci(10, 2, 100)
    (0.02, 0.15)
    >>> paired_bootstrap_ci(0, 0, 0) is None
    True
    """
    if n == 0:
        return None
    discordant = only_a + only_b
    if discordant == 0:
        return (0.0, 0.0)
    p_disc, p_a = discordant / n, only_a / discordant
    mass: dict[int, float] = {}  # (only-A draws − only-B draws) → probability
    for m in range(n + 1):
        weight = math.exp(_log_binom_pmf(m, n, p_disc))
        if weight < 1e-15:
            continue
        for k in range(m + 1):
            w = weight * math.exp(_log_binom_pmf(k, m, p_a))
            if w >= 1e-18:
                mass[2 * k - m] = mass.get(2 * k - m, 0.0) + w
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    cdf, lo, hi = 0.0, None, max(mass)
    for d in sorted(mass):
        cdf += mass[d]
        if lo is None and cdf >= lo_q - 1e-12:
            lo = d
        if cdf >= hi_q - 1e-12:
            hi = d
            break
    return (round((min(mass) if lo is None else lo) / n, 6), round(hi / n, 6))


def verdict_map(verdicts: Iterable[Mapping], label: str = "verdicts") -> dict[int, bool]:
    """question_id → correct, from store verdict rows or samples.jsonl records (checked as
    :func:`checked_verdicts` does)."""
    return checked_verdicts(
        ((v.get("question_id"), v.get("correct")) for v in verdicts), "question_id", label
    )


def checked_verdicts(
    pairs: Iterable[tuple[object, object]], key: str, label: str
) -> dict[int, bool]:
    """key → correct from untrusted (key, correct) pairs: each key an integer given once, each
    verdict a JSON boolean. ``bool("false")`` is True and a dict keeps the last of two equal
    keys, so without these checks a hand-edited file silently changes the comparison."""
    out: dict[int, bool] = {}
    for value, correct in pairs:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RunFolderError(f"{label}: {key} must be an integer, got {_shown(value)}.")
        if value in out:
            raise RunFolderError(
                f"{label}: {key} {value} appears twice; a run holds one verdict per question."
            )
        out[value] = verdict_flag(correct, f"{label}, {key} {value}")
    return out


def verdict_flag(value: object, where: str) -> bool:
    """A sample's ``correct``: a JSON boolean, nothing else ("false", 0 or null are refused)."""
    if isinstance(value, bool):
        return value
    raise RunFolderError(f'{where}: "correct" must be true or false, got {_shown(value)}.')


def _shown(value: object) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


__all__ = [
    "Comparison", "checked_verdicts", "compare_verdicts", "mcnemar_exact", "paired_bootstrap_ci",
    "verdict_flag", "verdict_map",
]

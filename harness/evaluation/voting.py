"""Choosing one SQL among N sampled candidates by their execution results, and pass@N helpers.

Pure functions over the candidates and their :class:`~harness.core.Execution` values (computed by
the same executor that scores runs), so voting never has its own notion of a result.

Two strategies from FINER-SQL's ``evaluation/majority_voting.py`` (reference/finer-sql.md §6),
and two that the recipes (harness.generation.recipes) need, described at the end of the module:
OmniSQL's ``result-set-majority`` and Arctic-Text2SQL-R1's ``similarity``.

``majority``     the largest group of candidates with the same result; a tie goes to the group
                 whose first member comes first; that member is returned.
``value-aware``  ("vav") the same groups, but groups whose values are all empty or all zero are
                 skipped; the largest remaining group wins, a tie going to the lexicographically
                 larger result key; with nothing left, the largest group overall (same
                 tie-break); with no candidate executed, ``""``. The lowest-index SQL of the chosen
                 group is returned.

Results are grouped by :func:`result_key`: header- and column-order-agnostic, a *set* of rows,
cut to 200 characters, exactly as upstream (so two results that share their first 200 characters
vote together).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness.core import Execution
from harness.registry import Registry

#: The vote when none is given, for ``harness eval`` and ``harness run`` alike (the prompting
#: method's and EvalConfig's default): FINER-SQL's, which never lets an empty or all-zero result
#: win while another result exists.
DEFAULT_VOTE = "value-aware"
KEY_PREFIX = "SUCCESS_VALUES:"
KEY_CHARS = 200
#: What a candidate with no SQL text "executed" to: it is never run, and never votes.
NOT_RUN = Execution(rows=None, error="empty SQL", is_query=False)


def result_key(rows: Sequence[Sequence]) -> str:
    """The grouping key of a result: per row, values as text (None → ""), sorted, joined by ``|``;
    distinct rows sorted and joined by ``;``; cut to 200 characters.

    >>> result_key([(2, "b"), ("b", 2), (None, 1)])
    'SUCCESS_VALUES:2|b;|1'
    """
    row_strings: set[str] = set()
    add = row_strings.add
    for row in rows:  # the same text as upstream, built without a generator per row (hot path)
        if len(row) == 1:
            add("" if row[0] is None else str(row[0]))
        elif any(v is None for v in row):
            add("|".join(sorted(["" if v is None else str(v) for v in row])))
        else:
            add("|".join(sorted(map(str, row))))
    return KEY_PREFIX + ";".join(sorted(row_strings))[:KEY_CHARS]


_NUMBER = re.compile(r"^[\s\-+]?(\d+(\.\d+)?)$")


def _key_values(key: str) -> list[str]:
    body = key[len(KEY_PREFIX) :]
    return [t.strip() for t in body.split(";") if t.strip() != ""]


def is_empty_or_zero(key: str) -> bool:
    """True for results vav skips: no non-empty row, or every row a number equal to zero.

    Each row (its ``|``-joined text) is read as one number after a trailing ``%`` is removed;
    rows that are not a single number are ignored, so ``0|0`` neither counts as zero nor not.

    >>> is_empty_or_zero("SUCCESS_VALUES:"), is_empty_or_zero("SUCCESS_VALUES:0;0.0%")
    (True, True)
    >>> is_empty_or_zero("SUCCESS_VALUES:0;3"), is_empty_or_zero("SUCCESS_VALUES:0|0")
    (False, False)
    """
    values = _key_values(key)
    if not values:
        return True
    numbers = []
    for v in values:
        t = v[:-1].strip() if v.strip().endswith("%") else v
        m = _NUMBER.match(t)
        if m:
            numbers.append(float(m.group(1)))
    return bool(numbers) and all(abs(x) < 1e-12 for x in numbers)


@dataclass(frozen=True)
class Selection:
    """The voting outcome for one question.

    ``index`` is the chosen candidate (None when none executed); ``groups`` maps each result key
    to the candidate indices that produced it, in candidate order; ``skipped`` lists keys vav
    passed over (empty or zero); ``fallback`` is True when vav had to choose among them anyway.
    """

    sql: str
    index: int | None
    strategy: str
    key: str | None = None
    votes: int = 0
    groups: dict[str, list[int]] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    fallback: bool = False
    failed: int = 0  # candidates that did not execute (error, timeout, empty text)

    def to_dict(self) -> dict:
        return {
            "strategy": self.strategy,
            "index": self.index,
            "votes": self.votes,
            "key": self.key,
            "group_sizes": sorted((len(v) for v in self.groups.values()), reverse=True),
            "groups": {k: v for k, v in self.groups.items()},
            "skipped": list(self.skipped),
            "fallback": self.fallback,
            "failed": self.failed,
        }


def group_results(
    candidates: Sequence[str], executions: Sequence[Execution]
) -> dict[str, list[int]]:
    """Result key → indices of the candidates that executed with that result (insertion order
    is the order of each group's first member)."""
    if len(candidates) != len(executions):
        raise ValueError(f"{len(candidates)} candidates but {len(executions)} executions")
    groups: dict[str, list[int]] = {}
    keys: dict[int, str] = {}  # candidates with the same SQL share one Execution: key it once
    for i, (sql, ex) in enumerate(zip(candidates, executions)):
        if not (sql or "").strip() or not ex.ok or not ex.is_query:
            continue
        key = keys.get(id(ex))
        if key is None:
            key = keys[id(ex)] = result_key(ex.rows or [])
        groups.setdefault(key, []).append(i)
    return groups


def majority_vote(candidates: Sequence[str], executions: Sequence[Execution]) -> Selection:
    """Plain execution-result majority (see the module docstring).

    >>> ok = lambda rows: Execution(rows=rows)
    >>> majority_vote(["a", "b", "c"], [ok([(0,)]), ok([(1,)]), ok([(0,)])]).sql
    'a'
    """
    groups = group_results(candidates, executions)
    failed = len(candidates) - sum(len(v) for v in groups.values())
    if not groups:
        return Selection("", None, "majority", failed=failed)
    best = max(groups, key=lambda k: len(groups[k]))  # max keeps the first of equal sizes
    index = groups[best][0]
    return Selection(
        candidates[index], index, "majority", best, len(groups[best]), groups, failed=failed
    )


def value_aware_vote(candidates: Sequence[str], executions: Sequence[Execution]) -> Selection:
    """FINER-SQL's value-aware voting ("vav"; see the module docstring).

    >>> ok = lambda rows: Execution(rows=rows)
    >>> value_aware_vote(["z1", "z2", "a"], [ok([(0,)]), ok([(0,)]), ok([(5,)])]).sql
    'a'
    """
    groups = group_results(candidates, executions)
    failed = len(candidates) - sum(len(v) for v in groups.values())
    if not groups:
        return Selection("", None, "value-aware", failed=failed)
    skipped = tuple(k for k in groups if is_empty_or_zero(k))
    remaining = [k for k in groups if k not in skipped]
    fallback = not remaining
    pool = remaining or list(groups)
    best = max(pool, key=lambda k: (len(groups[k]), k))
    index = groups[best][0]
    return Selection(
        candidates[index],
        index,
        "value-aware",
        best,
        len(groups[best]),
        groups,
        skipped,
        fallback,
        failed,
    )


def select(strategy: str, candidates: Sequence[str], executions: Sequence[Execution]) -> Selection:
    """Dispatch by name (:data:`VOTES`; ``vav`` is value-aware's short name)."""
    vote = VOTES.get("value-aware" if strategy == "vav" else strategy)
    return vote(candidates, executions)


def pass_at_k(correct: Sequence[bool], k: int) -> float:
    """Unbiased pass@k (Chen et al., 2021) from n candidates of which ``sum(correct)`` are right.

    >>> pass_at_k([True, False, False, False], 1), pass_at_k([True, False, False, False], 4)
    (0.25, 1.0)
    """
    n, c = len(correct), sum(bool(x) for x in correct)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}, got {k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def recall_at_n(correct: Sequence[bool]) -> bool:
    """Whether any of the N candidates is correct (FINER-SQL's Recall@N for one question)."""
    return any(correct)


def mean_pass_at_k(per_question: Sequence[Sequence[bool]], k: int) -> float:
    """pass@k averaged over questions; Recall@N is ``mean_pass_at_k(x, N)``."""
    if not per_question:
        return 0.0
    return sum(pass_at_k(c, k) for c in per_question) / len(per_question)


# -- the recipes' upstream rules ------------------------------------------------------------
# Two upstream selection rules, as their evaluation code applies them to N candidates.
#
# ``result-set-majority`` (OmniSQL ``evaluate_bird.py`` ``major_voting``; SQL-R1 and CSC-SQL use
# the same function): each candidate that executes votes for its result as a *set* of raw rows
# (Python equality: ``1 == 1.0``, ``'1' != 1``); an empty candidate text executes in SQLite to no
# rows and votes for the empty result; the result with most votes wins, a tie going to the result
# seen first, and its first candidate is returned. When no candidate executes upstream returns one
# at random (``random.choice`` under a module seed, so the pick depends on earlier questions); here
# the first candidate, so a rerun picks the same one (every such candidate is wrong either way).
#
# ``similarity`` (Arctic-Text2SQL-R1 ``evaluate_bird.py`` "Snow" branch with
# ``self_consistency.py``): every pair of candidates gets a soft result similarity; per column, the
# value counts of both results are compared (agreement = Σ max(f1, f2) − Σ |f1 − f2| over the
# union of values, out of Σ max(f1, f2)), summed over columns; a result with no rows is similar to
# nothing, a candidate that executed is similar to itself (1), a failed one to nothing; NULLs
# never agree (upstream adds both sides' NULL counts to the possible agreement only). The
# candidate with the largest row sum wins (the first on a tie). Upstream aligns columns by their
# *names* in a pandas DataFrame; the harness executor returns rows without names, so columns are
# aligned by position here (two candidates that name the same columns differently, e.g.
# ``count(*)`` and ``COUNT(*)``, agree here and not upstream).


def result_set_majority(candidates: Sequence[str], executions: Sequence[Execution]) -> Selection:
    """OmniSQL's majority over result sets (see the module docstring).

    >>> ok = lambda rows: Execution(rows=rows)
    >>> result_set_majority(["a", "b", "c"], [ok([(1,)]), ok([(2,)]), ok([(1.0,)])]).sql
    'a'
    """
    groups: dict[frozenset, list[int]] = {}
    for i, (sql, ex) in enumerate(zip(candidates, executions, strict=True)):
        if not (sql or "").strip():
            groups.setdefault(frozenset(), []).append(i)  # SQLite runs "" to no rows
        elif ex.ok:
            groups.setdefault(frozenset(ex.rows or []), []).append(i)
    failed = len(candidates) - sum(len(v) for v in groups.values())
    if not groups:
        index = 0 if candidates else None
        sql = candidates[0] if candidates else ""
        return Selection(sql, index, "result-set-majority", failed=failed, fallback=True)
    best = max(groups, key=lambda k: len(groups[k]))  # the first of equal sizes
    index = groups[best][0]
    named = {repr(sorted(map(repr, k)))[:200]: v for k, v in groups.items()}
    return Selection(candidates[index], index, "result-set-majority",
                     repr(sorted(map(repr, best)))[:200], len(groups[best]), named, failed=failed)


def _column_counts(rows: list[tuple]) -> list[Counter]:
    width = max((len(r) for r in rows), default=0)
    return [Counter(r[c] if c < len(r) else None for r in rows) for c in range(width)]



def soft_similarity(a: list[tuple] | None, b: list[tuple] | None) -> float:
    """Arctic's soft denotation similarity of two results (columns by position).

    >>> soft_similarity([(1, "x"), (2, "y")], [(1, "x"), (3, "y")])
    0.6
    >>> soft_similarity([(1,)], []), soft_similarity([(1,)], None)
    (0.0, 0.0)
    """
    if not a or not b:
        return 0.0
    ca, cb = _column_counts(a), _column_counts(b)
    real = possible = 0.0
    for col in range(max(len(ca), len(cb))):
        fa = ca[col] if col < len(ca) else Counter()
        fb = cb[col] if col < len(cb) else Counter()
        if not fa or not fb:
            possible += sum(fa.values()) + sum(fb.values())
            continue
        nulls = fa.pop(None, 0) + fb.pop(None, 0)  # upstream moves NULLs to one side: no agreement
        values = set(fa) | set(fb)
        possible += nulls
        col_possible = sum(max(fa[v], fb[v]) for v in values)
        real += col_possible - sum(abs(fa[v] - fb[v]) for v in values)
        possible += col_possible
    return real / possible if possible else 0.0


def similarity_vote(candidates: Sequence[str], executions: Sequence[Execution]) -> Selection:
    """Arctic's self-consistency: the candidate most similar to all others (module docstring).

    >>> ok = lambda rows: Execution(rows=rows)
    >>> similarity_vote(["a", "b", "c"], [ok([(1,), (2,)]), ok([(1,), (2,), (3,)]), ok([(9,)])]).sql
    'a'
    """
    results = [ex.rows if (sql or "").strip() and ex.ok else None
               for sql, ex in zip(candidates, executions, strict=True)]
    n = len(results)
    matrix = [[0.0] * n for _ in range(n)]
    for i, ri in enumerate(results):
        matrix[i][i] = 1.0 if ri is not None else 0.0
        for j in range(i + 1, n):
            matrix[i][j] = matrix[j][i] = soft_similarity(ri, results[j])
    scores = [sum(row) for row in matrix]  # row sums in column order, as upstream's np.sum
    failed = sum(r is None for r in results)
    if not candidates:
        return Selection("", None, "similarity", failed=failed)
    index = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return Selection(candidates[index], index, "similarity", votes=round(scores[index] * 1000),
                     failed=failed)


#: Vote name -> the function that chooses one candidate. ``--vote`` offers the names registered
#: when the command line is read, so a vote registered by a plugin or a test is a choice too.
VOTES: Registry[Callable[[Sequence[str], Sequence[Execution]], Selection]] = Registry(
    "vote strategy")
VOTES.register("majority", majority_vote)
VOTES.register("value-aware", value_aware_vote)
VOTES.register("result-set-majority", result_set_majority)
VOTES.register("similarity", similarity_vote)

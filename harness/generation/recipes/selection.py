"""Two upstream selection rules, as their evaluation code applies them to N candidates.

``result-set-majority`` (OmniSQL ``evaluate_bird.py`` ``major_voting``; SQL-R1 and CSC-SQL use
the same function): each candidate that executes votes for its result as a *set* of raw rows
(Python equality: ``1 == 1.0``, ``'1' != 1``); an empty candidate text executes in SQLite to no
rows and votes for the empty result; the result with most votes wins, a tie going to the result
seen first, and its first candidate is returned. When no candidate executes upstream returns one
at random (``random.choice`` under a module seed, so the pick depends on earlier questions); here
the first candidate, so a rerun picks the same one (every such candidate is wrong either way).

``similarity`` (Arctic-Text2SQL-R1 ``evaluate_bird.py`` "Snow" branch with
``self_consistency.py``): every pair of candidates gets a soft result similarity; per column, the
value counts of both results are compared (agreement = Σ max(f1, f2) − Σ |f1 − f2| over the
union of values, out of Σ max(f1, f2)), summed over columns; a result with no rows is similar to
nothing, a candidate that executed is similar to itself (1), a failed one to nothing; NULLs
never agree (upstream adds both sides' NULL counts to the possible agreement only). The
candidate with the largest row sum wins (the first on a tie). Upstream aligns columns by their
*names* in a pandas DataFrame; the harness executor returns rows without names, so columns are
aligned by position here (two candidates that name the same columns differently, e.g.
``count(*)`` and ``COUNT(*)``, agree here and not upstream).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from harness.core import Execution
from harness.generation.voting import Selection


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

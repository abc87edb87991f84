"""Each sample's ``gold_flags``: what published audits and the harness's own scan say of its gold.

A flag is ``{"source", "category", ...}``: ``source`` is an annotation file's name (a published
audit, ``harness.data.annotations``) or ``harness-scan`` (``harness.evaluation.ambiguity``).
Flags never change a verdict; they split EX into the official figure and the figure on the
questions with no flag (``harness.evaluation.metrics.clean_block``).
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.evaluation.ambiguity import Flag, returned_another_tied_row
from harness.evaluation.scorer import ScoredSample


def attach(
    samples: Sequence[ScoredSample], scanned: dict[int, list[Flag]],
    annotated: dict[int, list[dict]],
) -> dict[int, bool | None]:
    """Set ``extra["gold_flags"]`` on every sample (an empty list when none); returns, for each
    scored question flagged with a tie in its outermost query, whether a wrong prediction returned
    another of the tied rows (None when the prediction was right)."""
    ties: dict[int, bool | None] = {}
    for s in samples:
        qid = s.example.question_id
        own = scanned.get(qid, [])
        s.extra["gold_flags"] = list(annotated.get(qid, [])) + [f.to_json() for f in own]
        tie = next((f for f in own if f.kind == "limit_tie" and f.tied), None)
        if tie is None or not s.verdict.scorable:
            continue
        ties[qid] = None if s.verdict.correct else returned_another_tied_row(tie, s.pred_preview)
    return ties

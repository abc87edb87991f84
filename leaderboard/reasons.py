"""Verdict reasons in words, and the one rule for which questions count.

The scorer's reasons are machine-readable (``harness.core.Verdict``). The app shows them in
words and groups them for filters; and every page decides what counts toward EX with
:func:`is_scored`, the same rule ``harness.evaluation.records.summarize`` applies: a question
whose database is missing or corrupt is *unscorable*, left out of EX, and never shown as wrong.
"""

from __future__ import annotations

CORRECT = "correct"
WRONG_ROWS = "wrong: different result"
WRONG_ERROR = "wrong: the SQL fails"
WRONG_TIMEOUT = "wrong: the SQL times out"
WRONG_MISSING = "wrong: no prediction"
GOLD_FAILS = "wrong: the gold SQL fails"
QUIRK = "decided by an evaluator quirk"
UNSCORABLE = "unscorable (left out of EX)"
CATEGORIES = (CORRECT, WRONG_ROWS, WRONG_ERROR, WRONG_TIMEOUT, WRONG_MISSING, GOLD_FAILS, QUIRK,
              UNSCORABLE)


def is_scored(reason: str) -> bool:
    """True when the question counts toward EX (its database exists and is whole)."""
    return not str(reason).startswith("unscorable:")


def category(reason: str, correct: bool) -> str:
    """The filter group of a verdict.

    >>> category("match", True), category("pred_error:no such column: x", False)
    ('correct', 'wrong: the SQL fails')
    >>> category("unscorable:database wta_1 missing", False)
    'unscorable (left out of EX)'
    >>> category("unscorable:database concert_singer corrupt", False)
    'unscorable (left out of EX)'
    """
    reason = str(reason)
    if not is_scored(reason):
        return UNSCORABLE
    if reason.startswith("quirk:"):
        return QUIRK
    if correct:
        return CORRECT
    if reason == "pred_timeout":
        return WRONG_TIMEOUT
    if reason.startswith("pred_error"):
        return WRONG_ERROR
    if reason == "missing_prediction":
        return WRONG_MISSING
    if reason.startswith("gold_"):
        return GOLD_FAILS
    return WRONG_ROWS


def verdict_word(reason: str, correct: bool) -> str:
    """``correct``, ``wrong`` or ``unscorable``: the verdict a page shows."""
    if not is_scored(reason):
        return "unscorable"
    return "correct" if correct else "wrong"


def describe(reason: str, correct: bool | None = None) -> str:
    """A reason in a sentence.

    >>> describe("rows_differ")
    'The predicted SQL runs, but its rows differ from the gold result.'
    >>> describe("unscorable:database wta_1 missing")[:72]
    'Unscorable: the database is not on this server (database wta_1 missing),'
    >>> describe("unscorable:database concert_singer corrupt")[:84]
    'Unscorable: the database is damaged on this server (database concert_singer corrupt)'
    >>> describe("quirk:distinct_removed", True)
    'Decided by an official-evaluator quirk (distinct removed): counted correct.'
    """
    reason = str(reason)
    kind, _, detail = reason.partition(":")
    detail = detail.strip()
    if kind == "match":
        return "The predicted SQL returns the same rows as the gold SQL."
    if kind == "rows_differ":
        return "The predicted SQL runs, but its rows differ from the gold result."
    if kind == "pred_error":
        return f"The predicted SQL fails: {detail}." if detail else "The predicted SQL fails."
    if kind == "pred_timeout":
        return "The predicted SQL ran past the time limit."
    if kind == "missing_prediction":
        return "The submission has no prediction for this question."
    if kind == "gold_error":
        return f"The gold SQL itself fails here ({detail}); the question counts as wrong."
    if kind == "gold_timeout":
        return "The gold SQL ran past the time limit; the question counts as wrong."
    if kind == "unscorable":
        why = detail or "no reason given"
        where = ("is damaged on" if why.endswith("corrupt") else
                 "has changes not yet applied to its file on" if why.endswith("unsettled") else
                 "is not on")
        return (f"Unscorable: the database {where} this server ({why}), so the question is "
                f"left out of EX.")
    if kind == "quirk":
        names = detail.replace("_", " ").replace("+", ", ")
        verdict = "" if correct is None else f": counted {'correct' if correct else 'wrong'}"
        return f"Decided by an official-evaluator quirk ({names}){verdict}."
    return reason


__all__ = ["CATEGORIES", "category", "describe", "is_scored", "verdict_word"]

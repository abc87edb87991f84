"""The "reproduced" trust tier: a maintainer re-ran a row's generation and got its predictions.

A verified row proves only that its predictions score what it says: the dev gold is public and
can be pasted. ``harness reproduce ... --out DIR`` re-runs the generation and writes
``DIR/reproduce.json`` (layout ``reproduce/1``, below); :func:`mark_reproduced` checks that
report (its fields, that it reports a success, and that it is about *this* row's predictions,
by ``predictions_digest``) and marks the row, keeping the report whole.

    {"format": "reproduce/1",
     "original": {"kind": "run"|"submission", "ref": str, "predictions_digest": str},
     "questions": int, "identical_sql": int, "identical_sql_share": float,
     "verdict_agreement": float, "ex_original": float, "ex_reproduced": float, "ex_diff": float,
     "ex_diff_ci95": [lo, hi], "greedy": bool, "reproduced": bool,
     "differing_question_ids": [...], "backend": str, "hardware": str}
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from harness.errors import SubmissionError
from leaderboard.store import Store

REPORT_FORMAT = "reproduce/1"
MAX_REPORT_BYTES = 8 * 2**20
_SHARES = ("identical_sql_share", "verdict_agreement", "ex_original", "ex_reproduced")


def read_report(path: str | Path) -> dict:
    """A reproduce.json, checked field by field (a SubmissionError names the first problem)."""
    path = Path(path)
    if path.is_dir():
        path = path / "reproduce.json"
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise SubmissionError(f"{path} is over {MAX_REPORT_BYTES // 2**20} MiB: not a report.")
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SubmissionError(f"No reproduction report at {path} (harness reproduce --out DIR "
                              f"writes DIR/reproduce.json).") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SubmissionError(f"{path} is not a JSON reproduction report ({exc}).") from exc
    problem = report_problem(report)
    if problem:
        raise SubmissionError(f"{path}: {problem}")
    return report


def report_problem(report) -> str | None:
    """What is wrong with a parsed report, or None."""
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        return f'not a "{REPORT_FORMAT}" report (its "format" says otherwise).'
    original = report.get("original")
    if not isinstance(original, dict) or original.get("kind") not in ("run", "submission"):
        return '"original" must be an object whose "kind" is "run" or "submission".'
    if not re.fullmatch(r"[0-9a-f]{64}", str(original.get("predictions_digest"))):
        return '"original.predictions_digest" must be a SHA-256 (64 hex digits).'
    questions, identical = report.get("questions"), report.get("identical_sql")
    if not _count(questions) or questions < 1:
        return '"questions" must be a whole number ≥ 1.'
    if not _count(identical) or identical > questions:
        return f'"identical_sql" must be a whole number 0…{questions}.'
    for key in _SHARES:
        if not _share(report.get(key)):
            return f'"{key}" must be a number in 0…1.'
    ci = report.get("ex_diff_ci95")
    if not _number(report.get("ex_diff")) or not (
            isinstance(ci, list) and len(ci) == 2 and all(_number(x) for x in ci)
            and ci[0] <= ci[1]):
        return '"ex_diff" must be a number and "ex_diff_ci95" a [low, high] pair.'
    if not isinstance(report.get("greedy"), bool) or not isinstance(report.get("reproduced"),
                                                                    bool):
        return '"greedy" and "reproduced" must be true or false.'
    return _verdict_problem(report)


def _verdict_problem(report: dict) -> str | None:
    """``reproduced`` must be what the rule gives: greedy and every SQL identical, or sampled
    and the EX difference's interval holding 0."""
    holds = (report["identical_sql"] == report["questions"] if report["greedy"]
             else report["ex_diff_ci95"][0] <= 0 <= report["ex_diff_ci95"][1])
    if report["reproduced"] != holds:
        return ('"reproduced" contradicts its own figures (greedy: every SQL identical; sampled: '
                'the 95% interval of the EX difference holds 0).')
    if not report["reproduced"]:
        return "the report says the run was not reproduced; nothing to mark."
    return None


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _share(value) -> bool:
    return _number(value) and 0 <= value <= 1


def stored_digests(store: Store, submission: dict) -> dict[str, str]:
    """Each stored result's ``predictions_digest`` (``suite/split`` → digest)."""
    from harness.evaluation.records import predictions_digest

    return {
        f"{r['suite']}/{r['split']}": predictions_digest(
            (v["question_id"], v["pred_sql"]) for v in store.verdicts(r["id"])
            if v["pred_sql"] is not None)
        for r in submission["results"]
    }


def mark_reproduced(store: Store, submission_id: int, path: str | Path) -> str:
    """Check ``path`` (a reproduce.json or its folder) against the stored row and mark it;
    returns the result (``suite/split``) it reproduces. Nothing is written on any problem."""
    report = read_report(path)
    submission = store.submission(submission_id)
    if submission is None:
        raise SubmissionError(f"No submission #{submission_id} (see harness submissions list).")
    if submission["status"] != "verified":
        raise SubmissionError(f"#{submission_id} is a published row: only verified rows (their "
                              f"predictions stored here) can be reproduced.")
    digest = report["original"]["predictions_digest"]
    digests = stored_digests(store, submission)
    matched = next((key for key, d in digests.items() if d == digest), None)
    if matched is None:
        raise SubmissionError(
            f"The report reproduces predictions {digest[:12]}…, but #{submission_id}'s stored "
            f"predictions are {', '.join(f'{k}: {d[:12]}…' for k, d in digests.items())}. "
            f"Reproduce this row's own run."
        )
    store.mark_reproduced(submission_id, report)
    return matched


__all__ = ["REPORT_FORMAT", "mark_reproduced", "read_report", "report_problem"]

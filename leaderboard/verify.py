"""Verified submissions: re-execute and re-score every prediction, then store our numbers.

A submission is one or more run folders (``results.json`` + ``samples.jsonl``, as ``harness eval``
and ``harness run`` write them), or a predictions file alone (any format ``harness eval``
accepts) with its suite and split. Whatever the run claims, the leaderboard stores what the
evaluation core recomputes from the predictions; when the two differ the submission is flagged
and the flags say how.

    verify_run / verify_predictions    untrusted input → a Verification (nothing stored)
    submit_runs / submit_predictions   verify, then store in one transaction → a SubmitOutcome

Every problem with the input raises :class:`~harness.errors.SubmissionError` (or
:class:`~harness.errors.PredictionsError` for a malformed predictions file) before anything
is written, so a refused submission leaves the store unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__
from harness.core import Example, Prediction
from harness.errors import (
    DataError,
    DuplicateSubmission,
    PredictionsError,
    RunFolderError,
    SubmissionError,
)
from harness.evaluation.config import EvalConfig
from harness.evaluation.predictions import MAX_CANDIDATES, load_predictions
from harness.evaluation.records import (
    RESULTS_FILE,
    RunRecord,
    as_json,
    check_size,
    read_record,
    read_samples,
    sample_record,
)
from harness.evaluation.voting import DEFAULT_VOTE
from harness.pipeline import evaluate
from harness.suite import Suite, load_suite
from leaderboard.decoding import Decoding, parse_decoding
from leaderboard.gold_copy import canonical_sql, copy_signals
from leaderboard.store import ResultRecord, Store, SubmissionRecord

GOLD_METHOD = "gold SQL self-test"  # the evaluator's ceiling: shown, never ranked
MAX_SUBMISSION_BYTES = 64 * 2**20  # samples.jsonl or a predictions file
MAX_RESULTS_BYTES = 8 * 2**20  # results.json
MAX_TEXT_CHARS = 200  # name, method, base model …
TOLERANCE = 5e-6  # metrics are rounded to 6 places in results.json


@dataclass
class SubmissionMeta:
    """What the submitter says about the model; flags win over what the run folder records."""

    name: str
    model_size: str | None = None  # "3B", "1.5B", "500M"; a bare number means billions
    method: str | None = None
    base_model: str | None = None
    decoding: str | None = None  # greedy, maj@8, vav@30 … (leaderboard.decoding)
    training_data: str | None = None
    hardware: str | None = None
    link: str | None = None
    samples: int | None = None  # candidates per question; overrides what decoding says
    temperature: float | None = None
    extra_models: str | None = None  # e.g. "7B merge model", "PRM-7B"
    params_b: float | None = field(init=False, default=None)
    decoding_fields: Decoding | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.name = _short_text("name", self.name, required=True)
        for key in ("method", "base_model", "decoding", "training_data", "hardware",
                    "extra_models"):
            setattr(self, key, _short_text(key.replace("_", " "), getattr(self, key)))
        if self.link:
            self.link = self.link.strip()
            if not re.fullmatch(r"https?://\S+", self.link) or len(self.link) > 2000:
                raise SubmissionError(
                    f"--link must be an http:// or https:// address, got {self.link[:80]!r}."
                )
        self.params_b = parse_model_size(self.model_size) if self.model_size else None
        if self.decoding or self.samples or self.temperature is not None or self.extra_models:
            self.decoding_fields = parse_decoding(
                self.decoding, self.samples, self.temperature, self.extra_models
            )


class CannotVerify(SubmissionError):
    """Not one database of the suite is on this machine: nothing to verify against."""

    def __init__(self, suite: str, message: str):
        self.suite = suite
        super().__init__(message)


def parse_model_size(text: str) -> float:
    """Parameters in billions from a size such as ``3B``, ``1.5b``, ``500M`` or ``7``.

    >>> [parse_model_size(s) for s in ("3B", "1.5b", "500M", "7", "0.5 B")]
    [3.0, 1.5, 0.5, 7.0, 0.5]
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmbtKMBT]?)\s*", str(text))
    value = 0.0
    if match:
        unit = {"k": 1e-6, "m": 1e-3, "b": 1.0, "t": 1e3, "": 1.0}[match.group(2).lower()]
        value = float(match.group(1)) * unit
    if value <= 0 or not math.isfinite(value):
        raise SubmissionError(
            f"--model-size {text!r} is not a model size; write it like 3B, 1.5B or 500M."
        )
    return round(value, 6)


def _short_text(label: str, value: str | None, required: bool = False) -> str | None:
    value = value.strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise SubmissionError(f"A submission needs a {label}.")
        return None
    if len(value) > MAX_TEXT_CHARS or not printable_text(value):
        raise SubmissionError(
            f"The {label} must be one line of at most {MAX_TEXT_CHARS} printable characters, "
            f"with something visible and no control, direction-changing or invisible-only text."
        )
    return value


# Direction overrides and isolates, and the marks that reorder or hide text in a table cell.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable_text(text: str) -> bool:
    """True for text a table can show as written: no control or format characters other than
    the zero-width joiner of emoji sequences, no direction controls, and one visible character.

    >>> [printable_text(t) for t in ("Qwen 1.5B", "a\u202eb", "\u200b\u200b", "x\x07y")]
    [True, False, False, False]
    >>> printable_text("🧑\u200d💻")
    True
    """
    import unicodedata

    visible = False
    for ch in text:
        kind = unicodedata.category(ch)
        if ch in _BIDI or kind in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            return False
        if kind == "Cf" and ch != "\u200d":
            return False
        if not ch.isspace() and kind not in ("Cf", "Mn", "Me"):
            visible = True
    return visible


# -- verification -----------------------------------------------------------------------------


@dataclass
class Verification:
    """One suite/split re-scored by the evaluation core, beside what the run claimed."""

    suite: str
    split: str
    results: RunRecord  # our results.json
    samples: list[dict]  # our samples.jsonl records (+ latency_s)
    predictions: dict[int, str]  # question_id -> SQL, for the fingerprint
    data_hash: str
    gold_copy_share: float | None = None  # predictions equal to the gold SQL in structure
    copy_flags: list[str] = field(default_factory=list)  # why it looks like a gold copy
    decoding_evidence: Decoding | None = None  # what the candidates and the vote show
    claimed: RunRecord | None = None  # the run's results.json, when there was one
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    question_limit: int | None = None  # a --limit run: verified on its first N questions

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.split}"

    @property
    def claimed_ex(self) -> float | None:
        """The run's claimed EX when it is a finite number (a NaN claim is flagged instead)."""
        return None if self.claimed is None else _number(self.claimed.metrics.ex)

    @property
    def claimed_s_per_sample(self) -> float | None:
        """The run's own throughput figure: timings cannot be re-checked."""
        latency = None if self.claimed is None else self.claimed.latency
        return None if latency is None else _number(latency.s_per_sample)


def verify_run(
    run_dir: str | Path, data_dir: str | Path | None = None, workers: int | None = None
) -> Verification:
    """Re-execute and re-score every prediction of a run folder; compare with its claims."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir} is not a run folder (expected a folder holding "
                             f"results.json and samples.jsonl).", path=run_dir)
    claimed = read_record(run_dir, MAX_RESULTS_BYTES)  # type-checked by the one reader
    samples_path = run_dir / "samples.jsonl"
    records = read_samples(run_dir, MAX_SUBMISSION_BYTES)
    suite = load_suite(claimed.suite, data_dir)
    split = claimed.split
    suite.check_split(split)
    examples = suite.load_examples(split)
    split_size = len(examples)
    limit = _question_limit(claimed, split_size, run_dir)
    if limit:  # a --limit run: verified on its first N questions, stored apart, never ranked
        examples = examples[:limit]
    predictions = _predictions_from_samples(records, examples, samples_path)
    candidates = candidates_from_samples(records, predictions, samples_path)
    vote = stated_vote(claimed, records) if candidates else None
    verification = _score(
        suite, split, examples, predictions, data_dir, workers,
        source=f"re-scored from {samples_path}", raw=samples_path.read_bytes(), limit=limit,
        candidates=candidates, vote=vote,
    )
    verification.claimed = claimed
    if candidates and vote:
        verification.decoding_evidence = _voting_decoding(candidates, vote, claimed)
        _check_selection(verification, records, vote)
    _check_claimed_fields(verification, claimed)
    if limit:
        verification.question_limit = limit
        verification.notes.append(
            f"subset: the first {limit} of {split_size} questions of "
            f"{suite.name}/{split} (--limit {limit}); shown apart, not ranked with whole splits"
        )
    _compare_claims(verification, suite, candidates or predictions, workers)
    return verification


def verify_predictions(
    path: str | Path,
    suite_name: str,
    split: str | None = None,
    fmt: str | None = None,
    data_dir: str | Path | None = None,
    workers: int | None = None,
) -> Verification:
    """Execute and score a predictions file (jsonl, BIRD json or Spider lines) for a suite/split."""
    path = Path(path)
    if not path.is_file():
        raise PredictionsError(f"Predictions file not found: {path}")
    check_size(path, MAX_SUBMISSION_BYTES, PredictionsError)
    suite = load_suite(suite_name, data_dir)
    split = split or suite.default_split
    suite.check_split(split)
    examples = suite.load_examples(split)
    loaded = load_predictions(path, examples, fmt)
    by_id = {e.question_id: e for e in examples}
    for qid, prediction in loaded.items():
        db_id = prediction.meta.get("db_id")
        if db_id is not None and db_id != by_id[qid].db_id:
            raise SubmissionError(
                f"{path}: question {qid} names database {db_id!r} but in {suite.name}/{split} it "
                f"is about {by_id[qid].db_id!r}. Is the file for another suite or split?"
            )
    if not loaded:
        raise SubmissionError(f"{path} holds no predictions for {suite.name}/{split}.")
    return _score(
        suite, split, examples, loaded, data_dir, workers,
        source=f"predictions file {path.name}", raw=path.read_bytes(),
    )


def _question_limit(claimed: RunRecord, split_size: int, run_dir: Path) -> int | None:
    """The run's --limit when it cut the split short; None for a whole split."""
    limit = claimed.config.limit  # an int or None: the record reader checked its type
    if limit is None:
        return None
    if limit < 1:
        raise SubmissionError(f"{run_dir / RESULTS_FILE} has an invalid config.limit: {limit!r}.")
    return limit if limit < split_size else None


def _predictions_from_samples(
    records: list[dict], examples: list[Example], path: Path
) -> dict[int, Prediction]:
    by_id = {e.question_id: e for e in examples}
    unknown = [r["question_id"] for r in records if r["question_id"] not in by_id]
    if unknown:
        ids = sorted(by_id)
        raise SubmissionError(
            f"{path}: {len(unknown)} question_id(s) are not in this split (first: "
            f"{', '.join(map(str, unknown[:5]))}; its ids span {ids[0]}…{ids[-1]}). "
            f"Is the run for another suite or split?"
        )
    predictions: dict[int, Prediction] = {}
    seen: set[int] = set()
    for r in records:
        qid, example = r["question_id"], by_id[r["question_id"]]
        if qid in seen:
            raise SubmissionError(f"{path}: question_id {qid} appears twice.")
        seen.add(qid)
        if r.get("db_id") is not None and r["db_id"] != example.db_id:
            raise SubmissionError(
                f"{path}: question {qid} is about database {r['db_id']!r} in the run but about "
                f"{example.db_id!r} here. Is the run for another suite, split or data version?"
            )
        if r.get("pred_sql") is None:
            continue  # scored as a missing prediction
        meta = r.get("generation") if isinstance(r.get("generation"), dict) else {}
        predictions[qid] = Prediction(qid, r["pred_sql"], meta)
    if not predictions:
        raise SubmissionError(f"{path} holds no predictions (every pred_sql is missing).")
    return predictions


def candidates_from_samples(records: list[dict], predictions: dict[int, Prediction],
                            path: Path) -> dict[int, list[Prediction]] | None:
    """Each question's candidates as the run recorded them (``candidates[].sql``), or None for
    a run with one answer per question; a question without candidates keeps its one answer."""
    if not any("candidates" in r for r in records):
        return None
    out: dict[int, list[Prediction]] = {}
    for r in records:
        qid, listed = r["question_id"], r.get("candidates")
        if listed is None:
            if qid in predictions:
                out[qid] = [predictions[qid]]
            continue
        if not isinstance(listed, list) or not all(
                isinstance(c, dict) and (c.get("sql") is None or isinstance(c.get("sql"), str))
                for c in listed):
            raise SubmissionError(
                f"{path}: question {qid}: \"candidates\" must be a list of objects whose \"sql\" "
                f"is a string or null."
            )
        if len(listed) > MAX_CANDIDATES:
            raise SubmissionError(f"{path}: question {qid} has {len(listed)} candidates; at most "
                                  f"{MAX_CANDIDATES} are verified.")
        out[qid] = [Prediction(qid, c.get("sql") or "") for c in listed] or [
            predictions.get(qid) or Prediction(qid, "")]
    return out


def stated_vote(claimed: RunRecord, records: list[dict]) -> str:
    """The vote the run says chose its answers: ``config.vote``, else the samples' selection,
    else the metrics' candidates block; majority when none says (a record of this harness always
    says: one that does not was made elsewhere, and a plain vote is the usual self-consistency)."""
    from harness.evaluation.voting import VOTES

    said = [claimed.config.vote]
    said += [_obj(r.get("selection")).get("strategy") for r in records[:1]]
    said.append(_obj(claimed.metrics.candidates).get("vote"))
    return next((v for v in said if isinstance(v, str) and v in VOTES), "majority")


def _voting_decoding(candidates: dict[int, list[Prediction]], vote: str,
                     claimed: RunRecord) -> Decoding:
    n = max(len(c) for c in candidates.values())
    sampling = _obj(_obj(claimed.method).get("sampling"))
    temperature = _number(sampling.get("temperature"))
    # A vote over result groups is self-consistency; choosing by similarity to the others is a
    # selection rule (best-of-n).
    strategy = {"value-aware": "value-aware", "similarity": "best-of"}.get(vote, "majority")
    if n == 1:
        strategy = "greedy" if temperature in (None, 0.0) else "sampled"
    if temperature is not None and not 0 <= temperature <= 10:
        temperature = None
    return Decoding(strategy, n, temperature)


def _check_selection(v: Verification, records: list[dict], vote: str) -> None:
    """Flag a run whose pred_sql is not the candidate its own vote chooses (for instance, the
    right candidate picked with the gold as judge)."""
    ours = {s["question_id"]: s.get("pred_sql") for s in v.samples}
    differ = [q for q, r in ((r["question_id"], r) for r in records)
              if "candidates" in r and q in ours and (r.get("pred_sql") or "") != (ours[q] or "")]
    if differ:
        v.flags.append(
            f"{v.label}: the selection does not follow the stated vote: on {len(differ)} "
            f"question(s) (first: {', '.join(map(str, differ[:5]))}) the run's pred_sql is not "
            f"the candidate the {vote} vote chooses; the stored numbers are the vote's."
        )


def _check_claimed_fields(v: Verification, claimed: RunRecord) -> None:
    """Claims the board shows but cannot re-check (timings, pass@k) must be well-formed numbers;
    a malformed one is flagged and left out of what is stored."""
    problems = []
    latency = claimed.latency
    for key in ("s_per_sample", "latency_p50_s", "latency_p95_s", "tokens_per_s"):
        value = None if latency is None else getattr(latency, key)
        if value is not None and _duration(value) is None:
            problems.append(f"latency.{key} = {str(value)[:30]} is not a number ≥ 0")
            setattr(latency, key, None)
    block = claimed.metrics.candidates
    if block is not None and _pass_at_k(block) is None:
        problems.append("metrics.candidates.pass_at_k is not a map of k ≥ 1 to shares in 0…1")
        claimed.metrics.candidates = None
    if problems:
        v.flags.append(f"{v.label}: malformed claims ({'; '.join(problems)}); not stored.")


def _duration(value) -> float | None:
    number = _number(value)
    return number if number is not None and number >= 0 else None


def _pass_at_k(block) -> dict[int, float] | None:
    """A candidates block's pass@k curve when every key is a k ≥ 1 and every value a share."""
    curve = block.get("pass_at_k") if isinstance(block, dict) else getattr(block, "pass_at_k", None)
    if not isinstance(curve, dict):
        return None
    out = {}
    for k, value in curve.items():
        share = _number(value)
        if not str(k).isdigit() or int(k) < 1 or share is None or not 0 <= share <= 1:
            return None
        out[int(k)] = share
    return out


def _score(
    suite: Suite,
    split: str,
    examples: list[Example],
    predictions: dict[int, Prediction],
    data_dir,
    workers: int | None,
    source: str,
    raw: bytes,
    limit: int | None = None,
    candidates: dict[int, list[Prediction]] | None = None,
    vote: str | None = None,
) -> Verification:
    config = EvalConfig(split=split, workers=workers, limit=limit, vote=vote or DEFAULT_VOTE)
    try:
        if candidates:  # the vote is re-run on the candidates' executions
            record, scored = evaluate(suite, config, candidates=candidates, source=source)
        else:
            record, scored = evaluate(suite, config, predictions=predictions, source=source)
    except DataError as exc:  # not one database here: nothing to verify against
        raise CannotVerify(suite.name, f"Cannot verify this submission. {exc}") from exc
    record.predictions.sha256 = hashlib.sha256(raw).hexdigest()
    if record.counts.scored == 0:
        reasons = ", ".join(f"{n} × {r}" for r, n in record.unscorable.items())
        raise CannotVerify(
            suite.name,
            f"None of the {len(examples)} questions of {suite.name}/{split} can be scored here "
            f"({reasons}). Point --data-dir at the benchmark data, then submit again."
        )
    samples = []
    for sample in scored:
        line = sample_record(sample)
        line["latency_s"] = _latency_s(line.get("generation"))
        samples.append(line)
    if candidates:  # what the board scores is the vote's choice
        predictions = {s.example.question_id: s.prediction for s in scored
                       if s.prediction is not None}
    gold = {e.question_id: e.gold_sql for e in examples}
    signals = copy_signals(
        {q: p.sql for q, p in predictions.items()}, gold,
        {s.example.question_id: (s.verdict.correct, s.verdict.reason) for s in scored},
    )
    verification = Verification(
        suite=suite.name,
        split=split,
        results=record,
        samples=samples,
        predictions={qid: p.sql for qid, p in predictions.items()},
        data_hash=record.data.split_sha256 or "",
        gold_copy_share=signals.share,
    )
    verification.copy_flags = [f"{verification.label}: {reason}." for reason in signals.reasons()]
    return verification


def _latency_s(generation) -> float | None:
    """A sample's generation latency in seconds, as the prompting method records it."""
    return _duration(generation.get("latency_s")) if isinstance(generation, dict) else None


def _number(value) -> float | None:
    """A finite number from untrusted JSON, else None (JSON allows NaN and Infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def _compare_claims(
    v: Verification,
    suite: Suite,
    predictions: dict[int, Prediction] | None = None,
    workers: int | None = None,
) -> None:
    """Flag every claimed number that the re-scoring does not reproduce.

    A run scored under another rule is re-scored a second time under that rule, so its claims
    are checked against what that rule really gives; the stored numbers stay the official ones.
    """
    claimed, ours = v.claimed, v.results
    if claimed is None:
        return
    run_hash = claimed.data.split_sha256
    if run_hash and run_hash != v.data_hash:
        v.flags.append(
            f"{v.label}: the run was scored on other data (split hash {str(run_hash)[:12]}, "
            f"ours {v.data_hash[:12]}); the stored numbers are ours."
        )
    rule = claimed.rule
    if rule and rule != ours.rule:
        under_rule = _rescore_under(rule, v, suite, predictions, workers)
        if under_rule is None:
            return
        ours = under_rule
        v.notes.append(
            f"{v.label}: the run used rule {rule!r}; its claims were checked under that rule, and "
            f"the stored numbers are the official rule {v.results.rule!r}'s."
        )
    _compare_metrics(v, claimed, ours, "" if ours is v.results else f" under rule {rule!r}")


def _rescore_under(rule: str, v: Verification, suite: Suite, predictions, workers
                   ) -> RunRecord | None:
    """Our record for the same predictions under the run's own ``rule`` (None: flagged)."""
    from harness.evaluation.rules import RULES

    if rule not in RULES or not predictions:
        v.flags.append(
            f"{v.label}: the run names rule {str(rule)[:40]!r}, which this harness does not have; "
            f"its claims cannot be checked. The stored numbers are the official rule's."
        )
        return None
    try:
        record, _ = evaluate(
            suite, EvalConfig(split=v.split, rule=rule, workers=workers, limit=v.question_limit),
            predictions=predictions, source="claimed rule",
        )
    except DataError as exc:  # pragma: no cover - the official scoring just worked
        v.flags.append(f"{v.label}: cannot re-score under rule {rule!r} ({exc}).")
        return None
    return record


def _compare_metrics(v: Verification, claimed: RunRecord, ours: RunRecord, under: str) -> None:
    cm, om = claimed.metrics, ours.metrics
    checks = [("EX", cm.ex, om.ex), ("strict EX", cm.strict_ex, om.strict_ex),
              ("EX over all", cm.ex_over_total, om.ex_over_total)]
    for level, block in cm.by_difficulty.items():
        checks.append((f"{level} EX", block.get("ex"), om.by_difficulty.get(level, {}).get("ex")))
    mismatches = []
    for label, claim, actual in checks:
        if claim is None:
            continue
        number = _number(claim)
        if number is None:
            mismatches.append(f"{label} claimed as {str(claim)[:40]!r}, not a finite number")
        elif actual is None or abs(number - actual) > TOLERANCE:
            mismatches.append(f"{label} claimed {_pct(number)}, re-scored {_pct(actual)}")
    if claimed.counts.correct != ours.counts.correct:
        mismatches.append(
            f"{claimed.counts.correct} correct claimed, {ours.counts.correct} re-scored"
        )
    if mismatches:
        v.flags.append(
            f"{v.label}: the run's claims differ from re-scoring{under} "
            f"({'; '.join(mismatches)}); the stored numbers are the re-scored ones."
        )


# -- storing ----------------------------------------------------------------------------------


@dataclass
class SubmitOutcome:
    """What was stored: the id, our numbers beside the claims, and any flags."""

    submission_id: int
    name: str
    verifications: list[Verification]
    flags: list[str]
    notes: list[str]
    review: str = "public"

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def summary(self) -> list[dict]:
        out = []
        for v in self.verifications:
            m, c = v.results.metrics, v.results.counts
            out.append({
                "suite": v.suite, "split": v.split, "ex": m.ex, "ex_ci95": m.ex_ci95,
                "correct": c.correct, "scored": c.scored, "total": c.total,
                "claimed_ex": v.claimed_ex, "gold_copy_share": v.gold_copy_share,
            })
        return out


def fingerprint(verifications: list[Verification]) -> str:
    """SHA-256 over the predictions of each suite/split and the data they were scored on.

    Names and metadata are left out on purpose: the same predictions under a new name are
    still the same submission; and each SQL enters in canonical form
    (``leaderboard.gold_copy.canonical_sql``), so re-spacing or re-aliasing them does not make
    a new one.
    """
    return _fingerprint(verifications, canonical_sql)


def legacy_fingerprint(verifications: list[Verification]) -> str:
    """The fingerprint as stored before duplicates were compared on canonical SQL (the exact
    text): a row stored then is still found."""
    return _fingerprint(verifications, lambda sql: sql)


def _fingerprint(verifications: list[Verification], form: Callable[[str], str]) -> str:
    parts = sorted(
        (
            {
                "suite": v.suite,
                "split": v.split,
                "data": v.data_hash,
                "predictions": sorted((q, form(sql)) for q, sql in v.predictions.items()),
            }
            for v in verifications
        ),
        key=lambda p: (p["suite"], p["split"]),
    )
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def submit_runs(
    store: Store,
    run_dirs: list[str | Path],
    meta: SubmissionMeta,
    data_dir: str | Path | None = None,
    workers: int | None = None,
    review: str = "public",
) -> SubmitOutcome:
    """Verify one or more run folders (one per suite/split) and store them as one submission."""
    if not run_dirs:
        raise SubmissionError("Give at least one run folder.")
    verifications = [verify_run(d, data_dir, workers) for d in run_dirs]
    return store_verified(store, verifications, meta, review)


def submit_seed_runs(
    store: Store,
    folder: str | Path,
    meta: SubmissionMeta,
    data_dir: str | Path | None = None,
    workers: int | None = None,
) -> list[SubmitOutcome]:
    """Verify every seed of a ``harness run --seeds`` folder and store each as a submission of
    one seed group (the board's one row, mean ± spread); nothing is stored when any seed is
    already there."""
    from harness.seeds import read_aggregate

    folder = Path(folder)
    try:
        aggregate = read_aggregate(folder)
        seeds = [(int(r["seed"]), folder / str(r["dir"])) for r in aggregate["runs"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise SubmissionError(f"{folder}/aggregate.json is not a seed aggregate: {exc}") from exc
    for _, run_dir in seeds:
        if run_dir.resolve().parent != folder.resolve():
            raise SubmissionError(f"{folder}/aggregate.json names a run outside the folder.")
    if len(seeds) < 2:
        raise SubmissionError(f"{folder} holds one seed: submit its run folder instead.")
    verified = [(seed, verify_run(run_dir, data_dir, workers)) for seed, run_dir in seeds]
    prints = [fingerprint([v]) for _, v in verified]
    for (seed, _), fp in zip(verified, prints):
        if (existing := store.find(fp)) is not None:
            raise SubmissionError(
                f"Seed {seed} is already on the leaderboard as #{existing}. Nothing was stored."
            )
    group = hashlib.sha256("".join(sorted(prints)).encode()).hexdigest()
    return [store_verified(store, [v], meta, seed_group=group, seed=seed) for seed, v in verified]


def submit_predictions(
    store: Store,
    path: str | Path,
    suite: str,
    split: str | None,
    meta: SubmissionMeta,
    fmt: str | None = None,
    data_dir: str | Path | None = None,
    workers: int | None = None,
    review: str = "public",
) -> SubmitOutcome:
    """Verify a predictions file for ``suite``/``split`` and store it. The file says nothing of
    how it was decoded, so the submitter must (``--decoding``)."""
    verification = verify_predictions(path, suite, split, fmt, data_dir, workers)
    if meta.decoding_fields is None or meta.decoding_fields.strategy is None:
        raise SubmissionError(
            "A predictions file must state its decoding: give --decoding (greedy, maj@8, "
            "vav@30, best-of@6 or pipeline). Nothing was stored."
        )
    return store_verified(store, [verification], meta, review)


def store_verified(
    store: Store,
    verifications: list[Verification],
    meta: SubmissionMeta,
    review: str = "public",
    seed_group: str | None = None,
    seed: int | None = None,
) -> SubmitOutcome:
    """Store already verified runs as one submission (refused when it is already there).

    ``review="pending"`` holds it for a maintainer's approval (``harness submissions approve``).
    ``seed_group`` and ``seed``: this submission is one seed of a run over several seeds.
    """
    _refuse_repeated_splits(verifications)
    claims = [v.claimed for v in verifications if v.claimed]
    decoding_from_evidence(verifications, meta, run_description(claims)["decoding_fields"])
    gold_self_test = meta.method == GOLD_METHOD  # the evaluator's ceiling, shown as such
    fp = fingerprint(verifications)
    if gold_self_test:  # a reference row: a pasted gold must still land, flagged, beside it
        fp = hashlib.sha256(f"{GOLD_METHOD}:{fp}".encode()).hexdigest()
    existing = store.find(fp) or store.find(legacy_fingerprint(verifications))
    if existing is not None:
        raise DuplicateSubmission(fp, existing)
    flags = [f for v in verifications
             for f in v.flags + ([] if gold_self_test else v.copy_flags)]
    notes = [n for v in verifications for n in v.notes]
    record = _submission_record(verifications, meta, fp, flags, review,
                                seed_group=seed_group, seed=seed)
    submission_id = store.add(record)
    return SubmitOutcome(submission_id, meta.name, verifications, flags, notes, review)


def _refuse_repeated_splits(verifications: list[Verification]) -> None:
    labels = [v.label for v in verifications]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise SubmissionError(
            f"Two runs of the same suite/split ({', '.join(repeated)}) in one submission; "
            f"submit them separately."
        )


def _result_record(v: Verification) -> ResultRecord:
    """One suite/split as stored: our numbers, the run's claims beside them, the samples."""
    return ResultRecord(
        suite=v.suite,
        split=v.split,
        metrics=as_json(v.results.metrics),
        counts=as_json(v.results.counts),
        rule=v.results.rule,
        dataset_version=v.results.data.release,  # the release of the data re-scored here
        s_per_sample=v.claimed_s_per_sample,
        claimed_ex=v.claimed_ex,
        note="; ".join(v.notes) or None,
        question_limit=v.question_limit,
        gold_copy_share=v.gold_copy_share,
        samples=v.samples,
        claimed_results=v.claimed.to_json() if v.claimed else None,
        verified_results=v.results.to_json(),
    )


def _submission_record(verifications: list[Verification], meta: SubmissionMeta, fp: str,
                       flags: list[str], review: str, seed_group: str | None,
                       seed: int | None) -> SubmissionRecord:
    """The submission's row: the submitter's metadata first, else what the runs recorded."""
    claims = [v.claimed for v in verifications if v.claimed]
    run = run_description(claims)
    decoding = decoding_from_evidence(verifications, meta, run["decoding_fields"])
    results = [_result_record(v) for v in verifications]
    return SubmissionRecord(
        name=meta.name,
        fingerprint=fp,
        status="verified",
        verified=True,
        results=results,
        flags=flags,
        method=meta.method or run["method"],
        base_model=meta.base_model or run["base_model"],
        params_b=meta.params_b,
        decoding=(decoding.label if any(v.decoding_evidence for v in verifications)
                  else meta.decoding or run["decoding"]),
        **decoding.columns(),
        review=review,
        training_data=meta.training_data,
        hardware=meta.hardware or run["hardware"],
        backend=run["backend"],
        s_per_sample=results[0].s_per_sample if len(results) == 1 else None,
        p50_s=run["p50_s"],
        p95_s=run["p95_s"],
        tokens_per_s=run["tokens_per_s"],
        latency=run["latency"],
        method_info=run["method_info"],
        link=meta.link,
        source="harness submit",
        harness_version=run["harness_version"],
        git_commit=run["git_commit"],
        verifier_version=__version__,
        data_hashes={
            v.label: {"run": v.claimed.data.split_sha256 if v.claimed else None,
                      "verified": v.data_hash}
            for v in verifications
        },
        claimed_metrics={v.label: as_json(v.claimed.metrics) for v in verifications
                         if v.claimed} or None,
        recomputed_metrics={v.label: as_json(v.results.metrics) for v in verifications},
        seed_group=seed_group,
        seed=seed,
    )


def decoding_from_evidence(verifications: list[Verification], meta: SubmissionMeta,
                           recorded: Decoding) -> Decoding:
    """The decoding a row is ranked by. Candidates and a vote in the run are evidence: n and the
    vote come from them, and a ``--decoding`` that says otherwise is refused. Else what the
    submitter states, else what the run's record says (both are only words)."""
    stated = meta.decoding_fields
    evidence = next((v.decoding_evidence for v in verifications if v.decoding_evidence), None)
    if evidence is not None:
        if stated is not None and _contradicts(stated, evidence):
            raise SubmissionError(
                f"--decoding says {stated.label}, but the run holds {evidence.n} candidates per "
                f"question chosen by a {evidence.strategy} vote ({evidence.label}). Leave "
                f"--decoding out or state what the run did. Nothing was stored."
            )
        extra = stated.extra_models if stated else None
        temperature = evidence.temperature if evidence.temperature is not None else (
            stated.temperature if stated else None)
        return Decoding(evidence.strategy, evidence.n, temperature, extra)
    return stated if stated is not None else recorded


def _contradicts(stated: Decoding, evidence: Decoding) -> bool:
    if stated.strategy is not None and stated.strategy != evidence.strategy:
        return True
    return stated.n is not None and stated.n != evidence.n


def _run_decoding(text: str | None, sampling: dict, config: dict) -> Decoding:
    """The decoding a run's results.json records: ``method.sampling`` (n, temperature) and the
    vote, else its ``decoding`` text; what we cannot read counts as not stated."""
    n, temperature = sampling.get("n"), _number(sampling.get("temperature"))
    n = n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else None
    try:
        if n is not None:
            if n == 1:
                strategy = "greedy" if temperature in (None, 0.0) else "sampled"
            else:
                vote = config.get("vote")
                strategy = "value-aware" if vote == "value-aware" else "majority"
            return Decoding(strategy, n, temperature)
        return parse_decoding(text)
    except SubmissionError:
        return Decoding()


def run_description(claims: list[RunRecord]) -> dict:
    """What the runs' records say about the model (none of it can be re-checked).

    ``harness run`` writes ``method`` (``Method.provenance()``: ``method``, ``config`` with the
    ``model``, ``backend``, ``model_identity``, ``hardware``, ``sampling``), ``latency``
    (``summarize_latency``: ``s_per_sample``, ``latency_p50_s``, ``latency_p95_s``,
    ``tokens_per_s``) and ``decoding``; ``harness eval`` writes none of them; both write the
    harness version and git commit. Parameters and training data are never recorded: they come
    from the submitter.
    """
    method = _first_dict(as_json(c.method) for c in claims if c.method)
    latency = _first_dict(as_json(c.latency) for c in claims if c.latency)
    config = _first_dict([method.get("config")])
    identity = _first_dict([method.get("model_identity")])
    decoding = next((c.decoding for c in claims if c.decoding is not None), None)
    return {
        "method": _text(method.get("method")),
        "base_model": _text(config.get("model")),
        "decoding": _text(decoding),
        "decoding_fields": _run_decoding(
            decoding, _first_dict([method.get("sampling")]), config,
        ),
        "hardware": _hardware_text(method.get("hardware")),
        "backend": _text(method.get("backend") or identity.get("backend")),
        "p50_s": _number(latency.get("latency_p50_s")),
        "p95_s": _number(latency.get("latency_p95_s")),
        "tokens_per_s": _number(latency.get("tokens_per_s")),
        "latency": latency or None,
        "method_info": method or None,
        "harness_version": _text(", ".join(sorted({c.harness_version for c in claims
                                                   if c.harness_version}))),
        "git_commit": _text(next((c.git_commit for c in claims if c.git_commit), None)),
    }


def _hardware_text(value) -> str | None:
    """"2× NVIDIA H100" or the CPU model, from a method's ``hardware`` block."""
    if not isinstance(value, dict):
        return None
    gpus = [str(g) for g in value.get("gpus") or []]
    if gpus:
        names = sorted(set(gpus))
        return _text(", ".join(f"{gpus.count(n)}× {n}" for n in names))
    cpu = value.get("cpu")
    cores = value.get("cpu_count")
    return _text(f"{cpu} ({cores} cores)" if cpu and cores else cpu)


def _obj(value) -> dict:
    """``value`` when it is a JSON object, else {}: a run's own results.json is untrusted, and a
    field of the wrong type reads as absent (its claims then go unchecked, never crash)."""
    return value if isinstance(value, dict) else {}


def _first_dict(values) -> dict:
    return next((v for v in values if isinstance(v, dict)), {})


def _text(value, limit: int = MAX_TEXT_CHARS) -> str | None:
    """A text field of the run's own record, cut to ``limit``; None when it is not printable
    text (:func:`printable_text`): it would be shown on the board."""
    if value is None or isinstance(value, dict | list):
        return None
    value = str(value).strip()[:limit]
    return value if value and printable_text(value) else None


__all__ = [
    "GOLD_METHOD",
    "CannotVerify",
    "MAX_SUBMISSION_BYTES",
    "SubmissionMeta",
    "SubmitOutcome",
    "Verification",
    "fingerprint",
    "parse_model_size",
    "submit_predictions",
    "submit_runs",
    "verify_predictions",
    "verify_run",
]

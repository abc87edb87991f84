"""Run directories: ``results.json`` (a versioned schema) and ``samples.jsonl`` (per example).

``results.json`` keys (schema_version 1):

* ``schema_version``, ``harness_version``, ``git_commit``, ``created`` (UTC ISO time)
* ``suite``, ``split``, ``rule``, ``rule_description``
* ``data``: ``root``, ``split_sha256`` (hash of the split's files), ``files``
* ``predictions``: ``source`` (a file, ``gold`` or a method), ``sha256`` of the file if any
* ``config``: every setting that can change a number (timeout, row cap, workers, limit …)
* ``environment``: Python, SQLite, sqlglot and sqlparse versions, platform, CPU
* ``counts``: ``total``, ``scored``, ``correct``, ``unscorable``, ``missing_predictions``,
  ``gold_errors``, ``quirk_decided``
* ``unscorable``: reason → number of examples
* ``metrics``: ``ex`` (over scored examples), ``ex_ci95`` (95% bootstrap interval),
  ``ex_over_total`` (unscorable counted as wrong), ``by_difficulty`` (level → n, correct, ex,
  ex_ci95), ``by_category`` (the same per ``Example.category``, for a suite with a second
  breakdown such as Spider-DK's knowledge type), ``strict_ex`` (the strict twin's EX, for an
  official rule), optional ``soft_f1`` and ``rves``; with several candidates per question,
  ``candidates``: ``n`` (most candidates of a question), ``n_min``, ``vote`` (the rule that chose
  each question's answer, whose EX is ``ex``), ``candidates`` (how many were scored),
  ``pass_at_k`` (k → unbiased pass@k, k = 1, 2, 4 … n_min) and ``recall_at_n``
* ``timing``: ``wall_s``, ``execution_s``
* ``method``, ``latency``, ``training``: added by ``harness run``

``samples.jsonl`` keys: question_id, db_id, difficulty, category and original_id (when the suite
sets them), question, pred_sql, gold_sql, correct, reason, quirks, strict_correct, exec_ms
(prediction), gold_exec_ms, pred_rows, gold_rows (row counts), pred_preview, gold_preview (first
rows), soft_f1 when asked, plus what the method recorded (latency, tokens…). With several
candidates, the line is the voted candidate's, with ``candidates`` (each one's sql, correct,
reason, quirks, strict_correct, exec_ms, pred_rows) and ``selection`` (the vote: chosen index,
result groups, skipped groups…).
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from harness import __version__
from harness.evaluation.metrics import accuracy_block, candidates_block
from harness.evaluation.scorer import ScoredSample

SCHEMA_VERSION = 1


def sample_record(sample: ScoredSample) -> dict:
    e, v = sample.example, sample.verdict
    record = {
        "question_id": e.question_id,
        "db_id": e.db_id,
        "difficulty": e.difficulty,
        **({"category": e.category} if e.category is not None else {}),
        **({"original_id": e.original_id} if e.original_id is not None else {}),
        "question": e.question,
        "evidence": e.evidence,
        "pred_sql": sample.prediction.sql if sample.prediction else None,
        "gold_sql": e.gold_sql,
        "correct": v.correct,
        "reason": v.reason,
        "quirks": list(v.quirks),
        "strict_correct": v.strict_correct,
        "exec_ms": sample.pred_ms,
        "gold_exec_ms": sample.gold_ms,
        "pred_rows": sample.pred_row_count,
        "gold_rows": sample.gold_row_count,
        "pred_preview": sample.pred_preview,
        "gold_preview": sample.gold_preview,
    }
    if sample.soft_f1 is not None:
        record["soft_f1"] = sample.soft_f1
    if sample.prediction and sample.prediction.meta:
        record["generation"] = sample.prediction.meta
    record.update(sample.extra)
    if sample.candidates is not None:
        record["candidates"] = [_candidate_record(c) for c in sample.candidates]
        record["selection"] = sample.selection
    return record


def _candidate_record(sample: ScoredSample) -> dict:
    v = sample.verdict
    return {
        "sql": sample.prediction.sql if sample.prediction else None,
        "correct": v.correct,
        "reason": v.reason,
        "quirks": list(v.quirks),
        "strict_correct": v.strict_correct,
        "exec_ms": sample.pred_ms,
        "pred_rows": sample.pred_row_count,
    }


def candidate_verdicts(sample: ScoredSample) -> list[bool]:
    """Each candidate's verdict for one question (none for a missing prediction)."""
    if sample.candidates is not None:
        return [c.verdict.correct for c in sample.candidates]
    return [] if sample.prediction is None else [sample.verdict.correct]


def summarize(samples: list[ScoredSample], levels: tuple[str, ...] = ()) -> tuple[dict, dict, dict]:
    """(counts, unscorable reasons, metrics) for a list of scored samples."""
    scored = [s for s in samples if s.verdict.scorable]
    reasons = Counter(s.verdict.reason for s in samples)
    counts = {
        "total": len(samples),
        "scored": len(scored),
        "correct": sum(s.verdict.correct for s in scored),
        "unscorable": len(samples) - len(scored),
        "missing_predictions": reasons.get("missing_prediction", 0),
        "gold_errors": sum(n for r, n in reasons.items() if r.startswith("gold_")),
        "quirk_decided": sum(n for r, n in reasons.items() if r.startswith("quirk:")),
    }
    unscorable = {
        r.removeprefix("unscorable:"): n for r, n in reasons.items() if r.startswith("unscorable:")
    }
    overall = accuracy_block([s.verdict.correct for s in scored])
    by_level: dict[str, list[bool]] = {level: [] for level in levels}
    for s in scored:
        by_level.setdefault(s.example.difficulty or "unlabelled", []).append(s.verdict.correct)
    metrics = {
        "ex": overall["ex"],
        "ex_ci95": overall["ex_ci95"],
        "ex_over_total": round(counts["correct"] / len(samples), 6) if samples else None,
        "by_difficulty": {level: accuracy_block(v) for level, v in by_level.items() if v},
    }
    by_category: dict[str, list[bool]] = {}
    for s in scored:
        if s.example.category is not None:
            by_category.setdefault(s.example.category, []).append(s.verdict.correct)
    if by_category:
        metrics["by_category"] = {c: accuracy_block(by_category[c]) for c in sorted(by_category)}
    strict = [s.verdict.strict_correct for s in scored if s.verdict.strict_correct is not None]
    if len(strict) == len(scored):
        metrics["strict_ex"] = accuracy_block(strict)["ex"]
    f1 = [s.soft_f1 for s in scored if s.soft_f1 is not None]
    if f1:
        metrics["soft_f1"] = round(sum(f1) / len(scored), 6)
    voted = [s.selection["strategy"] for s in scored if s.selection]
    if voted:
        metrics["candidates"] = candidates_block([candidate_verdicts(s) for s in scored], voted[0])
    return counts, unscorable, metrics


def _version(package: str) -> str | None:
    """The installed version, read from the ``NAME-VERSION.dist-info`` folder beside the package
    (an evaluation needs nothing else from importlib.metadata, whose imports cost ~20 ms at every
    start); importlib.metadata where that folder is not found."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    if spec.origin:
        for info in Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info"):
            return info.name[len(package) + 1 : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlglot": _version("sqlglot"),
        "sqlparse": _version("sqlparse"),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def header() -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": __version__,
        "git_commit": git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_json_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, default=str)
        f.write("\n")
    os.replace(tmp, path)


def write_jsonl_atomic(path: Path, records) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)


def write_run(out_dir: str | Path, results: dict, samples: list[ScoredSample]) -> Path:
    """Write samples.jsonl then results.json, each atomically; returns the run folder."""
    out = Path(out_dir)
    write_jsonl_atomic(out / "samples.jsonl", (sample_record(s) for s in samples))
    write_json_atomic(out / "results.json", results)
    return out


def read_results(run_dir: str | Path) -> dict:
    return json.loads((Path(run_dir) / "results.json").read_text(encoding="utf-8"))


def read_samples(run_dir: str | Path) -> list[dict]:
    with open(Path(run_dir) / "samples.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

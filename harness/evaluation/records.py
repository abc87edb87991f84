"""The run record: what ``results.json`` holds, typed, written and read here and nowhere else.

A run folder holds ``results.json`` (one :class:`RunRecord`) and ``samples.jsonl`` (one
:func:`sample_record` per example). ``harness eval``, ``harness run``, ``harness submit``, the
leaderboard's store and its app all go through :func:`write_run`, :func:`read_run` and
:meth:`RunRecord.from_json`, so a key is spelled once.

``results.json`` (schema_version 1):

* ``schema_version``, ``harness_version``, ``git_commit``, ``created`` (UTC ISO time)
* ``suite``, ``split``, ``rule``, ``rule_description``
* ``data``: ``split_sha256`` (hash of the split's files), ``files`` (relative to the data root,
  or ``<harness>/…``; a record names no folder of the machine that made it: :func:`portable_path`),
  ``release`` (the split's named release, or ``unrecognised (modified?)``)
* ``predictions``: ``source`` (a file, ``gold`` or a method), ``sha256`` of the file if any
* ``config``: :class:`ConfigInfo`, every setting that can change a number (timeout, row cap,
  workers, limit, vote …)
* ``environment``: :class:`EnvironmentInfo` (Python, SQLite, sqlglot, sqlparse, platform, CPU)
* ``counts``: :class:`Counts`; ``unscorable``: reason → number of examples
* ``metrics``: :class:`Metrics`: ``ex`` (over scored examples), ``ex_ci95`` (95% bootstrap
  interval), ``ex_over_total`` (unscorable counted as wrong), ``by_difficulty`` (level → n,
  correct, ex, ex_ci95), ``by_category`` (the same per ``Example.category``), ``strict_ex`` (the
  strict twin's EX, for an official rule), optional ``soft_f1``, ``rves``, ``pass_at_n`` (harness
  run, :class:`PassAtN`) and, with several candidates per question, ``candidates``
  (:class:`CandidatesInfo`): ``n``, ``n_min``, ``vote`` (the
  rule that chose each answer, whose EX is ``ex``), ``candidates`` (how many were scored),
  ``pass_at_k`` (k → unbiased pass@k) and ``recall_at_n``; ``clean`` (:class:`CleanEX`): EX on
  the questions with no gold flag, both denominators and the difference
* ``timing``: :class:`Timing`
* added by ``harness run``, in the same single construction (:class:`~harness.pipeline.MethodRun`):
  ``method`` (:class:`MethodInfo`), ``decoding``, ``latency`` (:class:`LatencyInfo`), ``training``
  (:class:`TrainingInfo`: the one training time) and ``baseline`` (:class:`BaselineInfo`)

``samples.jsonl`` keys: question_id, db_id, difficulty, category and original_id (when the suite
sets them), question, evidence, pred_sql, gold_sql, correct, reason, quirks, strict_correct,
exec_ms (prediction), gold_exec_ms, pred_rows, gold_rows (row counts), pred_preview,
gold_preview (first rows), soft_f1 when asked, ``generation`` (what the method recorded:
latency, tokens…), plus the scorer's extras. With several candidates, the line is the voted
candidate's, with ``candidates`` (each one's sql, correct, reason, quirks, strict_correct,
exec_ms, pred_rows) and ``selection`` (the vote: chosen index, result groups…).

Keys this version does not know are kept (``extra``) and written back unchanged, so a record
read and written again is the same JSON.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import platform
import sqlite3
import subprocess
import types
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import HarnessError, RunFolderError
from harness.files import write_json_atomic, write_jsonl_atomic
from harness.machine import cpu_model

SCHEMA_VERSION = 1
READABLE_VERSIONS = (1,)
RESULTS_FILE = "results.json"
SAMPLES_FILE = "samples.jsonl"

_OPTIONAL = {"optional": True}  # field metadata: left out of the JSON when None


@dataclass
class Counts:
    total: int
    scored: int
    correct: int
    unscorable: int = 0
    missing_predictions: int = 0
    gold_errors: int = 0
    quirk_decided: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class PassAtN:
    """``harness run`` with N sampled candidates: the share of scorable questions where any
    candidate is correct."""

    n: int
    pass_at_n: float | None
    extra: dict = field(default_factory=dict)


@dataclass
class CandidatesInfo:
    """Several candidates per question: how many, the vote that chose the answer whose EX is
    ``ex``, unbiased pass@k per k, and recall@n."""

    n: int
    n_min: int
    vote: str
    candidates: int
    pass_at_k: dict[str, float] = field(default_factory=dict)
    recall_at_n: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class CleanEX:
    """EX on the questions with no gold flag, beside the official EX on all scorable ones.

    A flag (``samples.jsonl`` ``gold_flags``) is a published audit's finding or the harness's own
    ambiguity scan (``harness.evaluation.ambiguity``); it never changes a verdict.
    """

    ex: float | None  # over the scored questions with no gold flag
    scored: int  # its denominator
    correct: int
    ex_all: float | None  # the official EX, over all scored questions (= Metrics.ex)
    scored_all: int
    difference: float | None  # ex - ex_all, in the same unit (a share, not points)
    flagged: int  # scored questions with at least one flag
    by_flag: dict[str, int] = field(default_factory=dict)  # category -> scored questions
    #: Flagged ties: how many predictions were wrong, and how many of those returned another of
    #: the tied rows (equally right by the question, wrong by the official rule).
    ties: dict[str, int] | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class Metrics:
    """EX over scored examples with its 95% bootstrap interval, per level, and the extras."""

    ex: float | None
    ex_ci95: list[float] | None
    ex_over_total: float | None = None  # unscorable examples counted as wrong
    by_difficulty: dict[str, dict] = field(default_factory=dict)  # level -> accuracy_block
    # The same per Example.category (a second breakdown, such as Spider-DK's knowledge type):
    by_category: dict[str, dict] | None = field(default=None, metadata=_OPTIONAL)
    strict_ex: float | None = field(default=None, metadata=_OPTIONAL)  # the strict twin's EX
    soft_f1: float | None = field(default=None, metadata=_OPTIONAL)
    rves: float | None = field(default=None, metadata=_OPTIONAL)
    pass_at_n: PassAtN | None = field(default=None, metadata=_OPTIONAL)  # harness run
    # Several candidates per question: metrics.candidates_block (n, vote, pass@k, recall@n).
    candidates: CandidatesInfo | None = field(default=None, metadata=_OPTIONAL)
    clean: CleanEX | None = field(default=None, metadata=_OPTIONAL)  # EX without flagged golds
    extra: dict = field(default_factory=dict)


@dataclass
class Timing:
    wall_s: float
    execution_s: float | None = None
    generate_s: float | None = field(default=None, metadata=_OPTIONAL)  # harness run
    resumed_predictions: int | None = field(default=None, metadata=_OPTIONAL)  # harness run
    extra: dict = field(default_factory=dict)


@dataclass
class DataInfo:
    """The split's files, relative to the data root (never the root itself: a record is shared)."""

    split_sha256: str | None
    files: list[str] = field(default_factory=list)
    #: The named release of the split (harness.data.releases), "unrecognised (modified?)" when
    #: its files match none; absent when the suite declares no releases.
    release: str | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class ConfigInfo:
    """Every setting that can change a number: :class:`~harness.evaluation.config.EvalConfig`'s
    fields as the run used them (``split`` and ``rule`` resolved to the suite's defaults). A
    test holds the two to the same field names."""

    split: str | None = None
    rule: str | None = None
    timeout_s: float | None = None
    max_rows: int | None = None
    workers: int | None = None  # None: every core
    limit: int | None = None  # None: the whole split
    gold_cache: bool | None = None
    soft_f1: bool | None = None
    rves_iterations: int | None = None
    #: The vote among several candidates per question (records made before it was recorded
    #: have none).
    vote: str | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class EnvironmentInfo:
    """The versions and machine that produced the numbers."""

    python: str | None = field(default=None, metadata=_OPTIONAL)
    sqlite: str | None = field(default=None, metadata=_OPTIONAL)
    sqlglot: str | None = field(default=None, metadata=_OPTIONAL)
    sqlparse: str | None = field(default=None, metadata=_OPTIONAL)
    platform: str | None = field(default=None, metadata=_OPTIONAL)
    cpu: str | None = field(default=None, metadata=_OPTIONAL)
    cpu_count: int | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class MethodInfo:
    """What produced the predictions (``Method.provenance()``): the method, its full config and,
    for a model, its backend, identity, prompt template and sampling."""

    method: str
    config: dict = field(default_factory=dict)
    backend: str | None = field(default=None, metadata=_OPTIONAL)
    model_identity: dict | None = field(default=None, metadata=_OPTIONAL)
    dtype: str | None = field(default=None, metadata=_OPTIONAL)
    batch_size: int | None = field(default=None, metadata=_OPTIONAL)
    hardware: dict | None = field(default=None, metadata=_OPTIONAL)
    prompt_template: dict | None = field(default=None, metadata=_OPTIONAL)
    sampling: dict | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class LatencyInfo:
    """What generating cost (``harness.generation.latency.summarize_latency``), in seconds."""

    samples: int | None = field(default=None, metadata=_OPTIONAL)
    cached_samples: int | None = field(default=None, metadata=_OPTIONAL)
    generation_s: float | None = field(default=None, metadata=_OPTIONAL)
    selection_s: float | None = field(default=None, metadata=_OPTIONAL)
    s_per_sample: float | None = field(default=None, metadata=_OPTIONAL)
    batches: int | None = field(default=None, metadata=_OPTIONAL)
    batch_size: int | None = field(default=None, metadata=_OPTIONAL)
    s_per_batch: float | None = field(default=None, metadata=_OPTIONAL)
    latency_per_question: bool | None = field(default=None, metadata=_OPTIONAL)
    completion_tokens: int | None = field(default=None, metadata=_OPTIONAL)
    tokens_per_s: float | None = field(default=None, metadata=_OPTIONAL)
    latency_p50_s: float | None = field(default=None, metadata=_OPTIONAL)
    latency_p95_s: float | None = field(default=None, metadata=_OPTIONAL)
    ttft_p50_s: float | None = field(default=None, metadata=_OPTIONAL)
    ttft_p95_s: float | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class TrainingInfo:
    """One training: on which split, into which checkpoint, how long (``wall_s``: the training
    itself, as recorded when it finished; ``this_run_s``: what this run spent, ~0 when resumed),
    and the trainer's own figures (``stats``: losses, rewards, warm start…)."""

    split: str | None
    checkpoint: str | None = None
    wall_s: float | None = None
    this_run_s: float | None = field(default=None, metadata=_OPTIONAL)
    unusable_golds: dict | None = field(default=None, metadata=_OPTIONAL)
    stats: dict | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class BaselineInfo:
    """The untrained model scored on the same questions."""

    metrics: Metrics
    counts: Counts
    extra: dict = field(default_factory=dict)


@dataclass
class PredictionsInfo:
    source: str | None
    sha256: str | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass
class GenerationInfo:
    """How the SQL was produced (``harness run``): recipe, prompt format, extractor, selection.

    ``extraction``: EX under the recipe's extractor (the headline, ``metrics.ex``) beside the
    lenient parser's, and how many questions' SQL and verdicts differ between the two.
    ``hit_token_limit``: completions that ended at the token budget (finish_reason "length").
    """

    recipe: str | None
    prompt_format: dict | None  # {name, version, sha256}
    extractor: str
    selection: str  # none (one sample) or the voting rule
    completions: int = 0
    hit_token_limit: int = 0
    from_recipe: list[str] = field(default_factory=list)
    from_flags: list[str] = field(default_factory=list)
    extraction: dict | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class RunRecord:
    """One suite/split scored: the content of ``results.json`` (fields in the file's order)."""

    schema_version: int = SCHEMA_VERSION
    harness_version: str | None = __version__
    git_commit: str | None = None
    created: str | None = None  # UTC, ISO 8601
    suite: str
    split: str
    rule: str
    rule_description: str | None = None
    data: DataInfo
    predictions: PredictionsInfo
    config: ConfigInfo = field(default_factory=ConfigInfo)  # what can change a number
    environment: EnvironmentInfo = field(default_factory=EnvironmentInfo)
    counts: Counts
    unscorable: dict[str, int] = field(default_factory=dict)  # reason -> examples
    metrics: Metrics
    timing: Timing
    # Added by `harness run`:
    method: MethodInfo | None = field(default=None, metadata=_OPTIONAL)
    decoding: str | None = field(default=None, metadata=_OPTIONAL)  # greedy, maj@8 …
    latency: LatencyInfo | None = field(default=None, metadata=_OPTIONAL)
    baseline: BaselineInfo | None = field(default=None, metadata=_OPTIONAL)
    training: TrainingInfo | None = field(default=None, metadata=_OPTIONAL)
    generation: GenerationInfo | None = field(default=None, metadata=_OPTIONAL)
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.split}"

    @property
    def method_name(self) -> str | None:
        return self.method.method if self.method else None

    @classmethod
    def from_json(cls, source: str | os.PathLike | dict) -> RunRecord:
        """Read a ``results.json`` (a path, or its parsed dict); raises :class:`RunFolderError`.

        The input may be anyone's: every field is type-checked, and a schema version this
        harness cannot read is refused.
        """
        path = None if isinstance(source, dict) else Path(source)
        data = source if path is None else _load_json(path)
        where = str(path) if path else RESULTS_FILE
        if not isinstance(data, dict):
            raise RunFolderError(f"{where} must hold a JSON object.", path=path)
        version = data.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise RunFolderError(
                f"{where} has schema_version {version!r}; this harness reads "
                f"{', '.join(map(str, READABLE_VERSIONS))}. Re-score it with this harness version.",
                path=path,
            )
        for key in ("suite", "split"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise RunFolderError(f"{where} names no {key}.", path=path)
        record = _parse(cls, data, where, path)
        _check_timings(record, where, path)
        return record

    def to_json(self) -> dict:
        """The ``results.json`` object (plain JSON types)."""
        return as_json(self)


def new_record(**fields: Any) -> RunRecord:
    """A record stamped with this harness's version, git commit and the time."""
    return RunRecord(
        **fields,
        harness_version=__version__,
        git_commit=git_commit(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


# -- run folders ------------------------------------------------------------------------------


def write_run(out_dir: str | Path, record: RunRecord, samples) -> Path:
    """Write samples.jsonl then results.json, each atomically; returns the run folder.

    ``samples`` are scored samples (``ScoredSample``) or already built sample records (dicts).
    """
    out = Path(out_dir)
    write_jsonl_atomic(
        out / SAMPLES_FILE, (s if isinstance(s, dict) else sample_record(s) for s in samples)
    )
    write_json_atomic(out / RESULTS_FILE, record.to_json())
    return out


def read_run(
    run_dir: str | Path, max_bytes: int | None = None
) -> tuple[RunRecord, list[dict]]:
    """A run folder's record and its sample records (each file at most ``max_bytes``)."""
    return read_record(run_dir, max_bytes), read_samples(run_dir, max_bytes)


def read_record(run_dir: str | Path, max_bytes: int | None = None) -> RunRecord:
    """A run folder's ``results.json``; raises :class:`RunFolderError` when it cannot be read."""
    path = Path(run_dir) / RESULTS_FILE
    if not path.is_file():
        raise RunFolderError(
            f"{path.parent} has no {RESULTS_FILE}; is it a run folder written by harness eval or "
            f"harness run?",
            path=path,
        )
    check_size(path, max_bytes)
    return RunRecord.from_json(path)


def read_samples(run_dir: str | Path, max_bytes: int | None = None) -> list[dict]:
    """A run folder's ``samples.jsonl``: objects with an integer question_id and text pred_sql."""
    path = Path(run_dir) / SAMPLES_FILE
    if not path.is_file():
        raise RunFolderError(f"{path.parent} has no {SAMPLES_FILE} with the predictions.",
                             path=path)
    check_size(path, max_bytes)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines: U+2028 is text
    except UnicodeDecodeError as exc:
        raise RunFolderError(f"{path} is not UTF-8 text ({exc}).", path=path) from exc
    return [
        _sample_line(line, path, line_no)
        for line_no, line in enumerate(lines, start=1) if line.strip()
    ]


def _sample_line(line: str, path: Path, line_no: int) -> dict:
    where = f"{path}:{line_no}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"{where}: not valid JSON ({exc.msg}).", path=path) from exc
    qid = record.get("question_id") if isinstance(record, dict) else None
    if not isinstance(qid, int) or isinstance(qid, bool):
        raise RunFolderError(
            f'{where}: each line must be an object with an integer "question_id".', path=path
        )
    sql = record.get("pred_sql")
    if sql is not None and not isinstance(sql, str):
        raise RunFolderError(f'{where}: "pred_sql" must be a string or null.', path=path,
                             question_id=qid)
    return record


def check_size(path: Path, max_bytes: int | None, error: type[HarnessError] = RunFolderError):
    """Refuse a file over ``max_bytes`` before reading it (untrusted input)."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise error(
            f"{path} is {size / 2**20:.0f} MiB, over the {max_bytes // 2**20} MiB limit for a "
            f"submission file.",
            path=path,
        )


def sample_record(sample) -> dict:
    """One line of ``samples.jsonl`` for a ``ScoredSample``."""
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


def _candidate_record(sample) -> dict:
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


# -- provenance -------------------------------------------------------------------------------

#: Where the harness's own files are (the embedded sample suite's data lives here).
HARNESS_ROOT = Path(__file__).resolve().parents[2]


def portable_path(path: str | os.PathLike, roots: dict[str, Path] | None = None) -> str:
    """A path as a shared record stores it: relative to the first of ``roots`` (placeholder ->
    folder) that holds it, then to the harness's folder (``<harness>/…``) or the home folder
    (``~/…``); any other absolute path keeps only its name (``<elsewhere>/name``). A record
    never publishes where a machine keeps its files.

    >>> portable_path("/srv/data/spider/dev.json", {"": Path("/srv/data")})
    'spider/dev.json'
    >>> portable_path("/opt/models/m.gguf")
    '<elsewhere>/m.gguf'
    >>> portable_path("smollm2-135m")
    'smollm2-135m'
    """
    text = os.fspath(path)
    if not os.path.isabs(text):
        return text
    resolved = Path(text)
    placed = dict(roots or {})
    placed.setdefault("<harness>", HARNESS_ROOT)
    placed.setdefault("~", Path.home())
    for placeholder, root in placed.items():
        for candidate in {root, root.resolve()}:
            if resolved.is_relative_to(candidate):
                rel = resolved.relative_to(candidate).as_posix()
                return f"{placeholder}/{rel}" if placeholder else rel
    return f"<elsewhere>/{resolved.name}"


def portable_paths(value: Any, roots: dict[str, Path] | None = None) -> Any:
    """``value`` (JSON) with every absolute path in its strings made :func:`portable_path`."""
    if isinstance(value, str):
        return portable_path(value, roots) if value.startswith("/") else value
    if isinstance(value, dict):
        return {k: portable_paths(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [portable_paths(v, roots) for v in value]
    return value



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


def predictions_digest(pairs) -> str:
    """SHA-256 of a run's predictions: its ``(question_id, pred_sql)`` pairs, sorted, as JSON.

    One definition for every place that asks "are these the same predictions?" (a reproduction
    report and the leaderboard row it marks). Order and duplicates of the input do not matter.

    >>> predictions_digest([(2, "SELECT 2"), (1, "SELECT 1")]) == predictions_digest(
    ...     [(1, "SELECT 1"), (2, "SELECT 2")])
    True
    """
    canonical = sorted({(str(qid), sql or "") for qid, sql in pairs})
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode("utf-8")).hexdigest()


def environment() -> EnvironmentInfo:
    return EnvironmentInfo(
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        sqlglot=_version("sqlglot"),
        sqlparse=_version("sqlparse"),
        platform=platform.platform(),
        cpu=cpu_model(),
        cpu_count=os.cpu_count(),
    )


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


# -- typed JSON in and out --------------------------------------------------------------------


def _load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RunFolderError(f"Cannot read {path} ({exc}).", path=path) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFolderError(f"{path} is not valid JSON ({exc}).", path=path) from exc


def _parse(cls, data: dict, where: str, path: Path | None):
    """A dataclass from a JSON object, checking each known field's type; unknown keys → extra."""
    if not isinstance(data, dict):
        raise RunFolderError(f"{where} must be a JSON object.", path=path)
    hints = typing.get_type_hints(cls)
    values, extra = {}, {}
    names = {f.name: f for f in dataclasses.fields(cls) if f.name != "extra"}
    for key, value in data.items():
        if key not in names:
            extra[key] = value
            continue
        values[key] = _value(value, hints[key], f"{where}: {key}", path)
    missing = [
        name for name, f in names.items()
        if name not in values and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise RunFolderError(f"{where} has no {', '.join(missing)}.", path=path)
    return cls(**values, extra=extra)


def block(cls, data: dict):
    """A typed block from a plain dict (a method's provenance, a latency summary …); keys the
    block does not name are kept in its ``extra``."""
    return _parse(cls, data, cls.__name__, None)


def _check_timings(record: RunRecord, where: str, path: Path | None) -> None:
    """The seconds, rates and counts a run reports about itself (``timing``, ``latency``) are
    finite and never negative: they cannot be re-checked, and a negative s/sample was stored and
    shown as the fastest model."""
    figures = {f"timing.{key}": getattr(record.timing, key)
               for key in ("wall_s", "execution_s", "generate_s", "resumed_predictions")}
    latency = as_json(record.latency) if record.latency else {}
    figures.update((f"latency.{key}", value) for key, value in latency.items()
                   if isinstance(value, int | float) and not isinstance(value, bool))
    if not isinstance(latency.get("s_per_sample", 0.0), int | float | None):
        figures["latency.s_per_sample"] = latency["s_per_sample"]
    for name, value in figures.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value >= 0
        ):
            shown = json.dumps(value, default=str)[:40]
            raise RunFolderError(f"{where}: {name} is {shown}, not a number ≥ 0.", path=path)


def _value(value, hint, where: str, path: Path | None):
    if dataclasses.is_dataclass(hint):
        return _parse(hint, value, where, path)
    optional = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
    if optional and isinstance(value, dict):  # an optional block (``X | None``) that is there
        return _parse(optional[0], value, where, path)
    if _fits(value, hint):
        return value
    shown = json.dumps(value, default=str)[:40]
    raise RunFolderError(f"{where} is {shown}, not {_type_name(hint)}.", path=path)


def _fits(value, hint) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is Any:
        return True
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(v, args[1]) for v in value.values())
    return isinstance(value, origin or hint)


def _type_name(hint) -> str:
    return str(hint).replace("typing.", "").replace("NoneType", "null")


def as_json(obj) -> dict:
    """A record or one of its blocks as a JSON object: optional fields left out when None."""
    out = {}
    for f in dataclasses.fields(obj):
        if f.name == "extra":
            continue
        value = getattr(obj, f.name)
        if value is None and f.metadata.get("optional"):
            continue
        out[f.name] = as_json(value) if dataclasses.is_dataclass(value) else value
    out.update(obj.extra)
    return out

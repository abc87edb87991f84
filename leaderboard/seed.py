"""Seeding the leaderboard: published results (status "reported") and the project's own runs
(shipped in ``leaderboard/own_runs``, or run folders given on the command line).

Both are idempotent: a reported row's fingerprint is its stable ``id`` in
``published.yaml``, and a run's is the fingerprint of its predictions, so seeding twice
stores nothing new.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import DataError, DuplicateSubmission, SubmissionError
from harness.evaluation.records import RunRecord, read_record
from leaderboard.decoding import Decoding
from leaderboard.store import METRICS, ResultRecord, Store, SubmissionRecord
from leaderboard.verify import (
    GOLD_METHOD,
    SubmissionMeta,
    store_verified,
    submit_runs,
    verify_run,
)

REPORTED = Path(__file__).with_name("published.yaml")
OWN_RUNS = Path(__file__).with_name("own_runs")  # see scripts/package_own_run.py
GOLD_NAME = "Gold SQL (self-test)"
SOURCE_KINDS = ("primary", "second-hand")


def reported_fingerprint(seed_id: str) -> str:
    return hashlib.sha256(f"reported:{seed_id}".encode()).hexdigest()


def load_reported(path: str | Path = REPORTED) -> list[SubmissionRecord]:
    """The published results in ``path`` as store records (scores converted to fractions)."""
    try:
        entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"Cannot read the reported results {path}: {exc}") from exc
    records, seen = [], set()
    for entry in entries:
        if entry["id"] in seen:
            raise DataError(f"{path}: id {entry['id']!r} appears twice.")
        seen.add(entry["id"])
        try:
            records.append(_reported_record(entry))
        except (KeyError, TypeError, ValueError, SubmissionError) as exc:
            raise DataError(f"{path}: entry {entry['id']!r} is malformed ({exc}).") from exc
    return records


def _reported_record(entry: dict) -> SubmissionRecord:
    results = [
        ResultRecord(
            suite=r["suite"],
            split=r["split"],
            metrics={
                "ex": _fraction(r["score"]),
                "by_difficulty": {
                    level: {"ex": _fraction(value)}
                    for level, value in (r.get("by_difficulty") or {}).items()
                },
            },
            metric=_metric(r.get("metric", "EX")),
            dataset_version=r.get("dataset_version"),
            s_per_sample=entry.get("s_per_sample"),
            source=r.get("source") or entry.get("source"),
            note=r.get("note"),
        )
        for r in entry["results"]
    ]
    block = entry.get("decoding") or {}
    decoding = Decoding(block.get("strategy"), block.get("n"), block.get("temperature"),
                        block.get("extra_models"))
    kind = entry.get("source_kind")
    if kind not in SOURCE_KINDS:
        raise ValueError(f"source_kind must be one of {SOURCE_KINDS}, got {kind!r}")
    return SubmissionRecord(
        name=entry["name"],
        fingerprint=reported_fingerprint(entry["id"]),
        status="reported",
        verified=False,
        results=results,
        method=entry.get("method"),
        base_model=entry.get("base_model"),
        params_b=entry.get("params_b"),
        decoding=block.get("text") or decoding.label,
        **decoding.columns(),
        training_data=entry.get("training_data"),
        s_per_sample=entry.get("s_per_sample"),
        link=entry.get("link"),
        published=str(entry["published"]) if entry.get("published") else None,
        source_kind=kind,
        source="; ".join(x for x in (entry.get("source"), entry.get("note"),
                                     _reproduce_text(entry)) if x),
        claimed_metrics={f"{r.suite}/{r.split}": r.metrics for r in results},
    )


def _reproduce_text(entry: dict) -> str | None:
    """"recipe NAME; reproduce: harness run --recipe NAME --suite S --split D" for a linked row."""
    name = entry.get("recipe")
    if not name:
        return None
    first = entry["results"][0]  # the same command as harness.generation.recipes prints
    return (f"recipe {name}; reproduce: harness run --recipe {name} --suite {first['suite']} "
            f"--split {first['split']}")


def _metric(name: str) -> str:
    if name not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {name!r}")
    return name


def _fraction(percent: float) -> float:
    return round(float(percent) / 100, 6)


def seed_reported(store: Store, path: str | Path = REPORTED) -> int:
    """Add the published results that are not in the store yet; returns how many were added."""
    added = 0
    for record in load_reported(path):
        if store.find(record.fingerprint) is not None:
            continue
        try:
            store.add(record)
            added += 1
        except DuplicateSubmission:  # another process seeded it a moment ago
            pass
    return added


@dataclass
class SeededRun:
    name: str
    runs: list[Path]
    submission_id: int | None  # None: it was already in the store
    message: str


def seed_runs(
    store: Store,
    run_dirs: list[str | Path],
    data_dir: str | Path | None = None,
    workers: int | None = None,
) -> list[SeededRun]:
    """Submit the project's own run folders, grouped into one submission per name.

    A gold self-test run becomes "Gold SQL (self-test)", the ceiling every method is measured
    against; another run is named after its method (or its folder).
    """
    groups: dict[str, list[Path]] = {}
    metas: dict[str, SubmissionMeta] = {}
    for run_dir in map(Path, run_dirs):
        meta = _run_meta(read_record(run_dir), run_dir)
        groups.setdefault(meta.name, []).append(run_dir)
        metas.setdefault(meta.name, meta)
    return [
        _seeded(name, dirs, lambda d=dirs, m=metas[name]: submit_runs(
            store, d, m, data_dir, workers))
        for name, dirs in groups.items()
    ]


def _seeded(name, dirs, submit, skipped=()) -> SeededRun:
    """Run ``submit``; a submission already in the store is reported, not an error."""
    try:
        outcome = submit()
    except DuplicateSubmission:
        return SeededRun(name, dirs, None, "already in the store")
    scores = ", ".join(
        f"{s['suite']}/{s['split']} EX {100 * s['ex']:.2f}%" for s in outcome.summary()
    )
    return SeededRun(name, dirs, outcome.submission_id, "; ".join([scores, *skipped]))


def load_own_runs(folder: str | Path = OWN_RUNS) -> list[tuple[SubmissionMeta, list[Path]]]:
    """The project's own runs shipped with the harness: (metadata, run folders) per submission."""
    folder = Path(folder)
    try:
        entries = yaml.safe_load((folder / "submissions.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"Cannot read the project's own runs in {folder}: {exc}") from exc
    own = []
    for entry in entries:
        fields = {k: entry.get(k) for k in ("model_size", "method", "base_model", "decoding",
                                             "training_data", "hardware", "link")}
        own.append((SubmissionMeta(name=entry["name"], **fields),
                    [folder / run for run in entry["runs"]]))
    return own


def seed_own_runs(
    store: Store,
    data_dir: str | Path | None = None,
    workers: int | None = None,
    folder: str | Path = OWN_RUNS,
) -> list[SeededRun]:
    """Verify and store the project's own runs (packaged models on sample, Spider dev and
    Spider-Realistic).

    They are re-scored like any submission. A run whose benchmark data is not under the data
    root is left out, and the message says so (the sample suite is always there).
    """
    seeded = []
    for meta, dirs in load_own_runs(folder):
        verified, skipped = [], []
        for run_dir in dirs:
            try:
                verified.append(verify_run(run_dir, data_dir, workers))
            except DataError:  # the benchmark's files are not under the data root
                skipped.append(f"{read_record(run_dir).label} left out: its data is "
                               f"not under the data root")
        if not verified:
            seeded.append(SeededRun(meta.name, dirs, None, "; ".join(skipped)))
            continue
        seeded.append(_seeded(meta.name, dirs,
                              lambda v=verified, m=meta: store_verified(store, v, m), skipped))
    return seeded


def _run_meta(record: RunRecord, run_dir: Path) -> SubmissionMeta:
    if record.predictions.source == "gold":
        return SubmissionMeta(
            name=GOLD_NAME,
            method=GOLD_METHOD,
            decoding="none",
            training_data="none: the gold SQL scored against itself (the evaluator's ceiling)",
        )
    return SubmissionMeta(name=(record.method_name or run_dir.name)[:200])

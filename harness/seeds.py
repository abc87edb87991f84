"""Several seeds of one run, their aggregate, and a paired test between two aggregates.

One training run is one draw: on a 57-question suite two methods can differ by several points
from the seed alone. ``harness run … --seeds 0,1,2`` trains and evaluates once per seed, each in
its own run folder (``<out>/seed-<s>``), then writes ``<out>/aggregate.json``: EX per seed, mean,
spread, and each question's share of seeds that got it right.

Two aggregates of the same suite/split are compared by :func:`compare_aggregates`, pairing the
seeds the two share (a paired t-test over seeds) and the questions (a sign-flip permutation test
on each question's mean correctness over seeds, which uses every seed without pretending the
seeds of one question are independent).

    >>> parse_seeds("0,1,2"), parse_seeds("3"), parse_seeds("7,")
    ([0, 1, 2], [0, 1, 2], [7])
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError, RunFolderError
from harness.evaluation.paired import verdict_flag
from harness.evaluation.records import RunRecord, check_size, read_record, read_samples
from harness.files import write_json_atomic

AGGREGATE_FILE = "aggregate.json"
MAX_SEEDS = 100
MAX_AGGREGATE_BYTES = 64 * 1024 * 1024  # a share per question of the largest split, many times


def parse_seeds(spec: str | int) -> list[int]:
    """``"0,1,2"`` → those seeds; a single number ``"3"`` is a count → ``[0, 1, 2]``."""
    text = str(spec).strip()
    try:
        if "," not in text:
            count = int(text)
            if not 1 <= count <= MAX_SEEDS:
                raise ConfigError(f"--seeds {text}: a count must be between 1 and {MAX_SEEDS}.")
            return list(range(count))
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise ConfigError(f"--seeds '{text}': give a count (3) or a list (0,1,2).") from exc
    if not seeds or len(set(seeds)) != len(seeds) or len(seeds) > MAX_SEEDS:
        raise ConfigError(f"--seeds '{text}': give 1 to {MAX_SEEDS} distinct seeds.")
    if min(seeds) < 0:
        raise ConfigError(f"--seeds '{text}': seeds are non-negative integers.")
    return seeds


def seed_dir(out: Path, seed: int) -> Path:
    return Path(out) / f"seed-{seed}"


def run_seeds(
    seeds: list[int],
    run_one: Callable[[int, Path], None],
    out: Path,
    console: Callable[[str], None] = print,
) -> dict:
    """``run_one(seed, folder)`` for each seed (each resumable on its own), then the aggregate."""
    for i, seed in enumerate(seeds, 1):
        console(f"Seed {seed} ({i} of {len(seeds)}) into {seed_dir(out, seed)}")
        run_one(seed, seed_dir(out, seed))
    aggregate = aggregate_runs(out, seeds)
    write_json_atomic(Path(out) / AGGREGATE_FILE, aggregate)
    return aggregate


def aggregate_runs(out: Path, seeds: list[int]) -> dict:
    """The aggregate of the finished seed folders under ``out`` (see the module docstring)."""
    runs, per_question = [], {}
    first: RunRecord | None = None
    for seed in seeds:
        folder = seed_dir(out, seed)
        record = read_record(folder)
        first = first or record
        for key in ("suite", "split", "rule"):
            if getattr(record, key) != getattr(first, key):
                raise ConfigError(f"{folder} is a run of another {key} than the first seed's.",
                                  path=folder)
        runs.append({
            "seed": seed,
            "dir": folder.name,
            "ex": record.metrics.ex,
            "scored": record.counts.scored,
            "correct": record.counts.correct,
        })
        for sample in read_samples(folder):
            where = f"{folder}, question {sample['question_id']}"
            correct = verdict_flag(sample.get("correct"), where)
            per_question.setdefault(str(sample["question_id"]), []).append(correct)
    assert first is not None
    exs = [r["ex"] for r in runs if r["ex"] is not None]
    return {
        "kind": "seeds",
        "method": first.method_name,
        "suite": first.suite,
        "split": first.split,
        "rule": first.rule,
        "seeds": seeds,
        "runs": runs,
        "ex_mean": statistics.fmean(exs) if exs else None,
        "ex_std": statistics.stdev(exs) if len(exs) > 1 else 0.0,
        "ex_min": min(exs) if exs else None,
        "ex_max": max(exs) if exs else None,
        "question_correct_share": {
            q: sum(v) / len(v) for q, v in sorted(per_question.items(), key=lambda kv: int(kv[0]))
        },
    }


def read_aggregate(folder: str | Path) -> dict:
    """``folder/aggregate.json``, checked field by field (anyone may have written it): every
    problem is one RunFolderError naming the file and the field."""
    path = Path(folder) / AGGREGATE_FILE
    if not path.is_file():
        raise ConfigError(f"{folder} has no {AGGREGATE_FILE} (run `harness run … --seeds`).")
    check_size(path, MAX_AGGREGATE_BYTES)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RunFolderError(f"{path} is not UTF-8 text.", path=path) from exc
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, a 5,000-digit number
        raise RunFolderError(f"{path} is not valid JSON ({str(exc)[:80]}).", path=path) from exc
    problem = _aggregate_problem(data)
    if problem:
        raise RunFolderError(f"{path} is not a seed aggregate: {problem}.", path=path)
    return data


def _aggregate_problem(data: object) -> str | None:
    """What is wrong with an aggregate's shape, or None (the fields of :func:`aggregate_runs`)."""
    if not isinstance(data, dict):
        return "it must hold a JSON object"
    if data.get("kind", "seeds") != "seeds":
        return f"kind is {_shown(data.get('kind'))}, not \"seeds\""
    for key in ("suite", "split", "rule"):
        if not isinstance(data.get(key), str) or not data[key]:
            return f"{key} must be a non-empty string, got {_shown(data.get(key))}"
    if data.get("method") is not None and not isinstance(data["method"], str):
        return f"method must be a string, got {_shown(data['method'])}"
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs:
        return f"runs must be a non-empty list, got {_shown(runs)}"
    for i, run in enumerate(runs):
        if problem := _run_problem(run):
            return f"runs[{i}]: {problem}"
    seeds = [run["seed"] for run in runs]
    if data.get("seeds") != seeds or len(set(seeds)) != len(seeds):
        return f"seeds must be the runs' distinct seeds {seeds}, got {_shown(data.get('seeds'))}"
    for key in ("ex_mean", "ex_min", "ex_max", "ex_std"):
        if not _share(data.get(key), none_ok=key != "ex_std"):
            return f"{key} must be a number from 0 to 1, got {_shown(data.get(key))}"
    shares = data.get("question_correct_share")
    if not isinstance(shares, dict):
        return f"question_correct_share must be an object, got {_shown(shares)}"
    for question, share in shares.items():
        if not re.fullmatch(r"-?[0-9]{1,18}", question) or not _share(share):
            return (f"question_correct_share must map question ids to numbers from 0 to 1, "
                    f"got {_shown(question)}: {_shown(share)}")
    return None


def _run_problem(run: object) -> str | None:
    if not isinstance(run, dict):
        return f"each run must be an object, got {_shown(run)}"
    seed, folder = run.get("seed"), run.get("dir")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return f"seed must be an integer ≥ 0, got {_shown(seed)}"
    if not isinstance(folder, str) or folder != seed_dir(Path(), seed).name:
        return f"dir must be \"{seed_dir(Path(), seed).name}\", got {_shown(folder)}"
    counts = [run.get("scored"), run.get("correct")]
    if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts) or (
        counts[1] > counts[0]
    ):
        return f"scored and correct must be counts with correct ≤ scored, got {_shown(counts)}"
    if not _share(run.get("ex"), none_ok=True):
        return f"ex must be a number from 0 to 1 or null, got {_shown(run.get('ex'))}"
    return None


def _share(value: object, none_ok: bool = False) -> bool:
    """A finite number in [0, 1] (None too when ``none_ok``)."""
    if value is None:
        return none_ok
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value <= 1)


def _shown(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:40] + "…"


@dataclass(frozen=True)
class SeedComparison:
    """A − B over shared seeds and questions, with two-sided p-values."""

    seeds: list[int]
    ex_diffs: list[float]  # per shared seed, A's EX minus B's
    mean_diff: float
    seed_p: float | None  # paired t-test over seeds (None with fewer than 2, or no variance)
    questions: int
    question_p: float  # sign-flip permutation test over questions

    def summary(self) -> str:
        seed_p = "n/a" if self.seed_p is None else f"{self.seed_p:.3g}"
        return (
            f"A − B = {100 * self.mean_diff:+.2f} points over seeds {self.seeds}; "
            f"paired t-test over seeds p = {seed_p}; "
            f"permutation test over {self.questions} questions p = {self.question_p:.3g}"
        )


def compare_aggregates(a: dict, b: dict, rounds: int = 20_000, rng_seed: int = 0) -> SeedComparison:
    """Paired comparison of two seed aggregates of the same suite, split and rule."""
    for key in ("suite", "split", "rule"):
        if a.get(key) != b.get(key):
            raise ConfigError(f"The aggregates differ in {key}: {a.get(key)} vs {b.get(key)}.")
    ex_a = {r["seed"]: r["ex"] for r in a["runs"] if r["ex"] is not None}
    ex_b = {r["seed"]: r["ex"] for r in b["runs"] if r["ex"] is not None}
    seeds = sorted(set(ex_a) & set(ex_b))
    if not seeds:
        raise ConfigError("The aggregates share no seed.")
    diffs = [ex_a[s] - ex_b[s] for s in seeds]
    share_a, share_b = a["question_correct_share"], b["question_correct_share"]
    q_diffs = [share_a[q] - share_b[q] for q in share_a if q in share_b]
    return SeedComparison(
        seeds=seeds,
        ex_diffs=diffs,
        mean_diff=statistics.fmean(diffs),
        seed_p=paired_t_p(diffs),
        questions=len(q_diffs),
        question_p=sign_flip_p(q_diffs, rounds, rng_seed),
    )


def paired_t_p(diffs: list[float]) -> float | None:
    """Two-sided p of a paired t-test on ``diffs`` (None: too few, or all equal)."""
    if len(diffs) < 2:
        return None
    sd = statistics.stdev(diffs)
    mean = statistics.fmean(diffs)
    if sd == 0:
        return None if mean == 0 else 0.0
    from scipy import stats

    t = mean / (sd / math.sqrt(len(diffs)))
    return float(2 * stats.t.sf(abs(t), df=len(diffs) - 1))


def sign_flip_p(diffs: list[float], rounds: int = 20_000, rng_seed: int = 0) -> float:
    """Two-sided p that the mean of ``diffs`` is 0, flipping each sign at random.

    Exact (all sign patterns) for up to 16 non-zero differences, else ``rounds`` random flips.

    >>> sign_flip_p([0.0, 0.0])
    1.0
    >>> round(sign_flip_p([1.0] * 10), 4)
    0.002
    """
    nonzero = [d for d in diffs if d != 0]
    if not nonzero:
        return 1.0
    observed = abs(sum(nonzero)) - 1e-12
    n = len(nonzero)
    if n <= 16:
        hits = 0
        for mask in range(2**n):
            total = sum(-d if mask >> i & 1 else d for i, d in enumerate(nonzero))
            hits += abs(total) >= observed
        return hits / 2**n
    rng = random.Random(rng_seed)
    hits = sum(
        abs(sum(d if rng.random() < 0.5 else -d for d in nonzero)) >= observed
        for _ in range(rounds)
    )
    return (hits + 1) / (rounds + 1)


__all__ = [
    "AGGREGATE_FILE", "SeedComparison", "aggregate_runs", "compare_aggregates", "paired_t_p",
    "parse_seeds", "read_aggregate", "run_seeds", "seed_dir", "sign_flip_p",
]

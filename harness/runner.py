"""The pipelines behind ``harness eval`` and ``harness run``, readable top to bottom.

eval: load suite → load predictions (or the gold, for the self-test) → score → summarize → write.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.core import Prediction
from harness.errors import ConfigError
from harness.evaluate import ScoredSample, measure_rves, score_examples
from harness.execution import ExecutionSettings, Executor, GoldCache
from harness.metrics import rves
from harness.predictions import gold_predictions, load_predictions
from harness.records import environment, header, summarize, write_run
from harness.scoring import get_rule
from harness.suite import Suite


@dataclass
class EvalConfig:
    """Everything that can change an evaluation's numbers (saved in results.json)."""

    split: str | None = None  # default: the suite's default split
    rule: str | None = None  # default: the suite's official rule
    timeout_s: float = 30.0  # per query; really stops the query
    max_rows: int = 100_000  # per result; larger results are flagged, not compared
    workers: int | None = None  # default: the number of cores
    limit: int | None = None  # score only the first N examples of the split
    gold_cache: bool = True  # serve gold results from the on-disk cache
    soft_f1: bool = False  # also compute BIRD's Soft-F1
    rves_iterations: int = 0  # > 0: also compute BIRD's R-VES, timing each correct pair N times

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ConfigError(f"--timeout must be positive, got {self.timeout_s}.")
        if self.max_rows < 1:
            raise ConfigError(f"--max-rows must be at least 1, got {self.max_rows}.")
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {self.workers}.")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {self.limit}.")
        if self.rves_iterations < 0:
            raise ConfigError(f"--rves must be 0 or more, got {self.rves_iterations}.")


def evaluate(
    suite: Suite,
    config: EvalConfig,
    predictions_path: str | Path | None = None,
    predictions_format: str | None = None,
    predictions: dict[int, Prediction] | None = None,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict, list[ScoredSample]]:
    """Score a predictions file, a dict of predictions, or (neither given) the gold itself."""
    started = time.perf_counter()
    split = config.split or suite.default_split
    suite.check_split(split)
    rule = get_rule(config.rule or suite.default_rule)
    examples = suite.load_examples(split)
    if config.limit:
        examples = examples[: config.limit]

    predictions_info: dict = {}
    if predictions_path is not None:
        predictions = load_predictions(predictions_path, examples, predictions_format)
        raw = Path(predictions_path).read_bytes()
        predictions_info = {
            "source": str(predictions_path),
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
    elif predictions is None:
        predictions = gold_predictions(examples)
        predictions_info = {"source": "gold"}
    else:
        predictions_info = {"source": source or "method"}

    settings = ExecutionSettings(config.timeout_s, config.max_rows, rule.text_errors)
    cache = GoldCache() if config.gold_cache else None
    exec_start = time.perf_counter()
    with Executor(settings, workers=config.workers, cache=cache) as executor:
        samples = score_examples(
            examples, predictions, suite, rule, executor, progress, with_soft_f1=config.soft_f1
        )
    execution_s = time.perf_counter() - exec_start
    if cache is not None:
        cache.close()

    counts, unscorable, metrics = summarize(samples, suite.difficulty_levels)
    if config.rves_iterations:
        rewards = measure_rves(
            [s for s in samples if s.verdict.scorable], suite, config.rves_iterations, settings
        )
        metrics["rves"] = rves(rewards)
    results = {
        **header(),
        "suite": suite.name,
        "split": split,
        "rule": rule.name,
        "rule_description": rule.description,
        "data": {
            "root": str(suite.data_root),
            "split_sha256": suite.split_hash(split),
            "files": [str(p) for p in suite.split_files(split)],
        },
        "predictions": predictions_info,
        "config": {**asdict(config), "split": split, "rule": rule.name},
        "environment": environment(),
        "counts": counts,
        "unscorable": unscorable,
        "metrics": metrics,
        "timing": {
            "wall_s": round(time.perf_counter() - started, 4),
            "execution_s": round(execution_s, 4),
        },
    }
    return results, samples


def evaluate_to_dir(out_dir: str | Path, *args, **kwargs) -> tuple[dict, list[ScoredSample]]:
    results, samples = evaluate(*args, **kwargs)
    write_run(out_dir, results, samples)
    return results, samples

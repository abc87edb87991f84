"""The pipelines behind ``harness eval`` and ``harness run``, readable top to bottom.

eval: load suite → load predictions (or the gold, for the self-test) → score → summarize → write.
run:  [score the untrained model → train] → predict (saved as it goes) → eval → write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.config import RunConfig, as_dict
from harness.core import Example, Prediction
from harness.errors import ConfigError, DataError
from harness.evaluation import gold_flags
from harness.evaluation.ambiguity import Flag, scan
from harness.evaluation.collector import fewer_collections
from harness.evaluation.config import EvalConfig
from harness.evaluation.execution import (
    ExecutionSettings,
    Executor,
    GoldCache,
)
from harness.evaluation.metrics import clean_block, rves, summarize
from harness.evaluation.predictions import PredictionLog, gold_predictions, load_candidates
from harness.evaluation.records import (
    BaselineInfo,
    ConfigInfo,
    DataInfo,
    GenerationInfo,
    LatencyInfo,
    MethodInfo,
    PassAtN,
    PredictionsInfo,
    RunRecord,
    Timing,
    TrainingInfo,
    block,
    environment,
    new_record,
    portable_path,
    portable_paths,
    write_run,
)
from harness.evaluation.rules import Rule, get_rule
from harness.evaluation.scorer import (
    ScoredSample,
    measure_rves,
    score_candidates,
    score_examples,
)
from harness.evaluation.voting import DEFAULT_VOTE, recall_at_n
from harness.files import write_json_atomic
from harness.method import Method
from harness.progress import reporter
from harness.suite import Suite


@fewer_collections()  # loading, scoring and summing up allocate most of what they keep
def evaluate(
    suite: Suite,
    config: EvalConfig,
    predictions_path: str | Path | None = None,
    predictions_format: str | None = None,
    predictions: dict[int, Prediction] | None = None,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    candidates: dict[int, list[Prediction]] | None = None,
    method_run: MethodRun | None = None,
) -> tuple[RunRecord, list[ScoredSample]]:
    """Score a predictions file, a dict of predictions or of candidate lists, or (none given)
    the gold itself. A file may hold several candidates per question (pass@k and voting).
    ``method_run`` carries what ``harness run`` adds, so the record is built once, whole."""
    started = time.perf_counter() if method_run is None else method_run.started
    split = config.split or suite.default_split
    rule = get_rule(config.rule or suite.default_rule)
    examples = load_scorable_examples(suite, split, config.limit)
    candidates, predictions_info = _candidates_to_score(
        examples, predictions_path, predictions_format, predictions, candidates, source
    )
    release = suite.release(split).name or None
    samples, execution_s, scanned = _score(suite, rule, config, examples, candidates, progress)
    ties = gold_flags.attach(samples, scanned, suite.gold_annotations(split, release))
    counts, unscorable, metrics = summarize(samples, suite.difficulty_levels)
    metrics.clean = clean_block([s for s in samples if s.verdict.scorable], ties)
    if config.rves_iterations:
        metrics.rves = _rves(suite, rule, config, samples)
    run = method_run or MethodRun(started)
    record = new_record(
        suite=suite.name, split=split, rule=rule.name, rule_description=rule.description,
        data=_data_info(suite, split, release),
        predictions=predictions_info,
        config=block(ConfigInfo, {**asdict(config), "split": split, "rule": rule.name}),
        environment=environment(),
        counts=counts,
        unscorable=unscorable,
        metrics=dataclasses.replace(metrics, pass_at_n=run.pass_at_n),
        timing=Timing(
            wall_s=round(time.perf_counter() - started, 3), execution_s=round(execution_s, 4),
            generate_s=run.generate_s, resumed_predictions=run.resumed,
        ),
        method=run.method, decoding=run.decoding, latency=run.latency,
        baseline=run.baseline, training=run.training,
    )
    return record, samples


def _data_info(suite: Suite, split: str, release: str | None) -> DataInfo:
    """The split's files relative to the data root (a record names no folder of a machine)."""
    return DataInfo(
        split_sha256=suite.split_hash(split),
        files=[portable_path(p, {"": suite.data_root}) for p in suite.split_files(split)],
        release=release,
    )


@dataclass
class MethodRun:
    """What ``harness run`` adds to a record besides the scores: how the predictions were made."""

    started: float  # time.perf_counter() when the run began
    generate_s: float | None = None
    resumed: int | None = None  # predictions found saved from an earlier, interrupted run
    method: MethodInfo | None = None
    decoding: str | None = None
    latency: LatencyInfo | None = None
    baseline: BaselineInfo | None = None
    training: TrainingInfo | None = None
    pass_at_n: PassAtN | None = None


def load_scorable_examples(suite: Suite, split: str, limit: int | None) -> list[Example]:
    """The split's examples (the first ``limit``), refused when not one can be scored."""
    suite.check_split(split)
    examples = suite.load_examples(split)
    if limit:
        examples = examples[:limit]
    ensure_scorable(suite, split, examples)
    return examples


def _candidates_to_score(
    examples: list[Example],
    path: str | Path | None,
    fmt: str | None,
    predictions: dict[int, Prediction] | None,
    candidates: dict[int, list[Prediction]] | None,
    source: str | None,
) -> tuple[dict[int, list[Prediction]], PredictionsInfo]:
    """Each question's candidates (from a file, as given, or the gold itself) and their source."""
    if path is not None:
        loaded = load_candidates(path, examples, fmt)
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return loaded, PredictionsInfo(source=portable_path(path), sha256=digest)
    if candidates is not None:
        return candidates, PredictionsInfo(source=source or "method")
    if predictions is None:
        predictions, info = gold_predictions(examples), PredictionsInfo(source="gold")
    else:
        info = PredictionsInfo(source=source or "method")
    return {qid: [p] for qid, p in predictions.items()}, info


def _score(
    suite: Suite,
    rule: Rule,
    config: EvalConfig,
    examples: list[Example],
    candidates: dict[int, list[Prediction]],
    progress: Callable[[int, int], None] | None,
) -> tuple[list[ScoredSample], float, dict[int, list[Flag]]]:
    """Execute and judge every example, and scan the golds for ambiguity (flags only); returns
    the samples, the seconds it took and the scan's flags."""
    settings = ExecutionSettings(config.timeout_s, config.max_rows, rule.text_errors)
    # Without the disk cache, one in memory for this evaluation: the scan's golds and the
    # scorer's then run once, as with it.
    cache = GoldCache() if config.gold_cache else GoldCache(":memory:")
    started = time.perf_counter()
    try:
        with Executor(settings, workers=config.workers, cache=cache) as executor:
            samples = score_candidates(
                examples, candidates, suite, rule, executor, progress, config.soft_f1, config.vote
            )
            scanned = scan(suite, examples, executor)
    finally:
        cache.close()
    return samples, time.perf_counter() - started, scanned


def _rves(suite: Suite, rule: Rule, config: EvalConfig, samples: list[ScoredSample]) -> float:
    settings = ExecutionSettings(config.timeout_s, config.max_rows, rule.text_errors)
    scorable = [s for s in samples if s.verdict.scorable]
    return rves(measure_rves(scorable, suite, config.rves_iterations, settings))


def ensure_scorable(suite: Suite, split: str, examples: list[Example]) -> None:
    """Refuse to go on when not one example can be scored (every database missing)."""
    db_ids = sorted({e.db_id for e in examples})
    problems = {db_id: suite.database_problem(db_id) for db_id in db_ids}
    if db_ids and all(problems.values()):
        folder = suite.database(db_ids[0]).path.parent.parent
        raise DataError(
            f"No example of {suite.name}/{split} can be scored: all {len(db_ids)} databases are "
            f"missing or unreadable under {folder} (first: {problems[db_ids[0]]}).\n"
            f"{suite.how_to_get}",
            db_id=db_ids[0],
            path=folder,
        )


# -- harness run ------------------------------------------------------------------------------


def predict_all(
    method: Method, examples: list[Example], suite: Suite, log: PredictionLog,
    on_prediction: Callable[[int, int], None] | None = None,
) -> dict[int, Prediction]:
    """Predict the examples the log lacks, saving each at once; returns all predictions."""
    pending = [e for e in examples if e.question_id not in log.done]
    if pending:
        for prediction in method.predict(pending, suite):
            log.append(prediction)
            if on_prediction:
                on_prediction(1, len(pending))
    return {e.question_id: log.done[e.question_id] for e in examples if e.question_id in log.done}


def candidate_pass_rate(
    examples: list[Example], predictions: dict[int, Prediction], suite: Suite, rule_name: str,
    executor: Executor,
) -> PassAtN | None:
    """pass@N / recall@N: the share of scorable questions where any sampled candidate is correct."""
    groups = {q: p.meta.get("candidates") or [] for q, p in predictions.items()}
    n = max((len(c) for c in groups.values()), default=0)
    if n < 2:
        return None
    flat_examples, flat_predictions, owner = [], {}, []
    for e in examples:
        for sql in groups.get(e.question_id, []):
            key = len(flat_examples)
            flat_examples.append(dataclasses.replace(e, question_id=key))
            flat_predictions[key] = Prediction(key, sql)
            owner.append(e.question_id)
    scored = score_examples(flat_examples, flat_predictions, suite, get_rule(rule_name), executor)
    verdicts: dict[int, list[bool]] = {}
    for q, s in zip(owner, scored):
        verdicts.setdefault(q, []).append(s.verdict.correct)
    scorable = [e for e in examples if suite.database_problem(e.db_id) is None]
    hits = sum(recall_at_n(verdicts.get(e.question_id, [])) for e in scorable)
    return PassAtN(n=n, pass_at_n=round(hits / len(scorable), 6) if scorable else None)


def decoding_label(method_config) -> str:
    samples = getattr(method_config, "samples", 1) or 1
    if samples <= 1:
        return "greedy"
    vote = getattr(method_config, "vote", DEFAULT_VOTE)
    short = {"value-aware": "vav", "similarity": "sim"}.get(vote, "maj")
    return f"{short}@{samples}"


def run_method(
    method: Method,
    suite: Suite,
    run: RunConfig,
    out_dir: Path,
) -> tuple[RunRecord, list[ScoredSample]]:
    """Train (if the method trains), predict the eval split, score, write ``out_dir``.

    Each stage is told to ``harness.progress.reporter()`` (the command line draws it).

    Resumable: predictions already in ``out_dir/predictions.jsonl`` are not redone, and a method
    that trains skips (or resumes) training when ``out_dir/checkpoint`` says it finished.
    """
    started = time.perf_counter()
    split = run.split or suite.default_split
    eval_config = run.eval_config(split, getattr(method.config, "vote", None))
    examples = load_scorable_examples(suite, split, run.limit)
    _save_run_state(out_dir / "run.json", method, suite, split, run)
    baseline = training = None
    if method.trains:
        train_split = _train_split(method, suite, run)
        if run.baseline:
            baseline = _score_baseline(method, suite, examples, eval_config, out_dir)
        training = _train(method, suite, train_split, out_dir)
    predictions, generate_s, resumed = _generate(method, suite, examples, out_dir)
    rule = run.rule or suite.default_rule
    roots = {"<run>": out_dir, "<data>": suite.data_root}
    method_run = MethodRun(
        started=started,
        generate_s=round(generate_s, 3),
        resumed=resumed,
        method=block(MethodInfo, portable_paths(method.provenance(), roots)),
        decoding=decoding_label(method.config),
        latency=_latency(predictions),
        baseline=baseline,
        training=None if training is None else dataclasses.replace(
            training, checkpoint=portable_paths(training.checkpoint, roots),
            stats=portable_paths(training.stats, roots) or None),
        pass_at_n=_pass_at_n(examples, predictions, suite, rule, run),
    )
    with reporter().stage("scoring (SQL queries run)") as stage:
        record, samples = evaluate(suite, eval_config, predictions=predictions,
                                   source=method.name, progress=stage.update,
                                   method_run=method_run)
    # How the SQL was produced needs the scored record (its EX beside the lenient parser's):
    # the finished record is copied with it, not changed.
    record = dataclasses.replace(record, generation=_generation(
        method, suite, eval_config, record, samples, predictions))
    write_run(out_dir, record, samples)
    return record, samples


def _generation(method: Method, suite: Suite, eval_config: EvalConfig, record: RunRecord,
                samples: list[ScoredSample], predictions: dict[int, Prediction]):
    """Recipe, prompt format, extractor, both EX figures (harness.generation.recipes.report)."""
    from harness.generation.recipes.report import generation_info

    def rescore(other: dict[int, Prediction]):
        with reporter().stage("scoring the lenient parser's SQL") as stage:
            return evaluate(suite, eval_config, predictions=other, source=method.name,
                            progress=stage.update)

    info = generation_info(method, suite, record, samples, predictions, rescore)
    return None if info is None else GenerationInfo(**info)


def _save_run_state(path: Path, method: Method, suite: Suite, split: str, run: RunConfig) -> None:
    """Write the run's settings, refusing to resume a folder that holds other settings."""
    state = {"method": method.name, "suite": suite.name, "split": split,
             "run_config": as_dict(run), "method_config": as_dict(method.config)}
    if path.exists() and json.loads(path.read_text(encoding="utf-8")) != state:
        raise ConfigError(
            f"{path.parent} holds a run with other settings; resume it with the same "
            f"settings, or choose another --out.",
            path=path.parent, option="--out",
        )
    write_json_atomic(path, state)


def _train_split(method: Method, suite: Suite, run: RunConfig) -> str:
    train_split = run.train_split or suite.train_split
    if train_split is None:
        raise ConfigError(f"Suite '{suite.name}' has no train split for '{method.name}'.",
                          option="--train-split")
    return train_split


def _score_baseline(
    method: Method, suite: Suite, examples: list[Example], eval_config: EvalConfig,
    out_dir: Path,
) -> BaselineInfo:
    """Score the untrained model into ``out_dir/baseline``; returns its metrics and counts."""
    log = PredictionLog(out_dir / "baseline" / "predictions.jsonl")
    with reporter().stage("baseline generation (untrained model)", total=len(examples)) as stage:
        stage.advance(len([e for e in examples if e.question_id in log.done]))
        predictions = predict_all(method, examples, suite, log, stage.update)
    with reporter().stage("baseline scoring (SQL queries run)") as stage:
        record, samples = evaluate(suite, eval_config, predictions=predictions,
                                   source=f"{method.name} (untrained)", progress=stage.update)
    write_run(out_dir / "baseline", record, samples)
    return BaselineInfo(metrics=record.metrics, counts=record.counts)


def _train(method: Method, suite: Suite, train_split: str, out_dir: Path) -> TrainingInfo:
    """Train into ``out_dir/checkpoint``; returns the run record's ``training`` block."""
    reporter().note(f"training {method.name} on {suite.name}/{train_split}")
    started = time.perf_counter()
    checkpoint = method.train(suite, train_split, out_dir / "checkpoint")
    elapsed = round(time.perf_counter() - started, 2)
    # A resumed run reuses its finished checkpoint: report the time that training took.
    record = getattr(method, "record", None)
    stats = {k: v for k, v in (record or {}).items() if k != "log_history"}
    recorded = stats.pop("wall_s", None)
    return TrainingInfo(
        split=train_split,
        checkpoint=str(checkpoint) if checkpoint else None,
        wall_s=recorded if recorded is not None else elapsed,
        this_run_s=elapsed,
        unusable_golds=stats.pop("unusable_golds", None) or None,
        stats=stats or None,
    )


def _generate(
    method: Method, suite: Suite, examples: list[Example], out_dir: Path
) -> tuple[dict[int, Prediction], float, int]:
    """Predict what ``out_dir/predictions.jsonl`` lacks: (predictions, seconds, resumed)."""
    log = PredictionLog(out_dir / "predictions.jsonl")
    resumed = len([e for e in examples if e.question_id in log.done])
    started = time.perf_counter()
    with reporter().stage("generation", total=len(examples)) as stage:
        stage.advance(resumed)
        if resumed:
            reporter().note(f"resuming: {resumed} predictions already saved in {log.path}")
        predictions = predict_all(method, examples, suite, log, stage.update)
    return predictions, time.perf_counter() - started, resumed


def _latency(predictions: dict[int, Prediction]) -> LatencyInfo:
    from harness.generation.latency import summarize_latency  # the methods' timing records

    return block(LatencyInfo, summarize_latency(p.meta for p in predictions.values()))


def _pass_at_n(
    examples: list[Example], predictions: dict[int, Prediction], suite: Suite, rule_name: str,
    run: RunConfig,
) -> PassAtN | None:
    with Executor(ExecutionSettings(run.timeout_s), workers=run.workers,
                  cache=GoldCache()) as executor:
        return candidate_pass_rate(examples, predictions, suite, rule_name, executor)

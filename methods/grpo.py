"""GRPO with a binary execution reward: TRL ``GRPOTrainer``; reward 1 when the completion's SQL
gives the gold result under the suite's rule, else 0.

The SQL is read from the completion with the harness's parser (``harness.generation.parsing``),
the same one evaluation uses, and graded by :class:`methods.execution_reward.ExecutionGrader`:
one executor call per batch of completions, gold results from the cache, the scorer's verdict.

``warm_start`` (``sql``, ``template``, ``dataset``) runs a short SFT first, as FINER-SQL does: a
model that is never right gets all-zero reward groups, and GRPO learns nothing from those.

    method = GRPOMethod(GRPOMethodConfig(model="smollm2-135m", max_steps=20))
    method.train(suite, "train", run_dir / "checkpoint")

Scaling up needs no new code: ``use_vllm`` with ``vllm_mode`` ``colocate`` or ``server`` (start
``trl vllm-serve --model …`` first), ``accelerate launch --config_file
configs/accelerate/<file>.yaml -m harness train …`` for several GPUs and DeepSpeed.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.evaluation.rules import RULES
from harness.method import Default
from harness.method import field_meta as _help
from harness.suite import Suite
from methods.execution_reward import ExecutionGrader, GradeRequest
from methods.sft import run_sft
from methods.training import (
    COMPLETE,
    STATS_FILE,
    TrainedMethod,
    TrainingConfig,
    build_prompts,
    common_trl_args,
    is_main_process,
    load_model_and_tokenizer,
    lora_config,
    on_gpu,
    train_and_export,
    training_examples,
    write_complete,
)

VLLM_MODES = ("colocate", "server")
#: SFT targets of the warm start: gold SQL, gold-derived traces, supplied traces; or no stage.
WARM_STARTS = ("none", "sql", "template", "dataset")
WARM_START_TARGETS = {"sql": "the gold SQL", "template": "gold-derived reasoning traces",
                      "dataset": "supplied traces"}



@dataclasses.dataclass
class GRPOMethodConfig(TrainingConfig):
    """GRPO knobs (TRL ``GRPOConfig`` names).

    The defaults are a CPU recipe for the packaged SmolLM2-135M on the sample suite (a 24-step
    SFT warm start on the gold SQL, then G = 4, short completions, a few LoRA steps, no KL
    term); ``configs/grpo-1.5b.yaml`` holds FINER-SQL's optimiser settings (no warm start,
    G = 16, one prompt per step, lr 5e-6, β 0.04, reference/finer-sql.md §3).
    """

    defaults = {
        "max_prompt_tokens": Default(320, "Prompt token budget (the schema is cut to fit)."),
        "max_new_tokens": Default(64, "Completion budget per candidate at evaluation."),
        "learning_rate": 5e-5,
        "max_steps": 6,
        "per_device_train_batch_size": Default(8, "Completions per device per forward pass."),
    }

    # > Warm start: SFT before GRPO, so rollouts are sometimes right (or have FINER's format)
    warm_start: str = dataclasses.field(
        default="sql",
        metadata=_help("SFT first on: sql (the gold SQL), template (gold-derived reasoning "
                       "traces), dataset (supplied traces), or none.", WARM_STARTS),
    )
    warm_start_traces_path: str | None = dataclasses.field(
        default=None, metadata=_help("warm_start=dataset: JSONL with question_id and trace.")
    )
    warm_start_steps: int = dataclasses.field(
        default=24, metadata=_help("Warm-start optimizer steps (-1: warm_start_epochs epochs).")
    )
    warm_start_epochs: float = dataclasses.field(default=2.0, metadata=_help("Warm-start epochs."))
    warm_start_learning_rate: float = dataclasses.field(
        default=1e-3, metadata=_help("Warm-start learning rate (SQL-Writer, full: 2e-5).")
    )
    warm_start_batch_size: int = dataclasses.field(
        default=4, metadata=_help("Warm-start sequences per optimizer step.")
    )
    warm_start_max_length: int = dataclasses.field(
        default=512, metadata=_help("Warm-start longest prompt + answer in tokens.")
    )

    # > Rollouts
    num_generations: int = dataclasses.field(
        default=4,
        metadata=_help("Completions per prompt (G); a step uses batch x accum / G prompts."),
    )
    max_completion_length: int = dataclasses.field(
        default=48, metadata=_help("Most tokens generated per completion during training.")
    )
    train_temperature: float = dataclasses.field(
        default=1.0, metadata=_help("Sampling temperature of the rollouts.")
    )
    # > Loss
    beta: float = dataclasses.field(
        default=0.0, metadata=_help("KL coefficient (0: no reference model; FINER-SQL 0.04).")
    )
    loss_type: str = dataclasses.field(
        default="dapo", metadata=_help("TRL loss: dapo, grpo, dr_grpo, bnpo.")
    )
    epsilon: float = dataclasses.field(default=0.2, metadata=_help("PPO clip range."))
    scale_rewards: str = dataclasses.field(
        default="group", metadata=_help("Advantage scaling: group, batch or none.")
    )
    # > vLLM rollouts (GPU)
    use_vllm: bool = dataclasses.field(
        default=False, metadata=_help("Generate rollouts with vLLM.")
    )
    vllm_mode: str = dataclasses.field(
        default="colocate",
        metadata=_help("colocate (same GPU) or server (trl vllm-serve).", VLLM_MODES),
    )
    vllm_server_host: str = dataclasses.field(
        default="127.0.0.1", metadata=_help("server mode: host.")
    )
    vllm_server_port: int = dataclasses.field(default=8000, metadata=_help("server mode: port."))
    vllm_gpu_memory_utilization: float = dataclasses.field(
        default=0.3, metadata=_help("colocate mode: GPU memory share for vLLM.")
    )
    vllm_enable_sleep_mode: bool = dataclasses.field(
        default=False, metadata=_help("colocate mode: offload vLLM between generations.")
    )
    # > Reward execution
    reward_timeout_s: float = dataclasses.field(
        default=30.0, metadata=_help("Per-query timeout of reward execution (upstream 60).")
    )
    reward_max_rows: int = dataclasses.field(
        default=10_000, metadata=_help("Row cap of reward execution (upstream 10,000).")
    )
    reward_workers: int | None = dataclasses.field(
        default=None, metadata=_help("Executor processes for rewards (default: the cores).")
    )
    rule: str | None = dataclasses.field(
        default=None,
        metadata=_help("Comparison rule of the reward (default: the suite's).", RULES.choices()),
    )
    log_completions: bool = dataclasses.field(
        default=False, metadata=_help("Log sample completions with their rewards.")
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_generations < 2:
            raise ConfigError(
                "num_generations must be >= 2 (GRPO compares completions), "
                f"got {self.num_generations}."
            )
        generation_batch = self.per_device_train_batch_size * self.gradient_accumulation_steps
        if generation_batch % self.num_generations:
            raise ConfigError(
                f"per_device_train_batch_size x gradient_accumulation_steps ({generation_batch}) "
                f"must be divisible by num_generations ({self.num_generations}); e.g. set "
                f"gradient_accumulation_steps to {self.num_generations}."
            )
        if self.warm_start == "dataset" and not self.warm_start_traces_path:
            raise ConfigError("warm_start=dataset needs warm_start_traces_path (a JSONL file).")


def grpo_trl_args(cfg: GRPOMethodConfig, trainer_dir: Path) -> dict[str, Any]:
    args = common_trl_args(cfg, trainer_dir)
    args.update(
        num_generations=cfg.num_generations,
        max_completion_length=cfg.max_completion_length,
        temperature=cfg.train_temperature,
        top_p=1.0,
        beta=cfg.beta,
        loss_type=cfg.loss_type,
        epsilon=cfg.epsilon,
        scale_rewards=cfg.scale_rewards,
        use_vllm=cfg.use_vllm,
        vllm_mode=cfg.vllm_mode,
        vllm_server_host=cfg.vllm_server_host,
        vllm_server_port=cfg.vllm_server_port,
        vllm_gpu_memory_utilization=cfg.vllm_gpu_memory_utilization,
        vllm_enable_sleep_mode=cfg.vllm_enable_sleep_mode,
        log_completions=cfg.log_completions,
        shuffle_dataset=True,
    )
    return args


def completion_text(completion) -> str:
    """A TRL completion's text: a string, or ``[{"role": "assistant", "content": …}]``."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return ""


class ExecutionMatchReward:
    """The binary reward: 1.0 iff the parsed SQL executes to the gold result, else 0.0."""

    __name__ = "execution_match"

    def __init__(self, grader: ExecutionGrader):
        self.grader = grader

    def __call__(self, completions, db_id, gold_sql, log_metric=None, **_) -> list[float]:
        from harness.generation.parsing import extract_sql

        sqls = [extract_sql(completion_text(c)).sql or None for c in completions]
        grades = self.grader.grade(
            [GradeRequest(d, g, s) for d, g, s in zip(db_id, gold_sql, sqls)]
        )
        if log_metric is not None:
            n = max(1, len(sqls))
            log_metric("execution/sql_found", sum(s is not None for s in sqls) / n)
            log_metric("execution/sql_executed", sum(g.pred_executed for g in grades) / n)
        return [1.0 if g.correct else 0.0 for g in grades]


def grpo_dataset(method: TrainedMethod, suite: Suite, split: str, tokenizer, grader):
    """Prompt rows for GRPO with the columns rewards read, minus golds that cannot be graded.

    Returns (dataset, dropped prompts by reason, unusable golds by problem). A gold that fails or
    returns more rows than the cap is dropped (reference/finer-sql.md §8.2: it teaches nothing);
    with ``upstream_compat`` only timeouts are dropped, as released (§3 filter 1), and the others
    are kept, still counted.
    """
    from datasets import Dataset

    examples = training_examples(suite, split, method.config)
    builder = method.train_prompt_builder(suite, tokenizer, examples)
    pairs, dropped = build_prompts(suite, examples, builder)
    problems = grader.gold_problems([(e.db_id, e.gold_sql) for e, _ in pairs])
    rows, unusable = [], {}
    for (e, messages), problem in zip(pairs, problems):
        if problem:
            key = problem.split(":", 1)[0]
            unusable[key] = unusable.get(key, 0) + 1
            if key == "gold_timeout" or not grader.upstream_compat:
                dropped[key] = dropped.get(key, 0) + 1
                continue
        rows.append(
            {
                "prompt": messages,
                "db_id": e.db_id,
                "gold_sql": e.gold_sql,
                "gold_sqls": [e.gold_sql],
                "question_id": e.question_id,
            }
        )
    if not rows:
        raise ConfigError(f"No gradable training example ({dropped}).")
    return Dataset.from_list(rows), dropped, unusable


def run_grpo(
    method: TrainedMethod,
    suite: Suite,
    split: str,
    out_dir: Path,
    reward_funcs: list,
    grader: ExecutionGrader,
    reward_weights: list[float] | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """One GRPO run into ``out_dir`` (shared by ``grpo`` and ``finer-sql``)."""
    from trl import GRPOConfig, GRPOTrainer

    cfg: GRPOMethodConfig = method.config  # type: ignore[assignment]
    started = time.perf_counter()
    loaded, tokenizer, location = load_model_and_tokenizer(cfg, model)
    dataset, dropped, unusable = grpo_dataset(method, suite, split, tokenizer, grader)
    trainer_dir = out_dir / "trainer"
    args = grpo_trl_args(cfg, trainer_dir)
    if reward_weights is not None:
        args["reward_weights"] = reward_weights
    args.update(cfg.trl_args)
    trainer = GRPOTrainer(
        model=loaded,
        reward_funcs=reward_funcs,
        args=GRPOConfig(**args),
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=lora_config(cfg),
    )
    stats = train_and_export(trainer, f"training ({method.name})", tokenizer, out_dir, started)
    stats.update(
        trainer="GRPOTrainer",
        trained_from=location,
        examples=len(dataset),
        dropped_examples=dropped,
        unusable_golds={
            "in_training_set": unusable,
            "policy": "kept (as released; timeouts dropped)" if grader.upstream_compat
            else "dropped",
            "at_reward_time": dict(grader.unusable),
        },
        reward_functions=[getattr(f, "__name__", type(f).__name__) for f in reward_funcs],
        reward_weights=reward_weights,
    )
    return stats


class GRPOMethod(TrainedMethod):
    """GRPO with a binary execution-match reward."""

    name = "grpo"
    description = "GRPO with a binary execution reward (TRL GRPOTrainer; shared executor/scorer)"
    config_class = GRPOMethodConfig

    def make_grader(self, suite: Suite, upstream_compat: bool = False) -> ExecutionGrader:
        cfg: GRPOMethodConfig = self.config  # type: ignore[assignment]
        return ExecutionGrader(
            suite,
            cfg.rule,
            timeout_s=cfg.reward_timeout_s,
            max_rows=cfg.reward_max_rows,
            workers=cfg.reward_workers,
            upstream_compat=upstream_compat,
        )

    def run_training(self, suite: Suite, split: str, out_dir: Path) -> dict[str, Any]:
        started = time.perf_counter()
        record: dict[str, Any] = {}
        start_model = self.warm_start(suite, split, out_dir, record)
        grader = self.make_grader(suite)
        try:
            stats = run_grpo(self, suite, split, out_dir, [ExecutionMatchReward(grader)], grader,
                             model=start_model)
        finally:
            grader.close()
        record.update(stats)
        record["wall_s"] = round(time.perf_counter() - started, 2)
        return record

    def warm_start(self, suite: Suite, split: str, out_dir: Path, record: dict) -> str:
        """The model GRPO starts from: the configured one, or the warm-start SFT of it.

        The SFT runs into ``out_dir/warm_start`` (skipped when it already finished); its
        statistics go into ``record["warm_start"]``.
        """
        cfg: GRPOMethodConfig = self.config  # type: ignore[assignment]
        if cfg.warm_start == "none":
            return cfg.model
        warm_dir = out_dir / "warm_start"
        record["warm_start"] = self._warm_start_stage(suite, split, warm_dir)
        return str(warm_dir)

    def _warm_start_stage(self, suite: Suite, split: str, warm_dir: Path) -> dict[str, Any]:
        cfg: GRPOMethodConfig = self.config  # type: ignore[assignment]
        if (warm_dir / COMPLETE).is_file():
            return json.loads((warm_dir / STATS_FILE).read_text())
        if is_main_process():
            warm_dir.mkdir(parents=True, exist_ok=True)
        fields = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(TrainingConfig)}
        fields.update(
            max_steps=cfg.warm_start_steps,
            num_train_epochs=cfg.warm_start_epochs,
            learning_rate=cfg.warm_start_learning_rate,
            # On a CPU one sequence per forward pass, accumulated to the same step: no padding,
            # a quarter of the activations; the loss is normalised over the step's tokens anyway.
            per_device_train_batch_size=cfg.warm_start_batch_size if on_gpu() else 1,
            gradient_accumulation_steps=1 if on_gpu() else cfg.warm_start_batch_size,
            save_steps=0,
        )
        warm_cfg = TrainingConfig(**fields)
        stats = run_sft(
            self,
            suite,
            split,
            warm_dir,
            traces="none" if cfg.warm_start == "sql" else cfg.warm_start,
            traces_path=cfg.warm_start_traces_path,
            max_length=cfg.warm_start_max_length,
            cfg=warm_cfg,
            stage=f"warm start (SFT on {WARM_START_TARGETS[cfg.warm_start]})",
        )
        record = {k: v for k, v in stats.items() if k != "log_history"}
        write_complete(warm_dir, stats, keep_checkpoints=True)  # main process only, atomic
        return record

"""Supervised fine-tuning: TRL ``SFTTrainer`` on the train split, gold SQL as the target.

Each training example is a conversation: the shared prompt (system + schema + question, exactly
what evaluation sends) and the assistant's answer, the gold SQL, or ``<think>trace</think>SQL``
when reasoning traces are used. The loss covers the answer only (TRL prompt/completion data).

    method = SFTMethod(SFTMethodConfig(model="smollm2-135m", max_steps=50))
    checkpoint = method.train(suite, "train", run_dir / "checkpoint")
    predictions = list(method.predict(suite.load_examples("dev"), suite))

Reasoning traces (``traces``): ``none`` (SQL only), ``template`` (derived from the gold SQL and
the schema by :mod:`methods.traces`), or ``dataset`` (a JSONL file given by
``traces_path`` with ``question_id`` and ``trace`` — or ``completion`` — per line).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.method import Default
from harness.suite import Suite
from methods.traces import sft_targets
from methods.training import (
    TrainedMethod,
    TrainingConfig,
    build_prompts,
    common_trl_args,
    load_model_and_tokenizer,
    lora_config,
    train_and_export,
    training_examples,
)

TRACE_SOURCES = ("none", "template", "dataset")


@dataclasses.dataclass
class SFTMethodConfig(TrainingConfig):
    """Configuration of :class:`SFTMethod`.

    The defaults are the CPU recipe for the packaged SmolLM2-135M (LoRA, a high learning rate,
    32 steps of 4 examples, prompts without sample values); ``configs/sft-0.5b.yaml`` and
    ``sft-3b.yaml`` hold the paper's SQL-Writer recipe (lr 2e-5, 2 epochs, batch 128).
    """

    defaults = {
        "max_prompt_tokens": Default(320, "Prompt token budget (the schema is cut to fit)."),
        "max_new_tokens": Default(64, "Completion budget per candidate at evaluation."),
        "learning_rate": 1e-3,
        "lr_scheduler_type": "cosine",
        "warmup_steps": 0.1,
        "max_steps": 32,
    }

    traces: str = dataclasses.field(
        default="none",
        metadata={"help": "Reasoning before the SQL: none, template (from the gold) or dataset.",
                  "choices": TRACE_SOURCES},
    )
    traces_path: str | None = dataclasses.field(
        default=None, metadata={"help": "traces=dataset: JSONL with question_id and trace."}
    )
    max_length: int = dataclasses.field(
        default=512, metadata={"help": "Longest prompt + answer in tokens; longer are cut."}
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.traces == "dataset" and not self.traces_path:
            raise ConfigError("traces=dataset needs traces_path (a JSONL file).")


def sft_rows(pairs, targets: dict[int, str]) -> list[dict]:
    """Prompt-completion rows (TRL's conversational format) for the examples with a target."""
    rows = [
        {
            "prompt": messages,
            "completion": [{"role": "assistant", "content": targets[e.question_id]}],
        }
        for e, messages in pairs
        if e.question_id in targets
    ]
    if not rows:
        raise ConfigError("No training example has a target (check the reasoning-trace file).")
    return rows


def run_sft(
    method: TrainedMethod,
    suite: Suite,
    split: str,
    out_dir: Path,
    *,
    traces: str,
    traces_path: str | None,
    max_length: int,
    cfg: TrainingConfig | None = None,
    stage: str = "training (SFT)",
) -> dict[str, Any]:
    """One SFT run into ``out_dir`` (shared by ``sft`` and FINER-SQL's warm start); ``cfg``
    (default: the method's) gives the model and the optimisation settings."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    cfg = cfg or method.config
    started = time.perf_counter()
    model, tokenizer, location = load_model_and_tokenizer(cfg)
    examples = training_examples(suite, split, cfg)
    builder = method.train_prompt_builder(suite, tokenizer, examples)
    pairs, dropped = build_prompts(suite, examples, builder)
    rows = sft_rows(pairs, sft_targets(suite, [e for e, _ in pairs], traces, traces_path))
    trainer_dir = out_dir / "trainer"
    args = common_trl_args(cfg, trainer_dir)
    args.update(max_length=max_length, packing=False, completion_only_loss=True)
    args.update(cfg.trl_args)
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(**args),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=lora_config(cfg),
    )
    stats = train_and_export(trainer, stage, tokenizer, out_dir, started)
    stats.update(
        trainer="SFTTrainer",
        trained_from=location,
        examples=len(rows),
        dropped_prompts=dropped,
        traces=traces,
        sample_target=rows[0]["completion"][0]["content"],
    )
    return stats


class SFTMethod(TrainedMethod):
    """Supervised fine-tuning on gold SQL (optionally with reasoning traces)."""

    name = "sft"
    description = "Supervised fine-tuning on the train split (TRL SFTTrainer; LoRA or full)"
    config_class = SFTMethodConfig

    def run_training(self, suite: Suite, split: str, out_dir: Path) -> dict[str, Any]:
        cfg: SFTMethodConfig = self.config  # type: ignore[assignment]
        return run_sft(
            self,
            suite,
            split,
            out_dir,
            traces=cfg.traces,
            traces_path=cfg.traces_path,
            max_length=cfg.max_length,
        )

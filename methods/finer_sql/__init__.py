"""FINER-SQL: a warm-start SFT on reasoning traces, then GRPO with dense execution feedback.

(reference/finer-sql.md.) Stage 1 teaches the ``<think>…</think>SQL`` format that the reward's
gate requires: without it every reward is 0 and GRPO learns nothing. The paper starts from a
model fine-tuned on teacher traces; here the traces come from a dataset (``warm_start=dataset``)
or are derived from the gold SQL and schema (``warm_start=template``, :mod:`methods.traces`). Set
``warm_start=none`` for a base model that already writes the format. The reward is never
loosened to get a signal: a model without the format simply earns 0.

Stage 2 is TRL ``GRPOTrainer`` with four reward functions (format, execution, atomic, memory,
:mod:`.rewards`), each logged per step and weighted by a config value.

Modules: ``atomic`` (operation sets, Jaccard, shaping), ``format`` (parsing and the gate),
``memory`` (vector store, quality gate, R_mem), ``rewards``; the gold-derived traces are in
:mod:`methods.traces` (shared with ``sft``).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.generation.prompts import PromptBuilder
from harness.method import Default
from harness.method import field_meta as _help
from harness.suite import Suite
from methods.finer_sql.atomic import SHAPINGS, Shaping
from methods.finer_sql.memory import (
    MENTIONS,
    RETRIEVALS,
    Embedder,
    GateSettings,
    ReasoningMemory,
)
from methods.finer_sql.rewards import TERMS, FinerSQLRewards
from methods.grpo import GRPOMethod, GRPOMethodConfig, run_grpo
from methods.traces import sft_targets
from methods.training import build_prompts, is_main_process, token_counter

__all__ = ["FinerSQLConfig", "FinerSQLMethod", "REASONING_SYSTEM_PROMPT"]

#: The system prompt of a reasoning model (§4's teacher prompt for non-reasoning models):
#: reasoning inside <think>…</think>, then only the SQL.
REASONING_SYSTEM_PROMPT = """You are a careful SQL expert. Given a database schema and a question, \
write one correct SQL query that answers the question.
First reason step by step inside <think> and </think>: name the tables and the table.column \
names the question needs, the joins, the filters, the grouping and the ordering.
Then, after </think>, write exactly one SQL statement that runs on SQLite, with no other text."""



@dataclasses.dataclass
class FinerSQLConfig(GRPOMethodConfig):
    """FINER-SQL: GRPO settings (inherited), reward terms and weights, memory, warm start.

    The reward defaults are the paper's (S3 shaping, all weights 1, memory on as in the first
    commit); the training defaults are the CPU recipe for SmolLM2-135M on the sample suite.
    ``configs/finer-sql-{0.5b,3b}.yaml`` reproduce the released scripts (memory off).
    """

    defaults = {
        "max_prompt_tokens": 256,
        "max_new_tokens": Default(
            128, "Completion budget at evaluation (reasoning + SQL; the rollouts' budget)."),
        "max_completion_length": 128,
        "max_steps": Default(2, "GRPO optimizer steps (-1: run num_train_epochs epochs)."),
        "per_device_train_batch_size": 1,
        "gradient_accumulation_steps": Default(
            8, "Forward passes per optimizer step (1 x 8 = two prompts x 4 completions: one "
               "completion per pass keeps the CPU recipe's activations small)."),
        "warm_start_steps": 16,
        "schema_format": Default(
            "columns", "columns (table.column: lines, which the memory gate needs) or ddl."),
        "warm_start": Default(
            "template", "SFT on reasoning traces first: template (from the gold), dataset, none "
                        "(sql teaches no <think> format)."),
    }

    # > Reward terms and weights (R = 0 unless the format gate passes)
    format_weight: float = dataclasses.field(default=1.0, metadata=_help("Weight of R_fmt."))
    execution_weight: float = dataclasses.field(default=1.0, metadata=_help("Weight of E."))
    atomic_weight: float = dataclasses.field(
        default=1.0, metadata=_help("Weight of the atomic credit.")
    )
    memory_weight: float = dataclasses.field(default=1.0, metadata=_help("Weight of R_mem."))
    correct_reward: float = dataclasses.field(
        default=2.0, metadata=_help("E for SQL that gives the gold result.")
    )
    executes_reward: float = dataclasses.field(
        default=1.0, metadata=_help("E for SQL that runs but gives another result.")
    )
    min_thought_chars: int = dataclasses.field(
        default=100, metadata=_help("The gate's thought must be longer than this (upstream 100).")
    )
    atomic_shaping: str = dataclasses.field(
        default="s3", metadata=_help(f"Shaping f(s): {', '.join(SHAPINGS)} or custom.")
    )
    atomic_e: float | None = dataclasses.field(default=None, metadata=_help("custom shaping: e."))
    atomic_beta: float | None = dataclasses.field(
        default=None, metadata=_help("custom shaping: β.")
    )
    atomic_gamma: float | None = dataclasses.field(
        default=None, metadata=_help("custom shaping: γ.")
    )
    upstream_compat: bool = dataclasses.field(
        default=False,
        metadata=_help(
            "Reproduce the released code (docs/training.md lists each difference): its atomic "
            "operations exactly, a failing gold read as an empty result, failing golds kept in "
            "training. Off: the fixed behaviour."
        ),
    )
    # > Memory reward
    memory: bool = dataclasses.field(
        default=True, metadata=_help("Use the memory reward (off in the released scripts).")
    )
    memory_embedding_model: str = dataclasses.field(
        default="auto",
        metadata=_help(
            "auto (Qwen3-Embedding-0.6B on GPU, packaged all-MiniLM-L6-v2 on CPU) or "
            "a sentence-transformers id or folder."
        ),
    )
    memory_top_k: int = dataclasses.field(default=20, metadata=_help("Traces averaged per lookup."))
    memory_retrieval: str = dataclasses.field(
        default="other-db", metadata=_help("other-db (upstream), same-db or any.", RETRIEVALS)
    )
    memory_dedup_cosine: float = dataclasses.field(
        default=0.9, metadata=_help("Do not store a trace this close to a stored one.")
    )
    memory_gate_mentions: str = dataclasses.field(
        default="column",
        metadata=_help(
            "What the memory gate counts as a schema mention: column (as released: bare column "
            "names of the table.column: lines) or table.column (full names only; stricter).",
            MENTIONS,
        ),
    )
    memory_seed: bool = dataclasses.field(
        default=True, metadata=_help("Seed the memory with the warm-start traces (verified).")
    )
    # > Warm start (stage 1; the fields are GRPO's)
    def __post_init__(self) -> None:
        super().__post_init__()
        if self.atomic_shaping not in (*SHAPINGS, "custom"):
            raise ConfigError(
                f"atomic_shaping '{self.atomic_shaping}' is unknown; choose "
                f"{', '.join(SHAPINGS)} or custom (with atomic_e, atomic_beta, atomic_gamma)."
            )
        custom = (self.atomic_e, self.atomic_beta, self.atomic_gamma)
        if self.atomic_shaping == "custom" and None in custom:
            raise ConfigError("atomic_shaping=custom needs atomic_e, atomic_beta and atomic_gamma.")
        if self.warm_start == "sql":
            raise ConfigError(
                "warm_start=sql teaches no <think> format, so FINER-SQL's format gate would zero "
                "every reward; choose template, dataset or none."
            )
        if self.upstream_compat and self.memory_gate_mentions != "column":
            raise ConfigError(
                "upstream_compat reproduces the released memory gate, which counts bare column "
                "names; drop memory_gate_mentions or upstream_compat."
            )

    @property
    def shaping(self) -> Shaping:
        if self.atomic_shaping == "custom":
            return Shaping(self.atomic_e, self.atomic_beta, self.atomic_gamma)  # type: ignore[arg-type]
        return SHAPINGS[self.atomic_shaping]

    @property
    def weights(self) -> dict[str, float]:
        return {t: getattr(self, f"{t}_weight") for t in TERMS}

    @property
    def uses_memory(self) -> bool:
        return self.memory and self.memory_weight != 0


class ReasoningPromptBuilder(PromptBuilder):
    """The shared prompt builder with the reasoning system prompt."""

    def messages(self, example, schema_text):
        messages = super().messages(example, schema_text)
        messages[0] = {"role": "system", "content": REASONING_SYSTEM_PROMPT}
        return messages


class FinerSQLMethod(GRPOMethod):
    """FINER-SQL: warm-start SFT on reasoning traces, then GRPO with the FINER-SQL reward."""

    name = "finer-sql"
    description = "FINER-SQL: warm-start SFT on traces, then GRPO with dense execution feedback"
    config_class = FinerSQLConfig

    def make_prompt_builder(self, suite: Suite, **kwargs) -> PromptBuilder:
        return ReasoningPromptBuilder(suite, **kwargs)

    def run_training(self, suite: Suite, split: str, out_dir: Path) -> dict[str, Any]:
        cfg: FinerSQLConfig = self.config  # type: ignore[assignment]
        started = time.perf_counter()
        record: dict[str, Any] = {"system_prompt": REASONING_SYSTEM_PROMPT}
        start_model = self.warm_start(suite, split, out_dir, record)

        grader = self.make_grader(suite, upstream_compat=cfg.upstream_compat)
        memory = None
        try:
            memory = self._memory(suite, split, out_dir, record)
            rewards = FinerSQLRewards(
                grader,
                shaping=cfg.shaping,
                memory=memory,
                correct_reward=cfg.correct_reward,
                executes_reward=cfg.executes_reward,
                min_thought_chars=cfg.min_thought_chars,
                upstream_compat=cfg.upstream_compat,
            )
            weights = cfg.weights
            stats = run_grpo(
                self,
                suite,
                split,
                out_dir,
                rewards.reward_functions(),
                grader,
                reward_weights=[weights[t] for t in TERMS],
                model=start_model,
            )
        finally:
            grader.close()
            if memory is not None and is_main_process():  # each rank holds its own copy
                memory.save()
        if memory is not None:
            stats["memory_sizes"] = memory.sizes()
            stats["memory_embedding_model"] = memory.embedder.name
        record.update(stats)
        record["wall_s"] = round(time.perf_counter() - started, 2)
        return record

    def _memory(self, suite: Suite, split: str, out_dir: Path, record: dict[str, Any]
                ) -> ReasoningMemory | None:
        """The reasoning memory (None with the memory term off); a new one starts from the
        warm start's traces when ``memory_seed`` asks for it."""
        cfg: FinerSQLConfig = self.config  # type: ignore[assignment]
        if not cfg.uses_memory:
            return None
        memory = ReasoningMemory(
            Embedder(cfg.memory_embedding_model),
            top_k=cfg.memory_top_k,
            retrieval=cfg.memory_retrieval,
            dedup_cosine=cfg.memory_dedup_cosine,
            gate=GateSettings(mentions=cfg.memory_gate_mentions),
            folder=out_dir / "memory",
            dataset_name=suite.name,
        )
        if cfg.memory_seed and cfg.warm_start != "none" and not len(memory.paths):
            record["memory_seeded"] = self._seed_memory(memory, suite, split)
        return memory

    def _seed_memory(self, memory: ReasoningMemory, suite: Suite, split: str) -> int:
        """Store the warm-start traces (derived from verified gold SQL) as reasoning paths."""
        from methods.finer_sql.format import parse_completion
        from methods.training import training_examples

        cfg: FinerSQLConfig = self.config  # type: ignore[assignment]
        examples = training_examples(suite, split, cfg)
        from transformers import AutoTokenizer

        from methods.training import model_folder

        tokenizer = AutoTokenizer.from_pretrained(model_folder(cfg.model))
        builder = self.make_prompt_builder(
            suite,
            schema_format=cfg.schema_format,
            budget=cfg.max_prompt_tokens,
            count_tokens=token_counter(tokenizer) if cfg.max_prompt_tokens else None,
        )
        pairs, _ = build_prompts(suite, examples, builder)
        targets = sft_targets(
            suite, [e for e, _ in pairs], cfg.warm_start, cfg.warm_start_traces_path
        )
        thoughts, prompts, db_ids = [], [], []
        for e, messages in pairs:
            if e.question_id in targets:
                thought = parse_completion(targets[e.question_id]).thought
                if thought:
                    thoughts.append(thought)
                    prompts.append("\n".join(m["content"] for m in messages))
                    db_ids.append(e.db_id)
        return memory.seed(thoughts, prompts, db_ids)

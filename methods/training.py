"""What the training methods share: configuration, data, model loading, checkpoints, statistics.

A training method (``sft``, ``grpo``, ``finer-sql``) is a :class:`TrainedMethod`: it trains with a
TRL trainer on the suite's train split, writes a plain transformers checkpoint (LoRA merged), and
predicts through the shared prompting machinery (:class:`methods.prompting.PromptingMethod`): the
same prompt builder, backends (transformers or vLLM), parsing and voting as ``prompting``, first
with the base model (the runner's untrained baseline), then with the checkpoint.

The checkpoint folder that :meth:`TrainedMethod.train` returns holds::

    config.json, model.safetensors, tokenizer files   the trained model, LoRA merged
    training.json                                     config, statistics, reward means, timings
    trainer/                                          TRL output: checkpoint-N/ (for resume), logs
    COMPLETE                                          written last: training finished

An interrupted training resumes from the newest ``trainer/checkpoint-N`` when run again with the
same output folder; a folder with ``COMPLETE`` is not trained again.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.core import Example, Prediction
from harness.errors import ConfigError
from harness.files import write_json_atomic, write_text_atomic
from harness.generation.prompts import PromptBuilder
from harness.method import Default
from harness.method import field_meta as _help
from harness.suite import Suite
from methods.prompting import PromptingConfig, PromptingMethod

COMPLETE = "COMPLETE"
STATS_FILE = "training.json"



@dataclasses.dataclass
class TrainingConfig(PromptingConfig):
    """Knobs shared by the training methods; the prompting fields govern evaluation."""

    defaults = {
        "batch_size": Default(64, "Questions per generation call at evaluation (CPU decoding is "
                                  "memory-bound: one large batch is much faster than many small "
                                  "ones)."),
    }
    # > Training data
    train_limit: int | None = dataclasses.field(
        default=None, metadata=_help("Train on the first N examples of the train split only.")
    )
    # > Optimisation
    max_steps: int = dataclasses.field(
        default=-1, metadata=_help("Optimizer steps (-1: run num_train_epochs epochs).")
    )
    num_train_epochs: float = dataclasses.field(
        default=1.0, metadata=_help("Epochs over the train split when max_steps is -1.")
    )
    learning_rate: float = dataclasses.field(default=2e-5, metadata=_help("Peak learning rate."))
    lr_scheduler_type: str = dataclasses.field(
        default="linear", metadata=_help("transformers scheduler: linear, cosine, constant, ...")
    )
    warmup_steps: float = dataclasses.field(
        default=0, metadata=_help("Warm-up steps, or a share of all steps when below 1.")
    )
    weight_decay: float = dataclasses.field(default=0.0, metadata=_help("AdamW weight decay."))
    max_grad_norm: float = dataclasses.field(default=1.0, metadata=_help("Gradient clipping."))
    per_device_train_batch_size: int = dataclasses.field(
        default=4, metadata=_help("Sequences per device per forward pass.")
    )
    gradient_accumulation_steps: int = dataclasses.field(
        default=1, metadata=_help("Forward passes per optimizer step.")
    )
    train_dtype: str = dataclasses.field(
        default="auto",
        metadata=_help("auto (bf16 where the GPU or CPU computes it natively, else fp32), "
                       "float32 or bfloat16.",
                       ("auto", "float32", "bfloat16")),
    )
    activation_checkpointing: bool = dataclasses.field(
        default=False, metadata=_help("Recompute activations in backward (saves GPU memory).")
    )
    # > LoRA
    lora: bool = dataclasses.field(
        default=True,
        metadata=_help("Train LoRA adapters (merged at the end) instead of all weights."),
    )
    lora_r: int = dataclasses.field(default=16, metadata=_help("LoRA rank."))
    lora_alpha: int = dataclasses.field(default=32, metadata=_help("LoRA scaling numerator."))
    lora_dropout: float = dataclasses.field(default=0.0, metadata=_help("LoRA dropout."))
    lora_target_modules: str = dataclasses.field(
        default="all-linear", metadata=_help("Modules that get adapters (peft syntax).")
    )
    # > Checkpoints and logs
    save_steps: int = dataclasses.field(
        default=0, metadata=_help("Save a resumable checkpoint every N steps (0: none).")
    )
    save_total_limit: int = dataclasses.field(
        default=2, metadata=_help("Resumable checkpoints kept.")
    )
    keep_trainer_checkpoints: bool = dataclasses.field(
        default=False, metadata=_help("Keep trainer/checkpoint-N folders after training ends.")
    )
    logging_steps: int = dataclasses.field(default=1, metadata=_help("Log every N steps."))
    report_to: str = dataclasses.field(
        default="auto",
        metadata=_help("auto (tensorboard when installed, else none), tensorboard, wandb, none."),
    )
    trl_args: dict[str, Any] = dataclasses.field(
        default_factory=dict,
        metadata=_help(
            "Further TRL config fields, passed as they are (e.g. {'optim': 'adamw_torch_fused'})."
        ),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError(f"max_steps must be -1 (use epochs) or >= 1, got {self.max_steps}.")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}.")
        for name in ("per_device_train_batch_size", "gradient_accumulation_steps", "lora_r"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if self.train_limit is not None and self.train_limit < 1:
            raise ConfigError(f"train_limit must be >= 1, got {self.train_limit}.")
        if not isinstance(self.trl_args, dict):
            raise ConfigError("trl_args must be a mapping of TRL config fields to values.")


# -- environment ------------------------------------------------------------------------------
def on_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def torch_dtype(name: str):
    """The training dtype; ``auto`` is bfloat16 where the hardware computes it natively (a GPU
    that supports it, or a CPU with AVX512-BF16 or AMX), float32 elsewhere.

    On a 2-core AMD EPYC (Zen 4, AVX512-BF16) a SmolLM2-135M forward and backward pass of 256
    tokens took 0.59 s in bfloat16 and 1.79 s in float32, and the demo's training stages ran
    1.5x faster with the same losses and the same EX; on a CPU without these instructions
    PyTorch emulates bfloat16 and it is about 5x slower (``reference/environment.md`` §4).
    """
    import torch

    if name == "auto":
        if on_gpu():
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        return torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    return getattr(torch, name)


def torch_dtype_name(name: str) -> str:
    """:func:`torch_dtype` as the name records and the ``--dtype`` option use: ``bfloat16``."""
    return str(torch_dtype(name)).removeprefix("torch.")


def cpu_has_native_bf16() -> bool:
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def report_to(choice: str) -> list[str]:
    if choice == "auto":
        return ["tensorboard"] if importlib.util.find_spec("tensorboard") else []
    return [] if choice == "none" else [choice]


def common_trl_args(cfg: TrainingConfig, output_dir: Path) -> dict[str, Any]:
    """The TRL/transformers TrainingArguments fields every training method sets the same way."""
    dtype = torch_dtype(cfg.train_dtype)
    import torch

    gpu = on_gpu()
    return {
        "output_dir": str(output_dir),
        "max_steps": cfg.max_steps,
        "num_train_epochs": cfg.num_train_epochs,
        "learning_rate": cfg.learning_rate,
        "lr_scheduler_type": cfg.lr_scheduler_type,
        "warmup_steps": cfg.warmup_steps,
        "weight_decay": cfg.weight_decay,
        "max_grad_norm": cfg.max_grad_norm,
        "per_device_train_batch_size": cfg.per_device_train_batch_size,
        "gradient_accumulation_steps": cfg.gradient_accumulation_steps,
        "seed": cfg.seed,
        "data_seed": cfg.seed,
        # On CPU: no bf16 autocast (about 5x slower on AVX2 machines), reference/environment.md §4.
        "use_cpu": not gpu,
        "bf16": gpu and dtype == torch.bfloat16,
        "fp16": False,
        checkpointing_argument(): cfg.activation_checkpointing,
        "logging_steps": cfg.logging_steps,
        "save_strategy": "steps" if cfg.save_steps > 0 else "no",
        "save_steps": cfg.save_steps if cfg.save_steps > 0 else 500,
        "save_total_limit": cfg.save_total_limit,
        "report_to": report_to(cfg.report_to),
        "dataloader_num_workers": 0,
        "remove_unused_columns": False,
        "disable_tqdm": True,
    }


def checkpointing_argument() -> str:
    """The TrainingArguments name of activation checkpointing: ``activation_checkpointing`` from
    transformers 5.2x on, ``gradient_checkpointing`` before (pyproject allows both)."""
    import inspect

    from transformers import TrainingArguments

    names = inspect.signature(TrainingArguments).parameters
    return "activation_checkpointing" if "activation_checkpointing" in names else (
        "gradient_checkpointing"
    )


# -- model and data ---------------------------------------------------------------------------
def model_folder(model: str) -> str:
    """Something ``from_pretrained`` loads: a GGUF model becomes its cached converted folder."""
    from harness.generation.models import converted_model_dir, resolve_model

    source = resolve_model(model)
    if source.kind in ("gguf", "folder"):
        return str(converted_model_dir(model))
    return str(source.hub_id)


def release_memory() -> None:
    """Collect the previous stage's model and trainer, and hand the freed heap back to the system:
    glibc keeps freed blocks otherwise, so each stage's peak would stack on the last one's."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def load_model_and_tokenizer(cfg: TrainingConfig, model: str | None = None):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    release_memory()
    location = model_folder(model or cfg.model)
    tokenizer = AutoTokenizer.from_pretrained(location)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    loaded = AutoModelForCausalLM.from_pretrained(location, dtype=torch_dtype(cfg.train_dtype))
    return loaded, tokenizer, location


def lora_config(cfg: TrainingConfig):
    if not cfg.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.lora_target_modules,
        task_type="CAUSAL_LM",
    )


def token_counter(tokenizer):
    def count(messages: list[dict[str, str]]) -> int:
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        return len(ids)

    return count


def training_examples(suite: Suite, split: str, cfg: TrainingConfig) -> list[Example]:
    suite.check_split(split)
    examples = suite.load_examples(split)
    if cfg.train_limit:
        examples = examples[: cfg.train_limit]
    if not examples:
        raise ConfigError(f"Suite '{suite.name}' split '{split}' has no examples to train on.")
    return examples


def build_prompts(
    suite: Suite,
    examples: Sequence[Example],
    builder: PromptBuilder,
) -> tuple[list[tuple[Example, list[dict[str, str]]]], dict[str, int]]:
    """(example, prompt messages) pairs, without prompts that do not fit the token budget
    (TRL 1.x has no prompt-length limit, so the filter is ours: reference/finer-sql.md §3)."""
    kept, dropped = [], {}
    for example in examples:
        prompt = builder.build(example)
        if prompt.error:
            reason = prompt.error.split(":", 1)[0]
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        kept.append((example, prompt.messages))
    if not kept:
        raise ConfigError(
            f"No training prompt fits the prompt budget ({dropped}); raise max_prompt_tokens."
        )
    return kept, dropped


# -- progress -------------------------------------------------------------------------------------
def train_with_progress(trainer, stage_name: str, resume_from: str | None) -> None:
    """``trainer.train()`` as a reported stage: a bar over the optimizer steps and one formatted
    line per logging step (``harness.progress``), instead of the trainer's raw log dicts (which
    its PrinterCallback still prints, into the run's log file)."""
    from transformers import TrainerCallback

    from harness.progress import reporter

    with reporter().stage(stage_name) as stage:

        class Report(TrainerCallback):
            def on_train_begin(self, args, state, control, **kwargs):
                stage.set_total(state.max_steps)
                stage.advance(state.global_step)  # resumed from a checkpoint

            def on_step_end(self, args, state, control, **kwargs):
                stage.advance()

            def on_log(self, args, state, control, logs=None, **kwargs):
                if is_main_process():
                    reporter().log_step(state.global_step, state.max_steps, logs or {})

        trainer.add_callback(Report())
        trainer.train(resume_from_checkpoint=resume_from)


# -- checkpoints and statistics ---------------------------------------------------------------
def last_trainer_checkpoint(trainer_dir: Path) -> str | None:
    """The newest ``checkpoint-N`` under ``trainer_dir``, to resume from (None: start fresh)."""
    if not trainer_dir.is_dir():
        return None
    found = [
        p
        for p in trainer_dir.glob("checkpoint-*")
        if p.name.split("-")[-1].isdigit() and p.is_dir()
    ]
    if not found:
        return None
    return str(max(found, key=lambda p: int(p.name.split("-")[-1])))


def export_model(trainer, tokenizer, out_dir: Path) -> None:
    """Save the trained model as a plain transformers folder (LoRA adapters merged).

    A full fine-tune goes through ``trainer.save_model``, which gathers DeepSpeed ZeRO-3 / FSDP
    shards; LoRA adapters are merged into the base weights on the main process (merging under
    ZeRO-3 is not supported: use ZeRO-2 with LoRA).
    """
    if trainer.accelerator.is_main_process:
        out_dir.mkdir(parents=True, exist_ok=True)
    model = trainer.accelerator.unwrap_model(trainer.model)
    if hasattr(model, "merge_and_unload"):
        if trainer.accelerator.is_main_process:
            model.merge_and_unload().save_pretrained(str(out_dir), safe_serialization=True)
    else:
        trainer.save_model(str(out_dir))
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(str(out_dir))
    trainer.accelerator.wait_for_everyone()  # other ranks may load this folder next


def train_and_export(trainer, stage: str, tokenizer, out_dir: Path, started: float
                     ) -> dict[str, Any]:
    """Train (resuming from the newest checkpoint under ``out_dir/trainer``), save the model to
    ``out_dir``, and return the training statistics (:func:`training_stats`)."""
    train_with_progress(trainer, stage, last_trainer_checkpoint(out_dir / "trainer"))
    export_model(trainer, tokenizer, out_dir)
    return training_stats(trainer, started)


def training_stats(trainer, started: float) -> dict[str, Any]:
    """Steps, wall time, final loss and the mean of every logged reward term."""
    history = [h for h in trainer.state.log_history if "loss" in h or "train_loss" in h]
    losses = [h["loss"] for h in history if isinstance(h.get("loss"), (int, float))]
    reward_keys = sorted(
        {
            k
            for h in trainer.state.log_history
            for k in h
            if k.startswith(("reward", "rewards/", "finer/", "execution/"))
        }
    )
    means = {}
    for key in reward_keys:
        values = [h[key] for h in trainer.state.log_history if isinstance(h.get(key), (int, float))]
        if values:
            means[key] = sum(values) / len(values)
    final = next((h for h in reversed(trainer.state.log_history) if "train_loss" in h), {})
    return {
        "steps": trainer.state.global_step,
        "processes": trainer.accelerator.num_processes,
        "distributed_type": str(trainer.accelerator.distributed_type),
        "wall_s": round(time.perf_counter() - started, 2),
        "final_loss": losses[-1] if losses else None,
        "train_loss": final.get("train_loss"),
        "reward_means": means,
        "log_history": trainer.state.log_history,
    }


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def is_main_process() -> bool:
    """Rank 0 under ``accelerate launch`` / torchrun (and a plain single process)."""
    return int(os.environ.get("RANK", "0")) == 0


def write_complete(out_dir: Path, record: dict[str, Any], keep_checkpoints: bool) -> None:
    """Write the statistics, drop the resumable checkpoints, then the COMPLETE marker (last).
    Only the main process writes; other ranks of a multi-GPU run return at once."""
    if not is_main_process():
        return
    write_json_atomic(out_dir / STATS_FILE, record)
    if not keep_checkpoints:
        for p in (out_dir / "trainer").glob("checkpoint-*"):
            shutil.rmtree(p, ignore_errors=True)
    write_text_atomic(out_dir / COMPLETE, time.strftime("%Y-%m-%dT%H:%M:%S") + "\n")


# -- the method base --------------------------------------------------------------------------
class TrainedMethod(PromptingMethod):
    """A method that trains, then predicts with the trained checkpoint like ``prompting`` does.

    Before :meth:`train` (the runner's untrained baseline) predictions come from
    ``config.model``; afterwards, or after :meth:`use_checkpoint`, from the checkpoint folder.
    """

    trains = True
    config_class = TrainingConfig

    def __init__(self, config: TrainingConfig | None = None, **kwargs):
        super().__init__(config, **kwargs)
        self.config: TrainingConfig
        self.checkpoint: Path | None = None
        self.record: dict[str, Any] = {}

    # The prompt builder used for training is the one used for evaluation, so the model sees the
    # same prompts; subclasses that change the system prompt override this one method.
    def make_prompt_builder(self, suite: Suite, **kwargs) -> PromptBuilder:
        return PromptBuilder(suite, **kwargs)

    def prompt_builder(self, suite: Suite, examples: Sequence[Example] = ()) -> PromptBuilder:
        builder = super().prompt_builder(suite, examples)
        return self.make_prompt_builder(
            suite,
            schema_format=builder.schema_format,
            few_shot=self.config.few_shot,
            seed=self.config.seed,
            budget=builder.budget,
            count_tokens=builder.count_tokens,
            exclude=examples,
        )

    def train_prompt_builder(self, suite: Suite, tokenizer, examples: Sequence[Example]):
        budget = self.config.max_prompt_tokens
        return self.make_prompt_builder(
            suite,
            schema_format=self.config.schema_format,
            few_shot=self.config.few_shot,
            seed=self.config.seed,
            budget=budget,
            count_tokens=token_counter(tokenizer) if budget is not None else None,
        )

    def use_checkpoint(self, checkpoint: str | Path) -> None:
        """Predict with ``checkpoint`` from now on (e.g. a finished training being reused)."""
        checkpoint = Path(checkpoint)
        if self._generator is not None:
            self._generator.close()
            self._generator = None
        self.checkpoint = checkpoint
        stats = checkpoint / STATS_FILE
        if stats.is_file() and not self.record:
            self.record = json.loads(stats.read_text())

    def train(self, suite: Suite, split: str, out_dir: Path) -> Path | None:
        out_dir = Path(out_dir)
        if (out_dir / COMPLETE).is_file():
            self.use_checkpoint(out_dir)
            return out_dir
        if is_main_process():  # only rank 0 writes the run folder, its creation included
            out_dir.mkdir(parents=True, exist_ok=True)
        if self._generator is not None:  # free the baseline model's memory before training
            self._generator.close()
            self._generator = None
        started = time.perf_counter()
        record = self.run_training(suite, split, out_dir)
        release_memory()  # the trainers' memory, before the checkpoint is loaded for evaluation
        record.setdefault("wall_s", round(time.perf_counter() - started, 2))
        record["base_model"] = self.base_model
        record["train_dtype"] = torch_dtype_name(self.config.train_dtype)
        record["config"] = dataclasses.asdict(self.config)
        write_complete(out_dir, record, self.config.keep_trainer_checkpoints)
        self.record = record
        self.use_checkpoint(out_dir)
        return out_dir

    def run_training(self, suite: Suite, split: str, out_dir: Path) -> dict[str, Any]:
        """Train into ``out_dir`` (model files at its root); return the statistics record."""
        raise NotImplementedError

    @property
    def generator(self):
        """The base model before training, the checkpoint after (config.model stays the base)."""
        if self._generator is None:
            from methods.prompting import _load

            config = self.config
            if config.backend == "auto":
                # The untrained and the trained model run on one backend, so the EX gain is the
                # training's alone; a GGUF-only backend (llama.cpp) cannot run the checkpoint.
                from harness.generation.backends import resolve_backend

                config = dataclasses.replace(config, backend=resolve_backend("auto"))
            options = config.backend_options
            if config.backend == "transformers" and options.get("dtype", "auto") == "auto":
                # Both models generate in the dtype the training computes in: on a CPU with
                # native bfloat16 the demo's two evaluation passes prefill about 3x faster.
                dtype = torch_dtype_name(config.train_dtype)
                config = dataclasses.replace(config, backend_options={**options, "dtype": dtype})
            if self.checkpoint is not None:
                config = dataclasses.replace(config, model=str(self.checkpoint))
            self._generator = _load(config)
        return self._generator

    @property
    def base_model(self) -> str:
        return self.config.model

    def predict(self, examples: Sequence[Example], suite: Suite) -> Iterator[Prediction]:
        yield from super().predict(examples, suite)

"""``harness run`` and ``harness train``: a method end to end, or its training alone."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import data_dir_option, default_out
from harness.errors import HarnessError

#: Flags that set a field of the method's config (only where the method has that field).
METHOD_FLAGS = [
    ("--model", str, "Model: alias (smollm2-135m), hub id, local folder or .gguf file."),
    ("--backend", click.Choice(["auto", "transformers", "vllm", "openai"]), "Generation backend."),
    ("--endpoint", str, "OpenAI-compatible server URL (backend openai)."),
    ("--api-key", str, "API key for the endpoint."),
    ("--samples", int, "Candidates per question (1 = greedy)."),
    ("--vote", click.Choice(["majority", "value-aware"]), "How to pick among candidates."),
    ("--temperature", float, "Sampling temperature."),
    ("--top-p", float, "Nucleus sampling."),
    ("--max-new-tokens", int, "Completion token budget."),
    ("--batch-size", int, "Prompts per generation batch."),
    ("--dtype", click.Choice(["auto", "float32", "bfloat16", "float16"]), "Model dtype."),
    ("--tensor-parallel-size", int, "GPUs per model (vLLM)."),
    ("--concurrency", int, "Parallel requests (backend openai)."),
    ("--few-shot", int, "Few-shot examples from the train split."),
    ("--schema-format", click.Choice(["ddl", "columns"]), "How the schema is written."),
    ("--max-prompt-tokens", int, "Prompt token budget (the schema is cut to fit)."),
    ("--seed", int, "Seed for sampling and training."),
    ("--max-steps", int, "Training steps."),
    ("--learning-rate", float, "Training learning rate."),
]


def method_options(f):
    for flag, kind, help_text in reversed(METHOD_FLAGS):
        f = click.option(flag, type=kind, default=None, help=help_text)(f)
    return click.option(
        "--cache/--no-cache", default=None,
        help="Reuse and store completions in the on-disk generation cache (default: on).",
    )(f)


def run_options(f):
    options = [
        click.option("--config", "config_file", type=click.Path(path_type=Path),
                     help="YAML settings (flags override them)."),
        click.option("--method", default=None, help="Method name or path/to/file.py:Class."),
        click.option("--suite", default=None, help="Suite (default: sample)."),
        data_dir_option,
        click.option("--out", type=click.Path(path_type=Path), default=None,
                     help="Run folder (default: a new folder under runs/)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _prepare(config_file, method_name, flags: dict):
    from harness.config import build, load_yaml, resolve_method

    file_values = load_yaml(config_file) if config_file else {}
    name = method_name or file_values.get("method") or "prompting"
    method_cls = resolve_method(name)
    file_values = {k: v for k, v in file_values.items() if k != "method"}
    given = {k: v for k, v in flags.items() if v is not None}
    run_config, method_config = build(method_cls, file_values, given)
    run_config.method = name
    return method_cls, run_config, method_config


@click.command("run")
@run_options
@click.option("--split", default=None, help="Evaluation split (default: dev).")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--rule", default=None, help="Correctness rule (default: the suite's official one).")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Seconds per query.")
@click.option("--workers", type=int, default=None, help="Processes for executing SQL.")
@click.option("--no-baseline", "no_baseline", is_flag=True,
              help="Training methods: skip scoring the untrained model first.")
@click.option("--seeds", default=None,
              help="Run once per seed (0,1,2, or a count: 3) into <out>/seed-<s>, then write "
                   "<out>/aggregate.json (mean EX, spread).")
@method_options
def run_command(config_file, method, suite, data_dir, out, no_baseline, **flags) -> None:
    """Train (if the method trains), generate SQL for a suite, and score it: one run folder.

    \b
    Examples:
      harness run --method prompting --suite spider --split dev --limit 50
      harness run --config configs/sft-smollm2-cpu.yaml --seeds 0,1,2 --out runs/sft-seeds
    """
    if no_baseline:
        flags["baseline"] = False
    flags.update(suite=suite, data_dir=str(data_dir) if data_dir else None)
    method_cls, run, method_config = _prepare(config_file, method, flags)
    from harness.suite import load_suite

    suite_obj = load_suite(run.suite, run.data_dir)
    split = run.split or suite_obj.default_split
    out = Path(out or run.out or default_out(method_cls.name, suite_obj.name, split))
    if run.seeds is None:
        _run_once(method_cls, method_config, suite_obj, run, out)
        return
    _run_seeds(method_cls, method_config, suite_obj, run, out)


def _run_once(method_cls, method_config, suite_obj, run, out: Path) -> dict:
    from harness.cli.summary import print_run_extras, print_summary
    from harness.pipeline import run_method

    method_obj = method_cls(method_config)
    try:
        results, samples = run_method(method_obj, suite_obj, run, out,
                                      console=lambda m: click.echo(m, err=True))
    finally:
        method_obj.close()
    print_summary(results, samples, out)
    print_run_extras(results)
    return results


def _run_seeds(method_cls, method_config, suite_obj, run, out: Path) -> None:
    import dataclasses

    from harness.cli.summary import print_seed_aggregate
    from harness.seeds import parse_seeds, run_seeds

    if not any(f.name == "seed" for f in dataclasses.fields(method_config)):
        raise HarnessError(f"Method '{method_cls.name}' has no seed setting; --seeds needs one.")
    seeds = parse_seeds(run.seeds)
    one_run = dataclasses.replace(run, seeds=None)

    def run_one(seed: int, folder: Path) -> None:
        _run_once(method_cls, dataclasses.replace(method_config, seed=seed), suite_obj,
                  one_run, folder)

    aggregate = run_seeds(seeds, run_one, out, console=lambda m: click.echo(m, err=True))
    print_seed_aggregate(aggregate, out)


@click.command("train")
@run_options
@click.option("--split", "train_split", default=None, help="Training split (default: train).")
@method_options
def train_command(config_file, method, suite, data_dir, out, train_split, **flags) -> None:
    """Train a method on a suite's train split and save the checkpoint folder.

    Example: harness train --method sft --suite spider --out ckpt/
    """
    from harness.suite import load_suite

    flags.update(suite=suite, data_dir=str(data_dir) if data_dir else None,
                 train_split=train_split)
    method_cls, run, method_config = _prepare(config_file, method, flags)
    if not method_cls.trains:
        raise HarnessError(f"Method '{method_cls.name}' does not train; use `harness run`.")
    suite_obj = load_suite(run.suite, run.data_dir)
    split = run.train_split or suite_obj.train_split
    out = Path(out or run.out or default_out(f"train-{method_cls.name}", suite_obj.name, split))
    method_obj = method_cls(method_config)
    try:
        checkpoint = method_obj.train(suite_obj, split, out)
    finally:
        method_obj.close()
    click.echo(f"Checkpoint: {checkpoint}")
    click.echo(f"Evaluate it: harness run --method prompting --suite {suite_obj.name} "
               f"--model {checkpoint}")

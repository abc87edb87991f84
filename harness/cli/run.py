"""``harness run`` and ``harness train``: a method end to end, or its training alone."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.config_options import ConfigCommand
from harness.cli.options import default_out
from harness.errors import HarnessError

#: RunConfig fields that are flags of ``harness run`` / ``harness train``; every method config
#: field is a flag of both (harness.cli.config_options). ``vote`` is left to the methods that
#: sample (their flag sets it for the scoring as well: one setting, one meaning).
RUN_FIELDS = ["method", "suite", "split", "train_split", "data_dir", "out", "limit", "rule",
              "timeout_s", "max_rows", "workers", "gold_cache", "soft_f1", "rves_iterations",
              "baseline", "seeds"]
TRAIN_FIELDS = ["method", "suite", "train_split", "data_dir", "out"]

config_file_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    help="YAML settings (flags override them).",
)


def _prepare(config_file, flags: dict):
    """(method class, RunConfig, method config) from the config file and the flags given."""
    from harness.config import build, load_yaml, resolve_method

    file_values = load_yaml(config_file) if config_file else {}
    recipe_name = flags.pop("recipe", None) or file_values.get("recipe")
    if recipe_name:  # the recipe's settings over the file's, the flags over both
        from harness.generation.recipes import get_recipe, merge_settings

        file_values, _, _ = merge_settings(get_recipe(recipe_name), file_values, flags)
    name = flags.pop("method", None) or file_values.get("method") or "prompting"
    method_cls = resolve_method(name)
    file_values = {k: v for k, v in file_values.items() if k != "method"}
    given = {k: v for k, v in flags.items() if v is not None}
    run_config, method_config = build(method_cls, file_values, given)
    run_config.method = name
    return method_cls, run_config, method_config


@click.command("run", cls=ConfigCommand, run_fields=RUN_FIELDS)
@config_file_option
@click.option("--verbose", "-v", is_flag=True,
              help="Also show library logs, warnings and progress bars (always in run.log).")
def run_command(config_file, verbose, **flags) -> None:
    """Train (if the method trains), generate SQL for a suite, and score it: one run folder.

    \b
    Examples:
      harness run --method prompting --suite spider --split dev --limit 50
      harness run --recipe omnisql-7b-greedy --suite bird --split dev
      harness run --config configs/sft-smollm2-cpu.yaml --seeds 0,1,2 --out runs/sft-seeds
    """
    method_cls, run, method_config = _prepare(config_file, flags)
    from harness.suite import load_suite

    suite_obj = load_suite(run.suite, run.data_dir)
    split = run.split or suite_obj.default_split
    out = Path(run.out or default_out(method_cls.name, suite_obj.name, split))
    from harness.evaluation import run_folder

    run_folder.prepare(out, resume=True)  # before any work: a bad --out fails at once
    with run_folder.lock(out):  # a second `harness run` into the same folder stops here
        if run.seeds is None:
            _run_once(method_cls, method_config, suite_obj, run, out, verbose)
            return
        _run_seeds(method_cls, method_config, suite_obj, run, out, verbose)


def _run_once(method_cls, method_config, suite_obj, run, out: Path, verbose: bool) -> dict:
    """One run folder: settings, then the stages on the terminal and the rest in run.log."""
    from harness.cli.console import print_settings, run_display
    from harness.cli.summary import print_run_extras, print_summary
    from harness.pipeline import run_method

    split = run.split or suite_obj.default_split
    train_split = (run.train_split or suite_obj.train_split) if method_cls.trains else None
    with run_display(out, verbose) as console:
        print_settings(console, method_cls.name, suite_obj.name, split, train_split,
                       method_config, out)
        method_obj = method_cls(method_config)
        try:
            results, samples = run_method(method_obj, suite_obj, run, out)
        finally:
            method_obj.close()
    print_summary(results, samples, out)
    print_run_extras(results)
    return results


def _run_seeds(method_cls, method_config, suite_obj, run, out: Path, verbose: bool) -> None:
    import dataclasses

    from harness.cli.summary import print_seed_aggregate
    from harness.seeds import parse_seeds, run_seeds

    if not any(f.name == "seed" for f in dataclasses.fields(method_config)):
        raise HarnessError(f"Method '{method_cls.name}' has no seed setting; --seeds needs one.")
    seeds = parse_seeds(run.seeds)
    one_run = dataclasses.replace(run, seeds=None)

    def run_one(seed: int, folder: Path) -> None:
        _run_once(method_cls, dataclasses.replace(method_config, seed=seed), suite_obj,
                  one_run, folder, verbose)

    aggregate = run_seeds(seeds, run_one, out, console=lambda m: click.echo(m, err=True))
    print_seed_aggregate(aggregate, out)


@click.command("train", cls=ConfigCommand, run_fields=TRAIN_FIELDS,
               flags={"train_split": ["--split", "--train-split"]})
@config_file_option
def train_command(config_file, **flags) -> None:
    """Train a method on a suite's train split and save the checkpoint folder.

    Example: harness train --method sft --suite spider --out ckpt/
    """
    from harness.suite import load_suite

    method_cls, run, method_config = _prepare(config_file, flags)
    if not method_cls.trains:
        raise HarnessError(f"Method '{method_cls.name}' does not train; use `harness run`.")
    suite_obj = load_suite(run.suite, run.data_dir)
    split = run.train_split or suite_obj.train_split
    out = Path(run.out or default_out(f"train-{method_cls.name}", suite_obj.name, split))
    method_obj = method_cls(method_config)
    try:
        checkpoint = method_obj.train(suite_obj, split, out)
    finally:
        method_obj.close()
    click.echo(f"Checkpoint: {checkpoint}")
    click.echo(f"Evaluate it: harness run --method prompting --suite {suite_obj.name} "
               f"--model {checkpoint}")

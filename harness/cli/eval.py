"""``harness eval``: score a predictions file (or the gold itself) by execution accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.cli.options import data_dir_option, default_out, format_option, progress_bar
from harness.errors import HarnessError


def _eval_config_options(f):
    """EvalConfig's fields as flags: their help, choices and aliases written once, in the config."""
    from harness.cli.config_options import config_fields, field_default, field_option, shown_default
    from harness.evaluation.config import EvalConfig

    for field, hint in reversed(config_fields(EvalConfig)):
        f.__click_params__ = [*getattr(f, "__click_params__", []),
                              field_option(field, hint, shown=shown_default(field_default(field)))]
    return f


@click.command("eval")
@click.option("--suite", "suite_name", default=None, help="Suite name (default: sample).")
@click.option(
    "--predictions",
    type=click.Path(path_type=Path),
    help="Predictions: .jsonl (question_id, sql; several lines or a \"candidates\" list per "
    "question for pass@k and voting), BIRD .json dict, or Spider .sql lines.",
)
@format_option("Predictions format (default: from the extension: .jsonl, .json = bird, "
               ".sql/.txt = spider).")
@click.option("--gold", is_flag=True, help="Score the gold SQL against itself (the self-test).")
@data_dir_option
@click.option("--out", type=click.Path(path_type=Path), help="Run folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace the run already in --out (all its files).")
@click.option("--json", "as_json", is_flag=True, help="Print results.json instead of a table.")
@_eval_config_options
def eval_command(
    suite_name, predictions, fmt, gold, data_dir, out, overwrite, as_json, **settings,
) -> None:
    """Score predictions (or the gold itself) by execution accuracy.

    Example: harness eval --suite spider --split dev --predictions preds.jsonl --out runs/x
    """
    from harness.evaluation import run_folder
    from harness.evaluation.config import EvalConfig
    from harness.evaluation.records import write_run
    from harness.pipeline import evaluate
    from harness.suite import load_suite

    if gold == (predictions is not None):
        raise HarnessError("Give exactly one of --predictions FILE or --gold.")
    suite = load_suite(suite_name, data_dir)
    config = EvalConfig(**{k: v for k, v in settings.items() if v is not None})
    split_name = config.split or suite.default_split
    out = out or default_out("eval", suite.name, split_name)
    run_folder.prepare(out, overwrite=overwrite)  # before any work: a bad --out fails at once
    with run_folder.lock(out):
        run_folder.prepare(out, overwrite=overwrite)  # again, now that no one else writes it
        with progress_bar("executing queries") as progress:
            record, samples = evaluate(
                suite, config, predictions_path=predictions, predictions_format=fmt,
                progress=progress,
            )
        run_folder.clear(out)
        write_run(out, record, samples)
    if as_json:
        click.echo(json.dumps(record.to_json(), indent=2))
    else:
        from harness.cli.summary import print_summary

        print_summary(record, samples, out)

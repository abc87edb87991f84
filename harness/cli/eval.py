"""``harness eval``: score a predictions file (or the gold itself) by execution accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.cli.options import data_dir_option, default_out, progress_bar
from harness.errors import HarnessError


@click.command("eval")
@click.option("--suite", "suite_name", default=None, help="Suite name (default: sample).")
@click.option("--split", default=None, help="Split (default: the suite's dev split).")
@click.option(
    "--predictions",
    type=click.Path(path_type=Path),
    help="Predictions: .jsonl (question_id, sql; several lines or a \"candidates\" list per "
    "question for pass@k and voting), BIRD .json dict, or Spider .sql lines.",
)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "bird", "spider"]), default=None)
@click.option("--gold", is_flag=True, help="Score the gold SQL against itself (the self-test).")
@click.option(
    "--rule",
    type=click.Choice(["bird", "bird-strict", "spider", "spider-strict"]),
    default=None,
    help="Correctness rule (default: the suite's official rule).",
)
@data_dir_option
@click.option("--out", type=click.Path(path_type=Path), help="Run folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace the run already in --out (all its files).")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="Seconds per query (at most a day).")
@click.option("--max-rows", type=int, default=100_000, show_default=True,
              help="Rows per result (at most 10,000,000); larger results are flagged.")
@click.option("--workers", type=int, default=None,
              help="Processes (default: number of cores; at most 256).")
@click.option("--limit", type=int, default=None, help="Only the first N examples.")
@click.option("--no-gold-cache", is_flag=True, help="Re-execute every gold query.")
@click.option("--soft-f1", is_flag=True, help="Also compute BIRD's Soft-F1.")
@click.option(
    "--rves", "rves_iterations", type=int, default=0,
    help="Also compute BIRD's R-VES, timing each correct pair N times (official: 100).",
)
@click.option(
    "--vote", type=click.Choice(["majority", "value-aware"]), default="majority",
    show_default=True,
    help="With several candidates per question: how the one whose EX counts is chosen.",
)
@click.option("--json", "as_json", is_flag=True, help="Print results.json instead of a table.")
def eval_command(
    suite_name, split, predictions, fmt, gold, rule, data_dir, out, overwrite, timeout, max_rows,
    workers,
    limit, no_gold_cache, soft_f1, rves_iterations, vote, as_json,
) -> None:
    """Score predictions (or the gold itself) by execution accuracy.

    Example: harness eval --suite spider --split dev --predictions preds.jsonl --out runs/x
    """
    from harness.evaluation import run_folder
    from harness.evaluation.records import write_run
    from harness.pipeline import EvalConfig, evaluate
    from harness.suite import load_suite

    if gold == (predictions is not None):
        raise HarnessError("Give exactly one of --predictions FILE or --gold.")
    suite = load_suite(suite_name, data_dir)
    config = EvalConfig(
        split=split, rule=rule, timeout_s=timeout, max_rows=max_rows, workers=workers,
        limit=limit, gold_cache=not no_gold_cache, soft_f1=soft_f1,
        rves_iterations=rves_iterations, vote=vote,
    )
    split_name = split or suite.default_split
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

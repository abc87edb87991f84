"""The ``harness`` command line.

Every command imports what it needs inside its body, so ``harness --help`` and ``harness eval``
never import torch. User mistakes (``HarnessError``) end in one ``Error: …`` line and exit code 1;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from harness import __version__
from harness.errors import HarnessError

EPILOG = """\b
Quick start:
  harness suites list
  harness eval --suite spider --split dev --gold --data-dir ../shared/data --out runs/gold
  harness run --method prompting --suite sample
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """text2sql-harness: train and evaluate small Text-to-SQL models under one roof."""
    ctx.obj = {"debug": debug}


def data_dir_option(f):
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Benchmark data root (default: $HARNESS_DATA_DIR, else the per-user data folder).",
    )(f)


SHOWN_PROBLEMS = 3


def default_out(kind: str, suite: str, split: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{kind}-{suite}-{split}-{stamp}"


# -- suites -----------------------------------------------------------------------------------


@cli.group()
def suites() -> None:
    """List benchmark suites and check their data."""


@suites.command("list")
def suites_list() -> None:
    """List the suites the harness knows (built-in and installed plugins)."""
    from rich.console import Console
    from rich.table import Table

    from harness.suite import DEFAULT_SUITE, SUITES

    table = Table("suite", "splits", "official rule", "description", "from")
    for name in SUITES.names():
        label = f"{name} (default)" if name == DEFAULT_SUITE else name
        try:
            cls = SUITES.get(name)
        except HarnessError as exc:
            table.add_row(label, "", "", f"[red]cannot load: {exc}[/red]", SUITES.origin(name))
            continue
        table.add_row(
            label, ", ".join(cls.splits), cls.default_rule, cls.description, SUITES.origin(name)
        )
    Console().print(table)


@suites.command("check")
@click.argument("name")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def suites_check(name: str, data_dir: Path | None, as_json: bool) -> None:
    """Report examples, databases, missing or corrupt files and unscorable examples.

    Example: harness suites check spider --data-dir ../shared/data
    """
    from rich.console import Console

    from harness.suite import check_suite, load_suite

    suite = load_suite(name, data_dir)
    reports = check_suite(suite)
    missing_any = False
    if as_json:
        click.echo(json.dumps([r.to_json() for r in reports], indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"[bold]{suite.name}[/bold] data root: {suite.data_root} ({suite.data_root_source})"
    )
    for r in reports:
        if not r.available:
            console.print(f"  {r.split}: [yellow]not available[/yellow] — {r.problem}")
            continue
        levels = ", ".join(f"{k} {v}" for k, v in r.by_difficulty.items())
        console.print(
            f"  {r.split}: {r.examples} examples over {r.databases} databases ({levels}); "
            f"scorable {r.examples - r.unscorable_count}, unscorable {r.unscorable_count}"
        )
        problems = list(r.database_problems.items())
        for db_id, problem in problems[:SHOWN_PROBLEMS]:
            console.print(
                f"    [red]{problem}[/red] (expected at {suite.database(db_id).path}): "
                f"{len(r.unscorable.get(db_id, []))} examples unscorable"
            )
        if len(problems) > SHOWN_PROBLEMS:
            rest = problems[SHOWN_PROBLEMS:]
            count = sum(len(r.unscorable.get(db_id, [])) for db_id, _ in rest)
            console.print(
                f"    … and {len(rest)} more databases with problems ({count} examples): "
                f"{', '.join(db_id for db_id, _ in rest)}"
            )
        if problems:
            missing_any = True
    if not any(r.available for r in reports):
        raise HarnessError(f"No {suite.name} data under {suite.data_root}. {suite.how_to_get}")
    if missing_any:
        console.print(f"  To fill in missing databases: {suite.how_to_get}")


# -- eval -------------------------------------------------------------------------------------


@cli.command("eval")
@click.option("--suite", "suite_name", default=None, help="Suite name (default: sample).")
@click.option("--split", default=None, help="Split (default: the suite's dev split).")
@click.option(
    "--predictions",
    type=click.Path(path_type=Path),
    help="Predictions: .jsonl (question_id, sql), BIRD .json dict, or Spider .sql lines.",
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
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per query.")
@click.option("--max-rows", type=int, default=100_000, show_default=True)
@click.option("--workers", type=int, default=None, help="Processes (default: number of cores).")
@click.option("--limit", type=int, default=None, help="Only the first N examples.")
@click.option("--no-gold-cache", is_flag=True, help="Re-execute every gold query.")
@click.option("--soft-f1", is_flag=True, help="Also compute BIRD's Soft-F1.")
@click.option(
    "--rves", "rves_iterations", type=int, default=0,
    help="Also compute BIRD's R-VES, timing each correct pair N times (official: 100).",
)
@click.option("--json", "as_json", is_flag=True, help="Print results.json instead of a table.")
def eval_command(
    suite_name, split, predictions, fmt, gold, rule, data_dir, out, timeout, max_rows, workers,
    limit, no_gold_cache, soft_f1, rves_iterations, as_json,
) -> None:
    """Score predictions (or the gold itself) by execution accuracy.

    Example: harness eval --suite spider --split dev --predictions preds.jsonl --out runs/x
    """
    from harness.records import write_run
    from harness.runner import EvalConfig, evaluate
    from harness.suite import load_suite

    if gold == (predictions is not None):
        raise HarnessError("Give exactly one of --predictions FILE or --gold.")
    suite = load_suite(suite_name, data_dir)
    config = EvalConfig(
        split=split, rule=rule, timeout_s=timeout, max_rows=max_rows, workers=workers,
        limit=limit, gold_cache=not no_gold_cache, soft_f1=soft_f1,
        rves_iterations=rves_iterations,
    )
    split_name = split or suite.default_split
    with progress_bar("executing queries") as progress:
        results, samples = evaluate(
            suite, config, predictions_path=predictions, predictions_format=fmt,
            progress=progress,
        )
    out = out or default_out("eval", suite.name, split_name)
    write_run(out, results, samples)
    if as_json:
        click.echo(json.dumps(results, indent=2))
    else:
        from harness.summary import print_summary

        print_summary(results, samples, out)


class progress_bar:
    """A rich progress bar on a terminal (stderr); nothing otherwise."""

    def __init__(self, label: str):
        self.label, self._progress, self._task = label, None, None

    def __enter__(self):
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self._progress = Progress(console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=None)
        return self.advance

    def advance(self, n: int, total: int) -> None:
        self._progress.update(self._task, advance=n, total=total)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()


# -- data -------------------------------------------------------------------------------------


@cli.group()
def data() -> None:
    """Download benchmark data into the data root."""


@data.command("download")
@click.argument("name")
@data_dir_option
@click.option("--url", default=None, help="Download from this mirror instead.")
@click.option("--sha256", default=None, help="Require this SHA-256 for the archive.")
def data_download(name: str, data_dir: Path | None, url: str | None, sha256: str | None) -> None:
    """Fetch an official archive (checksum-verified, resumable) and unpack it.

    Example: harness data download spider
    """
    from harness.download import download_dataset
    from harness.paths import data_root

    root, _ = data_root(data_dir)
    path = download_dataset(name, root, url=url, sha256=sha256, progress=sys.stderr.isatty())
    click.echo(f"{name} is ready in {path}")


# -- run / train / methods ---------------------------------------------------------------------

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


@cli.command("run")
@run_options
@click.option("--split", default=None, help="Evaluation split (default: dev).")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--rule", default=None, help="Correctness rule (default: the suite's official one).")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Seconds per query.")
@click.option("--workers", type=int, default=None, help="Processes for executing SQL.")
@click.option("--no-baseline", "no_baseline", is_flag=True,
              help="Training methods: skip scoring the untrained model first.")
@method_options
def run_command(config_file, method, suite, data_dir, out, no_baseline, **flags) -> None:
    """Train (if the method trains), generate SQL for a suite, and score it: one run folder.

    Example: harness run --method prompting --suite spider --split dev --limit 50
    """
    from harness.runner import run_method
    from harness.suite import load_suite
    from harness.summary import print_summary

    if no_baseline:
        flags["baseline"] = False
    flags.update(suite=suite, data_dir=str(data_dir) if data_dir else None)
    method_cls, run, method_config = _prepare(config_file, method, flags)
    suite_obj = load_suite(run.suite, run.data_dir)
    split = run.split or suite_obj.default_split
    out = Path(out or run.out or default_out(method_cls.name, suite_obj.name, split))
    method_obj = method_cls(method_config)
    try:
        results, samples = run_method(method_obj, suite_obj, run, out,
                                      console=lambda m: click.echo(m, err=True))
    finally:
        method_obj.close()
    print_summary(results, samples, out)
    from harness.summary import print_run_extras

    print_run_extras(results)


@cli.command("train")
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


@cli.group()
def methods() -> None:
    """List methods and start a new one."""


@methods.command("list")
def methods_list() -> None:
    """List the methods the harness knows (built-in and installed plugins)."""
    from rich.console import Console
    from rich.table import Table

    from harness.method import METHODS

    table = Table("method", "trains", "description", "from")
    for name in METHODS.names():
        try:
            cls = METHODS.get(name)
        except HarnessError as exc:
            table.add_row(name, "", f"[red]cannot load: {exc}[/red]", METHODS.origin(name))
            continue
        table.add_row(name, "yes" if cls.trains else "no", cls.description, METHODS.origin(name))
    Console(soft_wrap=True).print(table)


@methods.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Where to write the files.")
def methods_new(name: str, directory: Path) -> None:
    """Write a working method skeleton and its test.

    Example: harness methods new my-method
    """
    from harness.scaffold import write_method_skeleton

    for path in write_method_skeleton(name, directory):
        click.echo(f"wrote {path}")


@cli.command("serve")
@click.option("--model", default="smollm2-135m", show_default=True, help="Model to serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--dtype", default="auto", show_default=True)
def serve_command(model: str, host: str, port: int, dtype: str) -> None:
    """Serve a model over an OpenAI-compatible HTTP API (transformers backend).

    Example: harness serve --model smollm2-135m --port 8000
    """
    from harness.serve import serve

    serve(model, host=host, port=port, dtype=dtype)


def _add_leaderboard_commands() -> None:
    from harness.cli_leaderboard import leaderboard_command, submit_command

    cli.add_command(submit_command, "submit")
    cli.add_command(leaderboard_command, "leaderboard")


_add_leaderboard_commands()


# -- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (testable without a subprocess)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="harness", standalone_mode=False)
    except HarnessError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

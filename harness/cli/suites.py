"""``harness suites list|check``: the suites the harness knows and the state of their data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.cli.options import SHOWN_PROBLEMS, data_dir_option
from harness.errors import HarnessError


@click.group()
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
        missing_any = _print_split_report(console, suite, r) or missing_any
    if not any(r.available for r in reports):
        raise HarnessError(f"No {suite.name} data under {suite.data_root}. {suite.how_to_get}")
    if missing_any:
        console.print(f"  To fill in missing databases: {suite.how_to_get}")


def _print_split_report(console, suite, r) -> bool:
    """One split's lines of ``harness suites check``; whether it has database problems."""
    from rich.markup import escape

    if not r.available:
        console.print(f"  {r.split}: [yellow]not available[/yellow] — {r.problem}")
        return False
    levels = ", ".join(f"{k} {v}" for k, v in r.by_difficulty.items())
    console.print(
        f"  {r.split}: {r.examples} examples over {r.databases} databases ({levels}); "
        f"scorable {r.examples - r.unscorable_count}, unscorable {r.unscorable_count}"
    )
    if r.release is not None and r.release.how != "undeclared":
        style = "" if r.release.recognised else "[yellow]"
        console.print(f"    {style}{escape(r.release.describe())}{'[/yellow]' if style else ''}")
    if r.by_category:
        counts = ", ".join(f"{k} {v}" for k, v in r.by_category.items())
        console.print(f"    by {suite.category_label or 'category'}: {counts}")
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
    for db_id, names in r.stray_files.items():
        effect = "see above" if db_id in r.database_problems else (
            "they do not change verdicts (databases are opened immutable) but something wrote there"
        )
        console.print(
            f"    [yellow]stray files beside {db_id}[/yellow] "
            f"({suite.database(db_id).path.parent}): {', '.join(names)}; {effect}"
        )
    return bool(problems)


@suites.command("scan")
@click.argument("name")
@click.option("--split", default=None, help="Split (default: the suite's dev split).")
@click.option("--timeout", "timeout_s", type=float, default=30.0, show_default=True,
              help="Seconds per query.")
@click.option("--max-rows", type=int, default=100_000, show_default=True,
              help="Rows per result; a gold over it is flagged gold_over_cap.")
@click.option("--workers", type=int, default=None, help="Processes (default: number of cores).")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
def suites_scan(name: str, split: str | None, timeout_s: float, max_rows: int,
                workers: int | None, data_dir: Path | None, as_json: bool) -> None:
    """Find ambiguous or broken golds on the databases: ties at the LIMIT, LIMIT without ORDER
    BY, empty, failing or over-the-cap golds. Flags only: verdicts stay official.

    Example: harness suites scan spider --data-dir ../shared/data
    """
    import time

    from rich.console import Console
    from rich.markup import escape

    from harness.errors import ConfigError
    from harness.evaluation.ambiguity import KINDS, scan
    from harness.evaluation.execution import (
        ExecutionSettings,
        Executor,
        GoldCache,
        settings_problem,
    )
    from harness.suite import load_suite

    problem = settings_problem(timeout_s, max_rows, workers)
    if problem:
        raise ConfigError(problem)
    suite = load_suite(name, data_dir)
    split = split or suite.default_split
    suite.check_split(split)
    examples = suite.load_examples(split)
    started = time.perf_counter()
    cache = GoldCache()
    try:
        with Executor(ExecutionSettings(timeout_s, max_rows), workers, cache) as executor:
            flags = scan(suite, examples, executor)
    finally:
        cache.close()
    elapsed = time.perf_counter() - started
    found = [f for qid in sorted(flags) for f in flags[qid]]
    if as_json:
        click.echo(json.dumps([{"question_id": f.question_id, **f.to_json()} for f in found],
                              indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    scorable = sum(suite.database_problem(e.db_id) is None for e in examples)
    console.print(f"[bold]{suite.name}/{split}[/bold]: {len(flags)} of {scorable} scorable "
                  f"questions flagged ({len(examples) - scorable} unscorable, not scanned) in "
                  f"{elapsed:.2f} s")
    for kind, meaning in KINDS.items():
        ids = [f.question_id for f in found if f.kind == kind]
        console.print(f"  {kind}: {len(ids)} questions — {meaning}")
    for f in found:
        console.print(f"  #{f.question_id} {f.kind}: {escape(f.detail)}")

"""``harness compare RUN_A RUN_B``: the paired EX difference of two runs on their shared questions.

For a robustness report, A is a Spider dev run and B a run of the same model on Spider-Syn or
Spider-Realistic: questions pair through the Spider dev id each reworded question carries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from harness.evaluation.records import RunRecord


def _model(record: RunRecord) -> str:
    name = record.method_name or record.predictions.source or "?"
    model = record.method.config.get("model") if record.method else None
    return f"{name} ({model})" if model else str(name)


@click.command("compare")
@click.argument("run_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--subset", type=click.Choice(["official", "clean"]), default="official",
              show_default=True,
              help="official: every scorable question; clean: only questions with no gold flag "
                   "in either run (samples.jsonl gold_flags).")
def compare_command(run_a: Path, run_b: Path, as_json: bool, subset: str) -> None:
    """Paired EX drop from RUN_A to RUN_B on their shared questions (interval, McNemar test).

    Example: harness compare runs/spider-dev runs/spider-syn --subset clean
    """
    from harness.evaluation.records import read_run
    from harness.evaluation.robustness import paired_report

    results_a, samples_a = read_run(run_a)
    results_b, samples_b = read_run(run_b)
    if subset == "clean":  # a question flagged in one run is left out of both through pairing
        samples_a = [s for s in samples_a if not s.get("gold_flags")]
        samples_b = [s for s in samples_b if not s.get("gold_flags")]
    report = paired_report(
        (results_a.suite, results_a.split), samples_a,
        (results_b.suite, results_b.split), samples_b,
    )
    data = report.to_json()
    data["runs"] = {"a": str(run_a), "b": str(run_b)}
    data["subset"] = subset
    data["releases"] = {"a": results_a.data.release, "b": results_b.data.release}
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    _print_report(report, data, results_a, results_b, subset)


def _print_report(report, data: dict, results_a, results_b, subset: str) -> None:
    """The paired report as a table and three sentences, figures in EX percentage points."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    which = "questions with no gold flag" if subset == "clean" else "questions"
    table = Table(title=f"{report.a} → {report.b}: {report.n} shared {which}",
                  title_justify="left")
    for column in ("run", "method", "EX % (all scored)", "EX % (shared)"):
        table.add_column(column, justify="left" if column in ("run", "method") else "right")
    for side, results in (("A", results_a), ("B", results_b)):
        ex_all = results.metrics.ex
        ex_shared = report.ex_a if side == "A" else report.ex_b
        table.add_row(f"{side} {results.label}", _model(results),
                      _pct(ex_all), _pct(ex_shared))
    console.print(table)
    lo, hi = report.drop_ci95 or (None, None)
    console.print(
        f"Drop A − B: [bold]{_pct(report.drop)} points[/bold] "
        f"(95% paired bootstrap interval {_pct(lo)} to {_pct(hi)}); "
        f"McNemar exact p = {report.p_value:.3g} "
        f"({data['only_a_right']} right only in A, {data['only_b_right']} right only in B)."
    )
    console.print(
        f"Paired on A's {report.keys[0]} = B's {report.keys[1]}; "
        f"{data['only_in_a']} scorable questions only in A, {data['only_in_b']} only in B."
    )
    releases = [r.data.release or "no release named" for r in (results_a, results_b)]
    console.print(f"Data releases: A {releases[0]}, B {releases[1]}.")
    if _model(results_a) != _model(results_b):
        console.print("[yellow]The runs come from different methods or models: the "
                      "difference mixes wording with model.[/yellow]")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}"

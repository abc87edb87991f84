"""``harness seeds``: the aggregates that ``harness run … --seeds`` writes."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("seeds")
def seeds() -> None:
    """Runs over several seeds: show an aggregate, compare two."""


@seeds.command("show")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def show_command(folder: Path) -> None:
    """Per-seed EX and mean ± spread of FOLDER/aggregate.json."""
    from harness.cli.summary import print_seed_aggregate
    from harness.seeds import read_aggregate

    print_seed_aggregate(read_aggregate(folder), folder)


@seeds.command("compare")
@click.argument("a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("b", type=click.Path(file_okay=False, path_type=Path))
def compare_command(a: Path, b: Path) -> None:
    """Paired test of two aggregates of the same suite and split (A − B).

    Example: harness seeds compare runs/sft-seeds runs/finer-sql-seeds
    """
    from harness.seeds import compare_aggregates, read_aggregate

    agg_a, agg_b = read_aggregate(a), read_aggregate(b)
    result = compare_aggregates(agg_a, agg_b)
    for name, agg in (("A", agg_a), ("B", agg_b)):
        mean = "—" if agg["ex_mean"] is None else f"{100 * agg['ex_mean']:.2f}%"
        click.echo(f"{name}: {agg['method']} ({agg['suite']}/{agg['split']}): EX mean "
                   f"{mean} ± {100 * agg['ex_std']:.2f} points (sd) over seeds {agg['seeds']}")
    click.echo("per seed A − B: " + ", ".join(
        f"{s}: {100 * d:+.2f}" for s, d in zip(result.seeds, result.ex_diffs)))
    click.echo(result.summary())

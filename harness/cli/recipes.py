"""``harness recipes list|show``: the recipes that evaluate a published checkpoint as its authors
did (model, prompt format, decoding, extractor, selection, the numbers they should reproduce)."""

from __future__ import annotations

import click


@click.group()
def recipes() -> None:
    """List the recipes and show one."""


@recipes.command("list")
def recipes_list() -> None:
    """One row per recipe: model, prompt format, decoding, extractor, selection, published EX."""
    from rich.console import Console
    from rich.table import Table

    from harness.generation.recipes import RECIPES

    table = Table(title="Recipes (harness recipes show NAME for details)", title_justify="left")
    for column in ("recipe", "model", "prompt", "decoding", "extractor", "selection"):
        table.add_column(column, no_wrap=True)
    table.add_column("published (%)")
    for r in RECIPES.values():
        published = ", ".join(f"{p.suite} {p.split} {p.metric} {p.score:g}" for p in r.published)
        table.add_row(r.name, r.model, r.prompt_format,
                      f"{r.decoding.label}, {r.decoding.max_new_tokens} tokens", r.extractor,
                      r.selection, published or "—")
    console = Console(highlight=False)
    if not console.is_terminal:  # a pipe or a file: every name whole
        console = Console(highlight=False, width=240)
    console.print(table)


@recipes.command("show")
@click.argument("name")
def recipes_show(name: str) -> None:
    """Every setting of recipe NAME, its sources, and the commands that reproduce its numbers."""
    from harness.generation.recipes import get_recipe, reproduce_command

    r = get_recipe(name)
    d = r.decoding
    lines = [
        f"{r.name}: {r.description}",
        f"  model            {r.model}",
        f"  prompt format    {r.prompt_format}"
        + (f" (options {r.prompt_options})" if r.prompt_options else ""),
        f"  decoding         n {d.n}, temperature {d.temperature:g}, top_p {d.top_p:g}, "
        f"top_k {d.top_k} (0 = off), repetition_penalty {d.repetition_penalty:g} (1 = off), "
        f"max new tokens {d.max_new_tokens}, stop {d.stop or '(end of turn)'}, seed {d.seed}",
        f"  extractor        {r.extractor}",
        f"  selection        {r.selection}",
        f"  read from        {r.upstream}",
    ]
    for p in r.published:
        note = f"; {p.note}" if p.note else ""
        lines.append(f"  published        {p.suite} {p.split}: {p.metric} {p.score:g}% "
                     f"({p.source}{note})")
        lines.append(f"    reproduce with {reproduce_command(r, p.suite, p.split)}")
    if r.notes:
        lines.append(f"  note             {r.notes}")
    click.echo("\n".join(lines))

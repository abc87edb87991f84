"""``harness methods list|new``: the methods the harness knows, and a skeleton for a new one."""

from __future__ import annotations

from pathlib import Path

import click

from harness.errors import HarnessError


@click.group()
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
    from harness.cli.scaffold import write_method_skeleton

    for path in write_method_skeleton(name, directory):
        click.echo(f"wrote {path}")

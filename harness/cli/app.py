"""The ``harness`` command group and its entry point; one module per command group beside it.

Every command imports what it needs inside its body, so ``harness --help`` and ``harness eval``
never import torch. User mistakes (``HarnessError``), and paths the system refuses (``OSError``:
a folder that cannot be created, a name too long, no space left), end in one ``Error: …`` line
and exit code 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys

import click

from harness import __version__
from harness.errors import HarnessError

# name -> "module:object". Each command group is imported only when it runs (or for --help):
# `harness eval` then pays for the evaluation modules and nothing else (click's LazyGroup recipe).
COMMANDS = {
    "suites": "harness.cli.suites:suites",
    "eval": "harness.cli.eval:eval_command",
    "data": "harness.cli.data:data",
    "run": "harness.cli.run:run_command",
    "train": "harness.cli.run:train_command",
    "methods": "harness.cli.methods:methods",
    "serve": "harness.cli.serve:serve_command",
    "submit": "leaderboard.cli:submit_command",
    "leaderboard": "leaderboard.cli:leaderboard_command",
    "compare": "harness.cli.compare:compare_command",
    "seeds": "harness.cli.seeds:seeds",
    "submissions": "leaderboard.cli:submissions_group",
    "recipes": "harness.cli.recipes:recipes",
    "reproduce": "harness.cli.reproduce:reproduce_command",
    "prompts": "harness.cli.prompts:prompts_command",
}


class LazyGroup(click.Group):
    """A group whose commands live in COMMANDS and are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, name = COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


EPILOG = """\b
Quick start:
  harness suites list
  harness eval --suite spider --split dev --gold --data-dir ../shared/data --out runs/gold
  harness run --method prompting --suite sample
"""


@click.group(cls=LazyGroup, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """text2sql-harness: train and evaluate small Text-to-SQL models under one roof."""
    ctx.obj = {"debug": debug}


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
    except OSError as exc:  # a path the user gave that the system refuses (EACCES, ENOSPC …)
        if debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
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

"""The ``harness`` command group and its entry point; one module per command group beside it.

Every command imports what it needs inside its body, so ``harness --help`` and ``harness eval``
never import torch. User mistakes (``HarnessError``) end in one ``Error: …`` line and exit code 1;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

import click

from harness import __version__
from harness.cli.compare import compare_command
from harness.cli.data import data
from harness.cli.eval import eval_command
from harness.cli.leaderboard import leaderboard_command, submissions_group, submit_command
from harness.cli.methods import methods
from harness.cli.run import run_command, train_command
from harness.cli.seeds import seeds
from harness.cli.serve import serve_command
from harness.cli.suites import suites
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


for command, name in [
    (suites, "suites"), (eval_command, "eval"), (data, "data"), (run_command, "run"),
    (train_command, "train"), (methods, "methods"), (serve_command, "serve"),
    (submit_command, "submit"), (leaderboard_command, "leaderboard"),
    (compare_command, "compare"), (seeds, "seeds"),
    (submissions_group, "submissions"),
]:
    cli.add_command(command, name)


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

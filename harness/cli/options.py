"""Option bundles and helpers shared by several commands."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path


def data_dir_option(f):
    """``--data-dir``, made from RunConfig's ``data_dir`` field like every ``harness run`` flag."""
    from harness.cli.config_options import config_fields, field_option
    from harness.config import RunConfig

    field, hint = next((f, h) for f, h in config_fields(RunConfig) if f.name == "data_dir")
    option = field_option(field, hint)
    f.__click_params__ = [*getattr(f, "__click_params__", []), option]
    return f


def format_option(help: str):
    """``--format``: a predictions file's format, a name of the registered readers (read when the
    command line is parsed: :data:`harness.evaluation.predictions.PREDICTION_FORMATS`)."""
    import click

    from harness.cli.config_options import LiveChoice
    from harness.evaluation.predictions import PREDICTION_FORMATS

    return click.option("--format", "fmt", type=LiveChoice(PREDICTION_FORMATS), default=None,
                        help=help)


SHOWN_PROBLEMS = 3  # database problems listed by `suites check` before "… and N more"


def default_out(kind: str, suite: str, split: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{kind}-{suite}-{split}-{stamp}"


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

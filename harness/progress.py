"""What a run is doing now, told to whoever shows it: stages, their progress, training steps.

The pipeline and the training methods report here; the command line installs a reporter that
draws rich progress bars (``harness.cli.console``), and library use or tests get the silent
default. A reporter is installed for a block of code::

    with reporting(MyReporter()):
        run_method(...)

and code anywhere below reports without being handed anything::

    with reporter().stage("generation", total=len(examples)) as stage:
        for ...: stage.advance()

so a method's trainer callback can report its steps without the Method interface changing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any


class Stage:
    """One stage's progress; the silent default counts and shows nothing."""

    def __init__(self, name: str, total: int | None = None):
        self.name, self.total, self.done = name, total, 0

    def advance(self, n: int = 1) -> None:
        self.done += n

    def set_total(self, total: int | None) -> None:
        self.total = total

    def update(self, n: int, total: int | None) -> None:
        """``progress(n, total)``, the callback the scorer and ``predict_all`` take (a total
        given when the stage began stands)."""
        if self.total is None:
            self.set_total(total)
        self.advance(n)


class Reporter:
    """The silent reporter (library use and tests); subclasses show what they are told."""

    @contextlib.contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        """A named stage of ``total`` units of work (None: unknown)."""
        yield Stage(name, total)

    def note(self, message: str) -> None:
        """A one-line remark within the current stage (resuming, skipped work…)."""

    def log_step(self, step: int, total: int | None, logs: dict[str, Any]) -> None:
        """One logging step of a trainer: its step number and the numbers it logged."""


_SILENT = Reporter()
_current: ContextVar[Reporter | None] = ContextVar("harness_reporter", default=None)


def reporter() -> Reporter:
    """The reporter installed for the running code (the silent one when none is)."""
    return _current.get() or _SILENT


@contextlib.contextmanager
def reporting(new: Reporter) -> Iterator[Reporter]:
    """Install ``new`` for the code run inside the block."""
    token = _current.set(new)
    try:
        yield new
    finally:
        _current.reset(token)

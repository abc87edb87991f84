"""What ``harness run`` shows while it works, and the run folder's ``run.log`` that holds the rest.

The terminal gets the resolved settings once, then one block per stage (baseline generation,
warm start, training, generation, scoring) with a rich progress bar, and one formatted line per
training logging step. Everything else written while the run works (the trainers' raw log dicts,
warnings such as FutureWarning, ``datasets``/transformers progress bars, library logging, and
anything child processes print) goes to ``run.log``: file descriptors 1 and 2 themselves are
pointed at the log, so output from C extensions and worker processes is caught too. ``--verbose``
copies that stream to the terminal as well.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from harness.progress import Reporter, Stage, reporting

LOG_NAME = "run.log"


@contextlib.contextmanager
def output_to_log(log_path: Path, verbose: bool = False) -> Iterator[IO[str]]:
    """Point stdout and stderr (file descriptors 1 and 2, and ``sys.stdout``/``sys.stderr``) at
    ``log_path`` for the block; yield a text stream to the terminal as it was.

    With ``verbose`` the captured output is copied to the terminal too (through a pipe).
    Library logging goes to the log with timestamps, warnings through it.
    """
    with (
        _descriptors_to_log(log_path, verbose) as terminal,
        _python_streams_on_descriptors(),
        _library_logging_to_stderr(),
    ):
        yield terminal


@contextlib.contextmanager
def _descriptors_to_log(log_path: Path, verbose: bool) -> Iterator[IO[str]]:
    """File descriptors 1 and 2 pointed at the log (with ``verbose``, at a pipe whose reader
    copies to the log and the terminal); yields a text stream to the terminal as it was."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    log = open(log_path, "ab", buffering=0)  # noqa: SIM115 - closed in finally
    terminal = open(os.dup(saved[2]), "w", encoding="utf-8", errors="replace", buffering=1)  # noqa: SIM115
    pump = None
    if verbose:
        read_end, target = os.pipe()
        pump = threading.Thread(target=_copy, args=(read_end, log, saved[2]), daemon=True)
        pump.start()
    else:
        target = log.fileno()
    os.dup2(target, 1)
    os.dup2(target, 2)
    try:
        yield terminal
    finally:
        os.dup2(saved[1], 1)
        os.dup2(saved[2], 2)
        if pump is not None:
            os.close(target)
            pump.join(timeout=5)  # ends at EOF, once no process holds the pipe's write end
        for fd in saved.values():
            os.close(fd)
        terminal.close()
        log.close()


@contextlib.contextmanager
def _python_streams_on_descriptors() -> Iterator[None]:
    """``sys.stdout``/``sys.stderr`` as line-buffered text streams over descriptors 1 and 2, so
    Python's own writes land where the descriptors point; the old streams come back after."""
    old_streams = sys.stdout, sys.stderr
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)  # noqa: SIM115
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.close()
        sys.stdout, sys.stderr = old_streams


@contextlib.contextmanager
def _library_logging_to_stderr() -> Iterator[None]:
    """Root logging (INFO, timestamped) and warnings (each once per place) to ``sys.stderr``.

    A library that set up its own console handler (transformers does, on its first warning, and
    stops propagation) would write to the stream it saw then, which need not be descriptor 2: its
    handlers are set aside for the block and its records go through the root handler instead.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    set_aside = _console_handlers_set_aside()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        root.setLevel(old_level)
        for logger, handlers, propagate in set_aside:
            for own in handlers:
                logger.addHandler(own)
            logger.propagate = propagate


def _console_handlers_set_aside() -> list[tuple[logging.Logger, list[logging.Handler], bool]]:
    """Remove the console handlers (plain ``StreamHandler``) of every named logger and let its
    records propagate to the root; returns what to put back."""
    set_aside = []
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue  # a placeholder for a logger not created yet
        console = [h for h in logger.handlers if type(h) is logging.StreamHandler]
        if console:
            set_aside.append((logger, console, logger.propagate))
            for own in console:
                logger.removeHandler(own)
            logger.propagate = True
    return set_aside


def _copy(read_end: int, log: IO[bytes], terminal_fd: int) -> None:
    with open(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            log.write(chunk)
            os.write(terminal_fd, chunk)


# -- the display --------------------------------------------------------------------------------


class _BarStage(Stage):
    def __init__(self, name: str, total: int | None, progress: Progress):
        super().__init__(name, total)
        self._progress = progress
        self._task = progress.add_task(name, total=total)

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        self._progress.update(self._task, advance=n)

    def set_total(self, total: int | None) -> None:
        super().set_total(total)
        self._progress.update(self._task, total=total)


class RichReporter(Reporter):
    """Stages as rich progress bars on ``console``, each line also written to ``log``."""

    def __init__(self, console: Console, log: IO[str] | None = None):
        self.console, self.log = console, log
        self._progress: Progress | None = None

    def _say(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, highlight=False)
        else:
            self.console.print(text, highlight=False)
        if self.log is not None:
            self.log.write(f"[harness] {_plain(text).strip()}\n")
            self.log.flush()

    @contextlib.contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        if self._progress is not None:  # a stage inside a stage: its own bar in the same block
            stage = _BarStage(name, total, self._progress)
            yield stage
            return
        self._say(f"[bold]▸ {name}[/bold]")
        started = time.perf_counter()
        progress = Progress(
            SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=self.console, transient=False,
            # rich would show what libraries print above the bars; it belongs in run.log
            redirect_stdout=False, redirect_stderr=False,
        )
        self._progress = progress
        progress.start()
        try:
            stage = _BarStage(name, total, progress)
            yield stage
        finally:
            progress.stop()
            self._progress = None
            if self.log is not None:
                self.log.write(f"[harness] {name}: {stage.done}/{stage.total or '?'} in "
                               f"{time.perf_counter() - started:.1f} s\n")
                self.log.flush()

    def note(self, message: str) -> None:
        self._say(f"  {message}")

    def log_step(self, step: int, total: int | None, logs: dict[str, Any]) -> None:
        line = step_line(step, total, logs)
        if line:
            self._say(f"  {line}")


def _plain(text: str) -> str:
    from rich.text import Text

    return Text.from_markup(text).plain


def _number(value: float) -> str:
    """4 significant digits, exponent for tiny or huge values.

    >>> _number(0.000123), _number(1.23456), _number(2e-05)
    ('0.000123', '1.235', '2e-05')
    """
    return f"{value:.4g}"


def step_line(step: int, total: int | None, logs: dict[str, Any]) -> str | None:
    """One trainer logging step as one line (the end-of-training summary too).

    >>> step_line(2, 3, {"loss": 0.5, "reward": 1.25, "reward_std": 0.5,
    ...                  "rewards/finer_format/mean": 1.0, "learning_rate": 5e-05, "epoch": 0.1})
    'step 2/3  loss 0.5  reward 1.25 ± 0.5 (format 1)  lr 5e-05'
    >>> step_line(3, 3, {"train_runtime": 61.2, "train_loss": 0.25})
    'done: 3 steps in 61 s, mean loss 0.25'
    """
    if "train_runtime" in logs:
        loss = logs.get("train_loss")
        return (f"done: {step} steps in {logs['train_runtime']:.0f} s"
                + (f", mean loss {_number(loss)}" if isinstance(loss, (int, float)) else ""))
    parts = [f"step {step}/{total}" if total and total > 0 else f"step {step}"]
    if isinstance(logs.get("loss"), (int, float)):
        parts.append(f"loss {_number(logs['loss'])}")
    if isinstance(logs.get("mean_token_accuracy"), (int, float)):
        parts.append(f"token acc {logs['mean_token_accuracy']:.2f}")
    if isinstance(logs.get("reward"), (int, float)):
        reward = f"reward {_number(logs['reward'])}"
        if isinstance(logs.get("reward_std"), (int, float)):
            reward += f" ± {_number(logs['reward_std'])}"
        terms = [(key.split("/")[1], value) for key, value in logs.items()
                 if key.startswith("rewards/") and key.endswith("/mean")]
        if terms:
            reward += " (" + ", ".join(f"{_term(name)} {_number(v)}" for name, v in terms) + ")"
        parts.append(reward)
    if isinstance(logs.get("kl"), (int, float)) and logs["kl"]:
        parts.append(f"kl {_number(logs['kl'])}")
    if isinstance(logs.get("learning_rate"), (int, float)):
        parts.append(f"lr {logs['learning_rate']:.3g}")
    return "  ".join(parts) if len(parts) > 1 else None


def _term(name: str) -> str:
    """``finer_format`` → ``format``: the reward function's name without its family prefix."""
    return name.split("_", 1)[1] if name.startswith("finer_") else name


def print_settings(console: Console, method_name: str, suite: str, split: str,
                   train_split: str | None, method_config: Any, out: Path) -> None:
    """The resolved settings, once: what runs on what, and every non-default setting."""
    cfg = method_config
    line = f"[bold]harness run[/bold]  method {method_name} · model {getattr(cfg, 'model', '?')}"
    line += f" · suite {suite}/{split}"
    if train_split:
        line += f" (trains on {train_split})"
    console.print(line, highlight=False)
    key = ["backend", "batch_size", "samples", "max_new_tokens", "max_steps", "learning_rate",
           "warm_start", "num_generations", "seed"]
    shown = [f"{k} {getattr(cfg, k)}" for k in key if hasattr(cfg, k)]
    console.print("  " + " · ".join(shown), highlight=False)
    defaults = type(cfg)()
    changed = [f"{f.name}={getattr(cfg, f.name)}" for f in dataclasses.fields(cfg)
               if getattr(cfg, f.name) != getattr(defaults, f.name) and f.name not in key]
    if changed:
        console.print("  also set: " + ", ".join(changed), highlight=False)
    console.print(f"  run folder {out} · full log {out / LOG_NAME}", highlight=False)


@contextlib.contextmanager
def run_display(out: Path, verbose: bool = False) -> Iterator[Console]:
    """For the block: library output to ``out/run.log``, stages on the terminal's rich console."""
    with output_to_log(out / LOG_NAME, verbose) as terminal, \
            open(out / LOG_NAME, "a", encoding="utf-8") as log:
        console = Console(file=terminal, highlight=False, soft_wrap=False)
        with reporting(RichReporter(console, log)):
            yield console

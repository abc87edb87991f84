"""Run folders as a user's output: checked before any work, locked while written, replaced whole.

* :func:`prepare` runs before the evaluation starts, so a ``--out`` that is a file, cannot be
  created or holds another run fails at once, not after an hour of work. An existing run folder
  is refused unless the user asks to overwrite it (``--overwrite``: every file in it goes, so no
  stale file survives) or the command resumes it (``harness run``).
* :func:`lock` holds an exclusive ``flock`` on ``.lock`` in the folder while a command writes
  it: a second ``harness run``/``eval`` into the same folder stops with a clear error instead of
  racing the first (the last writer would win).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from harness.errors import ConfigError
from harness.files import umask_mode

LOCK_NAME = ".lock"
RUN_MARKERS = ("results.json", "samples.jsonl", "run.json", "predictions.jsonl")


def prepare(out: Path, overwrite: bool = False, resume: bool = False) -> Path:
    """Make ``out`` ready to be written, or ConfigError naming what is wrong with it."""
    try:
        return _prepare(out, overwrite, resume)
    except OSError as exc:  # a name too long, a folder that cannot be listed …
        raise ConfigError(f"Cannot use --out {out}: {exc.strerror or exc}.") from exc


def _prepare(out: Path, overwrite: bool, resume: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder for the run.")
    entries = [p for p in out.iterdir() if p.name != LOCK_NAME] if out.is_dir() else []
    if entries and not resume:
        if not overwrite:
            raise ConfigError(
                f"--out {out} already holds files; pass --overwrite to replace that run, or "
                f"choose another folder."
            )
        if not any((out / name).exists() for name in RUN_MARKERS):
            raise ConfigError(
                f"--out {out} is not a run folder (no results.json or samples.jsonl); "
                f"--overwrite only replaces run folders. Choose another folder."
            )
    existing = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"Cannot create or write --out {out}: {existing} is not writable.")
    return out


def clear(out: Path) -> None:
    """Remove everything in ``out`` but the lock (an overwrite leaves no stale file)."""
    for entry in out.iterdir():
        if entry.name == LOCK_NAME:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold the run folder's lock, or ConfigError when another process holds it. A folder this
    process created is removed again if the command fails before writing anything into it."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        try:  # atomic: of two writers starting at once, exactly one created the folder
            out.mkdir()
            created = True
        except FileExistsError:
            created = False
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, umask_mode())
    except OSError as exc:  # /proc/x, a read-only mount, a name too long …
        raise ConfigError(f"Cannot create --out {out}: {exc.strerror or exc}.") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # the holder's folder: a refused writer removes nothing
            raise ConfigError(
                f"Another harness process is writing {out} (it holds {out / LOCK_NAME}); wait "
                f"for it to finish or choose another --out."
            ) from None
        try:
            yield
        except BaseException:
            if created and all(p.name == LOCK_NAME for p in out.iterdir()):
                shutil.rmtree(out, ignore_errors=True)
            raise
    finally:
        os.close(fd)

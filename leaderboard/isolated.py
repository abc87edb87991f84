"""Run an upload's verification outside the app's server process.

An upload is untrusted work: its statements already run in the executor's watched worker
processes, but reading, scoring and storing it would still happen in the Streamlit server, where a
crash or a very long comparison would take every visitor's page down with it. :func:`run_isolated`
runs the call in a fresh process (spawned, so none of the server's threads are copied) in its own
process group, waits at most ``timeout_s``, and kills the whole group (the executor's workers
too) when the time is up. A user mistake comes back as the same HarnessError; a dead process
or a timeout becomes a SubmissionError with one clear sentence.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any

from harness.errors import HarnessError, SubmissionError

UPLOAD_TIMEOUT_S = 30 * 60


def _child(conn, fn: Callable, args: tuple) -> None:
    os.setpgrp()  # its own group: one kill stops it and every worker it started
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except HarnessError as exc:
        result = ("error", exc)
    except BaseException as exc:  # noqa: BLE001 - reported as a failed verification
        result = ("crash", f"{type(exc).__name__}: {str(exc)[:300]}")
    conn.send(result)
    conn.close()


def run_isolated(fn: Callable, *args, timeout_s: float = UPLOAD_TIMEOUT_S):
    """``fn(*args)`` in a separate process; see the module docstring."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, fn, args), name="upload-verifier")
    process.start()
    child.close()
    try:
        if not parent.poll(timeout_s):
            if process.is_alive():
                raise SubmissionError(
                    f"Verification took longer than {timeout_s / 60:.0f} minutes and was stopped; "
                    f"nothing was stored."
                )
        try:
            status, value = parent.recv()
        except (EOFError, OSError):
            raise SubmissionError(
                f"Verification stopped unexpectedly (exit code {process.exitcode}); nothing was "
                f"stored."
            ) from None
    finally:
        if process.is_alive():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:  # not yet its own group leader
                pass
            process.kill()
        process.join()
        parent.close()
    if status == "ok":
        return value
    if status == "error":
        raise value
    raise SubmissionError(f"Verification failed ({value}); nothing was stored.")

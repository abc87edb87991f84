"""Watched worker processes for untrusted SQL: the hard time bound behind every statement.

SQLite's progress handler stops a statement between VM steps, and a watchdog thread's
``interrupt()`` acts at the same points; neither reaches work that SQLite does inside one step
(``instr()`` over megabytes, a long ``LIKE`` pattern, a wide ``printf``). So statements run in
worker processes, one at a time each, and every worker publishes when its current statement
started. A statement still running ``grace_s`` after its deadline gets its worker killed and
replaced; the statement's result is a timeout, exactly what the progress handler would have
reported, so the verdict does not depend on which of the two stopped it. The rest of the
worker's chunk goes to its replacement.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from multiprocessing.connection import wait

from harness.core import Execution

GRACE_S = 0.5  # a statement is killed this long after its own deadline
_POLL_S = 0.25  # longest sleep between deadline checks while workers are busy


def timeout_execution(elapsed_ms: float) -> Execution:
    """What a statement stopped at its deadline returns, however it was stopped."""
    return Execution(None, error="timeout", timed_out=True, elapsed_ms=elapsed_ms)


def _serve(conn, started, slot: int) -> None:
    """A worker's life: run each chunk's statements in order, one message per statement."""
    from harness.evaluation.execution import execute_sql, set_process_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    set_process_limits()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        db, sqls, settings = task
        for sql in sqls:
            started[slot] = time.monotonic()
            execution = execute_sql(db, sql, settings)
            started[slot] = 0.0
            conn.send(execution)


class _Worker:
    def __init__(self, context, started, slot: int):
        self.slot = slot
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, started, slot), daemon=True, name=f"sql-worker-{slot}"
        )
        self.process.start()
        child.close()
        self.chunk: int | None = None  # index of the chunk it runs
        self.next: int = 0  # position in that chunk of the statement it runs now

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """``size`` watched worker processes; see the module docstring."""

    def __init__(self, size: int, grace_s: float = GRACE_S):
        # Forking a process that holds torch/CUDA threads can deadlock; start clean then, from a
        # fork server that has the executor imported already (not the caller's __main__): each
        # worker then starts in milliseconds instead of importing the harness again.
        method = "forkserver" if "torch" in sys.modules else None
        self._context = multiprocessing.get_context(method)
        if method == "forkserver":
            self._context.set_forkserver_preload(["harness.evaluation.execution", __name__])
        self._started = self._context.RawArray("d", size)
        self.grace_s = grace_s
        self.killed = 0  # statements stopped by killing their worker (for tests and reports)
        self._workers = [_Worker(self._context, self._started, slot) for slot in range(size)]

    def run(
        self, chunks: Sequence[tuple[str, list[str]]], settings
    ) -> Iterator[tuple[int, int, Execution]]:
        """``(chunk index, position, Execution)`` for every statement, as each finishes."""
        pending = deque(range(len(chunks)))
        busy: list[_Worker] = []
        limit = settings.timeout_s + self.grace_s

        def assign(worker: _Worker, chunk: int, start: int) -> None:
            db, sqls = chunks[chunk]
            worker.chunk, worker.next = chunk, start
            worker.conn.send((db, sqls[start:], settings))
            busy.append(worker)

        def replace(worker: _Worker) -> _Worker:
            worker.stop(kill=True)
            self._started[worker.slot] = 0.0
            fresh = _Worker(self._context, self._started, worker.slot)
            self._workers[worker.slot] = fresh
            return fresh

        for worker in self._workers:
            if pending:
                assign(worker, pending.popleft(), 0)
        try:
            yield from self._drive(chunks, pending, busy, limit, assign, replace)
        finally:
            for worker in busy:  # abandoned half-way (an error, Ctrl-C): no stale results later
                replace(worker)

    def _drive(self, chunks, pending, busy, limit, assign, replace):
        while busy:
            ready = wait([w.conn for w in busy], timeout=self._sleep(busy, limit))
            for worker in [w for w in busy if w.conn in ready]:
                try:
                    execution = worker.conn.recv()
                except (EOFError, OSError):
                    execution = None
                if execution is None:  # it died on its own (signal, crash): say so, go on
                    code = worker.process.exitcode
                    busy.remove(worker)
                    chunk, position = worker.chunk, worker.next
                    fresh = replace(worker)
                    died = Execution(None, error=f"execution process died (exit code {code})")
                    yield chunk, position, died
                    self._resume(fresh, chunk, position + 1, chunks, pending, assign)
                    continue
                yield worker.chunk, worker.next, execution
                worker.next += 1
                if worker.next == len(chunks[worker.chunk][1]):
                    busy.remove(worker)
                    if pending:
                        assign(worker, pending.popleft(), 0)
            now = time.monotonic()
            for worker in list(busy):
                started = self._started[worker.slot]
                if not started or now <= started + limit:
                    continue
                # Results it sent before the kill still count.
                while worker.conn.poll():
                    try:
                        execution = worker.conn.recv()
                    except (EOFError, OSError):
                        break
                    yield worker.chunk, worker.next, execution
                    worker.next += 1
                busy.remove(worker)
                chunk, position = worker.chunk, worker.next
                fresh = replace(worker)
                self.killed += 1
                if position < len(chunks[chunk][1]):
                    yield chunk, position, timeout_execution((now - started) * 1000)
                self._resume(fresh, chunk, position + 1, chunks, pending, assign)

    @staticmethod
    def _resume(worker, chunk, start, chunks, pending, assign) -> None:
        if start < len(chunks[chunk][1]):
            assign(worker, chunk, start)
        elif pending:
            assign(worker, pending.popleft(), 0)

    def _sleep(self, busy: list[_Worker], limit: float) -> float:
        now = time.monotonic()
        sleep = _POLL_S
        for worker in busy:
            started = self._started[worker.slot]
            if started:
                sleep = min(sleep, started + limit - now)
        return max(sleep, 0.005)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []

"""Generations cached on disk, so a re-run with the same settings costs no model time.

One SQLite file (default ``cache_dir()/generations.sqlite``). The key is a SHA-256 over the
model identity (weights hash or hub revision, dtype, device, chat template; not the local path),
the prompt messages and the sampling parameters including the seed. Batch size is not part of the
key: it can change floating-point sums, and so occasionally a token, but a re-run at another batch
size is still served the first run's completions.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.generation.base import Completion, Generator, Messages, SamplingParams
from harness.paths import cache_dir

#: Identity fields that say where a model sits on this machine, not what it is.
LOCAL_IDENTITY_KEYS = ("name", "source", "endpoint")


def generation_key(identity: dict[str, Any], messages: Messages, params: SamplingParams) -> str:
    """The cache key of one prompt's completions.

    >>> k = generation_key({"backend": "x", "model_id": "m"}, [{"role": "user", "content": "q"}],
    ...                    SamplingParams())
    >>> len(k)
    64
    """
    ident = {k: v for k, v in identity.items() if k not in LOCAL_IDENTITY_KEYS}
    payload = json.dumps(
        {"model": ident, "messages": messages, "params": params.to_dict()},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class GenerationCache:
    """A thread-safe key → completions store in one SQLite file."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else cache_dir() / "generations.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS generations (key TEXT PRIMARY KEY, model TEXT, "
                "completions TEXT NOT NULL, created REAL)"
            )

    def get(self, key: str) -> list[Completion] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT completions FROM generations WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return [Completion.from_dict(d) for d in json.loads(row[0])]

    def put(self, key: str, completions: Sequence[Completion], model: str = "") -> None:
        data = json.dumps([c.to_dict() for c in completions], ensure_ascii=False)
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?)",
                (key, model, data, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM generations").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def cached_generate(
    generator: Generator,
    prompts: list[Messages],
    params: SamplingParams,
    cache: GenerationCache | None,
) -> tuple[list[list[Completion]], list[bool], float]:
    """Completions for ``prompts``, from ``cache`` where possible.

    Returns (completions per prompt, from_cache flag per prompt, wall seconds spent generating
    the misses). Only the misses reach the generator, in one call, so timings stay per batch.
    """
    if cache is None:
        started = time.perf_counter()
        out = generator.generate(prompts, params) if prompts else []
        return out, [False] * len(prompts), time.perf_counter() - started
    identity = generator.identity
    keys = [generation_key(identity, p, params) for p in prompts]
    results: list[list[Completion] | None] = [cache.get(k) for k in keys]
    misses = [i for i, r in enumerate(results) if r is None]
    elapsed = 0.0
    if misses:
        started = time.perf_counter()
        fresh = generator.generate([prompts[i] for i in misses], params)
        elapsed = time.perf_counter() - started
        model = str(identity.get("model_id", ""))
        for i, completions in zip(misses, fresh):
            results[i] = completions
            cache.put(keys[i], completions, model)
    missed = set(misses)
    hit = [i not in missed for i in range(len(prompts))]
    return [r or [] for r in results], hit, elapsed

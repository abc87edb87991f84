"""Where the harness looks for benchmark data and keeps its caches."""

from __future__ import annotations

import os
from pathlib import Path


def data_root(explicit: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The benchmark data root and where that choice came from.

    Precedence: ``--data-dir``, then ``HARNESS_DATA_DIR``, then a per-user cache folder.
    Under it the layout is the official one: ``spider/…`` and ``bird/…``.
    """
    if explicit:
        return Path(explicit).expanduser().resolve(), "--data-dir"
    env = os.environ.get("HARNESS_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve(), "HARNESS_DATA_DIR"
    return cache_dir() / "data", "the default data folder"


def cache_dir() -> Path:
    """Per-user cache: gold results, built sample databases, converted models, generations."""
    env = os.environ.get("HARNESS_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "text2sql-harness"


def models_dir() -> Path:
    """Converted model weights (kept apart so tests with a throwaway cache can share them)."""
    env = os.environ.get("HARNESS_MODELS_DIR")
    return Path(env).expanduser().resolve() if env else cache_dir() / "models"

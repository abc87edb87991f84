"""Errors a user can cause, one class per stage.

HarnessError
 ├── ConfigError          a bad option or config file
 ├── UnknownNameError     an unknown suite, method, rule or backend (suggests the closest name)
 ├── DataError            benchmark data missing or corrupt
 ├── PredictionsError     a malformed predictions file
 ├── GenerationError      a model that cannot be loaded or reached
 ├── SubmissionError      a leaderboard submission that cannot be accepted
 └── StoreError           a leaderboard database that cannot be opened or written

Only ``harness.cli`` turns these into ``Error: ...`` and a non-zero exit. Model SQL that fails is
data (an ``Execution`` with an ``error``), never an exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class HarnessError(Exception):
    """Base of every error that is the user's to fix; the message says what to do."""


class ConfigError(HarnessError):
    pass


class DataError(HarnessError):
    pass


class PredictionsError(HarnessError):
    pass


class GenerationError(HarnessError):
    pass


class SubmissionError(HarnessError):
    pass


class StoreError(HarnessError):
    pass


class UnknownNameError(HarnessError):
    """An unknown name, with the closest known names suggested.

    >>> str(UnknownNameError("suite", "spdier", ["spider", "bird", "sample"]))
    "Unknown suite 'spdier'. Did you mean: spider? Available: bird, sample, spider."
    """

    def __init__(self, kind: str, name: str, available: Iterable[str]):
        self.kind, self.name, self.available = kind, name, sorted(available)
        close = difflib.get_close_matches(name, self.available, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        listing = ", ".join(self.available) or "none"
        super().__init__(f"Unknown {kind} '{name}'.{hint} Available: {listing}.")

"""Errors a user can cause, one class per kind of mistake.

HarnessError
 ├── ConfigError              a bad option or config file (``option``)
 ├── UnknownNameError         an unknown suite, method, rule or backend (suggests the closest name)
 ├── RegistrationError        a plugin registered twice, or an entry point that cannot be loaded
 ├── DataError                benchmark data missing or corrupt (``path``, ``db_id``)
 ├── PredictionsError         a malformed predictions file (``path``, ``question_id``)
 ├── RunFolderError           a run folder (results.json, samples.jsonl) that cannot be read
 ├── GenerationError          a model that cannot be loaded or reached
 ├── SubmissionError          a leaderboard submission that cannot be accepted
 │    └── DuplicateSubmission the same predictions are already stored (``existing_id``)
 └── StoreError               a leaderboard database that cannot be opened or written

Each carries the fields a caller may act on, so nothing decides by reading the message. Only
``harness.cli`` turns these into ``Error: ...`` and a non-zero exit. Model SQL that fails is data
(an ``Execution`` with an ``error``), never an exception.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable


class HarnessError(Exception):
    """Base of every error that is the user's to fix; the message says what to do."""

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike | None = None,
        db_id: str | None = None,
        question_id: int | None = None,
        option: str | None = None,
    ):
        super().__init__(message)
        self.path, self.db_id, self.question_id, self.option = path, db_id, question_id, option


class ConfigError(HarnessError):
    pass


class RegistrationError(HarnessError):
    pass


class DataError(HarnessError):
    pass


class PredictionsError(HarnessError):
    pass


class RunFolderError(HarnessError):
    pass


class GenerationError(HarnessError):
    pass


class SubmissionError(HarnessError):
    pass


class DuplicateSubmission(SubmissionError):
    """The store already holds a submission with the same fingerprint."""

    def __init__(self, fingerprint: str, existing_id: int):
        self.fingerprint, self.existing_id = fingerprint, existing_id
        super().__init__(
            f"This submission is already on the leaderboard as #{existing_id} (same predictions "
            f"for the same suite, split and data; fingerprint {fingerprint[:12]}). "
            f"Nothing was stored."
        )


class StoreError(HarnessError):
    pass


class UnknownNameError(HarnessError):
    """An unknown name, with the closest known names suggested.

    >>> str(UnknownNameError("suite", "spdier", ["spider", "bird", "sample"]))
    "Unknown suite 'spdier'. Did you mean: spider? Available: bird, sample, spider."
    """

    def __init__(self, kind: str, name: str, available: Iterable[str]):
        self.kind, self.name, self.available = kind, name, sorted(available)
        listing = ", ".join(self.available) or "none"
        super().__init__(f"Unknown {kind} '{name}'.{did_you_mean(name, self.available)} "
                         f"Available: {listing}.")


def did_you_mean(name: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """`` Did you mean: x, y?`` for the names closest to ``name``, or an empty string.

    >>> did_you_mean("--tmeout", ["--timeout", "--limit"])
    ' Did you mean: --timeout?'
    """
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=cutoff)
    return f" Did you mean: {', '.join(close)}?" if close else ""

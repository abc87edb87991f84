"""Named releases of a benchmark split, and which one a data folder holds.

BIRD dev exists as the May 2023 original, ``dev_20240627`` and the November 2025 questions-only
``bird_sql_dev_20251106``; Spider dev was corrected in June 2020. A number means little without
the release, so each suite declares its splits' releases (``Suite.releases``) and the harness
names the one it finds:

* by the **file**: the SHA-256 of the split's question file equals a pinned copy's; or
* by the **content**: :func:`content_sha256` of the loaded examples equals the release's. It
  ignores case, whitespace and the tokeniser's quote marks, so a re-serialised JSON copy (or a
  release known only through a lower-cased, tokenised ``dev.sql``, as Spider's pre-2020 dev is)
  is still recognised, while any edited word, value or SQL token is not.

Anything else is "unrecognised (modified?)". This module imports nothing heavy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.data.sources import RemoteFile

UNRECOGNISED = "unrecognised (modified?)"


@dataclass(frozen=True)
class Release:
    """One published version of a split: how to recognise it and where it came from."""

    name: str  # e.g. "20240627"; what results.json and the leaderboard store
    title: str  # one line for people: what changed, when
    source: str  # repository @ commit : path, or the official URL
    #: SHA-256 of known byte copies of the question file (a copy may be re-serialised: several).
    question_sha256: tuple[str, ...] = ()
    #: SHA-256 of known copies of the gold ``.sql`` file beside it, when the release ships one.
    gold_sha256: tuple[str, ...] = ()
    content_sha256: str | None = None  # see content_sha256(); None: file hashes only
    examples: int | None = None
    #: ``harness data download SUITE --release NAME``: the files that replace the base download's
    #: question files (paths relative to the base layout's folder); () = the base archive as is.
    files: tuple[RemoteFile, ...] = ()
    base: str | None = None  # the dataset whose databases this release uses (downloads)
    downloadable: bool = True


@dataclass(frozen=True)
class ReleaseMatch:
    """Which release a split's files are, and how that was decided."""

    name: str  # a Release.name, UNRECOGNISED, or "" when the split's files are absent
    how: str  # "file" | "content" | "none" | "absent" | "undeclared" (the suite names none)
    question_sha256: str | None = None
    gold_file: str | None = None  # "matches" | "differs" | None (no gold file, or none pinned)

    @property
    def recognised(self) -> bool:
        return self.how in ("file", "content")

    def describe(self) -> str:
        if self.how == "absent":
            return "not available"
        if self.how == "undeclared":
            return "no releases declared"
        if self.how == "file":
            text = f"release {self.name} (question file byte-identical to a pinned copy)"
        elif self.how == "content":
            text = f"release {self.name} (same questions and SQL; the file's bytes differ)"
        else:
            text = f"release {UNRECOGNISED}: sha256 {self.question_sha256}"
        if self.gold_file == "differs":
            text += "; its gold .sql file differs from the release's"
        return text


def normalise(text: str) -> str:
    """Case, whitespace and tokenised quotes (`` '') removed: what survives re-serialising."""
    text = text.replace("``", '"').replace("''", '"')
    return "".join(text.split()).lower()


def content_sha256(examples: Iterable) -> str:
    """SHA-256 over each example's database, question, evidence and gold SQL, in file order."""
    digest = hashlib.sha256()
    for e in examples:
        line = "\t".join((e.db_id, normalise(e.question), normalise(e.evidence or ""),
                          normalise(e.gold_sql)))
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def identify(
    releases: tuple[Release, ...],
    question_file: Path,
    examples: list | None,
    gold_file: Path | None = None,
) -> ReleaseMatch:
    """The release ``question_file`` (loaded as ``examples``) is, or why none is named."""
    if not question_file.is_file():
        return ReleaseMatch("", "absent")
    digest = file_sha256(question_file)
    gold = _gold_state(releases, gold_file)
    for release in releases:
        if digest in release.question_sha256:
            return ReleaseMatch(release.name, "file", digest, gold(release))
    if examples is not None:
        content = content_sha256(examples)
        for release in releases:
            if release.content_sha256 == content:
                return ReleaseMatch(release.name, "content", digest, gold(release))
    return ReleaseMatch(UNRECOGNISED, "none", digest)


def _gold_state(releases, gold_file: Path | None):
    digest = file_sha256(gold_file) if gold_file is not None and gold_file.is_file() else None

    def state(release: Release) -> str | None:
        if digest is None or not release.gold_sha256:
            return None
        return "matches" if digest in release.gold_sha256 else "differs"

    return state

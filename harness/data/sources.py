"""What a downloadable archive is: its URL, pinned digest and how it unpacks into the data root.

Some sets are not archives but a few files in a repository (Spider-Syn, Spider-DK) or one JSON
file (Spider-Realistic): such a :class:`Dataset` lists them as :class:`RemoteFile` entries, each
with its own pinned digest, fetched one by one into the same staged, all-or-nothing layout.

Each suite declares its own archives (``Suite.downloads``, e.g. ``suites/spider/sources.py``);
``harness.data.download`` fetches, verifies and unpacks them. This module imports nothing heavy,
so declaring sources costs a suite nothing at import time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """How an archive becomes the official folder under the data root."""

    dest: str  # folder under the data root, e.g. "bird/mini_dev"
    marker: str  # the file whose folder in the archive is the one kept (its name varies)
    required: tuple[str, ...]  # files that must exist afterwards
    databases: str | None  # folder of <db_id>/<db_id>.sqlite that must not be empty; None: none
    nested: tuple[str, ...] = ()  # zips inside the kept folder, unpacked in place then removed
    copies: tuple[tuple[str, str], ...] = ()  # (source, target) extra names official tools read

    def describe(self) -> str:
        files = ", ".join(f"{self.dest}/{name}" for name in self.required)
        if self.databases is None:
            return files
        return f"{files} and {self.dest}/{self.databases}/<db_id>/<db_id>.sqlite"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a file-set dataset: where it is served and what its bytes hash to."""

    path: str  # where it lands, relative to the layout's dest (also its path under a --url mirror)
    url: str
    sha256: str | None  # None: no digest is known; the computed one is printed and recorded


@dataclass(frozen=True)
class Dataset:
    """One official archive: where it is, what it should hash to, how to unpack it."""

    name: str
    url: str
    sha256: str | None  # None: no checksum found; the computed one is printed and recorded
    size: int | None  # bytes, when known
    filename: str  # name of the archive (or, for a file set, its folder) under <root>/.downloads
    layout: Layout
    #: A file set instead of one archive: ``url`` is then the page that lists the files, and
    #: ``sha256`` is None (each file carries its own digest).
    files: tuple[RemoteFile, ...] = ()

"""What a downloadable archive is: its URL, pinned digest and how it unpacks into the data root.

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
    databases: str  # folder of <db_id>/<db_id>.sqlite; at least one must exist afterwards
    nested: tuple[str, ...] = ()  # zips inside the kept folder, unpacked in place then removed
    copies: tuple[tuple[str, str], ...] = ()  # (source, target) extra names official tools read

    def describe(self) -> str:
        files = ", ".join(f"{self.dest}/{name}" for name in self.required)
        return f"{files} and {self.dest}/{self.databases}/<db_id>/<db_id>.sqlite"


@dataclass(frozen=True)
class Dataset:
    """One official archive: where it is, what it should hash to, how to unpack it."""

    name: str
    url: str
    sha256: str | None  # None: no checksum found; the computed one is printed and recorded
    size: int | None  # bytes, when known
    filename: str  # name of the archive under <root>/.downloads
    layout: Layout

"""Download a suite's official archives into the data root (``harness data download``).

What happens, for ``download_dataset(dataset("bird"), root)`` (``harness.suite.dataset`` finds an
archive by name among the registered suites' ``downloads``; this package knows no suite):

1. The archive is fetched into ``<root>/.downloads/<file>.part``. An interrupted download is
   resumed on the next run with an HTTP ``Range`` request; a server that ignores it (answers 200)
   makes the download start over.
2. Its SHA-256 is computed and compared with the pinned one (or ``--sha256 HEX``). A mismatch
   deletes the file and stops. The digest is printed and written to ``<dest>/DOWNLOAD_SHA256``.
3. The folder holding the data is unpacked into a temporary folder beside the destination, with
   nested zips (BIRD's ``dev_databases.zip``) unpacked too, checked for the expected files, then
   moved into place entry by entry. A failed unpack leaves the destination as it was. Members with
   absolute paths, ``..`` or links outside the target are refused (see ``harness.data.unpack``).
4. The archive is deleted once unpacked.

A file set (Spider-Syn, Spider-DK, Spider-Realistic: plain files, no archive) goes the same way
file by file: each is fetched into ``<root>/.downloads/<set>/<path>.part`` (resumable), checked
against its own pinned digest, and once all are in, copied into a staged folder, checked for the
expected files and moved into place together. ``--url`` then names a mirror folder holding the
files at their paths; ``--sha256`` does not apply (there is one digest per file).

Each suite declares its archives beside itself (``Suite.downloads``: ``suites/spider/sources.py``,
``suites/bird/sources.py``), with the resulting layout and where each pinned digest comes from. The
publishers do not publish checksums; the pinned SHA-256 values are pins of the bytes the official
URLs served, recorded by several unrelated public projects, not a publisher's signature. If a
publisher re-releases an archive the check fails; read the release notes, then pass the new digest
with ``--sha256``.

To install by hand instead, unpack the archive yourself so that the files sit under the data
root (``--data-dir``, ``HARNESS_DATA_DIR`` or the default data folder).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import __version__
from harness.data.releases import Release
from harness.data.sources import Dataset, Layout, RemoteFile
from harness.data.unpack import data_prefix, extract, member_names
from harness.errors import ConfigError, DataError

TIMEOUT_S = 60  # per socket operation; a stalled server fails instead of hanging forever
CHUNK = 1 << 20
PROVENANCE = "DOWNLOAD_SHA256"

Say = Callable[[str], None]  # prints a status line, or not


def is_complete(dataset: Dataset, data_root: Path) -> bool:
    """Whether ``dataset`` is already unpacked under ``data_root`` in the official layout.

    True for data placed by hand as well: only the layout is checked, not the provenance file.
    """
    layout = dataset.layout
    return not _missing(layout, Path(data_root).expanduser() / layout.dest)


def download_dataset(
    dataset: Dataset,
    data_root: Path,
    *,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool = True,
) -> Path:
    """Download, verify and unpack ``dataset`` under ``data_root``; return its folder.

    Args:
        dataset: what to fetch (a suite's ``downloads`` entry; ``harness.suite.dataset(name)``).
        data_root: the data root; the dataset lands in ``data_root / layout.dest``.
        url: a mirror to fetch from instead of the official URL (the pinned checksum still holds).
        sha256: the digest to enforce, overriding the pinned one (64 hex characters).
        progress: report progress and the digest on stderr (a progress bar on a terminal).

    Raises:
        ConfigError: ``sha256`` is not a hex SHA-256.
        DataError: network, HTTP, disk, checksum or archive-content problems; the message says
            what to do.
    """
    if dataset.files:
        if sha256:
            raise ConfigError(
                f"{dataset.name} is a set of {len(dataset.files)} files, each with its own pinned "
                "digest; --sha256 applies only to single-archive datasets."
            )
        return _download_files(dataset, Path(data_root).expanduser(), url, progress)
    expected = _normalise_sha256(sha256) if sha256 else dataset.sha256
    source = url or dataset.url
    root = Path(data_root).expanduser()
    dest = root / dataset.layout.dest
    downloads = root / ".downloads"
    archive = downloads / dataset.filename
    part = downloads / f"{dataset.filename}.part"
    say = _reporter(progress)

    with _disk_errors(downloads, dataset):
        downloads.mkdir(parents=True, exist_ok=True)
        if not archive.exists():
            _fetch(source, part, dataset, progress=progress, say=say)
            actual = _verify(part, expected, dataset, say)
            os.replace(part, archive)
        else:  # verified before, but the unpack failed last time: check it again and reuse it
            say(f"Reusing {archive}")
            actual = _verify(archive, expected, dataset, say)
        try:
            _unpack(archive, dest, dataset, f"{actual}  {dataset.filename}\n# from {source}\n")
        except DataError:
            archive.unlink()  # its content is wrong, so the next run must fetch it again
            raise
        archive.unlink()
    say(f"{dataset.name} is ready in {dest}")
    return dest


def install_release(
    base: Dataset, chosen: Release, root: Path, mirror: str | None = None, progress: bool = True
) -> Path:
    """Put release ``chosen`` of dataset ``base`` under ``root``; return its folder.

    A release that is the base archive itself is that archive (downloaded afresh, which also
    restores its question files); another release is its question files, each pinned to its
    SHA-256 (fetched from ``mirror``, a folder, when given), placed over the base download's,
    which is fetched first when it is not complete: the release uses its databases.
    """
    root = Path(root).expanduser()
    if not chosen.files or not is_complete(base, root):
        download_dataset(base, root, progress=progress)
    if not chosen.files:
        return root / base.layout.dest
    files = Dataset(
        name=f"{base.name} release {chosen.name}",
        url=chosen.source,
        sha256=None,
        size=None,
        filename=f"{base.name}-release-{chosen.name}",
        layout=Layout(dest=base.layout.dest, marker=chosen.files[0].path,
                      required=tuple(f.path for f in chosen.files), databases=None),
        files=chosen.files,
    )
    return _download_files(files, root, mirror, progress)


def _download_files(dataset: Dataset, root: Path, mirror: str | None, progress: bool) -> Path:
    """Fetch and verify every file of a file set, then move them into place together."""
    dest = root / dataset.layout.dest
    downloads = root / ".downloads" / dataset.filename
    say = _reporter(progress)
    with _disk_errors(downloads, dataset):
        digests = []
        for remote in dataset.files:
            source = _file_url(remote, mirror)
            done = downloads / remote.path
            if done.exists():  # verified by an earlier run whose later files failed
                say(f"Reusing {done}")
                actual = _verify(done, remote.sha256, dataset, say)
            else:
                part = downloads / f"{remote.path}.part"
                part.parent.mkdir(parents=True, exist_ok=True)
                _fetch(source, part, dataset, progress=progress, say=say)
                actual = _verify(part, remote.sha256, dataset, say)
                os.replace(part, done)
            digests.append(f"{actual}  {remote.path}\n# from {source}\n")
        _place_files(downloads, dest, dataset, "".join(digests))
        shutil.rmtree(downloads)
    say(f"{dataset.name} is ready in {dest}")
    return dest


def _file_url(remote: RemoteFile, mirror: str | None) -> str:
    return f"{mirror.rstrip('/')}/{remote.path}" if mirror else remote.url


def _place_files(downloads: Path, dest: Path, dataset: Dataset, provenance: str) -> None:
    """Copy the verified files into a staged folder beside ``dest``, check it, move it in."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-unpack-", dir=dest.parent))
    try:
        folder = staging / "tree"
        for remote in dataset.files:
            target = folder / remote.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(downloads / remote.path, target)
        missing = _missing(dataset.layout, folder)
        if missing:  # the declaration itself is wrong: say so rather than half-install
            raise DataError(f"The {dataset.name} file set lacks {', '.join(missing)}.")
        (folder / PROVENANCE).write_text(provenance, encoding="utf-8")
        _move_into_place(folder, dest, staging / "old")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- download ------------------------------------------------------------------------------


def _open(url: str, have: int, dataset: Dataset):
    """The server's response for ``url`` from byte ``have`` on; None when the part file is
    already whole (HTTP 416 to a Range request). A failure is one DataError saying what to do."""
    request = urllib.request.Request(url, headers={"User-Agent": f"text2sql-harness/{__version__}"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: the part file is already whole
            return None
        raise DataError(
            f"Downloading {dataset.name} failed: {url} answered HTTP {exc.code} {exc.reason}. "
            + _fallback(dataset)
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataError(
            f"Could not reach {url} to download {dataset.name}: {reason}. "
            "Check the network connection (and any proxy), then run again. " + _fallback(dataset)
        ) from exc


def _fetch(url: str, part: Path, dataset: Dataset, *, progress: bool, say: Say) -> None:
    """Fetch ``url`` into ``part``, resuming from its current size when the server allows."""
    have = part.stat().st_size if part.exists() else 0
    response = _open(url, have, dataset)
    if response is None:
        return
    with response:
        resumed = response.status == 206
        if resumed and _range_start(response) != have:
            # A range we did not ask for: drop the partial file and fetch the whole thing.
            response.close()
            part.unlink()
            return _fetch(url, part, dataset, progress=progress, say=say)
        if not resumed:
            have = 0  # the server sent the whole file (it ignored the Range request)
        if response.headers.get_content_type() == "text/html":
            raise DataError(
                f"{url} sent a web page instead of the {dataset.name} archive (Google Drive does "
                "this when its download quota is exceeded or it wants a confirmation). Open the "
                "URL in a browser and save the archive, or use --url with a mirror. "
                + _fallback(dataset)
            )
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else dataset.size
        if have:
            say(f"Resuming {dataset.name} at {have:,} bytes")
        else:
            say(f"Downloading {dataset.name} from {url}")
        got = have
        with open(part, "ab" if resumed else "wb") as out, _bar(progress, total, have) as advance:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise _interrupted(url, dataset, got, part) from exc
                if not chunk:
                    break
                out.write(chunk)  # an OSError here is the disk's: see _disk_errors
                got += len(chunk)
                advance(len(chunk))
    if total is not None and got < total:
        raise _interrupted(url, dataset, got, part)


def _range_start(response: http.client.HTTPResponse) -> int | None:
    """The first byte of a 206 answer, from ``Content-Range: bytes START-END/TOTAL``."""
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _interrupted(url: str, dataset: Dataset, got: int, part: Path) -> DataError:
    return DataError(
        f"The download of {dataset.name} from {url} was interrupted after {got:,} bytes. "
        f"Run the same command again to resume from {part}. " + _fallback(dataset)
    )


def _fallback(dataset: Dataset) -> str:
    if dataset.files:
        return (
            f"To use a mirror, pass --url with a folder that holds the files. Or download them "
            f"by hand (listed at {dataset.url}) so that the data root holds "
            f"{dataset.layout.describe()}."
        )
    return (
        f"To use a mirror, pass --url. Or download {dataset.url} by hand and unpack it so that "
        f"the data root holds {dataset.layout.describe()}."
    )


def _verify(path: Path, expected: str | None, dataset: Dataset, say: Say) -> str:
    """The file's SHA-256; deletes the file and raises DataError when it is not ``expected``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    actual = digest.hexdigest()
    if expected and actual != expected:
        path.unlink()
        raise DataError(
            f"Checksum mismatch for {dataset.name}: expected SHA-256 {expected}, got {actual} "
            f"({path.name}, deleted). The download was corrupted, or the server sent another file "
            "(an error page, or a new release upstream). Run again to download afresh; if you "
            "have confirmed the new file is right, pass --sha256 with its digest."
        )
    verdict = "as expected" if expected else f"nothing to compare with; recorded in {PROVENANCE}"
    say(f"SHA-256 {actual} ({verdict})")
    return actual


# -- unpack --------------------------------------------------------------------------------


def _unpack(archive: Path, dest: Path, dataset: Dataset, provenance: str) -> None:
    """Unpack beside ``dest`` into a temporary folder, check it, then move it into place."""
    layout = dataset.layout
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-unpack-", dir=dest.parent))
    try:
        prefix = data_prefix(archive, layout.marker)
        extract(archive, staging / "tree", prefix)
        folder = staging.joinpath("tree", *prefix)
        for name in layout.nested:
            _unpack_nested(folder / name)
        for source, target in layout.copies:
            if (folder / source).is_file() and not (folder / target).exists():
                shutil.copyfile(folder / source, folder / target)
        missing = _missing(layout, folder)
        if missing:
            raise DataError(
                f"The {dataset.name} archive {archive.name} lacks {', '.join(missing)}, so it is "
                f"not the expected release. Nothing was changed in {dest}. " + _fallback(dataset)
            )
        (folder / PROVENANCE).write_text(provenance, encoding="utf-8")
        _move_into_place(folder, dest, staging / "old")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack_nested(inner: Path) -> None:
    """Unpack a zip that sits inside the archive (BIRD's dev_databases.zip) next to itself."""
    if not inner.is_file():
        return
    stem = inner.name.removesuffix(".zip")
    # Its members normally start with "dev_databases/"; if not, give them that folder.
    tops = {name.split("/", 1)[0] for name in member_names(inner)}
    extract(inner, inner.parent if tops == {stem} else inner.parent / stem)
    inner.unlink()


def _move_into_place(folder: Path, dest: Path, old: Path) -> None:
    """Move each entry of ``folder`` into ``dest``, replacing same-named entries.

    Entry by entry rather than the whole folder, so data that another archive put there
    (``bird/mini_dev`` inside ``bird``) survives.
    """
    dest.mkdir(parents=True, exist_ok=True)
    old.mkdir()
    try:
        for entry in sorted(folder.iterdir()):
            target = dest / entry.name
            if target.exists() or target.is_symlink():
                os.replace(target, old / entry.name)
            os.replace(entry, target)
    except OSError:
        for entry in old.iterdir():  # put back what was there before
            if not (dest / entry.name).exists():
                os.replace(entry, dest / entry.name)
        raise


def _missing(layout: Layout, folder: Path) -> list[str]:
    missing = [name for name in layout.required if not (folder / name).is_file()]
    if layout.databases is None:
        return missing
    databases = folder / layout.databases
    if not (databases.is_dir() and any(databases.glob("*/*.sqlite"))):
        missing.append(f"{layout.databases}/<db_id>/<db_id>.sqlite")
    return missing


# -- helpers -------------------------------------------------------------------------------


def _normalise_sha256(value: str) -> str:
    hexdigest = value.strip().lower()
    if len(hexdigest) != 64 or any(c not in "0123456789abcdef" for c in hexdigest):
        raise ConfigError(f"--sha256 must be 64 hexadecimal characters, got {value!r}.")
    return hexdigest


@contextmanager
def _disk_errors(downloads: Path, dataset: Dataset) -> Iterator[None]:
    """Turn file-system failures (disk full, permissions) into a DataError that says what to do."""
    try:
        yield
    except OSError as exc:
        size = f" (the archive is {dataset.size / 1e6:,.0f} MB)" if dataset.size else ""
        where = f" ({exc.filename})" if exc.filename else ""
        raise DataError(
            f"Could not write {dataset.name} data under {downloads.parent}: "
            f"{exc.strerror or exc}{where}. Free some disk space{size} or choose another folder "
            "with --data-dir, then run again (a partial download resumes)."
        ) from exc


def _reporter(progress: bool) -> Say:
    def say(message: str) -> None:
        if progress:
            print(message, file=sys.stderr, flush=True)

    return say


@contextmanager
def _bar(progress: bool, total: int | None, done: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on a terminal; otherwise a no-op ``advance``."""
    if not (progress and sys.stderr.isatty()):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("download", total=total, completed=done)
        yield lambda n: bar.advance(task, n)

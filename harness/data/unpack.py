"""Safe unpacking of downloaded benchmark archives (zip and tar).

Every member is checked before anything is written, so a hostile or broken archive is refused
whole: no absolute paths, no ``..`` (zip-slip), no links that leave the extracted data folder
(resolved from the link's own folder, so a deep data folder cannot be escaped either), no device
files, and no archive bomb: at most ``MAX_FILES`` members and ``MAX_RATIO`` times the archive's
own size (plus ``SLACK_BYTES``) once unpacked, counted from the headers that the readers then
enforce. After unpacking, every member's final resolved path (links followed) is checked again.
Only the members under one folder (the one holding a marker file, e.g. ``dev.json``) are
extracted, so sibling folders the harness does not use (BIRD Mini-Dev's MySQL and PostgreSQL
dumps) never reach the disk. macOS ``__MACOSX`` resource forks are skipped.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from harness.errors import DataError

_JUNK_TOP = "__MACOSX"
MAX_FILES = 200_000
MAX_RATIO = 200  # unpacked bytes per archive byte (the official archives are well under 50)
SLACK_BYTES = 64 * 1024 * 1024


def data_prefix(archive: Path, marker: str) -> tuple[str, ...]:
    """The folder (as path parts) of the shallowest ``marker`` file in ``archive``.

    Official archives wrap their files in a folder whose name changes between releases
    (``spider_data/``, ``spider/``, ``dev_20240627/``, ``dev/``, ``minidev/MINIDEV/``), so the
    folder is found by what it holds, not by its name.
    """
    hits = [
        PurePosixPath(name).parts[:-1]
        for name in member_names(archive)
        if PurePosixPath(name).name == marker
    ]
    if not hits:
        raise DataError(
            f"{archive.name} does not contain {marker}, so it is not the archive expected here. "
            "Check the URL (or --url) and download again."
        )
    return min(hits, key=len)


def extract(archive: Path, target: Path, prefix: tuple[str, ...] = ()) -> None:
    """Extract the members of ``archive`` under ``prefix`` into ``target``, keeping full names.

    Raises DataError naming the first unsafe member; in that case nothing is left behind: most
    members are refused before writing, and a link that only resolves outside once its chain of
    links is on disk is refused after, with every member written removed again.
    """
    created = not target.exists()
    folders = set() if created else _folders_present(target, member_names(archive))
    try:
        if zipfile.is_zipfile(archive):
            written = _extract_zip(archive, target, prefix)
        elif tarfile.is_tarfile(archive):
            written = _extract_tar(archive, target, prefix)
        else:
            raise _not_an_archive(archive)
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError) as exc:
        raise DataError(f"{archive.name} is corrupt ({exc}). Download it again.") from exc
    try:
        _check_resolved(archive, target, prefix, written)
    except DataError:
        _remove(target, written, created, folders)
        raise


def _folders_present(target: Path, names: list[str]) -> set[str]:
    """The folders on the members' paths that ``target`` already holds."""
    ancestors = {"/".join(PurePosixPath(n).parts[:i]) for n in names
                 for i in range(1, len(PurePosixPath(n).parts))}
    return {a for a in ancestors if (target / a).is_dir()}


def _remove(target: Path, names: list[str], created: bool, folders: set[str]) -> None:
    """Undo an extraction: the whole target when it was made for it, else the written members
    (links themselves, never what they point to) and the folders made for them, deepest first;
    ``folders`` (there before) stay."""
    if created:
        shutil.rmtree(target, ignore_errors=True)
        return
    made = {"/".join(PurePosixPath(n).parts[:i]) for n in names
            for i in range(1, len(PurePosixPath(n).parts) + 1)}
    for name in sorted(made - folders, key=lambda n: n.count("/"), reverse=True):
        path = target / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            with contextlib.suppress(OSError):  # not empty: it holds something of before
                path.rmdir()


def _check_limits(archive: Path, count: int, total: int) -> None:
    """Refuse an archive bomb before writing: too many members, or too many bytes unpacked."""
    if count > MAX_FILES:
        raise _unsafe(archive, f"({count} members)", f"over the {MAX_FILES}-member limit")
    allowed = MAX_RATIO * archive.stat().st_size + SLACK_BYTES
    if total > allowed:
        raise _unsafe(
            archive, f"({total / 2**20:.0f} MiB unpacked)",
            f"over {allowed / 2**20:.0f} MiB ({MAX_RATIO}x the archive's size): an archive bomb",
        )


def _check_resolved(archive: Path, target: Path, prefix: tuple[str, ...], names) -> None:
    """Every extracted member, links followed to the end, lies inside the data folder."""
    root = os.path.realpath(target.joinpath(*prefix)) if prefix else os.path.realpath(target)
    for name in names:
        final = os.path.realpath(target / name)
        if final != root and not final.startswith(root + os.sep):
            raise _unsafe(archive, name, "a path that resolves outside the target")


def member_names(archive: Path) -> list[str]:
    """The file members of ``archive`` with ``/`` separators, ``__MACOSX`` left out."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = [i.filename for i in zf.infolist() if not i.is_dir()]
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                names = [m.name for m in tf.getmembers() if not m.isdir()]
        else:
            names = None
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError) as exc:
        raise DataError(f"{archive.name} is corrupt ({exc}). Download it again.") from exc
    if names is None:
        raise _not_an_archive(archive)
    return [n.replace("\\", "/") for n in names if not _is_junk(n)]


def _not_an_archive(archive: Path) -> DataError:
    return DataError(
        f"{archive.name} is neither a zip nor a tar archive. It may be an error page saved by a "
        "server; download it again, or use --url with a mirror."
    )


def _is_junk(name: str) -> bool:
    return PurePosixPath(name.replace("\\", "/")).parts[:1] == (_JUNK_TOP,)


def _checked(archive: Path, name: str) -> PurePosixPath:
    """``name`` as a safe relative path, or DataError (absolute, drive letter, ``..``)."""
    raw = name.replace("\\", "/")
    path = PurePosixPath(raw)
    if raw.startswith("/") or path.is_absolute() or (path.parts and ":" in path.parts[0]):
        raise _unsafe(archive, name, "an absolute path")
    if ".." in path.parts:
        raise _unsafe(archive, name, "a '..' path that would write outside the target")
    return path


def _unsafe(archive: Path, name: str, why: str) -> DataError:
    return DataError(
        f"Refusing to unpack {archive.name}: member {name!r} is {why}. The official archives have "
        "no such member, so this file is not the official one; download it again from the "
        "official URL."
    )


def _under(path: PurePosixPath, prefix: tuple[str, ...]) -> bool:
    return path.parts[: len(prefix)] == prefix and len(path.parts) > len(prefix)


def _extract_zip(archive: Path, target: Path, prefix: tuple[str, ...]) -> list[str]:
    with zipfile.ZipFile(archive) as zf:
        chosen: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in zf.infolist():
            path = _checked(archive, info.filename)
            if _is_junk(info.filename) or not _under(path, prefix):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                # zipfile cannot create links; it would write the link text as a file instead.
                raise _unsafe(archive, info.filename, "a symbolic link")
            chosen.append((info, path))
        _check_limits(archive, len(chosen), sum(info.file_size for info, _ in chosen))
        for info, path in chosen:
            out = target.joinpath(*path.parts)
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        return [str(path) for _, path in chosen]


def _extract_tar(archive: Path, target: Path, prefix: tuple[str, ...]) -> list[str]:
    with tarfile.open(archive) as tf:
        chosen: list[tarfile.TarInfo] = []
        for member in tf.getmembers():
            path = _checked(archive, member.name)
            if _is_junk(member.name) or not _under(path, prefix):
                continue
            if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
                raise _unsafe(archive, member.name, "a device, FIFO or other special file")
            if member.issym():
                link = member.linkname
                resolved = PurePosixPath(posixpath.normpath(posixpath.join(str(path.parent), link)))
                # Inside the data folder itself, not just the archive: only that folder is kept.
                if link.startswith("/") or ".." in resolved.parts or not _under(resolved, prefix):
                    raise _unsafe(archive, member.name, f"a link to {link!r}, outside the target")
            if member.islnk():
                linked = _checked(archive, member.linkname)
                if not _under(linked, prefix):
                    raise _unsafe(archive, member.name, f"a hard link to {member.linkname!r}")
            chosen.append(member)
        _check_limits(archive, len(chosen), sum(m.size for m in chosen if m.isfile()))
        # The "data" filter (Python 3.11.4+) repeats these checks inside tarfile itself.
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tf.extractall(target, members=chosen, **kwargs)
        return [m.name for m in chosen]

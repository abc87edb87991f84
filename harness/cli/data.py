"""``harness data download``: fetch official benchmark archives into the data root."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness.cli.options import data_dir_option


@click.group()
def data() -> None:
    """Download benchmark data into the data root."""


@data.command("download")
@click.argument("name")
@data_dir_option
@click.option("--url", default=None, help="Download from this mirror instead.")
@click.option("--sha256", default=None, help="Require this SHA-256 for the archive.")
@click.option("--release", default=None,
              help="A named release (see `harness suites check`), e.g. bird: 2023-05, 20240627, "
                   "20251106 (its questions over 20240627's databases).")
def data_download(
    name: str, data_dir: Path | None, url: str | None, sha256: str | None, release: str | None
) -> None:
    """Fetch an official archive (checksum-verified, resumable) and unpack it.

    Example: harness data download spider; harness data download bird --release 20251106
    """
    from harness.data.download import download_dataset, install_release
    from harness.errors import ConfigError
    from harness.paths import data_root
    from harness.suite import dataset, release_of

    root, _ = data_root(data_dir)
    progress = sys.stderr.isatty()
    if release is None:
        path = download_dataset(dataset(name), root, url=url, sha256=sha256, progress=progress)
        click.echo(f"{name} is ready in {path}")
        return
    if sha256:
        raise ConfigError("--release fetches files each pinned to its own digest; it takes no "
                          "--sha256 (--url names a folder holding them).", option="--release")
    chosen = release_of(name, release)
    path = install_release(dataset(name), chosen, root, mirror=url, progress=progress)
    click.echo(f"{name} release {release} is ready in {path}")

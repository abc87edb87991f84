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
def data_download(name: str, data_dir: Path | None, url: str | None, sha256: str | None) -> None:
    """Fetch an official archive (checksum-verified, resumable) and unpack it.

    Example: harness data download spider
    """
    from harness.data.download import download_dataset
    from harness.paths import data_root
    from harness.suite import dataset

    root, _ = data_root(data_dir)
    path = download_dataset(dataset(name), root, url=url, sha256=sha256,
                            progress=sys.stderr.isatty())
    click.echo(f"{name} is ready in {path}")

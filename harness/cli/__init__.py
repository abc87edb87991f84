"""The ``harness`` command line: ``harness.cli:main`` (see ``app.py``)."""

from harness.cli.app import cli, main

__all__ = ["cli", "main"]

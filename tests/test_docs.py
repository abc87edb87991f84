"""The README documents every command, every rule and every verdict reason users meet."""

from __future__ import annotations

import click
import pytest

from harness.cli import cli
from harness.evaluation.rules import RULES
from tests.support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "harness") -> list[str]:
    names = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the top group loads its commands lazily
        command = group.get_command(ctx, name)
        names.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{prefix} {name}"))
    return names


def test_every_command_group_is_listed():
    assert len(_commands(cli)) > 12 and "harness submissions approve" in _commands(cli)


@pytest.mark.parametrize("command", _commands(cli))
def test_every_command_is_in_the_readme(command):
    assert command in README


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_is_in_the_readme(rule):
    assert f"`{rule}`" in README


@pytest.mark.parametrize(
    "reason",
    ["match", "rows_differ", "pred_error", "pred_timeout", "gold_error", "gold_timeout",
     "missing_prediction", "unscorable", "quirk:"],
)
def test_every_reason_is_in_the_readme(reason):
    assert f"`{reason}" in README


def test_the_first_lines_give_the_two_commands():
    head = README.splitlines()[:6]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)

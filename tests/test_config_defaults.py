"""A config subclass changes an inherited default through ``defaults``, never by declaring the
field again (a copy drifts: FINER-SQL's ``schema_format`` had lost its choices that way)."""

from __future__ import annotations

import dataclasses

import pytest

from harness.config import RunConfig
from harness.generation.backends import BACKENDS, config_class
from harness.method import METHODS, Default, MethodConfig


def redeclared(cls: type) -> list[str]:
    """``Class.field`` for each field ``cls`` declares although a parent config has it."""
    own = cls.__dict__.get("__annotations__", {})
    overridden = cls.__dict__.get("defaults") or {}
    inherited = {f.name for base in cls.__mro__[1:] if dataclasses.is_dataclass(base)
                 for f in dataclasses.fields(base)}
    return [f"{cls.__name__}.{name}" for name in own
            if name in inherited and name not in overridden]


def config_classes() -> set[type]:
    """Every config dataclass that makes flags: the methods', the run's and the backends'."""
    roots = [METHODS.get(name).config_class for name in METHODS.names()]
    roots += [RunConfig] + [config_class(name) for name in BACKENDS.names()]
    return {cls for root in roots for cls in root.__mro__ if dataclasses.is_dataclass(cls)}


def test_no_config_redeclares_an_inherited_field():
    classes = config_classes()
    assert len(classes) >= 8  # the four methods and their bases, the run, the backends
    assert [name for cls in classes for name in redeclared(cls)] == []


def test_the_check_sees_a_redeclared_field():
    @dataclasses.dataclass
    class Copied(MethodConfig):
        seed: int = dataclasses.field(default=3, metadata={"help": "Seed."})

    assert redeclared(Copied) == ["Copied.seed"]


def test_defaults_keep_the_parents_field_with_a_new_default():
    @dataclasses.dataclass
    class Parent(MethodConfig):
        depth: int | None = dataclasses.field(
            default=None, metadata={"help": "How deep.", "choices": (None, 2, 3)})
        options: dict = dataclasses.field(default_factory=dict, metadata={"help": "Options."})

    @dataclasses.dataclass
    class Child(Parent):
        defaults = {"depth": Default(2, "How deep (2 here)."), "options": {"a": [1]},
                    "seed": 7}
        width: int = dataclasses.field(default=1, metadata={"help": "How wide."})

    fields = {f.name: f for f in dataclasses.fields(Child)}
    assert [f.name for f in dataclasses.fields(Child)] == ["model", "seed", "depth", "options",
                                                          "width"]  # the parent's order
    assert (Child().depth, Child().seed, Child().options, Parent().depth) == (2, 7, {"a": [1]},
                                                                              None)
    assert dict(fields["depth"].metadata) == {"help": "How deep (2 here).", "choices": (None, 2, 3)}
    assert fields["seed"].metadata["help"] == "Seed for sampling and training."
    assert Child().options is not Child().options  # a mutable default is each instance's own
    assert Child(depth=3).depth == 3 and redeclared(Child) == []


@pytest.mark.parametrize("body, message", [
    ({"defaults": {"depht": 2}}, "'depht' is no field of a parent config"),
    ({"defaults": {"seed": 2}, "__annotations__": {"seed": "int"}, "seed": 2},
     "'seed' is declared here too"),
])
def test_a_wrong_default_fails_when_the_class_is_defined(body, message):
    with pytest.raises(TypeError, match=message):
        type("Wrong", (MethodConfig,), body)


def test_method_help_shows_the_subclass_defaults(capsys):
    from harness.cli import main

    assert main(["run", "--method", "finer-sql", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--schema-format [ddl|columns]" in text  # the parent's choices, finer-sql's default
    assert "which the memory gate needs) or ddl. [default: columns]" in text
    assert "Most tokens generated per completion during training. [default: 128]" in text

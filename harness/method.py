"""The Method interface and the method registry.

A method turns examples into predictions, optionally after training on a suite's train split:

    method = METHODS.get("prompting")(config)
    checkpoint = method.train(suite, "train", out_dir)        # only methods that train
    for prediction in method.predict(examples, suite): ...    # streamed, one per example

A new method is one file in ``methods/`` (or a third-party package registered under the
entry-point group ``harness.methods``, or ``--method path/to/file.py:ClassName``); it never edits
the core.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import typing
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from harness.core import Example, Prediction
from harness.errors import ConfigError
from harness.registry import Registry
from harness.suite import Suite


@dataclasses.dataclass(frozen=True)
class Default:
    """A subclass's default for an inherited field, with its own ``help`` where the parent's
    words would be wrong for it (a parent's "default: the model's context" beside a default of 320).
    """

    value: Any
    help: str | None = None


def inherit_defaults(cls: type) -> None:
    """Give ``cls`` (a class being defined, before ``@dataclass`` runs) the defaults of its own
    ``defaults`` mapping (field name -> value or :class:`Default`) for fields it inherits: each
    becomes the parent's field (type, metadata, position) with the new default, so the flags,
    their help, YAML keys and the run record stay those of the parent's field.

    A subclass never re-declares an inherited field (``tests/test_config_defaults.py``): a copy
    drifts from the parent's type, help or choices.
    """
    defaults = cls.__dict__.get("defaults") or {}
    own = cls.__dict__.get("__annotations__", {})
    parents = [base for base in cls.__mro__[1:] if dataclasses.is_dataclass(base)]
    if not defaults or not parents:
        return
    annotations = dict(own)
    for name, value in defaults.items():
        owner = next((base for base in parents if name in base.__dataclass_fields__), None)
        if owner is None or name in own:
            why = "is declared here too" if name in own else "is no field of a parent config"
            raise TypeError(f"{cls.__name__}.defaults: '{name}' {why}.")
        parent = owner.__dataclass_fields__[name]
        new = value if isinstance(value, Default) else Default(value)
        metadata = {**parent.metadata, **({"help": new.help} if new.help else {})}
        annotations[name] = typing.get_type_hints(owner)[name]
        if isinstance(new.value, dict | list | set):  # each instance its own copy, as a factory
            field = dataclasses.field(default_factory=functools.partial(copy.deepcopy, new.value),
                                      metadata=metadata)
        else:
            field = dataclasses.field(default=new.value, metadata=metadata)
        setattr(cls, name, field)
    cls.__annotations__ = annotations


@dataclasses.dataclass
class MethodConfig:
    """Fields shared by every method; subclasses add their own, each with a default and
    ``metadata={"help": ..., "choices": ...}``: the command line and its help are made from it.
    A subclass changes an inherited field's default in its ``defaults`` (:func:`inherit_defaults`),
    never by declaring the field again."""

    #: Inherited field -> this class's default for it (a value, or a :class:`Default` with help).
    defaults: ClassVar[dict[str, Any]] = {}

    model: str = dataclasses.field(
        default="smollm2-135m",
        metadata={"help": "Model: a short alias, a hub id, a local folder or a .gguf file."},
    )
    seed: int = dataclasses.field(default=0, metadata={"help": "Seed for sampling and training."})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        inherit_defaults(cls)

    def __post_init__(self) -> None:
        check_choices(self)

    @classmethod
    def nested_settings(cls) -> dict[str, set[str]]:
        """Settings that live in one of this config's mapping fields: field -> their names.
        A config file or flag may give them at the top level (``--tensor-parallel-size``);
        :func:`harness.config.build` files them under their field."""
        return {}


def field_meta(help: str, choices: Sequence[str] | None = None) -> dict[str, Any]:
    """A config field's metadata: its help, and the values it accepts when they are few (a
    registry's :meth:`~harness.registry.Registry.choices`, read when used, not here)."""
    return {"help": help} if choices is None else {"help": help, "choices": choices}


def check_choices(config: Any) -> None:
    """Refuse a value outside its field's ``choices`` metadata (the CLI offers the same list)."""
    for field in dataclasses.fields(config):
        choices = field.metadata.get("choices")
        value = getattr(config, field.name)
        if choices and value is not None and value not in choices:
            raise ConfigError(f"{field.name} '{value}' is unknown; "
                              f"choose one of {', '.join(map(str, choices))}.")


class Method(ABC):
    """Base class of every method adapter."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    config_class: ClassVar[type[MethodConfig]] = MethodConfig
    trains: ClassVar[bool] = False

    def __init__(self, config: MethodConfig | None = None):
        self.config = config if config is not None else self.config_class()

    def train(self, suite: Suite, split: str, out_dir: Path) -> Path | None:
        """Train on ``suite``'s ``split``; return the checkpoint folder (None: nothing trained)."""
        return None

    @abstractmethod
    def predict(self, examples: Sequence[Example], suite: Suite) -> Iterator[Prediction]:
        """Yield one Prediction per example as each finishes (the runner saves each at once)."""

    def provenance(self) -> dict[str, Any]:
        """What produced the predictions: the method, its full config, model identity."""
        return {"method": self.name, "config": dataclasses.asdict(self.config)}

    def close(self) -> None:
        """Release models and worker processes."""


METHODS: Registry[type[Method]] = Registry("method", entry_point_group="harness.methods")
METHODS.register("prompting", "methods.prompting:PromptingMethod")
METHODS.register("sft", "methods.sft:SFTMethod")
METHODS.register("grpo", "methods.grpo:GRPOMethod")
METHODS.register("finer-sql", "methods.finer_sql:FinerSQLMethod")

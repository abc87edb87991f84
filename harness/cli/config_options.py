"""Command-line options generated from config dataclasses: one source for flags, help, choices.

As TRL's ``HfArgumentParser`` does, a field such as::

    vote: str = field(default="value-aware",
                      metadata={"help": "How to pick among candidates.",
                                "choices": ["majority", "value-aware"]})

becomes the option ``--vote [majority|value-aware]`` with that help. Names turn ``_`` into ``-``;
a ``bool`` becomes ``--name/--no-name``; a ``dict`` takes YAML (``--trl-args '{optim: sgd}'``);
metadata ``aliases`` adds flag names (``--timeout`` for ``timeout_s``), ``directory`` makes it
a folder path and ``metavar`` names its value. Every option defaults to
None ("not given"), so a config file's value stands unless a flag overrides it
(:func:`harness.config.build` merges them and rejects a setting the chosen method lacks).

:class:`ConfigCommand` is a click command whose options are RunConfig's fields plus the method
config fields of every built-in method, and of the method that ``--method`` (or the ``--config``
file) names, so a third-party method's fields are flags as well. Its help groups the method
options by the methods that have them; with ``--method NAME --help`` it lists that method's
options only, with that method's defaults.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

import click

from harness.errors import HarnessError


class YamlMapping(click.ParamType):
    """A mapping written as YAML (or JSON) on the command line."""

    name = "yaml"

    def convert(self, value: Any, param, ctx) -> dict:
        if isinstance(value, dict):
            return value
        import yaml

        try:
            data = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            self.fail(f"is not valid YAML: {exc}", param, ctx)
        if not isinstance(data, dict):
            self.fail(f"must be a mapping such as '{{optim: sgd}}', got {value!r}", param, ctx)
        return data


def flag_name(field_name: str) -> str:
    """``max_new_tokens`` → ``--max-new-tokens``."""
    return "--" + field_name.replace("_", "-")


def _base_type(hint: Any) -> Any:
    """``int | None`` → ``int``; anything else as it is."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


class LiveChoice(click.Choice):
    """A ``click.Choice`` whose values are read from ``source`` (a registry's live names) each
    time they are used, so a name registered after the command was built is offered and taken."""

    def __init__(self, source: Iterable[Any]):
        self.source = source
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.source)

    @choices.setter
    def choices(self, _value: Any) -> None:  # click.Choice.__init__ assigns; the source stays
        pass


def _click_type(hint: Any, meta: Any) -> Any:
    if meta.get("choices") is not None:
        return LiveChoice(meta["choices"])
    if meta.get("directory"):
        return click.Path(file_okay=False)
    base = _base_type(hint)
    origin = typing.get_origin(base) or base
    if origin in (bool, int, float, str):
        return origin
    if origin is dict:
        return YamlMapping()
    raise TypeError(f"No command-line type for {hint!r}; give the field a str, int, float, "
                    "bool or dict type.")


def field_default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def field_option(
    field: dataclasses.Field, hint: Any, *, shown: str | None = None,
    flags: Sequence[str] | None = None, hidden: bool = False, group: str = "Options",
) -> click.Option:
    """The click option for one dataclass field (``flags`` replaces the generated names)."""
    meta = field.metadata
    names = list(flags) if flags else [flag_name(field.name), *meta.get("aliases", [])]
    kind = _click_type(hint, meta)
    help_text = meta.get("help") or ""
    if shown is not None:
        help_text = f"{help_text}  [default: {shown}]".strip()
    if kind is bool:
        decls = ["/".join((names[0], "--no-" + names[0][2:])), field.name]
        option = click.Option(decls, default=None, help=help_text, hidden=hidden)
    else:
        option = click.Option([*names, field.name], type=kind, default=None, help=help_text,
                              metavar=meta.get("metavar"), hidden=hidden)
    option.group = group  # type: ignore[attr-defined]  # the help section it is listed under
    return option


def shown_default(value: Any) -> str | None:
    """A default as the help shows it (None: not shown, the help text says what happens)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def config_fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if f.init]


def builtin_methods() -> dict[str, type]:
    """The methods that ship with the harness, base classes first."""
    from harness.method import METHODS

    found = {name: METHODS.get(name) for name in METHODS.names()
             if METHODS.origin(name) == "built-in"}
    # Base methods first (prompting, then the ones built on it): their help is the general one.
    order = sorted(found, key=lambda name: (len(found[name].__mro__), name))
    return {name: found[name] for name in order}


def method_options(
    methods: dict[str, type], chosen: type | None, taken: Iterable[str]
) -> list[click.Option]:
    """Options for the union of the methods' config fields (``chosen`` added, if any).

    With a chosen method its fields are listed with its defaults and the others hidden (still
    parsed, so that :func:`harness.config.build` names the closest field of the chosen method).
    Without one, each field is listed once under the methods that have it.
    """
    owners: dict[str, list[str]] = {}
    fields: dict[str, tuple[dataclasses.Field, Any]] = {}
    defaults: dict[str, dict[str, Any]] = {}
    every = dict(methods)
    if chosen is not None:
        every[chosen.name] = chosen
    for name, cls in every.items():
        for field, hint in config_fields(cls.config_class):
            if field.name in taken:
                continue
            owners.setdefault(field.name, []).append(name)
            fields.setdefault(field.name, (field, hint))
            defaults.setdefault(field.name, {})[name] = field_default(field)
    options = []
    for name, (field, hint) in fields.items():
        if chosen is not None:
            mine = chosen.name in owners[name]
            if mine:  # the chosen method's own field: its metadata and default
                field, hint = next((f, h) for f, h in config_fields(chosen.config_class)
                                   if f.name == name)
            options.append(field_option(
                field, hint, hidden=not mine, group=f"Options of method {chosen.name}",
                shown=shown_default(defaults[name].get(chosen.name)),
            ))
            continue
        values = defaults[name]
        if len({repr(v) for v in values.values()}) == 1:
            shown = shown_default(next(iter(values.values())))
        else:
            shown = ", ".join(f"{m} {shown_default(v) or 'none'}" for m, v in values.items())
        who = owners[name]
        group = ("Options of every method" if len(who) == len(every)
                 else f"Options of {', '.join(who)}")
        options.append(field_option(field, hint, shown=shown, group=group))
    return options


def backend_options(taken: Iterable[str] = ()) -> list[click.Option]:
    """Options for the settings of every registered generation backend, each listed once under
    the backends that have it (read from the registry when a command is built, so a backend
    registered by a plugin or a test has its flags too)."""
    from harness.generation.backends import BACKENDS, config_class

    owners: dict[str, list[str]] = {}
    fields: dict[str, tuple[dataclasses.Field, Any]] = {}
    for name in BACKENDS.names():
        for field, hint in config_fields(config_class(name)):
            if field.name in taken:
                continue
            owners.setdefault(field.name, []).append(name)
            fields.setdefault(field.name, (field, hint))
    return [
        field_option(field, hint, shown=shown_default(field_default(field)),
                     group=f"Options of backend {', '.join(owners[name])}")
        for name, (field, hint) in fields.items()
    ]


def peek_method(args: Sequence[str]) -> type | None:
    """The method class that ``--method`` or the ``--config`` file names (None: not given, or
    not loadable now; the command reports that properly once its options are parsed)."""
    from harness.config import load_yaml, resolve_method

    spec = config_file = None
    for i, arg in enumerate(args):
        for option in ("--method", "--config"):
            value = None
            if arg == option and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(option + "="):
                value = arg.split("=", 1)[1]
            if value is not None and option == "--method":
                spec = value
            elif value is not None:
                config_file = value
    try:
        if spec is None and config_file is not None:
            spec = load_yaml(config_file).get("method")
        return resolve_method(str(spec)) if spec else None
    except (HarnessError, OSError, SyntaxError, ImportError):
        return None


class ConfigCommand(click.Command):
    """A command whose options come from RunConfig and the method configs (built lazily, so
    ``harness --help`` imports no method).

    Args:
        run_fields: the RunConfig fields this command takes, in order.
        flags: replacement flag names for some fields (``{"train_split": ["--split"]}``).
    """

    def __init__(self, *args, run_fields: Sequence[str],
                 flags: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.run_fields = list(run_fields)
        self.flags = flags or {}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["harness.method"] = peek_method(args)
        return super().parse_args(ctx, args)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if "harness.params" not in ctx.meta:
            ctx.meta["harness.params"] = self._config_params(ctx.meta.get("harness.method"))
        static = super().get_params(ctx)
        help_options = [p for p in static if p.name == "help"]
        others = [p for p in static if p.name != "help"]
        return others + ctx.meta["harness.params"] + help_options

    def _config_params(self, chosen: type | None) -> list[click.Option]:
        from harness.config import RunConfig

        run = {f.name: (f, h) for f, h in config_fields(RunConfig)}
        params = [
            field_option(run[name][0], run[name][1], flags=self.flags.get(name),
                         shown=shown_default(field_default(run[name][0])), group="Run options")
            for name in self.run_fields
        ]
        methods = method_options(builtin_methods(), chosen, taken=set(self.run_fields))
        taken = set(self.run_fields) | {p.name for p in methods if p.name}
        return params + methods + backend_options(taken)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record:
                groups.setdefault(getattr(param, "group", "Options"), []).append(record)
        for title, records in groups.items():
            with formatter.section(title):
                formatter.write_dl(records)

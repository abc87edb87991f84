"""Run configuration: dataclass defaults < ``--config file.yaml`` < command-line flags.

A config file is flat YAML. Keys that name a :class:`RunConfig` field set up the run (suite,
split, output…); every other key must be a field of the chosen method's config dataclass::

    method: finer-sql
    suite: bird
    model: Qwen/Qwen2.5-Coder-3B-Instruct
    num_generations: 16
    learning_rate: 5.0e-6

Unknown keys are errors that suggest the closest field, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError, did_you_mean
from harness.evaluation.config import EvalConfig

if TYPE_CHECKING:  # imported where used: the CLI reads RunConfig's fields without the methods
    from harness.method import Method


def _field(default: Any, help: str, **metadata: Any) -> Any:
    return dataclasses.field(default=default, metadata={"help": help, **metadata})


@dataclasses.dataclass
class RunConfig(EvalConfig):
    """What a ``harness run`` does besides the method's own settings: the evaluation's settings
    (:class:`~harness.evaluation.config.EvalConfig`, the same fields and help as ``harness eval``)
    and where the run comes from and goes.

    Each field is a command-line flag too (``harness.cli.config_options``): its metadata holds
    the flag's help, and optionally ``choices`` and ``aliases`` (further flag names).
    """

    method: str = _field("prompting", "Method: a registered name, or path/to/file.py:ClassName.")
    suite: str | None = _field(None, "Suite (default: the embedded sample suite).")
    train_split: str | None = _field(None, "Training split (default: the suite's train split).")
    data_dir: str | None = _field(
        None, "Benchmark data root (default: $HARNESS_DATA_DIR, else the per-user data folder).",
        metavar="DIR", directory=True,
    )
    out: str | None = _field(None, "Run folder (default: a new folder under runs/).",
                             metavar="DIR")
    baseline: bool = _field(True, "Training methods: also score the untrained model first.")
    seeds: str | None = _field(None, "Run once per seed (0,1,2, or a count: 3) into "
                                     "<out>/seed-<s>, then write <out>/aggregate.json.")

    def eval_config(self, split: str, vote: str | None = None) -> EvalConfig:
        """The evaluation part of the run, for ``split`` (and the method's own ``vote``)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(EvalConfig)}
        return EvalConfig(**{**values, "split": split, "vote": vote or self.vote})


def load_yaml(path: str | Path) -> dict[str, Any]:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of settings, not {type(data).__name__}.")
    return data


def resolve_method(spec: str) -> type[Method]:
    """A registered method name, or ``path/to/file.py:ClassName`` for a method in a file."""
    from harness.method import METHODS, Method

    if ".py:" in spec:
        file_name, _, class_name = spec.rpartition(":")
        path = Path(file_name)
        if not path.is_file():
            raise ConfigError(f"Method file not found: {path}")
        module_name = f"harness_user_methods.{path.stem}"
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module  # dataclasses look their module up while defining
        module_spec.loader.exec_module(module)
        cls = getattr(module, class_name, None)
        if not (isinstance(cls, type) and issubclass(cls, Method)):
            raise ConfigError(f"{path} has no Method subclass named '{class_name}'.")
        return cls
    return METHODS.get(spec)


def field_names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _unknown(key: str, known: list[str], where: str) -> ConfigError:
    return ConfigError(f"Unknown setting '{key}' {where}.{did_you_mean(key, known)} "
                       f"Settings: {', '.join(known)}.", option=key)


def build(
    method_cls: type[Method], file_values: dict[str, Any], flag_values: dict[str, Any]
) -> tuple[RunConfig, Any]:
    """(RunConfig, method config) from a config file's values and explicitly given flags."""
    run_fields, method_fields = field_names(RunConfig), field_names(method_cls.config_class)
    # A nested setting (a backend's ``--tensor-parallel-size``) goes to the mapping field that
    # the method config names for it (prompting's ``backend_options``).
    nested = getattr(method_cls.config_class, "nested_settings", dict)()
    nested_fields = {name for names in nested.values() for name in names}
    run_values: dict[str, Any] = {}
    method_values: dict[str, Any] = {}
    nested_values: dict[str, dict[str, Any]] = {}
    for source, values in (("in the config file", file_values), ("given as a flag", flag_values)):
        for key, value in values.items():
            key = key.replace("-", "_")
            # A name both configs have (``rule``) sets both: one setting, one meaning.
            if key in run_fields:
                run_values[key] = value
            if key in method_fields:
                method_values[key] = value
            elif key in nested_fields:
                target = next(field for field, names in nested.items() if key in names)
                nested_values.setdefault(target, {})[key] = value
            if key not in run_fields and key not in method_fields and key not in nested_fields:
                where = f"for method '{method_cls.name}' ({source})"
                known = sorted(set(run_fields + method_fields) | nested_fields)
                raise _unknown(key, known, where)
    for target, values in nested_values.items():
        method_values[target] = {**method_values.get(target, {}), **values}
    try:
        run = RunConfig(**run_values)
        method_config = method_cls.config_class(**method_values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Invalid settings for method '{method_cls.name}': {exc}") from exc
    return run, method_config


def as_dict(config) -> dict[str, Any]:
    return dataclasses.asdict(config)

"""The generation-backend registry: one place that maps a name to a backend class.

    from harness.generation.backends import load_generator
    gen = load_generator("smollm2-135m", "auto")   # the first usable backend, by auto_priority

A backend is a class implementing :class:`~harness.generation.base.Generator` with four class
attributes the registry reads:

* ``name``: what ``--backend`` takes;
* ``Config``: a :class:`~harness.generation.base.BackendConfig` dataclass of its settings (each
  field a flag of ``harness run`` and ``harness serve``; the instance's fields are the class's
  keyword arguments);
* ``auto_priority``: where ``auto`` tries it (highest first; None: never chosen by ``auto``);
* ``usable(model)``: a classmethod, whether ``auto`` may pick it on this machine for ``model``
  (cheap: no model is loaded).

Built-ins register as lazy ``"module:Class"`` strings, so listing backends imports no torch;
a package adds one through the entry-point group ``harness.backends``, a test or a script with
``BACKENDS.register(name, cls)``. Adding a backend touches only its own module and that line.
"""

from __future__ import annotations

import inspect
from typing import Any

from harness.errors import ConfigError
from harness.generation.base import BackendConfig, Generator
from harness.registry import Registry

AUTO = "auto"

BACKENDS: Registry[type] = Registry("backend", entry_point_group="harness.backends")
BACKENDS.register("transformers", "harness.generation.transformers_backend:TransformersGenerator")
BACKENDS.register("vllm", "harness.generation.vllm_backend:VLLMGenerator")
BACKENDS.register("openai", "harness.generation.openai_backend:OpenAIGenerator")
BACKENDS.register("llama.cpp", "harness.generation.llamacpp_backend:LlamaCppGenerator")

#: What ``--backend`` accepts: ``auto`` and every registered name, read when used.
BACKEND_CHOICES = BACKENDS.choices(AUTO)

#: Run-wide settings a backend gets when its constructor takes them (one batch size and one seed
#: per run, whichever backend serves it).
SHARED_SETTINGS = ("batch_size", "seed")


def resolve_backend(backend: str = AUTO, model: str | None = None) -> str:
    """The concrete backend for ``backend``: ``auto`` is the usable backend with the highest
    ``auto_priority`` for ``model`` (vLLM on a CUDA GPU with vllm installed; llama.cpp for a GGUF
    model on a machine without a GPU when llama-cpp-python is installed; else transformers)."""
    if backend != AUTO:
        BACKENDS.get(backend)  # an unknown name: one error listing the known ones
        return backend
    ranked = []
    for name in BACKENDS.names():
        cls = BACKENDS.get(name)
        priority = getattr(cls, "auto_priority", None)
        if priority is not None:
            ranked.append((priority, name, cls))
    for _, name, cls in sorted(ranked, key=lambda r: (-r[0], r[1])):
        if cls.usable(model):
            return name
    raise ConfigError("No generation backend is usable on this machine; name one with --backend.")


def config_class(backend: str) -> type[BackendConfig]:
    return BACKENDS.get(backend).Config


def backend_config(backend: str, settings: dict[str, Any]) -> BackendConfig:
    """``backend``'s Config from ``settings``; a setting it does not have is one clear error."""
    cls = config_class(backend)
    known = sorted(f for f in cls.__dataclass_fields__)
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise ConfigError(
            f"Backend '{backend}' has no setting {', '.join(unknown)}. "
            f"Its settings: {', '.join(known) or 'none'}."
        )
    try:
        return cls(**settings)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Invalid settings for backend '{backend}': {exc}") from exc


def all_setting_names() -> set[str]:
    """Every setting of every registered backend (what a config may route to a backend)."""
    return {f for name in BACKENDS.names() for f in config_class(name).__dataclass_fields__}


def load_generator(
    model: str, backend: str = AUTO, config: BackendConfig | None = None, **shared: Any
) -> Generator:
    """A ready :class:`Generator` for ``model`` on ``backend``.

    ``config``: the backend's settings (default: its Config's defaults). ``shared``: the
    run-wide :data:`SHARED_SETTINGS`, passed on to a backend whose constructor takes them, and
    any other keyword its constructor takes (for callers that hold no Config).
    """
    chosen = resolve_backend(backend, model)
    cls = BACKENDS.get(chosen)
    settings = config.kwargs() if config is not None else {}
    accepted = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    for key, value in shared.items():
        if key in accepted or takes_any or key not in SHARED_SETTINGS:
            settings.setdefault(key, value)
    return cls(model, **settings)

"""Generation: backends behind one interface, prompts, output parsing and a disk cache.

    from harness.generation import SamplingParams, load_generator
    gen = load_generator("smollm2-135m", backend="auto")     # vLLM on a CUDA GPU, else transformers
    [[completion]] = gen.generate([[{"role": "user", "content": "..."}]], SamplingParams())

Modules: ``base`` (SamplingParams, Completion, Generator, BackendConfig), ``backends`` (the
registry: name -> backend class), ``models`` (aliases, GGUF conversion), ``transformers_backend``,
``vllm_backend``, ``openai_backend``, ``prompts``, ``parsing``, ``cache``. Backends
import their heavy dependencies only when chosen.
"""

from __future__ import annotations

from harness.generation.backends import (
    BACKEND_CHOICES,
    BACKENDS,
    backend_config,
    load_generator,
    resolve_backend,
)
from harness.generation.base import BackendConfig, Completion, Generator, Messages, SamplingParams

__all__ = [
    "BACKENDS",
    "BACKEND_CHOICES",
    "BackendConfig",
    "Completion",
    "Generator",
    "Messages",
    "SamplingParams",
    "backend_config",
    "load_generator",
    "resolve_backend",
]

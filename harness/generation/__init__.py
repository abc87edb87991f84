"""Generation: backends behind one interface, prompts, output parsing, voting, and a disk cache.

    from harness.generation import SamplingParams, load_generator
    gen = load_generator("smollm2-135m", backend="auto")     # vLLM on a CUDA GPU, else transformers
    [[completion]] = gen.generate([[{"role": "user", "content": "..."}]], SamplingParams())

Modules: ``base`` (SamplingParams, Completion, Generator), ``models`` (aliases, GGUF conversion),
``transformers_backend``, ``vllm_backend``, ``openai_backend``, ``prompts``, ``parsing``,
``voting``, ``cache``. Backends import their heavy dependencies only when chosen.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from harness.errors import UnknownNameError
from harness.generation.base import Completion, Generator, Messages, SamplingParams

BACKENDS = ("auto", "transformers", "vllm", "openai")

__all__ = [
    "BACKENDS",
    "Completion",
    "Generator",
    "Messages",
    "SamplingParams",
    "load_generator",
    "resolve_backend",
]


def resolve_backend(backend: str = "auto") -> str:
    """The concrete backend for ``backend``: ``auto`` is vLLM when a CUDA GPU and the vllm
    package are both present, else transformers."""
    if backend not in BACKENDS:
        raise UnknownNameError("backend", backend, BACKENDS)
    if backend != "auto":
        return backend
    if importlib.util.find_spec("vllm") is None:
        return "transformers"
    try:
        import torch
    except ImportError:
        return "transformers"
    return "vllm" if torch.cuda.is_available() else "transformers"


def load_generator(model: str, backend: str = "auto", **kwargs: Any) -> Generator:
    """A ready :class:`Generator` for ``model`` on ``backend``; keyword arguments go to its class.

    transformers: ``dtype``, ``device``, ``batch_size``, ``revision``, ``gguf_file``.
    vllm: ``dtype``, ``tensor_parallel_size``, ``max_model_len``, ``enforce_eager``, engine options.
    openai: ``endpoint``, ``api_key``, ``concurrency``, ``max_retries``, ``context_length``.
    """
    chosen = resolve_backend(backend)
    if chosen == "transformers":
        from harness.generation.transformers_backend import TransformersGenerator

        return TransformersGenerator(model, **kwargs)
    if chosen == "vllm":
        from harness.generation.vllm_backend import VLLMGenerator

        return VLLMGenerator(model, **kwargs)
    from harness.generation.openai_backend import OpenAIGenerator

    return OpenAIGenerator(model, **kwargs)

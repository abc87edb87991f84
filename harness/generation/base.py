"""The generation interface every backend implements: sampling parameters in, completions out.

A backend is a class registered by name in :mod:`harness.generation.backends` (``auto`` picks the
first usable one by each class's ``auto_priority``) with a :class:`BackendConfig` dataclass of its
settings, whose fields become command-line flags.
Prompts are chat messages (``[{"role": "system", "content": ...}, {"role": "user", ...}]``); each
backend applies the model's chat template itself.

Timing fields of :class:`Completion` are measured from the moment ``generate()`` was called, so a
caller that submits one batch per call reads them directly as "time since the batch was submitted".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class SamplingParams:
    """How to sample. ``temperature == 0`` means greedy decoding (``top_p`` and ``seed`` unused).

    >>> SamplingParams().greedy
    True
    >>> SamplingParams(temperature=1.0, n=4, seed=7).to_dict()["n"]
    4
    """

    temperature: float = 0.0  # 0 = greedy; FINER-SQL samples 30 candidates at 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0 = off (every backend is told so: a checkpoint's default never leaks in)
    repetition_penalty: float = 1.0  # 1.0 = off, likewise passed explicitly
    max_new_tokens: int = 256  # completion budget per candidate
    n: int = 1  # completions per prompt
    seed: int = 0  # each batch (transformers) or request (vLLM, HTTP) starts from this seed
    stop: tuple[str, ...] = ()  # cut the completion at the first of these strings

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0 or not self.repetition_penalty > 0:
            raise ValueError(
                f"top_k must be >= 0 and repetition_penalty > 0, got {self.top_k}, "
                f"{self.repetition_penalty}"
            )
        if self.n < 1 or self.max_new_tokens < 1:
            raise ValueError(
                f"n and max_new_tokens must be >= 1, got {self.n}, {self.max_new_tokens}"
            )
        object.__setattr__(self, "stop", tuple(self.stop))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["stop"] = list(self.stop)
        return d


@dataclass(frozen=True)
class Completion:
    """One generated completion.

    ``latency_s``: seconds from the ``generate()`` call (or, on a backend that runs prompts one at
    a time, from the start of this prompt's turn) to this completion's last token.
    ``ttft_s``: seconds from the same start to its first token (None when unmeasured).
    ``finish_reason``: ``stop`` (end of sequence or a stop string) or ``length`` (token budget).
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    ttft_s: float | None = None
    finish_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Completion:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in fields})


@dataclass
class BackendConfig:
    """A backend's own settings. Each backend subclasses it; every field (with
    ``metadata={"help": ..., "choices": ...}``) becomes a flag of ``harness run`` and
    ``harness serve``, and the instance's fields are the backend class's keyword arguments."""

    def kwargs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


class StaticIdentity:
    """``identity`` and ``context_length`` for backends that learn both once, when loading
    (vLLM, an OpenAI-compatible server): set ``_identity`` and ``_context_length``."""

    _identity: dict[str, Any]
    _context_length: int | None

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    @property
    def context_length(self) -> int | None:
        return self._context_length


@runtime_checkable
class Generator(Protocol):
    """What the prompting method, the server and the trainers need from a backend."""

    @property
    def identity(self) -> dict[str, Any]:
        """Backend, model id, revision or weights hash, dtype: the cache key and provenance."""
        ...

    @property
    def context_length(self) -> int | None:
        """Maximum prompt + completion tokens, or None when the backend cannot tell."""
        ...

    def generate(self, prompts: list[Messages], params: SamplingParams) -> list[list[Completion]]:
        """``params.n`` completions for each prompt, in prompt order. A backend may also take
        ``cancel`` (a ``threading.Event``): once it is set, stop and return what there is; the
        server passes one so that a client that leaves frees the model."""
        ...

    def count_tokens(self, messages: Messages) -> int:
        """Tokens of the rendered chat prompt (with the generation prompt appended)."""
        ...

    def close(self) -> None:
        """Free the model (GPU memory, worker processes, HTTP pools)."""
        ...


def cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string; say whether one was found.

    >>> cut_at_stop("SELECT 1;\\nThis query", (";",))
    ('SELECT 1', True)
    >>> cut_at_stop("SELECT 1", ("</s>",))
    ('SELECT 1', False)
    """
    positions = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    if not positions:
        return text, False
    return text[: min(positions)], True

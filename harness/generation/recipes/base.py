"""What a recipe is: a model, a prompt format, a decoding preset, an extractor, a selection rule.

A recipe is "evaluate checkpoint X as its authors did" written down once: ``harness run --recipe
NAME`` takes every setting from it, flags still override, and the run record lists which values
came from where. Each recipe cites the upstream code its settings were read from and the
published numbers it should reproduce.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Decoding:
    """A decoding preset: every sampling parameter explicit (nothing from generation_config)."""

    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0  # 0 = off (vLLM's -1)
    repetition_penalty: float = 1.0  # 1.0 = off
    max_new_tokens: int = 2048
    stop: str | None = None  # one stop string (FINER-SQL: <|endoftext|>); None = end of turn
    seed: int = 0

    @property
    def label(self) -> str:
        return "greedy" if self.n == 1 else f"n={self.n}, T={self.temperature:g}"


@dataclass(frozen=True)
class Published:
    """One published number this recipe is meant to reproduce."""

    suite: str
    split: str
    score: float
    metric: str = "EX"  # EX | TS
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a checkpoint's number besides the scorer."""

    name: str
    model: str
    prompt_format: str
    decoding: Decoding
    extractor: str
    selection: str  # none (one sample) or a voting strategy of harness.generation.voting
    description: str
    upstream: str  # the code the settings were read from
    published: tuple[Published, ...] = ()
    notes: str = ""
    prompt_options: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        """The prompting method's settings this recipe fixes (field name → value)."""
        d = self.decoding
        out: dict[str, Any] = {
            "model": self.model,
            "prompt_format": self.prompt_format,
            "extractor": self.extractor,
            "samples": d.n,
            "temperature": d.temperature,
            "top_p": d.top_p,
            "top_k": d.top_k,
            "repetition_penalty": d.repetition_penalty,
            "max_new_tokens": d.max_new_tokens,
            "stop": d.stop,
            "seed": d.seed,
        }
        if self.selection != "none":
            out["vote"] = self.selection
        if self.prompt_options:
            out["prompt_options"] = dict(self.prompt_options)
        return out

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

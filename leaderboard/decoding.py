"""Decoding as data: how many samples a row's number took, and which rows may be ranked together.

Published Text-to-SQL numbers mix one greedy decode with 8-, 30- and 64-sample voting and with
multi-model pipelines; self-consistency alone adds 2–6 EX points on BIRD dev, more than most gaps
between methods. So every row carries a :class:`Decoding` (strategy, samples, temperature, extra
models) and a *class* derived from it; the board ranks rows only within one class.

The classes follow the BIRD board's self-consistency classes (bird-bench.github.io, 2025-05-22):
*Few* 1–7 samples, *Many* 8–32, *Scale* more than 32.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from harness.errors import SubmissionError

STRATEGIES = {
    "greedy": "one greedy decode (temperature 0)",
    "sampled": "one sampled decode (temperature > 0)",
    "majority": "majority vote over n sampled candidates (self-consistency)",
    "value-aware": "value-aware voting over n candidates (FINER-SQL)",
    "best-of": "best of n candidates, chosen by a reward or verifier model",
    "pipeline": "a multi-stage pipeline (several models, revision or merge steps)",
}
CLASS_GREEDY = "single greedy decode"
CLASS_SAMPLED = "single sampled decode"
CLASS_FEW = "several samples: few (2–7)"
CLASS_MANY = "several samples: many (8–32)"
CLASS_SCALE = "several samples: scale (>32)"
CLASS_SEVERAL = "several samples: number not stated"
CLASS_PIPELINE = "pipeline or extra models"
CLASS_UNKNOWN = "decoding not stated"
CLASSES = (CLASS_GREEDY, CLASS_SAMPLED, CLASS_FEW, CLASS_MANY, CLASS_SCALE, CLASS_SEVERAL,
           CLASS_PIPELINE, CLASS_UNKNOWN)
MULTI_SAMPLE = ("majority", "value-aware", "best-of")
MAX_SAMPLES = 100_000

# Spellings seen in papers and on boards -> our strategy.
_ALIASES = {
    "greedy": "greedy", "argmax": "greedy", "single": "greedy", "none": "greedy",
    "sample": "sampled", "sampled": "sampled", "pass@1": "sampled",
    "maj": "majority", "majority": "majority", "sc": "majority", "self-consistency": "majority",
    "vote": "majority", "voting": "majority",
    "vav": "value-aware", "value-aware": "value-aware",
    "best-of": "best-of", "bo": "best-of", "bon": "best-of", "prm": "best-of", "rerank": "best-of",
    "pipeline": "pipeline", "csc": "pipeline", "agent": "pipeline",
}


@dataclass(frozen=True)
class Decoding:
    """How a row's predictions were decoded; ``None`` fields were not stated."""

    strategy: str | None = None
    n: int | None = None
    temperature: float | None = None
    extra_models: str | None = None

    def __post_init__(self) -> None:
        if self.strategy is not None and self.strategy not in STRATEGIES:
            raise SubmissionError(
                f"Decoding strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}."
            )
        if self.n is not None and not 1 <= self.n <= MAX_SAMPLES:
            raise SubmissionError(f"The number of samples must be 1…{MAX_SAMPLES}, got {self.n}.")
        if self.temperature is not None and not (
            math.isfinite(self.temperature) and 0 <= self.temperature <= 10
        ):
            raise SubmissionError(f"Temperature must be 0…10, got {self.temperature}.")

    @property
    def label(self) -> str:
        """Short text for a table cell: ``greedy``, ``majority@8 T=0.8``, ``pipeline +merge``."""
        if self.strategy is None:
            return "not stated"
        text = self.strategy
        if self.n and self.n > 1:
            text += f"@{self.n}"
        if self.temperature is not None and self.strategy != "greedy":
            text += f" T={self.temperature:g}"
        if self.extra_models:
            text += f" + {self.extra_models}"
        return text

    def columns(self) -> dict:
        """The store's decoding_* columns of a submission (``SubmissionRecord`` fields)."""
        return {
            "decoding_strategy": self.strategy, "decoding_n": self.n,
            "decoding_temperature": self.temperature, "decoding_extra_models": self.extra_models,
        }

    @property
    def decoding_class(self) -> str:
        """The class a ranking stays within (see the module docstring)."""
        if self.strategy is None:
            return CLASS_UNKNOWN
        if self.strategy == "pipeline" or self.extra_models:
            return CLASS_PIPELINE
        if self.n is None and self.strategy in MULTI_SAMPLE:
            return CLASS_SEVERAL
        n = self.n or 1
        if n == 1:
            return CLASS_GREEDY if self.strategy == "greedy" else CLASS_SAMPLED
        if n <= 7:
            return CLASS_FEW
        return CLASS_MANY if n <= 32 else CLASS_SCALE

    @property
    def single_greedy(self) -> bool:
        return self.decoding_class == CLASS_GREEDY


def parse_decoding(
    text: str | None,
    n: int | None = None,
    temperature: float | None = None,
    extra_models: str | None = None,
) -> Decoding:
    """A Decoding from free text (``greedy``, ``maj@8``, ``SC@8``, ``vav@30``, ``CSC@64``,
    ``best-of@6``) and explicit fields, which win over what the text says.

    >>> parse_decoding("maj@8 (T = 0.8)")
    Decoding(strategy='majority', n=8, temperature=0.8, extra_models=None)
    >>> parse_decoding("CSC@64").decoding_class
    'pipeline or extra models'
    >>> parse_decoding("greedy").label, parse_decoding(None).decoding_class
    ('greedy', 'decoding not stated')
    >>> parse_decoding("vav@30", temperature=1.0).label
    'value-aware@30 T=1'
    """
    strategy, parsed_n, parsed_t = None, None, None
    if text and text.strip():
        low = text.strip().lower()
        head = re.split(r"[@\s(,;]", low, maxsplit=1)[0]
        strategy = _ALIASES.get(head)
        if strategy is None:
            strategy = next((s for alias, s in _ALIASES.items()
                             if len(alias) > 3 and alias in low), None)
        if strategy is None:
            raise SubmissionError(
                f"Cannot read the decoding {text.strip()[:60]!r}; write greedy, maj@8, vav@30, "
                f"best-of@6 or pipeline."
            )
        count = re.search(r"@\s*(\d+)|\bn\s*=\s*(\d+)", low)
        if count:
            parsed_n = int(count.group(1) or count.group(2))
        temp = re.search(r"\bt\s*=\s*(\d+(?:\.\d+)?)", low)
        if temp:
            parsed_t = float(temp.group(1))
        if strategy == "greedy":
            parsed_n, parsed_t = 1, 0.0
        if head == "csc" and extra_models is None:
            extra_models = "merge model"
    if strategy is None and (n or temperature is not None or extra_models):
        strategy = "majority" if (n or 1) > 1 else "sampled"
    n = n if n is not None else parsed_n
    if strategy in ("sampled",) and n is None:
        n = 1
    return Decoding(
        strategy=strategy,
        n=n,
        temperature=temperature if temperature is not None else parsed_t,
        extra_models=(extra_models or None),
    )


def from_row(row: dict) -> Decoding:
    """The Decoding stored on a submission row: its fields; for a verified row stored before
    decoding had fields, what its free text says. A published row's text is the source's own
    words and is never guessed from."""
    fields = Decoding(row.get("decoding_strategy"), row.get("decoding_n"),
                      row.get("decoding_temperature"), row.get("decoding_extra_models"))
    if fields.strategy or row.get("status") == "reported":
        return fields
    try:
        return parse_decoding(row.get("decoding"))
    except SubmissionError:
        return Decoding()


__all__ = ["CLASSES", "STRATEGIES", "Decoding", "from_row", "parse_decoding"]

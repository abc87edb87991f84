"""``house``: the harness's own prompt (:class:`~harness.generation.prompts.PromptBuilder`).

A FINER-SQL-style system turn with rules, the schema as DDL (or ``columns``) with declared
SQLite types and 3 sample values, optional few-shot turns, and schema shrinking to fit a token
budget. Its version and hash are the template's (``PROMPT_TEMPLATE_VERSION``, ``template_hash``),
so records written before formats existed name the same prompt.
"""

from __future__ import annotations

from typing import Any

from harness.core import Example
from harness.errors import ConfigError, DataError
from harness.generation.prompt_formats.base import Messages, PromptFormat
from harness.generation.prompts import (
    PROMPT_TEMPLATE_VERSION,
    SCHEMA_FORMATS,
    Prompt,
    PromptBuilder,
    template_hash,
)


class HouseFormat(PromptFormat):
    """Options: ``schema_format`` (ddl | columns, default ddl), ``few_shot`` (default 0)."""

    name = "house"
    version = PROMPT_TEMPLATE_VERSION
    description = "The harness's prompt: system rules, DDL schema with 3 samples, shrinks to fit"
    builder_class: type[PromptBuilder] = PromptBuilder

    def __init__(self, suite, **kwargs: Any):
        super().__init__(suite, **kwargs)
        self.builder = self.builder_class(
            suite,
            schema_format=self.options["schema_format"],
            few_shot=self.options["few_shot"],
            seed=self.seed,
            budget=self.budget,
            count_tokens=self.count_tokens,
            exclude=self.exclude,
        )

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        out = self.options_over(
            {"schema_format": "ddl", "few_shot": 0, **self.extra_options()}, options)
        if out["schema_format"] not in SCHEMA_FORMATS:
            raise ConfigError(
                f"Unknown schema_format '{out['schema_format']}'. "
                f"Choose one of: {', '.join(SCHEMA_FORMATS)}."
            )
        if int(out["few_shot"]) < 0:
            raise ConfigError(f"few_shot must be >= 0, got {out['few_shot']}.")
        return out

    def extra_options(self) -> dict[str, Any]:
        """Options a subclass adds, with their defaults."""
        return {}

    @property
    def hash(self) -> str:
        return template_hash()

    def shaping_texts(self) -> list[str]:
        return [template_hash()]

    def messages(self, example: Example) -> Messages:
        prompt = self.builder.build(example)
        if prompt.error:
            raise DataError(prompt.error)
        return prompt.messages

    def build(self, example: Example) -> Prompt:
        return self.builder.build(example)

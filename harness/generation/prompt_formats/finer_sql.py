"""``finer-sql``: FINER-SQL's published system prompt over the harness's schema text.

The system text is the one in FINER-SQL's README quick start (thanhdath/finer-sql@3436ab7),
verbatim; ``group_by_hint`` appends the line the FINER-SQL-3B-Spider model card asks for (Spider
dev EX 85.1 with it, 84.2 without). The user turn is ``Database Schema:\\n<schema>\\n\\n[Evidence:
…\\n]Question: <question>`` with the house schema (DDL, or ``columns`` lines): the schema FINER-SQL
evaluated with was filtered by GRAST-SQL and ships only inside its released prompt sets, which the
``prebuilt`` format runs as released.
"""

from __future__ import annotations

from typing import Any

from harness.generation.prompt_formats.base import Messages, PromptFormat
from harness.generation.prompt_formats.house import HouseFormat
from harness.generation.prompts import PromptBuilder, template_hash

SYSTEM = """You are a meticulous SQL expert. Generate a single, correct SQL query for the user \
question and the provided database schema.

Rules:
- Output exactly one SQL statement.
- The SQL must be executable on SQLite.
- Do not include any explanatory text.
- Output one SQL statement only. Do not include any extra text, tags, or code fences."""
GROUP_BY_HINT = (
    "- When using GROUP BY, list aggregate functions (COUNT, SUM, AVG, MIN, MAX) in the SELECT "
    "clause BEFORE the grouping column(s)."
)


def system_prompt(group_by_hint: bool) -> str:
    return f"{SYSTEM}\n{GROUP_BY_HINT}" if group_by_hint else SYSTEM


class _FinerBuilder(PromptBuilder):
    """The house builder with FINER-SQL's system turn (so a token budget counts the right text)."""

    system = SYSTEM

    def messages(self, example, schema_text: str) -> Messages:
        messages = super().messages(example, schema_text)
        messages[0] = {"role": "system", "content": self.system}
        return messages


class FinerSQLFormat(HouseFormat):
    """Options: ``group_by_hint`` (default false; true for FINER-SQL-3B-Spider), and the house
    format's ``schema_format`` and ``few_shot``."""

    name = "finer-sql"
    version = "1"
    description = "FINER-SQL's published system text (GROUP BY hint optional), house schema"

    builder_class = _FinerBuilder

    def __init__(self, suite, **kwargs: Any):
        super().__init__(suite, **kwargs)
        self.options["group_by_hint"] = bool(self.options["group_by_hint"])
        self.builder.system = system_prompt(self.options["group_by_hint"])  # type: ignore[attr-defined]

    def extra_options(self) -> dict[str, Any]:
        return {"group_by_hint": False}

    def shaping_texts(self) -> list[str]:
        return [template_hash(), system_prompt(self.options["group_by_hint"])]

    @property
    def hash(self) -> str:
        return PromptFormat.hash.fget(self)  # type: ignore[attr-defined]


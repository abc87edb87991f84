"""FINER-SQL's completion format: ``<think>reasoning</think>SQL``, and the gate that checks it.

Parsing follows the released reward code (reference/finer-sql.md §2.1) exactly, and is stricter
than the harness's general parser (``harness.generation.parsing``) on purpose: the reward teaches
this one format.

* **SQL** = the text after the *last* ``</think>``, stripped; None when there is no ``</think>``
  or nothing follows it. Code fences and ``<answer>`` tags are *not* removed.
* **Thought** = the text between the first ``<think>`` and the first ``</think>``, stripped.

The format reward is 1 iff all four conditions of §2.2 hold, else 0; a 0 zeroes the total reward.

Example:
    >>> check_format("<think>" + "x" * 101 + "</think> SELECT 1").ok
    True
    >>> check_format("SELECT 1").failed
    'think_tags'
"""

from __future__ import annotations

from dataclasses import dataclass

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
MIN_THOUGHT_CHARS = 100  # "longer than 100 characters" (a comment upstream says 200; code uses 100)

#: The gate's conditions, in the order they are checked.
FORMAT_CONDITIONS = ("think_tags", "leading_text", "short_thought", "empty_sql")


@dataclass(frozen=True)
class ParsedCompletion:
    """A completion split into ``thought`` and ``sql`` (either may be None)."""

    thought: str | None
    sql: str | None


@dataclass(frozen=True)
class FormatCheck:
    """The gate's verdict: ``ok``, else the first condition that ``failed``."""

    ok: bool
    failed: str | None
    parsed: ParsedCompletion

    @property
    def reward(self) -> float:
        return 1.0 if self.ok else 0.0


def parse_completion(text: str) -> ParsedCompletion:
    """Thought and SQL of a completion, as the released reward code extracts them.

    >>> parse_completion("<think> plan </think>\\nSELECT 1 ")
    ParsedCompletion(thought='plan', sql='SELECT 1')
    >>> parse_completion("SELECT 1")
    ParsedCompletion(thought=None, sql=None)
    """
    text = text or ""
    sql = None
    if THINK_CLOSE in text:
        sql = text.rsplit(THINK_CLOSE, 1)[1].strip() or None
    thought = None
    start = text.find(THINK_OPEN)
    if start >= 0:
        end = text.find(THINK_CLOSE, start + len(THINK_OPEN))
        if end >= 0:
            thought = text[start + len(THINK_OPEN) : end].strip()
    return ParsedCompletion(thought, sql)


def check_format(text: str, min_thought_chars: int = MIN_THOUGHT_CHARS) -> FormatCheck:
    """The format gate R_fmt (§2.2): all four conditions must hold.

    1. ``think_tags``: exactly one ``<think>`` and one ``</think>``, in that order;
    2. ``leading_text``: only whitespace before ``<think>``;
    3. ``short_thought``: the thought is longer than ``min_thought_chars`` characters;
    4. ``empty_sql``: the extracted SQL is non-empty.
    """
    text = text or ""
    parsed = parse_completion(text)
    opens, closes = text.count(THINK_OPEN), text.count(THINK_CLOSE)
    if opens != 1 or closes != 1 or text.find(THINK_OPEN) > text.find(THINK_CLOSE):
        return FormatCheck(False, "think_tags", parsed)
    if text[: text.find(THINK_OPEN)].strip():
        return FormatCheck(False, "leading_text", parsed)
    if len(parsed.thought or "") <= min_thought_chars:
        return FormatCheck(False, "short_thought", parsed)
    if not parsed.sql:
        return FormatCheck(False, "empty_sql", parsed)
    return FormatCheck(True, None, parsed)


def completion_text(completion) -> str:
    """The text of a TRL completion: a string, or ``[{"role": "assistant", "content": …}]``."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return ""

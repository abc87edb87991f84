"""``sql-r1``: the prompt SQL-R1 evaluates with (IDEA-FinAI/SQL-R1, ``src/inference.py``).

OmniSQL's prompt with two more instruction lines (``<think>``/``<answer>`` tags, a ```` ```sql ````
block), one user turn, and **no question-matched values**: SQL-R1's ``get_input_seq`` passes no
value index, so each column shows only its 2 sampled values.
"""

from __future__ import annotations

from harness.generation.prompt_formats.omnisql import OmniSQLFormat


class SQLR1Format(OmniSQLFormat):
    """Options as ``omnisql``; ``matched_values`` defaults to false, as SQL-R1 runs."""

    name = "sql-r1"
    version = "1"
    description = "SQL-R1's prompt: OmniSQL's with <think>/<answer> lines, no matched values"
    extra_instructions = (
        "- Note that while the reasoning process and SQL query need to be enclosed within <think> "
        "</think> and <answer> </answer> tags respectively, this should not affect the quality of "
        "the SQL generation.",
        "- The answer must contain the SQL query within ```sql ``` tags.",
    )
    default_matched_values = False

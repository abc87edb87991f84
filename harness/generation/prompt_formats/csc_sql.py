"""``csc-sql``: the SQL-generation prompt of CSC-SQL (CycloneBoy/csc_sql, ``model/infer.py``).

The generation stage of CSC-SQL's pipeline (``prompt_name`` think, no linked tables, no draft
SQL): OmniSQL's prompt (with question-matched values) whose output-format block is replaced by
one asking for ``<think>`` work and the SQL in ``<answer>`` tags, after a one-line preamble and
before ``Let me solve this step by step.``, under CSC-SQL's default system turn. The later merge
stage (a second model revising two candidates) is not a prompt format of one question.
"""

from __future__ import annotations

from harness.core import Example
from harness.generation.prompt_formats.base import Messages
from harness.generation.prompt_formats.omnisql import OmniSQLFormat

SYSTEM = (
    "You are a helpful AI Assistant that provides well-reasoned and detailed responses. You "
    "first think about the reasoning process as an internal monologue and then provide the user "
    "with the answer. Respond in the following format: <think>\n...\n</think>\n<answer>\n...\n"
    "</answer>"
)
PREAMBLE = (
    "You first thinks about the reasoning process in the mind and then provides the user with "
    "the answer.\n"
)
OMNISQL_OUTPUT_FORMAT = (
    "Output Format:\nIn your answer, please enclose the generated SQL query in a code block:\n"
    "```sql\n-- Your SQL query\n```\n\nTake a deep breath and think step by step to find the "
    "correct SQL query.\n"
)
OUTPUT_FORMAT = (
    "Show your work in <think> </think> tags. And return the final SQLite SQL query that starts "
    "with keyword `SELECT` in <answer> </answer> tags, for example <answer>SELECT "
    "AVG(rating_score) FROM movies</answer>. "
)
CLOSING = "Let me solve this step by step."


class CSCSQLFormat(OmniSQLFormat):
    """Options as ``omnisql``."""

    name = "csc-sql"
    version = "1"
    description = "CSC-SQL's generation prompt: OmniSQL's with <think>/<answer>, its system turn"

    def shaping_texts(self) -> list[str]:
        parts = [SYSTEM, PREAMBLE, OMNISQL_OUTPUT_FORMAT, OUTPUT_FORMAT, CLOSING]
        return parts + super().shaping_texts()

    def messages(self, example: Example) -> Messages:
        body = self.user_content(example).replace(OMNISQL_OUTPUT_FORMAT, "")
        user = f"{PREAMBLE}{body}\n\nOutput Format:\n{OUTPUT_FORMAT} \n\n{CLOSING}"
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

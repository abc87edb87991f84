"""``arctic``: the prompt Arctic-Text2SQL-R1 evaluates with.

Snowflake's ArcticTraining, ``projects/arctic_text2sql_r1/bird_eval/infer.py``: OmniSQL's schema
(with question-matched values) and question, split into a system turn (the task) and a user turn
whose output format asks for ``<think>`` reasoning and an ``<answer>`` holding a ```` ```sql ````
block; the reply is started for the model with ``Let me solve this step by step. \\n<think>``
(an assistant prefill: a final assistant message the model continues).
"""

from __future__ import annotations

from harness.core import Example
from harness.generation.prompt_formats.base import Messages
from harness.generation.prompt_formats.omnisql import OmniSQLFormat, question_text

SYSTEM = (
    "You are a data science expert. Below, you are provided with a database schema and a natural"
    " language question. Your task is to understand the schema and generate a valid SQL query to"
    " answer the question."
)
OUTPUT_FORMAT = """Please provide a detailed chain-of-thought reasoning process and include your \
thought process within `<think>` tags. Your final answer should be enclosed within `<answer>` tags.

Ensure that your SQL query follows the correct syntax and is formatted as follows:

```sql
-- Your SQL query here
```

Example format:
<think> Step-by-step reasoning, including self-reflection and corrections if necessary. \
[Limited by 4K tokens] </think>
<answer> Summary of the thought process leading to the final SQL query. [Limited by 1K tokens]

```sql
Correct SQL query here
```
</answer>"""
USER = """Database Engine:
SQLite

Database Schema:
{db_details}
This schema describes the database's structure, including tables, columns, primary keys, \
foreign keys, and any relevant relationships or constraints.

Question:
{question}

Instructions:
- Make sure you only output the information that is asked in the question. If the question asks \
for a specific column, make sure to only include that column in the SELECT clause, nothing more.
- The generated query should return all of the information asked in the question without any \
missing or extra information.
- Before generating the final SQL query, please think through the steps of how to write the query.

Output Format:
{output_format}"""
PREFILL = "Let me solve this step by step. \n<think>"


class ArcticFormat(OmniSQLFormat):
    """Options as ``omnisql``."""

    name = "arctic"
    version = "1"
    description = "Arctic-Text2SQL-R1's prompt: system turn, OmniSQL schema, <think> prefill"

    def shaping_texts(self) -> list[str]:
        return [SYSTEM, USER, OUTPUT_FORMAT, PREFILL, *super().shaping_texts()]

    def messages(self, example: Example) -> Messages:
        user = USER.format(
            db_details=self.database_block(example),
            question=question_text(example),
            output_format=OUTPUT_FORMAT,
        )
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user.strip()},
            {"role": "assistant", "content": PREFILL},
        ]

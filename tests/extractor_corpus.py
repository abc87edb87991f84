"""Realistic completions of Text-to-SQL models, as the recipes' extractors meet them.

Shapes seen in the released outputs of OmniSQL, SQL-R1, Arctic-Text2SQL-R1, CSC-SQL and
FINER-SQL checkpoints: reasoning then a ```sql block, several blocks, ``<think>``/``<answer>``,
completions cut by the token limit, prose, odd fence tags. ``tests/test_extractors.py`` holds what
each upstream extraction function returns on every one of them (derived by running the upstream
functions on this corpus in a scratch environment outside the repository).
"""

CORPUS: dict[str, str] = {
    "omnisql_steps_then_fence": (
        "To answer the question, we need the names of singers older than 30.\n\n"
        "1. The `singer` table has `Name` and `Age`.\n2. Filter on `Age > 30`.\n\n"
        "```sql\nSELECT Name FROM singer WHERE Age > 30;\n```"
    ),
    "two_fences_draft_and_final": (
        "First attempt:\n```sql\nSELECT count(*) FROM concert\n```\n"
        "But the question asks for 2014 only, so:\n"
        "```sql\nSELECT count(*) FROM concert WHERE Year = 2014;\n```\n"
    ),
    "sql_r1_think_answer_fence": (
        "<think>\nWe count the stadiums whose capacity exceeds the average.\n</think>\n"
        "<answer>\n```sql\nSELECT count(*) FROM stadium WHERE Capacity > "
        "(SELECT avg(Capacity) FROM stadium);\n```\n</answer>"
    ),
    "arctic_after_prefill": (
        " The question needs the countries of singers.\nI will select distinct Country.\n</think>\n"
        "<answer> Select the distinct countries from the singer table.\n\n"
        "```sql\nSELECT DISTINCT Country FROM singer;\n```\n</answer>"
    ),
    "truncated_open_fence": (
        "Let me think step by step.\n1. Join singer and singer_in_concert.\n\n"
        "```sql\nSELECT T1.Name FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.Singer_ID ="
    ),
    "truncated_inside_think": (
        "<think>\nThe schema has three tables. The question asks for the number of concerts "
        "in each stadium, so we group by stadium_id and"
    ),
    "finer_think_raw_sql": (
        "<think>\nThe question asks how many heads of departments are older than 56. "
        "The head table has age.\n</think>\nSELECT count(*) FROM head WHERE age > 56"
    ),
    "finer_think_fenced_sql": (
        "<think>\nCount the heads older than 56 from table head.\n</think>\n"
        "```sql\nSELECT count(*) FROM head WHERE age > 56;\n```"
    ),
    "prose_inline_sql_no_fence": (
        "The query you need is SELECT name FROM head WHERE born_state = 'California'; "
        "it filters by state."
    ),
    "bare_sql_only": "SELECT count(*) FROM singer",
    "uppercase_fence_tag": "```SQL\nSELECT Name FROM singer ORDER BY Age DESC LIMIT 1\n```",
    "untagged_fence": "Here is the query:\n```\nSELECT avg(Age) FROM singer\n```\n",
    "sqlite_fence_tag": "```sqlite\nSELECT max(Capacity), avg(Capacity) FROM stadium\n```",
    "fence_with_trailing_comment": (
        "```sql\nSELECT Name, Country FROM singer WHERE Age < 30; -- young singers\n```"
    ),
    "empty_completion": "",
    "empty_sql_fence": "I could not find the answer.\n```sql\n```\n",
    "two_statements_one_fence": "```sql\nSELECT 1;\nSELECT Name FROM singer;\n```",
    "answer_tags_no_fence": (
        "<think>\nSimple count over the table.\n</think>\n<answer>SELECT count(*) FROM stadium"
        "</answer>"
    ),
    "answer_opened_not_closed": (
        "<think>\nCount stadiums.\n</think>\n<answer>\n```sql\nSELECT count(*) FROM stadium\n```"
    ),
    "think_fence_then_answer_fence": (
        "<think>\nA draft:\n```sql\nSELECT Name FROM singer\n```\nBut we need only French "
        "singers.\n</think>\n<answer>\n```sql\nSELECT Name FROM singer WHERE Country = 'France'"
        "\n```\n</answer>"
    ),
    "cte_query": (
        "```sql\nWITH counts AS (\n  SELECT Stadium_ID, count(*) AS n FROM concert GROUP BY "
        "Stadium_ID\n)\nSELECT s.Name FROM stadium s JOIN counts c ON s.Stadium_ID = c.Stadium_ID"
        " ORDER BY c.n DESC LIMIT 1;\n```"
    ),
    "semicolon_inside_literal": (
        "```sql\nSELECT * FROM singer WHERE Song_Name = 'Love; Hate';\n```"
    ),
    "fence_then_explanation": (
        "Here is the SQL query:\n\n```sql\nSELECT T2.Name FROM concert AS T1 JOIN stadium AS T2 "
        "ON T1.Stadium_ID = T2.Stadium_ID WHERE T1.Year = 2014\n```\n\n"
        "This query joins concert and stadium and keeps the 2014 concerts."
    ),
    "two_think_closings": (
        "<think>first pass</think> SELECT 1 </think>\nSELECT Name FROM singer WHERE Age = 52"
    ),
    "indented_fence_in_list": (
        "1. Final query:\n   ```sql\n   SELECT Name\n   FROM singer\n   WHERE Is_male = 'F'\n   ```"
    ),
    "one_line_fence": "```sql SELECT count(*) FROM singer```",
    "crlf_newlines": "Query:\r\n```sql\r\nSELECT Name FROM singer\r\nWHERE Age > 20;\r\n```\r\n",
    "non_english_prose": (
        "我们需要统计歌手的数量。\n```sql\nSELECT count(*) FROM singer;\n```\n这条查询返回总数。"
    ),
    "think_never_closed_then_fence": (
        "<think>\nThe model forgot to close its reasoning.\n```sql\nSELECT Name FROM singer\n```"
    ),
    "refusal": "I'm sorry, but I cannot determine the answer from the given schema.",
    "eos_marker_in_text": "<think>\nCount the rows.\n</think>\nSELECT count(*) FROM singer;</s>",
    "python_fence_with_sql_string": (
        "```python\nquery = \"SELECT Name FROM singer\"\ncursor.execute(query)\n```"
    ),
    "backtick_identifiers": "```sql\nSELECT `Name` FROM `singer` WHERE `Age` > 30\n```",
    "degenerate_repetition_cut": (
        "```sql\nSELECT Name FROM singer WHERE Age > 30 AND Age > 30 AND Age > 30 AND Age > 30 "
        "AND Age > 30 AND Age >"
    ),
    "think_then_prose_and_fence": (
        "<think>\nWe need the oldest singer.\n</think>\nThe answer is:\n```sql\nSELECT Name FROM "
        "singer ORDER BY Age DESC LIMIT 1\n```\nIt sorts by age."
    ),
    "answer_with_think_inside": (
        "<answer><think>nested</think>SELECT Name FROM singer</answer>"
    ),
    "only_closing_think": "</think>\n\n",
}

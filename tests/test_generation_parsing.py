"""extract_sql: where SQL is found in a completion, what is cut, and why nothing is found."""

import pytest

from harness.generation.parsing import extract_sql

FOUND = [
    # (title, completion, expected SQL, expected source)
    ("bare", "SELECT count(*) FROM singer", "SELECT count(*) FROM singer", "bare"),
    ("bare with semicolon", "SELECT 1;", "SELECT 1", "bare"),
    ("lowercase", "select name from singer", "select name from singer", "bare"),
    ("sql fence", "```sql\nSELECT a FROM t\n```", "SELECT a FROM t", "fence"),
    ("SQL fence tag upper", "```SQL\nSELECT a FROM t;\n```", "SELECT a FROM t", "fence"),
    ("untagged fence", "Here:\n```\nSELECT a FROM t\n```\nDone.", "SELECT a FROM t", "fence"),
    (
        "prose around fence",
        "Sure! The query is:\n\n```sql\nSELECT a\nFROM t\nWHERE b = 1\n```\n\nThis selects a.",
        "SELECT a\nFROM t\nWHERE b = 1",
        "fence",
    ),
    (
        "last sql fence wins",
        "```sql\nSELECT 1\n```\nBetter:\n```sql\nSELECT 2\n```",
        "SELECT 2",
        "fence",
    ),
    (
        "sql fence over python fence",
        "```python\nprint(1)\n```\n```sql\nSELECT 3\n```",
        "SELECT 3",
        "fence",
    ),
    (
        "fence cut by the token limit",
        "```sql\nSELECT a, b FROM t WHERE",
        "SELECT a, b FROM t WHERE",
        "fence",
    ),
    (
        "think then sql",
        "<think>The question asks for a count.</think>\nSELECT count(*) FROM t",
        "SELECT count(*) FROM t",
        "think",
    ),
    ("last think wins", "<think>a</think> SELECT 1 </think> SELECT 2", "SELECT 2", "think"),
    ("think then fence", "<think>x</think>```sql\nSELECT 5\n```", "SELECT 5", "fence"),
    (
        "answer tags",
        "<answer>SELECT name FROM singer</answer>",
        "SELECT name FROM singer",
        "answer",
    ),
    ("answer tag with fence", "<answer>\n```sql\nSELECT 1\n```\n</answer>", "SELECT 1", "fence"),
    ("unclosed answer", "<answer>SELECT x FROM y", "SELECT x FROM y", "answer"),
    ("prefix label", "SQL: SELECT a FROM t", "SELECT a FROM t", "bare"),
    (
        "trailing prose same line",
        "SELECT a FROM t; -- then explain\nThis returns a.",
        "SELECT a FROM t",
        "bare",
    ),
    (
        "trailing prose next line",
        "SELECT a FROM t\nThis query returns all a.",
        "SELECT a FROM t",
        "bare",
    ),
    (
        "trailing prose after blank",
        "SELECT a FROM t\n\nIt works because t has a.",
        "SELECT a FROM t",
        "bare",
    ),
    (
        "multi-line SQL kept",
        "SELECT a,\n  b\nFROM t\n\nORDER BY a",
        "SELECT a,\n  b\nFROM t\n\nORDER BY a",
        "bare",
    ),
    ("semicolon inside a string", "SELECT 'a;b' FROM t; SELECT 2", "SELECT 'a;b' FROM t", "bare"),
    ("doubled quote", "SELECT 'it''s' FROM t;", "SELECT 'it''s' FROM t", "bare"),
    (
        "with cte",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "bare",
    ),
    ("inline backticks", "Use `SELECT a FROM t`.", "SELECT a FROM t", "bare"),
    (
        "backticked identifiers",
        "SELECT `Free Meal Count (K-12)` FROM frpm",
        "SELECT `Free Meal Count (K-12)` FROM frpm",
        "bare",
    ),
    ("second statement dropped", "SELECT 1; DROP TABLE t;", "SELECT 1", "bare"),
    (
        "inline code with identifiers",
        "Try `SELECT `a b` FROM t` now",
        "SELECT `a b` FROM t",
        "bare",
    ),
    ("capitalised With is prose", "With this query:\nSELECT 1", "SELECT 1", "bare"),
    (
        "word select inside prose is skipped",
        "To select rows:\nSELECT * FROM t",
        "SELECT * FROM t",
        "bare",
    ),
]


@pytest.mark.parametrize("title,completion,sql,source", FOUND, ids=[f[0] for f in FOUND])
def test_found(title, completion, sql, source):
    parsed = extract_sql(completion)
    assert parsed.sql == sql
    assert parsed.source == source
    assert parsed.reason is None and parsed.ok
    assert parsed.raw == completion


NOT_FOUND = [
    ("empty", "", "empty completion"),
    ("whitespace", "  \n ", "empty completion"),
    ("prose", "We have 12 singers.", "no SQL found in the completion"),
    ("unfinished think", "<think>Let me think about the join", "unfinished <think> block"),
    ("nothing after think", "<think>done</think>\n", "nothing after </think>"),
    ("empty fence", "```sql\n```", "empty code block"),
    ("fence without sql", "```\nhello world\n```", "code block holds no SQL"),
]


@pytest.mark.parametrize("title,completion,reason", NOT_FOUND, ids=[f[0] for f in NOT_FOUND])
def test_not_found(title, completion, reason):
    parsed = extract_sql(completion)
    assert parsed.sql == ""
    assert not parsed.ok
    assert parsed.reason.startswith(reason)
    assert parsed.raw == completion


def test_trailing_lines_that_do_not_parse_are_trimmed():
    parsed = extract_sql("SELECT name FROM singer\nORDER BY age DESC\nLIMIT 1\nthe oldest singer")
    assert parsed.sql == "SELECT name FROM singer\nORDER BY age DESC\nLIMIT 1"


def test_unparseable_sql_is_kept_whole():
    # Broken SQL is still the model's answer: the executor reports its error.
    parsed = extract_sql("SELECT FROM WHERE")
    assert parsed.sql == "SELECT FROM WHERE"


def test_none_is_treated_as_empty():
    assert extract_sql(None).reason == "empty completion"

"""``omnisql``: the prompt OmniSQL was trained and evaluated with.

Byte-identical to the ``input_seq`` of OmniSQL's ``train_and_evaluate/process_dataset.py``
(RUCKBReasoning/OmniSQL at a66d732, evaluation mode), sent as one user turn:

* the schema as ``CREATE TABLE`` statements built from ``tables.json`` (its column types, its
  primary and foreign keys, the natural column name as a comment when it says more than the
  column name), identifiers in backticks when reserved or not plain;
* per column, up to 6 example values as a Python list: the question-matched values first (see
  :mod:`~harness.generation.prompt_formats.values`), then 2 sampled ones;
* the question, with BIRD's evidence on the line before it.

SQL-R1, CSC-SQL and Arctic-Text2SQL-R1 build on this text (their modules subclass
:class:`OmniSQLFormat`).
"""

from __future__ import annotations

import re
import threading
from typing import Any, ClassVar

from harness.core import Example
from harness.errors import ConfigError, DataError
from harness.generation.prompt_formats.base import Messages, PromptFormat
from harness.generation.prompt_formats.values import (
    ValueIndexCache,
    matched_values,
    sampled_values,
)

TEMPLATE = """Task Overview:
You are a data science expert. Below, you are provided with a database schema and a natural \
language question. Your task is to understand the schema and generate a valid SQL query to answer \
the question.

Database Engine:
{db_engine}

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
{extra_instructions}
Output Format:
In your answer, please enclose the generated SQL query in a code block:
```sql
-- Your SQL query
```

Take a deep breath and think step by step to find the correct SQL query.
"""

#: The words OmniSQL puts in backticks when they name a table or column (its SQL_RESERVED_WORDS).
RESERVED_WORDS = frozenset(
    """
    ACCESS ADD AFTER ALL ALTER ANALYZE AND AS ASC AVG BEFORE BEGIN BETWEEN BIGINT BINARY BIT BLOB
    BOOLEAN BOTH BREAK BY CALL CASCADE CASE CAST CHAR CHARACTER CHECK CLOB COLLATE COLUMN COMMENT
    COMMIT CONDITION CONNECT CONSTRAINT CONTINUE CONVERT COUNT CREATE CROSS CURRENT CURRENT_DATE
    CURRENT_TIME CURRENT_TIMESTAMP CURSOR DATABASE DATE DAY DEC DECIMAL DECLARE DEFAULT DELETE DESC
    DESCRIBE DISTINCT DO DOUBLE DROP EACH ELSE ELSEIF END ESCAPE EXCEPT EXEC EXECUTE EXISTS EXIT
    EXPLAIN EXTEND EXTERNAL FALSE FETCH FILTER FLOAT FOR FOREIGN FROM FULL FUNCTION GENERATED
    GLOBAL GRANT GROUP HAVING HOLD HOUR IDENTIFIED IF IGNORE ILIKE IN INDEX INNER INOUT INSENSITIVE
    INSERT INT INTEGER INTERSECT INTERVAL INTO IS ITERATE JOIN KEY LANGUAGE LEADING LEAVE LEFT LIKE
    LIMIT LOCAL LOCALTIME LOCALTIMESTAMP LOCK LOOP MATCH MAX MERGE MIN MINUTE MODIFIES MODULE MONTH
    NATURAL NCHAR NEW NO NOT NULL NUMERIC OF OFFSET OLD ON ONLY OPEN OR ORDER OUT OUTER OVER
    PARTITION PERCENT PLACING POSITION PRECISION PRIMARY PROCEDURE RANGE READS REAL RECURSIVE
    REFERENCES REGEXP RELEASE RENAME REPEAT REPLACE RESIGNAL RESTRICT RETURN REVOKE RIGHT RLIKE ROLE
    ROLLBACK ROW ROWNUM ROWS SAVEPOINT SCHEMA SELECT SENSITIVE SESSION SET SIGNAL SMALLINT SOME
    SPECIFIC SQL SQLEXCEPTION SQLSTATE SQLWARNING START STATIC SUBSTRING SUM SYSDATE TABLE
    TERMINATED THEN TIME TIMESTAMP TO TOP TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNKNOWN UNLOCK
    UPDATE USAGE USER USING VALUE VALUES VARCHAR VARYING VIEW WHEN WHERE WHILE WITH WITHIN YEAR ZONE
    """.split()
)
_NOT_PLAIN = re.compile(r"[^a-zA-Z0-9_]")
MAX_EXAMPLES = 6


def identifier(name: str) -> str:
    """``name`` in backticks when OmniSQL quotes it.

    >>> identifier("Name"), identifier("Year"), identifier("Free Meal Count (K-12)")
    ('Name', '`Year`', '`Free Meal Count (K-12)`')
    """
    return f"`{name}`" if name.upper() in RESERVED_WORDS or _NOT_PLAIN.search(name) else name


def question_text(example: Example) -> str:
    """The question as OmniSQL writes it: BIRD's evidence, a newline, then the question."""
    if example.evidence.strip() == "":
        return example.question
    return example.evidence + "\n" + example.question


def _column_line(name: str, ctype: str, comment: str, values: list) -> str:
    lowered = comment.lower()
    if comment.strip() == "" or name.lower() in (
        lowered,
        lowered.replace(" ", "_"),
        lowered.replace(" ", ""),
    ):
        line = f"    {identifier(name)} {ctype},"
        return line + (f" -- example: {values}" if values else "")
    line = f"    {identifier(name)} {ctype}, -- {comment}"
    return line + (f", example: {values}" if values else "")


def _key_lines(entry: dict, table_idx: int, column_ids: list[int]) -> list[str]:
    """The table's PRIMARY KEY line and CONSTRAINT ... FOREIGN KEY lines, from ``tables.json``."""
    tables, columns = entry["table_names_original"], entry["column_names_original"]
    pk_columns: list[str] = []
    fk_lines: list[str] = []
    for column_idx in column_ids:
        name = columns[column_idx][1]
        for pk in entry["primary_keys"]:
            if column_idx == pk or (isinstance(pk, list) and column_idx in pk):
                pk_columns.append(name)
        for source, target in entry["foreign_keys"]:
            if column_idx != source:
                continue
            src_table = tables[columns[source][0]]
            tgt_table, tgt_column = tables[columns[target][0]], columns[target][1]
            fk_name = f"fk_{src_table.lower().replace(' ', '_')}_{name.lower().replace(' ', '_')}"
            fk_lines.append(
                f"    CONSTRAINT {fk_name} FOREIGN KEY ({identifier(name)}) REFERENCES "
                f"{identifier(tgt_table)} ({identifier(tgt_column)}),"
            )
    pk_columns = list(dict.fromkeys(pk_columns))
    keys = ", ".join(map(identifier, pk_columns))
    pk_lines = [f"    PRIMARY KEY ({keys}),"] if pk_columns else []
    return pk_lines + list(dict.fromkeys(fk_lines))


def schema_text(entry: dict, sampled: dict[str, list], matched: dict[str, list[str]]) -> str:
    """The ``Database Schema`` block: one ``CREATE TABLE`` per table of ``entry``."""
    columns, comments, types = (
        entry["column_names_original"], entry["column_names"], entry["column_types"]
    )
    if not len(columns) == len(comments) == len(types):
        raise DataError(f"tables.json entry of {entry.get('db_id')} has mismatched column lists.")
    blocks = []
    for table_idx, table in enumerate(entry["table_names_original"]):
        ids = [i for i, (t, _) in enumerate(columns) if t == table_idx]
        lines = []
        for i in ids:
            key = f"{table}.{columns[i][1]}".lower()
            values = list(dict.fromkeys(matched.get(key, []) + sampled.get(key, [])))
            values = values[:MAX_EXAMPLES]
            lines.append(_column_line(columns[i][1], types[i], comments[i][1], values))
        if not lines:
            continue
        body = "\n".join(lines + _key_lines(entry, table_idx, ids))
        ddl = f"CREATE TABLE {identifier(table)} (\n{body}"
        blocks.append((ddl[:-1] if ddl.endswith(",") else ddl) + "\n);")
    return "\n\n".join(blocks)


class OmniSQLFormat(PromptFormat):
    """Options: ``matched_values`` (default true: question-matched values from the BM25 index),
    ``value_limit`` (sampled values per column, default 2)."""

    name = "omnisql"
    version = "1"
    description = "OmniSQL's process_dataset.py prompt (one user turn, BM25-matched values)"
    #: Lines added after OmniSQL's instructions (variants set their own).
    extra_instructions: ClassVar[tuple[str, ...]] = ()
    default_matched_values: ClassVar[bool] = True

    def __init__(self, suite, **kwargs: Any):
        super().__init__(suite, **kwargs)
        self._sampled: dict[str, dict[str, list]] = {}
        self._values = ValueIndexCache()
        self._lock = threading.Lock()

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        out = self.options_over(
            {"matched_values": self.default_matched_values, "value_limit": 2}, options)
        out["matched_values"] = bool(out["matched_values"])
        if int(out["value_limit"]) < 0:
            raise ConfigError(f"value_limit must be >= 0, got {out['value_limit']}.")
        out["value_limit"] = int(out["value_limit"])
        return out

    def shaping_texts(self) -> list[str]:
        return [TEMPLATE, *self.extra_instructions, " ".join(sorted(RESERVED_WORDS))]

    def entry(self, db_id: str) -> dict:
        entry = self.suite.schema_entry(db_id)
        if not entry:
            raise DataError(
                f"Prompt format '{self.name}' needs the tables.json entry of database {db_id}, "
                f"and suite '{self.suite.name}' has none."
            )
        return entry

    def database_block(self, example: Example) -> str:
        """The schema text for ``example`` (its values depend on the question)."""
        entry = self.entry(example.db_id)
        path = self.suite.database(example.db_id).path
        with self._lock:
            sampled = self._sampled.get(example.db_id)
            if sampled is None:
                sampled = sampled_values(
                    path, entry["table_names_original"], self.options["value_limit"]
                )
                self._sampled[example.db_id] = sampled
        matched: dict[str, list[str]] = {}
        if self.options["matched_values"]:
            matched = matched_values(self._values.get(path), question_text(example))
        return schema_text(entry, sampled, matched)

    def user_content(self, example: Example) -> str:
        extra = "".join(line + "\n" for line in self.extra_instructions)
        return TEMPLATE.format(
            db_engine="SQLite",
            db_details=self.database_block(example),
            question=question_text(example),
            extra_instructions=extra,
        )

    def messages(self, example: Example) -> Messages:
        return [{"role": "user", "content": self.user_content(example)}]

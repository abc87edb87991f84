"""Getting the SQL out of a model's completion.

Where the SQL is looked for, in order:

1. after the last ``</think>`` (reasoning models; FINER-SQL's convention); an opened but never
   closed ``<think>`` means the model ran out of tokens while thinking: no SQL;
2. inside the last ``<answer>…</answer>``;
3. inside the last fenced block tagged ``sql`` (else the last fenced block that holds SQL); a
   fence cut off by the token limit still counts;
4. otherwise the bare text, from the first ``SELECT`` or ``WITH`` that starts a statement.

Then only the first statement is kept: text after a top-level ``;`` goes, and so do trailing
prose lines ("This query …"). What remains is returned without the trailing semicolon. When no
SQL is found the result is ``""`` with a ``reason``; the raw completion is always kept.

FINER-SQL's own reward parser takes the text after ``</think>`` verbatim (no fence removal,
reference/finer-sql.md §2.1); this parser is deliberately more lenient, since it serves every
model, and the reward code can still require the strict format separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot.errors import SqlglotError


@dataclass(frozen=True)
class ParsedSQL:
    """``sql`` ("" when none), where it was found (``source``), why none (``reason``), raw text."""

    sql: str
    source: str  # think | answer | fence | bare | none
    reason: str | None
    raw: str

    @property
    def ok(self) -> bool:
        return bool(self.sql)


_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_ANSWER = re.compile(r"<answer>(.*?)(?:</answer>|\Z)", re.DOTALL | re.IGNORECASE)
_BARE_START = re.compile(
    r"(?:^|(?<=[\s(:`\"'>]))(SELECT\b|WITH\s+(?:RECURSIVE\s+)?[\w`\"]+(?:\s*\([^)]*\))?\s+AS\s*\()",
    re.IGNORECASE,
)
_ANY_START = re.compile(
    r"^\s*\(*\s*(SELECT|WITH|VALUES|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|EXPLAIN)\b",
    re.IGNORECASE,
)
_PROSE = re.compile(
    r"^\s*(?:#+\s|\*\*|[-*]\s+[A-Z]|(?:This|The|These|Here|Explanation|Note|In this|It|We|I|"
    r"Let me|Let's|Answer|Output|Result|Query|SQL|Hope|Please|Assuming|To)\b)",
)
_SQL_LINE = re.compile(
    r"^\s*(?:SELECT|FROM|WHERE|AND|OR|NOT|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|ON|USING|GROUP|"
    r"ORDER|HAVING|LIMIT|OFFSET|UNION|INTERSECT|EXCEPT|WITH|AS|CASE|WHEN|THEN|ELSE|END|IN|EXISTS|"
    r"BETWEEN|LIKE|IS|NULL|DESC|ASC|DISTINCT|COUNT|SUM|AVG|MIN|MAX|CAST|[()`\"'*,.=<>!+\-/%|\d])",
    re.IGNORECASE,
)


def extract_sql(completion: str) -> ParsedSQL:
    """The SQL in a completion, or "" with a reason.

    >>> extract_sql("<think>count rows</think>\\n```sql\\nSELECT count(*) FROM singer;\\n```").sql
    'SELECT count(*) FROM singer'
    >>> extract_sql("The answer is: SELECT name FROM t WHERE a = 1; This returns names.").sql
    'SELECT name FROM t WHERE a = 1'
    >>> extract_sql("I don't know.").reason
    'no SQL found in the completion'
    """
    raw = completion or ""
    text = raw
    source = "bare"
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
        source = "think"
    elif re.search(r"<think>", text):
        return ParsedSQL("", "none", "unfinished <think> block (no </think>): no answer", raw)
    if not text.strip():
        reason = "nothing after </think>" if source == "think" else "empty completion"
        return ParsedSQL("", "none", reason, raw)

    answers = _ANSWER.findall(text)
    if answers:
        text, source = answers[-1], "answer"

    fenced = _pick_fence(text)
    if fenced is not None:
        text, source = fenced, "fence"
        start = _ANY_START.match(text)
        if not start:
            bare = _BARE_START.search(text)
            if not bare:
                reason = "empty code block" if not text.strip() else "code block holds no SQL"
                return ParsedSQL("", "none", reason, raw)
            text = text[bare.start() :]
    elif source == "answer" and _ANY_START.match(text):
        pass
    else:
        start = _bare_start(text)
        if start is None:
            return ParsedSQL("", "none", "no SQL found in the completion", raw)
        text = _inline_code(text, start)

    sql = _first_statement(text)
    if not sql:
        return ParsedSQL("", "none", "no SQL found in the completion", raw)
    return ParsedSQL(sql, source, None, raw)


def _bare_start(text: str) -> int | None:
    """Where bare SQL starts: the first SELECT/WITH written in capitals or opening a line, else
    the first at all ("To select rows:" is prose; "select name from t" alone is SQL)."""
    matches = list(_BARE_START.finditer(text))
    if not matches:
        return None
    for m in matches:
        line_start = text.rfind("\n", 0, m.start()) + 1
        if m.group(1)[:6].isupper() or not text[line_start : m.start()].strip():
            return m.start()
    return matches[0].start()


def _inline_code(text: str, start: int) -> str:
    """SQL quoted as inline code (`SELECT ...`) ends at the line's last backtick."""
    if start == 0 or text[start - 1] != "`":
        return text[start:]
    line_end = text.find("\n", start)
    line = text[start : len(text) if line_end < 0 else line_end]
    close = line.rfind("`")
    return line[:close] if close > 0 else text[start:]


def _pick_fence(text: str) -> str | None:
    blocks = _FENCE.findall(text)
    if not blocks:
        return None
    tagged = [body for tag, body in blocks if tag.lower() in ("sql", "sqlite")]
    if tagged:
        return tagged[-1]
    with_sql = [body for _tag, body in blocks if _BARE_START.search(body)]
    return with_sql[-1] if with_sql else blocks[-1][1]


def _first_statement(text: str) -> str:
    """Up to the first top-level ``;``, without trailing prose, stray backticks or whitespace."""
    end = _top_level_semicolon(text)
    if end is not None:
        text = text[:end]
    lines = text.strip().splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i and _PROSE.match(line) and not _SQL_LINE.match(line):
            break
        if not line.strip():
            following = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
            if following and not _SQL_LINE.match(following):
                break
        kept.append(line)
    sql = "\n".join(kept).strip().strip("`").strip()
    return _trim_to_parseable(sql)


def _top_level_semicolon(text: str) -> int | None:
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                if i + 1 < len(text) and text[i + 1] == quote:  # '' or "" escape
                    i += 1
                else:
                    quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch == "[":
            quote = "]"
        elif ch == ";":
            return i
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        i += 1
    return None


def _trim_to_parseable(sql: str) -> str:
    """Drop trailing lines while the SQL does not parse and a shorter prefix does.

    Prose glued to the end of a statement on its own line is the usual cause. SQL that parses
    nowhere is returned whole: it is the model's answer, and the executor reports its error.
    """
    if _parses(sql):
        return sql
    lines = sql.splitlines()
    for cut in range(len(lines) - 1, 0, -1):
        candidate = "\n".join(lines[:cut]).rstrip()
        if _parses(candidate):
            return candidate
    return sql


def _parses(sql: str) -> bool:
    try:
        parsed = sqlglot.parse(sql, read="sqlite")
    except (SqlglotError, ValueError, RecursionError):
        return False
    except Exception:  # noqa: BLE001 - a parser bug on odd model output must not end a run
        return False
    return len(parsed) == 1 and parsed[0] is not None

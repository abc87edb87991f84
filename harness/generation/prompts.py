"""Prompts: the database schema as text, and the chat messages a model is asked with.

The schema is read from the SQLite file itself, so it works for every suite; a suite's
``tables.json`` entry adds the primary and foreign keys a file does not declare, and BIRD's
``database_description/<table>.csv`` files (when present beside the database) add column meanings.
Two serializations:

``ddl``       CREATE TABLE statements with keys, sample values as comments::

                  CREATE TABLE singer (
                    Singer_ID INT PRIMARY KEY, -- e.g. 1, 2, 3
                    Name TEXT, -- e.g. 'Joe Sharp', 'Timbaland', 'Justin Brown'
                  ...

``columns``   one ``table.column: type, meaning, samples`` line per column, the form FINER-SQL's
              memory quality gate looks for (reference/finer-sql.md §2.5, §4)::

                  singer.Name: text, e.g. 'Joe Sharp', 'Timbaland', 'Justin Brown'

The messages follow FINER-SQL (§4): a system message with the rules, then a user message
``Database Schema:\\n<schema>\\n\\n[Evidence: …\\n]Question: <question>``. Few-shot examples,
when asked for, come from the suite's train split (never the evaluated examples) as earlier
user/assistant turns. A prompt over the token budget is shrunk step by step (see
:data:`TRUNCATION_STEPS`) rather than rejected; only a prompt that still does not fit carries
an ``error``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.core import Example
from harness.errors import ConfigError, DataError

PROMPT_TEMPLATE_VERSION = "1"
SCHEMA_FORMATS = ("ddl", "columns")

SYSTEM_PROMPT = """You are a careful SQL expert. Given a database schema and a question, write one \
correct SQL query that answers the question.
Rules:
- Write exactly one SQL statement.
- It must run on SQLite.
- Use only the tables and columns in the schema.
- No explanation, no extra text, tags or code fences: output only the SQL."""
USER_TEMPLATE = "Database Schema:\n{schema}\n\n{evidence}Question: {question}"
EVIDENCE_TEMPLATE = "Evidence: {evidence}\n"
FEW_SHOT_TEMPLATE = "Database: {db_id}\nQuestion: {question}"

SAMPLE_VALUES = 3  # distinct non-null values shown per column
SAMPLE_CHARS = 30  # longer sample strings are cut
DESCRIPTION_CHARS = 160
#: How an over-long prompt is shrunk, in order; the prompt records the step that made it fit.
TRUNCATION_STEPS = ("full", "no_samples", "no_descriptions", "pruned_columns", "pruned_tables")


def template_hash() -> str:
    """SHA-256 over every text that shapes a prompt, recorded with the template version."""
    parts = [
        PROMPT_TEMPLATE_VERSION,
        SYSTEM_PROMPT,
        USER_TEMPLATE,
        EVIDENCE_TEMPLATE,
        FEW_SHOT_TEMPLATE,
        str((SAMPLE_VALUES, SAMPLE_CHARS, DESCRIPTION_CHARS, TRUNCATION_STEPS)),
    ]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


# -- the schema, read from the database ------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    type: str = ""
    primary_key: bool = False
    samples: tuple[str, ...] = ()  # already formatted as SQL literals
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def key_columns(self) -> set[str]:
        return {c.name for c in self.columns if c.primary_key} | {
            f.column for f in self.foreign_keys
        }


@dataclass(frozen=True)
class Schema:
    db_id: str
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name.lower() == name.lower()), None)


_schema_cache: dict[tuple, Schema] = {}
_schema_lock = threading.Lock()


def read_schema(
    db_path: str | Path,
    db_id: str | None = None,
    schema_entry: dict | None = None,
    sample_values: int = SAMPLE_VALUES,
) -> Schema:
    """Tables, columns, keys, sample values and descriptions of an SQLite database (cached).

    >>> import sqlite3, tempfile
    >>> db = Path(tempfile.mkdtemp()) / "shop.sqlite"
    >>> with sqlite3.connect(db) as conn:
    ...     _ = conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
    >>> [(t.name, [c.name for c in t.columns]) for t in read_schema(db).tables]
    [('item', ['id', 'name'])]
    """
    path = Path(db_path)
    if not path.is_file():
        raise DataError(f"Database file {path} does not exist; cannot build the schema prompt.")
    stat = path.stat()
    entry_key = hashlib.sha256(json.dumps(schema_entry, sort_keys=True).encode()).hexdigest()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, sample_values, entry_key)
    with _schema_lock:
        if key in _schema_cache:
            return _schema_cache[key]
    schema = _read_schema(path, db_id or path.stem, schema_entry, sample_values)
    with _schema_lock:
        _schema_cache[key] = schema
    return schema


def _read_schema(path: Path, db_id: str, entry: dict | None, sample_values: int) -> Schema:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    conn.text_factory = lambda b: b.decode("utf-8", errors="replace")
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY rowid"
            )
        ]
        descriptions = _bird_descriptions(path.parent)
        tables = []
        for name in names:
            info = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
            fks = conn.execute(f"PRAGMA foreign_key_list({_quote(name)})").fetchall()
            table_desc = descriptions.get(name.lower(), {})
            columns = []
            for _cid, col, ctype, _notnull, _default, pk in info:
                samples = _samples(conn, name, col, sample_values) if sample_values else ()
                desc = table_desc.get(col.lower(), "")
                columns.append(Column(col, ctype or "", bool(pk), samples, desc))
            foreign = []
            for fk in fks:
                # PRAGMA foreign_key_list: id, seq, table, from, to, ...; `to` is NULL when the
                # key points at the referenced table's primary key implicitly.
                ref_table, src, dst = fk[2], fk[3], fk[4]
                if dst is None:
                    ref = conn.execute(f"PRAGMA table_info({_quote(ref_table)})").fetchall()
                    dst = next((r[1] for r in ref if r[5]), "rowid")
                foreign.append(ForeignKey(src, ref_table, dst))
            tables.append(Table(name, tuple(columns), tuple(foreign)))
    finally:
        conn.close()
    if entry:
        tables = _merge_entry_keys(tables, entry)
    return Schema(db_id, tuple(tables))


def _samples(conn: sqlite3.Connection, table: str, column: str, k: int) -> tuple[str, ...]:
    # Bounded: look at the first 500 non-null values only, and give up after ~1 s, so a huge BIRD
    # table costs no more than a small one.
    sql = (
        f"SELECT DISTINCT c FROM (SELECT {_quote(column)} AS c FROM {_quote(table)} "
        f"WHERE {_quote(column)} IS NOT NULL LIMIT 500) LIMIT {int(k)}"
    )
    deadline = time.monotonic() + 1.0
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        values = [r[0] for r in conn.execute(sql)]
    except sqlite3.Error:
        return ()
    finally:
        conn.set_progress_handler(None, 0)
    return tuple(_literal(v) for v in values if not isinstance(v, bytes))


def _literal(value) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
        if len(text) > SAMPLE_CHARS:
            text = text[: SAMPLE_CHARS - 1] + "…"
        return "'" + text.replace("'", "''") + "'"
    return repr(value) if isinstance(value, float) else str(value)


def _bird_descriptions(db_folder: Path) -> dict[str, dict[str, str]]:
    """``{table: {column: meaning}}`` from BIRD's database_description/*.csv, when present."""
    folder = db_folder / "database_description"
    if not folder.is_dir():
        return {}
    out: dict[str, dict[str, str]] = {}
    for csv_path in sorted(folder.glob("*.csv")):
        raw = csv_path.read_bytes()
        # BIRD's files come in UTF-8 (some with a BOM) and a few in Latin-1.
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        columns: dict[str, str] = {}
        for row in csv.DictReader(text.splitlines()):
            row = {(k or "").strip().lower(): " ".join((v or "").split()) for k, v in row.items()}
            original = row.get("original_column_name", "")
            if not original:
                continue
            meaning = row.get("column_description", "")
            natural = row.get("column_name", "")
            if not meaning and natural and natural.lower() != original.lower():
                meaning = natural
            values = row.get("value_description", "")
            if values:
                meaning = f"{meaning}; values: {values}" if meaning else f"values: {values}"
            if len(meaning) > DESCRIPTION_CHARS:
                meaning = meaning[: DESCRIPTION_CHARS - 1] + "…"
            columns[original.lower()] = meaning
        out[csv_path.stem.lower()] = columns
    return out


def _merge_entry_keys(tables: list[Table], entry: dict) -> list[Table]:
    """Add the primary and foreign keys that ``tables.json`` knows and the file does not declare."""
    try:
        tnames = entry["table_names_original"]
        cols = entry["column_names_original"]
        pk_ids: list[int] = []
        for pk in entry.get("primary_keys", []):
            pk_ids.extend(pk if isinstance(pk, list) else [pk])
        fk_pairs = entry.get("foreign_keys", [])
    except (KeyError, TypeError):
        return tables

    def name_of(i: int) -> tuple[str, str] | None:
        if not 0 <= i < len(cols) or cols[i][0] < 0 or cols[i][0] >= len(tnames):
            return None
        return tnames[cols[i][0]].lower(), cols[i][1].lower()

    pks = {n for n in map(name_of, pk_ids) if n}
    fks: dict[str, list[tuple[str, str, str]]] = {}
    for src, dst in fk_pairs:
        a, b = name_of(src), name_of(dst)
        if a and b:
            fks.setdefault(a[0], []).append((a[1], b[0], b[1]))
    by_lower = {t.name.lower(): t for t in tables}
    merged = []
    for t in tables:
        has_pk = any(c.primary_key for c in t.columns)
        columns = tuple(
            replace(c, primary_key=True)
            if not has_pk and (t.name.lower(), c.name.lower()) in pks
            else c
            for c in t.columns
        )
        foreign = list(t.foreign_keys)
        known = {(f.column.lower(), f.ref_table.lower(), f.ref_column.lower()) for f in foreign}
        for src, rt, rc in fks.get(t.name.lower(), []):
            ref = by_lower.get(rt)
            col = next((c.name for c in t.columns if c.name.lower() == src), None)
            rcol = (
                next((c.name for c in ref.columns if c.name.lower() == rc), None) if ref else None
            )
            if col and ref and rcol and (src, rt, rc) not in known:
                foreign.append(ForeignKey(col, ref.name, rcol))
                known.add((src, rt, rc))
        merged.append(Table(t.name, columns, tuple(foreign)))
    return merged


# -- rendering -------------------------------------------------------------------------------------
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED_WORDS = """
    add all alter and as asc between by case cast check collate column commit constraint
    create cross current default delete desc distinct drop else end escape except exists
    filter foreign from full group having in index inner insert intersect into is isnull
    join key left like limit natural not notnull null of offset on or order outer over
    partition primary range references replace right row rows select set table then to
    transaction union unique update using values when where window with
"""
_RESERVED = frozenset(_RESERVED_WORDS.split())


def _quote(name: str) -> str:
    """An identifier as SQLite accepts it: bare when plain, else in backticks (as BIRD writes).

    >>> _quote("Name"), _quote("Free Meal Count (K-12)"), _quote("order")
    ('Name', '`Free Meal Count (K-12)`', '`order`')
    """
    if _PLAIN.match(name) and name.lower() not in _RESERVED:
        return name
    return "`" + name.replace("`", "``") + "`"


def render_schema(
    schema: Schema,
    fmt: str = "ddl",
    *,
    samples: bool = True,
    descriptions: bool = True,
    keep: dict[str, set[str] | None] | None = None,
) -> str:
    """The schema as prompt text.

    Args:
        fmt: ``ddl`` or ``columns``.
        samples, descriptions: include sample values / column meanings.
        keep: when given, only these tables, each with the named columns (None: all columns).
    """
    if fmt not in SCHEMA_FORMATS:
        raise ConfigError(
            f"Unknown schema_format '{fmt}'. Choose one of: {', '.join(SCHEMA_FORMATS)}."
        )
    tables = [t for t in schema.tables if keep is None or t.name in keep]
    kept_names = {t.name for t in tables}
    blocks = []
    for t in tables:
        wanted = None if keep is None else keep[t.name]
        columns = [c for c in t.columns if wanted is None or c.name in wanted]
        fks = [
            f
            for f in t.foreign_keys
            if f.ref_table in kept_names and f.column in {c.name for c in columns}
        ]
        render = _render_ddl if fmt == "ddl" else _render_columns
        blocks.append(render(t, columns, fks, samples, descriptions))
    return "\n\n".join(blocks)


def _notes(c: Column, samples: bool, descriptions: bool) -> list[str]:
    notes = []
    if descriptions and c.description:
        notes.append(c.description)
    if samples and c.samples:
        notes.append("e.g. " + ", ".join(c.samples))
    return notes


def _render_ddl(t: Table, columns, fks, samples: bool, descriptions: bool) -> str:
    pks = [c.name for c in columns if c.primary_key]
    inline_pk = len(pks) == 1
    lines: list[tuple[str, str]] = []  # (definition, comment)
    for c in columns:
        definition = f"  {_quote(c.name)}" + (f" {c.type.upper()}" if c.type else "")
        if inline_pk and c.primary_key:
            definition += " PRIMARY KEY"
        lines.append((definition, "; ".join(_notes(c, samples, descriptions))))
    if len(pks) > 1:
        lines.append((f"  PRIMARY KEY ({', '.join(map(_quote, pks))})", ""))
    for f in fks:
        ref = f"{_quote(f.ref_table)}({_quote(f.ref_column)})"
        lines.append((f"  FOREIGN KEY ({_quote(f.column)}) REFERENCES {ref}", ""))
    body = []
    for i, (definition, comment) in enumerate(lines):
        comma = "," if i < len(lines) - 1 else ""
        body.append(f"{definition}{comma}" + (f" -- {comment}" if comment else ""))
    return f"CREATE TABLE {_quote(t.name)} (\n" + "\n".join(body) + "\n);"


def _render_columns(t: Table, columns, fks, samples: bool, descriptions: bool) -> str:
    refs = {f.column: f for f in fks}
    out = []
    for c in columns:
        parts = [c.type.lower() or "any"]
        if c.primary_key:
            parts.append("primary key")
        if c.name in refs:
            f = refs[c.name]
            parts.append(f"references {_quote(f.ref_table)}.{_quote(f.ref_column)}")
        parts.extend(_notes(c, samples, descriptions))
        out.append(f"{_quote(t.name)}.{_quote(c.name)}: " + ", ".join(parts))
    return "\n".join(out)


# -- relevance, for truncation ---------------------------------------------------------------------
_STOP = {"id", "the", "of", "and", "for", "in", "to", "is", "name", "type", "code", "number"}


def _words(text: str) -> set[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase -> camel Case
    words = {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}
    return words | {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}


def relevance(schema: Schema, text: str) -> dict[str, tuple[int, set[str]]]:
    """Per table: a score (table named: +3, each column named or whose sample value appears: +1)
    and the columns the question mentions. Used to choose what to drop when a prompt is too long.
    """
    q = _words(text)
    lowered = text.lower()
    out = {}
    for t in schema.tables:
        table_hit = any(w in q for w in _words(t.name) if len(w) >= 3 and w not in _STOP)
        mentioned = set()
        for c in t.columns:
            named = any(w in q for w in _words(c.name) if len(w) >= 3 and w not in _STOP)
            valued = any(
                len(s) > 4 and s.strip("'").lower() in lowered
                for s in c.samples
                if s.startswith("'")
            )
            if named or valued:
                mentioned.add(c.name)
        out[t.name] = (3 * table_hit + len(mentioned), mentioned)
    return out


def fit_schema(
    schema: Schema, fmt: str, text: str, fits: Callable[[str], bool]
) -> tuple[str, str, bool]:
    """The richest rendering for which ``fits(schema_text)`` holds: (text, step, fitted).

    Steps (:data:`TRUNCATION_STEPS`): the full schema; without sample values; without column
    meanings; then, least relevant table first, tables the question does not name are cut to
    their key and mentioned columns; then the least relevant tables are dropped (the most
    relevant one always stays). ``fitted`` is False when even the smallest rendering is too long.
    """
    for step, kwargs in (
        ("full", {"samples": True, "descriptions": True}),
        ("no_samples", {"samples": False, "descriptions": True}),
        ("no_descriptions", {"samples": False, "descriptions": False}),
    ):
        rendered = render_schema(schema, fmt, **kwargs)
        if fits(rendered):
            return rendered, step, True
    scores = relevance(schema, text)
    order = sorted(schema.tables, key=lambda t: (scores[t.name][0], -schema.tables.index(t)))
    keep: dict[str, set[str] | None] = {t.name: None for t in schema.tables}
    for t in order:
        score, mentioned = scores[t.name]
        if score >= 3:  # the question names this table: keep all its columns
            continue
        keep[t.name] = (t.key_columns | mentioned) or {t.columns[0].name}
        rendered = render_schema(schema, fmt, samples=False, descriptions=False, keep=keep)
        if fits(rendered):
            return rendered, "pruned_columns", True
    for t in order[:-1]:
        del keep[t.name]
        rendered = render_schema(schema, fmt, samples=False, descriptions=False, keep=keep)
        if fits(rendered):
            return rendered, "pruned_tables", True
    return rendered, "pruned_tables", False


# -- messages --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prompt:
    """The messages for one example and how they were made.

    ``schema_step`` is the truncation step that made the prompt fit (``full`` when nothing was
    cut); ``error`` is set (and the example should not be sent) when nothing made it fit.
    """

    question_id: int
    messages: list[dict[str, str]] = field(compare=False)
    schema_step: str = "full"
    tokens: int | None = None
    error: str | None = None

    @property
    def hash(self) -> str:
        return hashlib.sha256(json.dumps(self.messages, sort_keys=True).encode()).hexdigest()


def user_message(schema_text: str, question: str, evidence: str = "") -> str:
    """The FINER-SQL user message.

    >>> print(user_message("CREATE TABLE t (a INT);", "How many?", "a is a count"))
    Database Schema:
    CREATE TABLE t (a INT);
    <BLANKLINE>
    Evidence: a is a count
    Question: How many?
    """
    ev = (
        EVIDENCE_TEMPLATE.format(evidence=evidence.strip()) if evidence and evidence.strip() else ""
    )
    return USER_TEMPLATE.format(schema=schema_text, evidence=ev, question=question.strip())


class PromptBuilder:
    """Builds the messages for examples of one suite; schemas are read once per database.

    Args:
        suite: gives databases, ``schema_entry`` and (for few-shot) the train split.
        schema_format: ``ddl`` or ``columns``.
        few_shot: number of train examples shown before the question (same ones for every
            question, chosen by ``seed``).
        budget: most prompt tokens allowed (None: no limit); needs ``count_tokens``.
        count_tokens: the generator's ``count_tokens(messages)``.
        exclude: examples that must never be shots (the evaluated ones).
    """

    def __init__(
        self,
        suite,
        *,
        schema_format: str = "ddl",
        few_shot: int = 0,
        seed: int = 0,
        budget: int | None = None,
        count_tokens: Callable[[list[dict[str, str]]], int] | None = None,
        exclude: Sequence[Example] = (),
    ):
        if schema_format not in SCHEMA_FORMATS:
            raise ConfigError(
                f"Unknown schema_format '{schema_format}'. "
                f"Choose one of: {', '.join(SCHEMA_FORMATS)}."
            )
        if budget is not None and count_tokens is None:
            raise ConfigError("A prompt token budget needs a count_tokens function.")
        self.suite = suite
        self.schema_format = schema_format
        self.budget = budget
        self.count_tokens = count_tokens
        self.shots = few_shot_examples(suite, few_shot, seed, exclude) if few_shot else []
        self._rendered: dict[str, str] = {}

    def schema(self, db_id: str) -> Schema:
        db = self.suite.database(db_id)
        return read_schema(db.path, db_id, self.suite.schema_entry(db_id))

    def messages(self, example: Example, schema_text: str) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": SYSTEM_PROMPT}]
        for shot in self.shots:
            shot_q = FEW_SHOT_TEMPLATE.format(db_id=shot.db_id, question=shot.question.strip())
            if shot.evidence:
                shot_q = EVIDENCE_TEMPLATE.format(evidence=shot.evidence.strip()) + shot_q
            messages.append({"role": "user", "content": shot_q})
            messages.append({"role": "assistant", "content": shot.gold_sql.strip()})
        messages.append(
            {
                "role": "user",
                "content": user_message(schema_text, example.question, example.evidence),
            }
        )
        return messages

    def build(self, example: Example) -> Prompt:
        """The prompt for ``example``; never raises for length (see :class:`Prompt`)."""
        try:
            schema = self.schema(example.db_id)
        except (DataError, sqlite3.Error, OSError) as exc:
            return Prompt(example.question_id, [], "full", None, f"schema_unavailable: {exc}")
        full = self._rendered.get(example.db_id)
        if full is None:
            full = self._rendered[example.db_id] = render_schema(schema, self.schema_format)
        if self.budget is None:
            return Prompt(example.question_id, self.messages(example, full))
        counted: dict[str, int] = {}

        def fits(schema_text: str) -> bool:
            counted[schema_text] = self.count_tokens(self.messages(example, schema_text))
            return counted[schema_text] <= self.budget

        if fits(full):
            text, step, ok = full, "full", True
        else:
            text, step, ok = fit_schema(
                schema, self.schema_format, f"{example.question} {example.evidence}", fits
            )
        messages = self.messages(example, text)
        error = None
        if not ok:
            error = (
                f"prompt_too_long: {counted[text]} tokens after dropping sample values, column "
                f"meanings and less relevant tables; the budget is {self.budget}. Raise "
                "max_prompt_tokens or use a model with a longer context."
            )
        return Prompt(example.question_id, messages, step, counted[text], error)


def few_shot_examples(suite, k: int, seed: int, exclude: Sequence[Example] = ()) -> list[Example]:
    """``k`` examples from the suite's train split, chosen by ``seed`` (same seed, same shots)."""
    if k <= 0:
        return []
    split = getattr(suite, "train_split", None)
    if not split:
        raise ConfigError(
            f"few_shot={k} needs a train split, and suite '{suite.name}' has none; set few_shot=0."
        )
    pool = suite.load_examples(split)
    banned = {(e.db_id, e.question.strip()) for e in exclude}
    pool = [e for e in pool if (e.db_id, e.question.strip()) not in banned]
    if len(pool) < k:
        raise ConfigError(
            f"few_shot={k} but the train split '{split}' has only {len(pool)} examples."
        )
    return random.Random(seed).sample(pool, k)

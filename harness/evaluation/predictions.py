"""Reading prediction files: untrusted input, validated before anything runs.

Three formats (:data:`PREDICTION_FORMATS`), detected from the file name (``--format`` overrides):

* ``jsonl`` (ours): one ``{"question_id": …, "sql": "…"}`` object per line; other keys are kept as
  metadata. Keyed by question_id, so order does not matter. Several candidates for one question
  (sampled elsewhere, for pass@k and voting) come either as several lines with the same
  ``question_id`` (an optional integer ``candidate`` orders them; without it, file order) or as one
  line ``{"question_id": …, "candidates": ["SQL", …]}``.
* ``bird`` (``.json``): BIRD's dict ``{"<key>": "SQL\\t----- bird -----\\t<db_id>", …}``.
  The official script pairs entries with the gold *by position* (so a file written with
  ``sort_keys=True`` silently scores ~0%: evaluators.md P3). We pair by key instead: keys that
  are the split's question_ids are used as such; keys 0…n-1 are positions in the split file.
  Either way the ``db_id`` after the separator must match the question's database, which
  catches a file keyed for another split or order. A value without the separator is plain SQL.
* ``spider`` (``.sql``/``.txt``): one SQL per line in split order, as the Spider evaluator reads it.
  The line count must equal the number of questions. (The official reader treats a blank line as
  a session separator and silently drops the rest; we read it as an empty prediction.)

A file that cannot be read as predictions raises :class:`~harness.errors.PredictionsError`
naming the line or key. One bad statement (over ``MAX_SQL_CHARS`` characters, bytes that are not
UTF-8) is that sample's problem, not the file's: it is judged ``pred_error:<why>`` and the other
samples are scored.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from harness.core import Example, Prediction
from harness.errors import ConfigError, PredictionsError, UnknownNameError
from harness.evaluation.bounded_json import TooManyValues, loads_bounded
from harness.files import write_jsonl_atomic
from harness.registry import Registry

BIRD_SEPARATOR = "\t----- bird -----\t"
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_SQL_CHARS = 100_000
MAX_CANDIDATES = 1024  # per question
# JSON values on one JSONL line: a full "candidates" list with metadata for each candidate.
MAX_LINE_VALUES = 4 * MAX_CANDIDATES
MAX_LINE_BYTES = 128 * 1024 * 1024  # one line: a full candidates list of the longest statements
_LINE_OVER = f"a line holds one question's SQL (at most {MAX_CANDIDATES:,}) and their metadata"


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix == ".json":
        return "bird"
    if suffix in (".sql", ".txt"):
        return "spider"
    raise PredictionsError(
        f"Cannot tell the format of {path} from its extension; pass --format "
        f"({', '.join(PREDICTION_FORMATS)}): .jsonl = one JSON object per line, "
        f".json = BIRD's dict, .sql/.txt = one SQL per line (Spider)."
    )


def load_predictions(
    path: str | Path, examples: list[Example], fmt: str | None = None
) -> dict[int, Prediction]:
    """One prediction per question, keyed by question_id; a second one for a question is an
    error here (:func:`load_candidates` reads several)."""
    return {
        qid: candidates[0]
        for qid, candidates in _load(Path(path), examples, fmt, many=False).items()
    }


def load_candidates(
    path: str | Path, examples: list[Example], fmt: str | None = None
) -> dict[int, list[Prediction]]:
    """Every candidate of every question, keyed by question_id, in candidate order.

    Questions without a candidate are simply absent; BIRD and Spider files hold one per question.
    """
    return _load(Path(path), examples, fmt, many=True)


def _load(
    path: Path, examples: list[Example], fmt: str | None, many: bool
) -> dict[int, list[Prediction]]:
    if not path.is_file():
        raise PredictionsError(f"Predictions file not found: {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise PredictionsError(
            f"{path} is {path.stat().st_size / 1e6:.0f} MB, over the "
            f"{MAX_FILE_BYTES // 2**20} MiB limit for a predictions file."
        )
    try:
        read = PREDICTION_FORMATS.get(fmt or detect_format(path))
    except UnknownNameError as exc:
        raise PredictionsError(str(exc)) from None
    candidates = read(examples, path, many)
    return {qid: [with_problem(p) for p in ps] for qid, ps in candidates.items()}


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered from 1, with their end of line, read one at a time (a file
    is never held whole).

    Bytes that are not UTF-8 become lone surrogates: the statement that holds them is judged
    wrong on its own (sql_problem), the rest of the file is read as usual.
    """
    with open(path, "rb") as f:
        for line_no, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                raise PredictionsError(
                    f"{path}:{line_no}: line over {MAX_LINE_BYTES // 2**20} MiB, the limit for "
                    f"one line ({MAX_CANDIDATES:,} candidates of {MAX_SQL_CHARS:,} characters "
                    f"fit in {MAX_CANDIDATES * MAX_SQL_CHARS / 2**20:.0f} MiB)."
                )
            line = raw.decode("utf-8", errors="surrogateescape")
            del raw  # a long line is held once, not twice
            yield line_no, line


def sql_problem(sql: str) -> str | None:
    """Why ``sql`` cannot be run at all, or None."""
    if len(sql) > MAX_SQL_CHARS:
        return f"statement over {MAX_SQL_CHARS} characters"
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid UTF-8 text"
    return None


def with_problem(prediction: Prediction) -> Prediction:
    """``prediction`` with its problem noted and its text made safe to write back as UTF-8."""
    problem = sql_problem(prediction.sql)
    if problem is None:
        return prediction
    sql = prediction.sql.encode("utf-8", "backslashreplace").decode("utf-8")
    return Prediction(prediction.question_id, sql, prediction.meta, problem)


_Entry = tuple[int | None, int, Prediction]  # (candidate index if given, line number, prediction)


def _read_jsonl(
    examples: list[Example], path: Path, many: bool
) -> dict[int, list[Prediction]]:
    """Line by line; a question past MAX_CANDIDATES is refused on the line that passes it, so
    memory holds at most what an accepted file would."""
    known = {e.question_id for e in examples}
    lines: dict[int, list[_Entry]] = {}
    listed: set[int] = set()  # questions given as one "candidates" list
    unknown = _Unknown()
    for line_no, line in _lines(path):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        record = _loads(line, where, MAX_LINE_VALUES, _LINE_OVER)
        has_list = _has_candidate_list(record, where, many)
        qid = _as_question_id(record["question_id"], where)
        if qid in listed or (qid in lines and (has_list or not many)):
            hint = "" if many else (
                " (several candidates per question: `harness eval` scores them all)"
            )
            raise PredictionsError(f"{where}: question_id {qid} appears twice{hint}.")
        read = _list_entries if has_list else _sql_entry
        entries = read(record, qid, line_no, where)
        if qid not in known:
            unknown.add(qid)
            continue
        if has_list:
            listed.add(qid)
        question = lines.setdefault(qid, [])
        question.extend(entries)
        if len(question) > MAX_CANDIDATES:
            raise PredictionsError(
                f"{where}: question {qid} has over {MAX_CANDIDATES:,} candidates, the limit "
                f"per question."
            )
    unknown.refuse(path, examples)
    return {qid: _in_candidate_order(qid, entries, path) for qid, entries in lines.items()}


def _has_candidate_list(record, where: str, many: bool) -> bool:
    """Whether a line gives a "candidates" list (else one "sql"); refuses any other shape."""
    has_list = isinstance(record, dict) and many and "candidates" in record
    if not isinstance(record, dict) or "question_id" not in record or (
        "sql" not in record and not has_list
    ):
        raise PredictionsError(
            f'{where}: each line must be an object with "question_id" and "sql"'
            + (' (or "candidates": a list of SQL).' if many else ".")
        )
    return has_list


def _list_entries(record: dict, qid: int, line_no: int, where: str) -> list[_Entry]:
    """A line's "candidates" list, each in its list position."""
    if "sql" in record:
        raise PredictionsError(f'{where}: give "sql" or "candidates", not both.')
    sqls = record["candidates"]
    if not isinstance(sqls, list) or not sqls:
        raise PredictionsError(f'{where}: "candidates" must be a non-empty list of SQL.')
    if len(sqls) > MAX_CANDIDATES:
        raise PredictionsError(
            f'{where}: "candidates" lists {len(sqls):,} SQL, over the {MAX_CANDIDATES:,} limit '
            f"per question."
        )
    meta = {k: v for k, v in record.items() if k not in ("question_id", "candidates")}
    return [
        (i, line_no, Prediction(qid, _sql_text(sql, f"{where}: candidate {i}"), meta))
        for i, sql in enumerate(sqls)
    ]


def _sql_entry(record: dict, qid: int, line_no: int, where: str) -> list[_Entry]:
    """A line's one "sql", at its "candidate" index when it gives one."""
    index = record.get("candidate")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
        raise PredictionsError(f'{where}: "candidate" must be an integer ≥ 0, got {index!r}.')
    meta = {k: v for k, v in record.items() if k not in ("question_id", "sql", "candidate")}
    return [(index, line_no, Prediction(qid, _sql_text(record["sql"], where), meta))]


def _sql_text(sql, where: str) -> str:
    if sql is None:
        return ""
    if not isinstance(sql, str):
        raise PredictionsError(f'{where}: "sql" must be a string.')
    return sql


def _in_candidate_order(qid: int, entries: list[_Entry], path: Path) -> list[Prediction]:
    """File order, or the ``candidate`` indices' order when every line of the question has one."""
    indices = [index for index, _, _ in entries]
    if len(entries) == 1 or all(index is None for index in indices):
        return [prediction for _, _, prediction in entries]
    if any(index is None for index in indices):
        line = next(line for index, line, _ in entries if index is None)
        raise PredictionsError(
            f'{path}:{line}: question_id {qid} numbers its other candidates with "candidate"; '
            f"number this one too."
        )
    numbered = [(index, line, p) for index, line, p in entries if index is not None]
    seen: dict[int, int] = {}
    for index, line, _ in numbered:
        if index in seen:
            raise PredictionsError(
                f"{path}:{line}: candidate {index} of question_id {qid} appears twice "
                f"(first on line {seen[index]})."
            )
        seen[index] = line
    return [prediction for _, _, prediction in sorted(numbered, key=lambda e: e[0])]


def _read_bird(examples: list[Example], path: Path) -> dict[int, Prediction]:
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    over = f"one string per question and the split has {len(examples):,} questions"
    try:
        data = _loads(
            text, str(path), len(examples) + 1, over, object_pairs_hook=_refuse_duplicate_keys
        )
    except PredictionsError as exc:
        message = str(exc)
        where = message if message.startswith(str(path)) else f"{path}: {message}"
        raise PredictionsError(where) from exc
    if not isinstance(data, dict):
        raise PredictionsError(
            f'{path}: a BIRD predictions file is a JSON object {{"0": "SQL\\t----- bird -----\\t'
            f'db_id", …}}; use .jsonl for one object per line.'
        )
    by_id = {e.question_id: e for e in examples}
    keys = {}
    for key in data:
        keys[key] = _as_question_id(key, f"{path}: key {key!r}")
    key_ids = set(keys.values())
    if key_ids <= set(by_id):
        target = {key: by_id[qid] for key, qid in keys.items()}
    elif key_ids <= set(range(len(examples))):
        target = {key: examples[qid] for key, qid in keys.items()}
    else:
        stray = sorted(key_ids - set(by_id))[:5]
        raise PredictionsError(
            f"{path}: keys {stray} are neither question_ids of this split nor positions "
            f"0…{len(examples) - 1} in it. Is the file for another split?"
        )
    out: dict[int, Prediction] = {}
    for key, value in data.items():
        example = target[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise PredictionsError(f"{path}: the value of key {key!r} must be a string.")
        sql, sep, db_id = value.partition(BIRD_SEPARATOR)
        if sep and db_id.strip() != example.db_id:
            raise PredictionsError(
                f"{path}: key {key!r} names database '{db_id.strip()}' but question "
                f"{example.question_id} is about '{example.db_id}'. The file seems keyed for "
                f"another split or order."
            )
        if example.question_id in out:
            raise PredictionsError(f"{path}: question {example.question_id} appears twice.")
        out[example.question_id] = Prediction(example.question_id, sql)
    return out


def _read_spider(examples: list[Example], path: Path) -> dict[int, Prediction]:
    """Lines past the split's count are counted, not kept."""
    out: dict[int, Prediction] = {}
    count = 0
    for count, line in _lines(path):
        if count <= len(examples):
            e = examples[count - 1]
            out[e.question_id] = Prediction(e.question_id, line.rstrip("\n").rstrip("\r"))
    if count != len(examples):
        raise PredictionsError(
            f"{path} has {count} lines but the split has {len(examples)} questions. "
            f"Spider's format is one SQL per line, in question order."
        )
    return out


#: A predictions reader: ``(examples, path, many) -> {question_id: [Prediction, …]}``, ``many``
#: telling whether a question may have several candidates.
Reader = Callable[[list[Example], Path, bool], dict[int, list[Prediction]]]


def _one_each(read_one: Callable[[list[Example], Path], dict[int, Prediction]]) -> Reader:
    """A reader of one prediction per question, as a reader of candidate lists."""
    def read(examples: list[Example], path: Path, many: bool) -> dict[int, list[Prediction]]:
        return {qid: [p] for qid, p in read_one(examples, path).items()}
    return read


#: Predictions format -> its reader. ``--format`` offers the names registered when the command
#: line is read, so a format registered by a plugin or a test is a choice too.
PREDICTION_FORMATS: Registry[Reader] = Registry("predictions format")
PREDICTION_FORMATS.register("jsonl", _read_jsonl)
PREDICTION_FORMATS.register("bird", _one_each(_read_bird))
PREDICTION_FORMATS.register("spider", _one_each(_read_spider))


_QUESTION_ID = re.compile(r"-?[0-9]{1,18}")


def _as_question_id(value, where: str) -> int:
    """An int, or a string of ASCII digits (BIRD's keys), of at most 18 digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
        return value
    if isinstance(value, str) and _QUESTION_ID.fullmatch(value.strip()):
        return int(value.strip())
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
    raise PredictionsError(f"{where}: question_id must be an integer, got {shown}.")


def _loads(text: str, where: str, max_values: int, over: str, **kwargs):
    """json.loads of at most ``max_values`` values (refused before building more: ``over`` says
    why that is enough), with every way it can fail as one PredictionsError."""
    try:
        return loads_bounded(text, max_values, **kwargs)
    except TooManyValues as exc:
        raise PredictionsError(f"{where}: {exc}, but {over}.") from exc
    except json.JSONDecodeError as exc:
        raise PredictionsError(f"{where}: not valid JSON ({exc.msg}, line {exc.lineno}).") from exc
    except ValueError as exc:  # a number of thousands of digits
        raise PredictionsError(f"{where}: not valid JSON ({exc}).") from exc
    except RecursionError as exc:
        raise PredictionsError(f"{where}: JSON nested too deeply.") from exc


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """object_pairs_hook: a key given twice is refused, as a question_id twice in JSONL is
    (json.loads would silently keep the last)."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            shown = key if len(key) <= 40 else key[:40] + "…"
            raise PredictionsError(f"key {shown!r} appears twice.")
        out[key] = value
    return out


class _Unknown:
    """question_ids not in the split: counted, the first five kept for the message."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[int] = []

    def add(self, qid: int) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(qid)

    def refuse(self, path: Path, examples: list[Example]) -> None:
        if self.count:
            ids = sorted(examples, key=lambda e: e.question_id)
            span = f"{ids[0].question_id}…{ids[-1].question_id}" if ids else "none"
            raise PredictionsError(
                f"{path}: {self.count} question_id(s) are not in this split "
                f"(first: {', '.join(map(str, self.first))}; the split's ids span {span}). "
                f"Is the file for another suite or split?"
            )


def gold_predictions(examples: list[Example]) -> dict[int, Prediction]:
    """The self-test: every question predicted by its own gold SQL."""
    return {e.question_id: Prediction(e.question_id, e.gold_sql) for e in examples}


class PredictionLog:
    """Predictions appended to a JSONL file as each finishes, so a killed run loses nothing."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[int, Prediction] = {}
        if path.exists():
            text = path.read_bytes().decode("utf-8", errors="replace")
            for line_no, line in enumerate(text.split("\n"), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    break  # a line cut short by a kill: everything after it is redone
                qid = record.get("question_id") if isinstance(record, dict) else None
                sql = record.get("sql") if isinstance(record, dict) else None
                if isinstance(qid, bool) or not isinstance(qid, int) or not isinstance(sql, str):
                    raise ConfigError(
                        f"{path}:{line_no} is not a saved prediction (an object with an integer "
                        f'"question_id" and a string "sql"); resume needs the file as the harness '
                        f"wrote it. Move it away to start over, or choose another --out."
                    )
                meta = record.get("meta")
                self.done[qid] = Prediction(qid, sql, meta if isinstance(meta, dict) else {})
            # Rewrite without a torn tail, so appends start on a clean line.
            write_jsonl_atomic(path, (self._record(p) for p in self.done.values()))

    @staticmethod
    def _record(p: Prediction) -> dict:
        return {"question_id": p.question_id, "sql": p.sql, "meta": p.meta}

    def append(self, prediction: Prediction) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(self._record(prediction), ensure_ascii=False, default=str) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.done[prediction.question_id] = prediction

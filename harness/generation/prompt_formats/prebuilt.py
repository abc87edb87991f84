"""``prebuilt``: messages given in a file, sent exactly as given.

FINER-SQL evaluates with released prompt sets (``spider_dev_prompts``, ``bird_dev_prompts``): one
row per question with a ``messages`` column (system + user turns), plus ``db_id`` and optionally
``sample_id`` / ``question``. This format reads such a set from a JSON Lines, JSON or Parquet
file, a ``datasets`` folder saved with ``save_to_disk``, or a dataset name ``datasets`` can load,
and matches rows to questions by id (``question_id``, else ``sample_id``: the question's index in
the split file, as the releases assume).

A set that misses questions, has malformed messages or a row whose ``db_id`` is not the
question's is refused before anything runs, with the ids named: a question is never sent with a
prompt of another format in its place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.core import Example
from harness.errors import ConfigError, DataError
from harness.generation.prompt_formats.base import Messages, PromptFormat

ID_COLUMNS = ("question_id", "sample_id")
ROLES = ("system", "user", "assistant")
SHOWN_IDS = 20


def _rows(source: str, split: str) -> Iterator[dict]:
    """The rows of a JSONL / JSON / Parquet file, a saved ``datasets`` folder or a dataset name."""
    path = Path(source).expanduser()
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        with open(path, encoding="utf-8") as f:
            if path.suffix == ".json":
                data = json.load(f)
                if not isinstance(data, list):
                    raise DataError(f"{path} is not a JSON list of rows.")
                yield from data
                return
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataError(f"{path} line {n} is not JSON ({exc}).") from exc
        return
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - datasets is a core dependency
        raise ConfigError(f"Reading {source} needs the datasets package: {exc}") from exc
    try:
        if path.is_file() and path.suffix == ".parquet":
            table = datasets.Dataset.from_parquet(str(path))
        elif path.is_dir():
            table = datasets.load_from_disk(str(path))
            if isinstance(table, datasets.DatasetDict):
                table = table[split]
        else:
            table = datasets.load_dataset(source, split=split)
    except Exception as exc:
        raise DataError(f"Cannot read prebuilt messages from {source}: {exc}") from exc
    yield from table


def _check_messages(messages: Any) -> Messages | None:
    """The messages as {role, content} dicts, or None when they are not a usable conversation."""
    if not isinstance(messages, list) or not messages:
        return None
    out = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return None
        if not isinstance(m.get("content"), str):
            return None
        out.append({"role": m["role"], "content": m["content"]})
    return out if any(m["role"] == "user" for m in out) else None


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(map(str, sorted(ids)[:SHOWN_IDS]))
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


class PrebuiltFormat(PromptFormat):
    """Options: ``path`` (required: file, folder or dataset name), ``split`` (of a dataset with
    several, default ``train``: the released sets keep their rows there)."""

    name = "prebuilt"
    version = "1"
    description = "Messages from a file or dataset (FINER-SQL's released prompt sets), as given"

    def __init__(self, suite, **kwargs: Any):
        super().__init__(suite, **kwargs)
        self._rows: dict[int, dict] | None = None
        self._digest = ""

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        options = self.options_over({"path": None, "split": None}, options)
        if not options.get("path"):
            raise ConfigError(
                "Prompt format 'prebuilt' needs the messages file: give the option path "
                "(a .jsonl/.json/.parquet file, a saved datasets folder or a dataset name)."
            )
        return {"path": str(options["path"]), "split": str(options.get("split") or "train")}

    def rows(self) -> dict[int, dict]:
        """The rows by question id (read once)."""
        if self._rows is None:
            digest = hashlib.sha256()
            rows: dict[int, dict] = {}
            for n, row in enumerate(_rows(self.options["path"], self.options["split"])):
                if not isinstance(row, dict):
                    raise DataError(f"Row {n} of {self.options['path']} is not an object.")
                key = next((c for c in ID_COLUMNS if row.get(c) is not None), None)
                if key is None:
                    raise DataError(
                        f"Row {n} of {self.options['path']} has no question id (one of "
                        f"{', '.join(ID_COLUMNS)}); rows are matched to questions by id."
                    )
                rows[int(row[key])] = row
                digest.update(json.dumps(row, sort_keys=True, default=str).encode())
            self._rows, self._digest = rows, digest.hexdigest()
        return self._rows

    def shaping_texts(self) -> list[str]:
        self.rows()
        return [self._digest]

    def problems(self, example: Example) -> str | None:
        row = self.rows().get(example.question_id)
        if row is None:
            return "missing"
        if _check_messages(row.get("messages")) is None:
            return "with malformed messages"
        if row.get("db_id") not in (None, example.db_id):
            return "for another database"
        return None

    def prepare(self, examples: Sequence[Example]) -> None:
        found: dict[str, list[int]] = {}
        for e in examples:
            problem = self.problems(e)
            if problem:
                found.setdefault(problem, []).append(e.question_id)
        if found:
            parts = [f"{len(ids)} {kind} (question ids {_ids(ids)})" for kind, ids in found.items()]
            raise DataError(
                f"Prebuilt messages {self.options['path']} cannot be used for "
                f"{self.suite.name}: {'; '.join(parts)}. Nothing was run; fix the file or "
                "choose another prompt format."
            )

    def messages(self, example: Example) -> Messages:
        problem = self.problems(example)
        if problem:
            raise DataError(
                f"Prebuilt messages {self.options['path']}: question {example.question_id} "
                f"is {problem}."
            )
        return _check_messages(self.rows()[example.question_id]["messages"]) or []

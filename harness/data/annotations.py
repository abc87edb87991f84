"""Published findings about benchmark golds, shipped as data: one JSON file per source.

Each file (``suites/<suite>/annotations/<source>.json``) says where the finding comes from and
under which licence, which release it applies to, and the question ids, with a category where the
source gives one::

    {"source": "...", "title": "...", "citation": "...", "url": "...", "licence": "...",
     "suite": "spider", "split": "dev", "release": "2018-original",
     "questions": [{"question_id": 16, "category": "gold_sql_corrected"}, ...]}

A finding applies only to the release it was made on: the ids of an audit of BIRD dev 2023-05
say nothing about 20240627, whose SQL was corrected. Only sources whose licence allows
redistribution are shipped; the others are cited in the README and left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import DataError

REQUIRED = ("source", "title", "citation", "url", "licence", "suite", "split", "release",
            "questions")


@dataclass(frozen=True)
class Annotation:
    """One source's findings about one release of one split."""

    source: str
    title: str
    citation: str
    url: str
    licence: str
    suite: str
    split: str
    release: str
    questions: tuple[tuple[int, str], ...]  # (question_id, category)

    def flags(self) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = {}
        for qid, category in self.questions:
            out.setdefault(qid, []).append({"source": self.source, "category": category})
        return out


def load_annotation(path: Path) -> Annotation:
    """One annotation file, checked: every key present, ids integers, categories text."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a readable annotation file ({exc}).") from exc
    missing = [k for k in REQUIRED if not isinstance(data, dict) or k not in data]
    if missing:
        raise DataError(f"{path} lacks {', '.join(missing)}.")
    questions = []
    for q in data["questions"]:
        qid, category = q.get("question_id"), q.get("category", "flagged")
        if not isinstance(qid, int) or isinstance(qid, bool) or not isinstance(category, str):
            raise DataError(f"{path}: each question needs an integer question_id and a text "
                            f"category, got {q!r}.")
        questions.append((qid, category))
    return Annotation(**{k: str(data[k]) for k in REQUIRED[:-1]}, questions=tuple(questions))


def annotations_in(folder: Path) -> list[Annotation]:
    """Every annotation file in ``folder`` (none when it does not exist), by file name."""
    return [load_annotation(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def flags_for(annotations: list[Annotation], suite: str, split: str, release: str | None
              ) -> dict[int, list[dict]]:
    """The flags that apply to ``suite``/``split`` in ``release``, per question id."""
    out: dict[int, list[dict]] = {}
    for a in annotations:
        if (a.suite, a.split, a.release) == (suite, split, release):
            for qid, flags in a.flags().items():
                out.setdefault(qid, []).extend(flags)
    return out

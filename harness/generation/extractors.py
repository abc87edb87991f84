"""Extractors: how each upstream evaluation pipeline takes the SQL out of a completion.

A published number was measured with its authors' extraction, so a recipe that reproduces it
must extract the same way; the harness's own lenient parser (:mod:`harness.generation.parsing`)
finds SQL in more places and would score the same completions higher. Each extractor restates an
upstream function's behaviour (read from its code, checked on a corpus of completions against
the upstream function itself in ``tests/test_extractors.py``); none has a fallback of its own.

``lenient`` (harness)
    the harness parser: ``</think>``, ``<answer>``, fences, bare SQL, first statement.
``last-sql-fence`` (OmniSQL, SQL-R1, Arctic-Text2SQL-R1)
    the body of the last ```` ```sql … ``` ```` block (case-sensitive tag, closing fence needed),
    stripped; ``""`` when there is none. ```` ```sqlite ```` yields ``ite\n…`` as upstream.
``csc-sql`` (CSC-SQL)
    with ``<answer>`` and ``</answer>``: the flattened text of the last answer; else the last
    ```` ```sql ```` block; else the whole text flattened (newlines to spaces, ``;``, ``</s>``
    and fences removed, text after the first ``</think>``).
``after-think`` (FINER-SQL)
    the text after the last ``</think>``, stripped, verbatim (fences and tags kept); ``""``
    without a ``</think>``.

Sources: RUCKBReasoning/OmniSQL ``train_and_evaluate/infer.py`` (``parse_response``, commit
a66d732); DataArcTech/SQL-R1 ``src/inference.py`` (the same function); snowflakedb/ArcticTraining
``projects/arctic_text2sql_r1/bird_eval/infer.py`` (the same function); CycloneBoy/csc_sql
``src/cscsql/utils/common_utils.py`` (``parse_response_for_sql``); thanhdath/finer-sql
``evaluation/evaluate_bird_dev.py`` (``extract_sql_from_completion``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from harness.errors import ConfigError, UnknownNameError
from harness.generation.parsing import extract_sql
from harness.registry import Registry


@dataclass(frozen=True)
class Extractor:
    """One named extraction rule; ``extract(completion)`` is the SQL ("" when it finds none)."""

    name: str
    upstream: str  # whose evaluation code this restates
    description: str
    extract: Callable[[str], str]

    def __call__(self, completion: str | None) -> str:
        return self.extract(completion or "")


_SQL_FENCE = re.compile(r"```sql\s*(.*?)\s*```", re.DOTALL)


def last_sql_fence(completion: str) -> str:
    """The last closed ```` ```sql ```` block, stripped; "" without one.

    >>> last_sql_fence("```sql\\nSELECT 1\\n```\\n```sql\\nSELECT 2;\\n```")
    'SELECT 2;'
    >>> last_sql_fence("```SQL\\nSELECT 1\\n```"), last_sql_fence("```sql\\nSELECT 1")
    ('', '')
    """
    blocks = _SQL_FENCE.findall(completion)
    return blocks[-1].strip() if blocks else ""


def _csc_flatten(text: str) -> str:
    """CSC-SQL's whole-text cleanup: one line, no ``;``, no fences, the last answer's text."""
    for old, new in (("\n", " "), (";", ""), ("</s>", ""), ("```sql ", "")):
        text = text.replace(old, new)
    text = text.strip().replace("```", "")
    end = text.find("</think>")  # the *first* closing tag, as upstream
    if end > -1:
        text = text[end + len("</think>") :]
    text = text.split("<answer>")[-1].split("</answer>")[0].strip()
    return text.replace("</answer>", "").replace("<answer>", "")


def csc_sql(completion: str) -> str:
    """CSC-SQL's ``parse_response_for_sql`` (see the module docstring).

    >>> csc_sql("<think>x</think><answer>SELECT 1;</answer>")
    'SELECT 1'
    >>> csc_sql("The count is SELECT 2")
    'The count is SELECT 2'
    """
    if "<answer>" in completion and "</answer>" in completion:
        return _csc_flatten(completion)
    blocks = _SQL_FENCE.findall(completion)  # an empty block still counts as found
    return blocks[-1].strip() if blocks else _csc_flatten(completion)


def after_think(completion: str) -> str:
    """FINER-SQL's evaluation parser: everything after the last ``</think>``, stripped.

    >>> after_think("<think>count</think>\\nSELECT count(*) FROM t")
    'SELECT count(*) FROM t'
    >>> after_think("SELECT 1")
    ''
    """
    idx = completion.rfind("</think>")
    return completion[idx + len("</think>") :].strip() if idx >= 0 else ""


def lenient(completion: str) -> str:
    """The harness's own parser (:func:`harness.generation.parsing.extract_sql`)."""
    return extract_sql(completion).sql


#: Extractor name -> extractor; ``--extractor`` offers the names registered when the command
#: line is read (a plugin's or a test's too).
EXTRACTORS: Registry[Extractor] = Registry("extractor")
for _extractor in (
    Extractor("lenient", "harness", "the harness parser (think, answer, fences, bare SQL)",
              lenient),
    Extractor("last-sql-fence", "OmniSQL / SQL-R1 / Arctic-Text2SQL-R1",
              "last closed ```sql block, stripped; nothing otherwise", last_sql_fence),
    Extractor("csc-sql", "CSC-SQL",
              "last <answer> flattened; else last ```sql block; else whole text flattened",
              csc_sql),
    Extractor("after-think", "FINER-SQL",
              "text after the last </think>, verbatim; nothing without one", after_think),
):
    EXTRACTORS.register(_extractor.name, _extractor)


def get_extractor(name: str) -> Extractor:
    """The extractor called ``name``; an unknown name is a ConfigError listing the known ones."""
    try:
        return EXTRACTORS.get(name)
    except UnknownNameError as exc:
        raise ConfigError(str(exc), option="--extractor") from None

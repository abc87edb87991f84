"""Each recipe's extractor gives what its upstream function gives, on a corpus of completions.

The expected outputs in ``tests/data/extractors_upstream.json`` were produced by running the
upstream functions themselves (OmniSQL, SQL-R1 and Arctic ``parse_response``, CSC-SQL
``parse_response_for_sql``, FINER-SQL ``extract_sql_from_completion``; commits in the file's
``sources``) on ``tests/extractor_corpus.py`` in a scratch environment outside the repository.
FINER-SQL's ``None`` (no ``</think>``) is ``""`` here.
"""

import json
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.generation.extractors import EXTRACTORS, get_extractor
from harness.generation.parsing import extract_sql
from tests.extractor_corpus import CORPUS

UPSTREAM = json.loads((Path(__file__).parent / "data" / "extractors_upstream.json").read_text())
EXTRACTOR_OF = {
    "omnisql": "last-sql-fence",
    "sql-r1": "last-sql-fence",
    "arctic": "last-sql-fence",
    "csc-sql": "csc-sql",
    "finer-sql": "after-think",
}
CASES = [(up, cid) for up in EXTRACTOR_OF for cid in CORPUS]


def test_corpus_is_large_and_covers_every_upstream():
    assert len(CORPUS) >= 30
    assert set(UPSTREAM["expected"]) == set(EXTRACTOR_OF)
    for up in EXTRACTOR_OF:
        assert set(UPSTREAM["expected"][up]) == set(CORPUS), up


@pytest.mark.parametrize(("upstream", "case"), CASES)
def test_extractor_matches_upstream(upstream, case):
    expected = UPSTREAM["expected"][upstream][case]
    assert get_extractor(EXTRACTOR_OF[upstream])(CORPUS[case]) == (expected or "")


def test_upstream_extractors_never_fall_back_where_lenient_does():
    """The lenient parser finds SQL in completions where the fence extractor finds none."""
    fence = get_extractor("last-sql-fence")
    only_lenient = [c for c, t in CORPUS.items() if extract_sql(t).sql and not fence(t)]
    assert {"bare_sql_only", "finer_think_raw_sql", "truncated_open_fence"} <= set(only_lenient)
    only_fence = {c for c, t in CORPUS.items() if fence(t) and not extract_sql(t).sql}
    # an unclosed <think> means "ran out of tokens" to the lenient parser, not to OmniSQL's regex
    assert only_fence == {"think_never_closed_then_fence"}


def test_lenient_is_the_harness_parser():
    for text in CORPUS.values():
        assert EXTRACTORS.get("lenient")(text) == extract_sql(text).sql


def test_unknown_extractor_lists_known_ones():
    with pytest.raises(ConfigError, match="last-sql-fence"):
        get_extractor("nope")

"""The Spider rule skips sqlparse for text it would not change; that shortcut must be exact."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.evaluation.rules import (
    _first_statement_tokens,
    spider_first_statement,
    spider_remove_distinct,
)


def tokenized(query: str) -> tuple[str, str]:
    """What the official evaluator's sqlparse pass gives, always tokenizing."""
    tokens = _first_statement_tokens(query)
    return "".join(t for t in tokens if t.lower() != "distinct"), "".join(tokens)


def test_every_spider_gold_is_prepared_as_sqlparse_would(data_dir):
    queries = []
    for name in ("dev.json", "train_spider.json"):
        path = data_dir / "spider" / name
        if path.is_file():
            queries += [q["query"] for q in json.loads(path.read_text(encoding="utf-8"))]
    assert len(queries) > 1000
    for query in queries:
        assert (spider_remove_distinct(query), spider_first_statement(query)) == tokenized(query)


WORDS = ["SELECT", "category", "GO", "go", "distinct", "Distinction", "cargo", "DISTINCT",
         "x$go", "t.go", "'go'", '"distinct"', ";", "(", ")", ",", "a", "1", "FROM", "--go\n"]


@given(st.lists(st.sampled_from(WORDS), max_size=12), st.sampled_from([" ", "", "\n"]))
def test_the_shortcut_is_exact_on_words_near_go_and_distinct(words, sep):
    query = sep.join(words)
    assert (spider_remove_distinct(query), spider_first_statement(query)) == tokenized(query)


@pytest.mark.parametrize("query", ["SELECT category FROM t", "SELECT distinction FROM cargo"])
def test_identifiers_that_merely_contain_the_words_skip_sqlparse(query):
    _first_statement_tokens.cache_clear()
    assert spider_remove_distinct(query) == query
    assert _first_statement_tokens.cache_info().misses == 0

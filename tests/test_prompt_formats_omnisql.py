"""The OmniSQL family of prompt formats, pinned to what the upstream code outputs.

``tests/data/prompt_formats_upstream_sha256.json`` holds the SHA-256 of the messages each
upstream's own code produced for Spider dev questions 0-99 (OmniSQL's ``process_dataset.py`` with
its pyserini/Lucene value index, SQL-R1's ``inference.py``, Arctic-Text2SQL-R1's
``process_dataset.py`` + ``infer.py``, CSC-SQL's ``build_prompt``; how they were run is in the
file's ``about``). The
harness builds the same prompts from the shared Spider data and must hash the same.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from harness.core import Example
from harness.generation.prompt_formats import make_format
from harness.generation.prompt_formats import values as values_module
from harness.generation.prompt_formats.lucene import (
    BM25Index,
    analyze,
    decode_length,
    encode_length,
)
from harness.generation.prompt_formats.values import (
    ValueIndexCache,
    question_queries,
    substring_match,
    word_tokenize,
)
from harness.paths import cache_dir
from suites.sample.schema import schema_entry

UPSTREAM = json.loads(
    (Path(__file__).parent / "data" / "prompt_formats_upstream_sha256.json").read_text()
)


def _sha(messages) -> str:
    return hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("fmt", ["omnisql", "sql-r1", "arctic", "csc-sql"])
def test_first_100_spider_dev_prompts_equal_upstream_byte_for_byte(spider_suite, fmt):
    examples = spider_suite.load_examples("dev")[:100]
    prompts = make_format(fmt, spider_suite)
    differ = [
        e.question_id
        for e in examples
        if _sha(prompts.messages(e)) != UPSTREAM[fmt][str(e.question_id)]
    ]
    assert differ == []


def test_question_matched_values_are_part_of_the_omnisql_prompt(spider_suite):
    # Question 4 asks about singers from France: the BM25 index puts 'France' first.
    example = spider_suite.load_examples("dev")[4]
    with_values = make_format("omnisql", spider_suite).messages(example)
    without = make_format("omnisql", spider_suite, matched_values=False).messages(example)
    assert _sha(with_values) == UPSTREAM["omnisql"]["4"]
    country = "    Country text, -- example: "
    assert country + "['France', 'Netherlands', 'United States']\n" in with_values[0]["content"]
    assert country + "['Netherlands', 'United States']\n" in without[0]["content"]


# -- the Lucene analyzer and ranking ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "terms"),  # each pair is what pyserini 0.22.1's default analyzer returned
    [
        ("Singer's NAMES", ["singer", "name"]),
        ("U.S.A. e-mail don't 3.5 1,000 foo_bar C++ a&m O'Neil",
         ["u.s.a", "e", "mail", "don't", "3.5", "1,000", "foo_bar", "c", "m", "o'neil"]),
        ("The running dogs are in the houses", ["run", "dog", "hous"]),
        ("café naïve 東京 ｆｕｌｌ", ["café", "naïv", "東", "京", "ｆｕｌｌ"]),
        ("generalization relational hopping happily", ["gener", "relat", "hop", "happili"]),
        ("toxicology possibly ds", ["toxicolog", "possibl", "ds"]),
        ("497 ft² (46.2 m²) ZaratÃ©", ["497", "ft", "46.2", "m", "zaratã", "©"]),
        ("'s ``", ["s"]),
    ],
)
def test_analyzer_matches_lucene(text, terms):
    assert analyze(text) == terms


def test_document_lengths_use_lucenes_one_byte_encoding():
    assert [decode_length(encode_length(n)) for n in (0, 1, 23, 24, 25, 100)] == [
        0, 1, 23, 24, 25, 96,
    ]


def test_bm25_ranks_by_score_then_id_bytes():
    ids = ["t-**-c-**-2", "t-**-c-**-10", "t-**-c-**-3"]
    texts = ["world peace", "hello world", "world world"]
    index = BM25Index(ids, [analyze(t) for t in texts])
    # "world world" scores highest; the two one-"world" documents tie and go by id ("-10" < "-2")
    assert index.search(analyze("world")) == [2, 1, 0]
    assert index.search(analyze("hello there")) == [1]
    assert index.search(analyze("the")) == []  # a stop word only: an empty query finds nothing
    assert index.search(analyze("world"), k=1) == [2]


def test_question_n_grams_follow_nltk_3_8_1():
    # nltk 3.8.1 keeps an opening quote on the word; later releases split it off
    assert word_tokenize("Which cars are made by 'Ford Motor Company'?") == [
        "Which", "cars", "are", "made", "by", "'Ford", "Motor", "Company", "'", "?",
    ]
    queries = question_queries("How many pets? List them.")
    assert queries[:5] == ["How", "many", "pets", "?", "List"]
    assert queries[-1] == "How many pets? List them."
    assert len(queries) == len(set(queries))


def test_substring_match_is_the_longest_common_run_over_the_value_length():
    assert substring_match("Ford Motor Company", "made by 'ford motor company'?") == 1.0
    assert substring_match("abcd", "xxbcxx") == 0.5
    assert substring_match("zz", "abc") == 0.0


# -- BIRD evidence, the cache, errors --------------------------------------------------------------
SCRIPT = """
CREATE TABLE school (CDSCode TEXT PRIMARY KEY, `School Name` TEXT, County TEXT);
INSERT INTO school VALUES ('011', 'Alameda High', 'Alameda'), ('012', 'Fremont High', 'Alameda'),
                          ('013', 'Oakland Tech', 'Oakland');
"""


@pytest.fixture
def bird_like(tiny_suite_factory):
    examples = [Example(5, "schools", "Which schools are in Oakland?", "SELECT 1",
                        evidence="Oakland refers to County = 'Oakland'")]
    suite = tiny_suite_factory({"schools": SCRIPT}, examples)
    suite.schema_entry = lambda db_id: schema_entry(suite.database(db_id).path, db_id)
    return suite


def test_bird_evidence_goes_before_the_question_and_values_are_matched(bird_like):
    content = make_format("omnisql", bird_like).messages(bird_like.load_examples("dev")[0])[0][
        "content"
    ]
    assert "\nQuestion:\nOakland refers to County = 'Oakland'\nWhich schools are in Oakland?\n\n" \
        in content
    assert "    County text, -- example: ['Oakland', 'Alameda']" in content  # matched value first
    # a natural name that only repeats the column name is no comment
    assert "    `School Name` text, -- example: ['Alameda High', 'Fremont High']" in content
    assert "    PRIMARY KEY (CDSCode)\n);" in content


def test_the_value_index_is_cached_by_content_never_beside_the_data(
    bird_like, monkeypatch, tmp_path
):
    assert ValueIndexCache().folder == cache_dir() / "value-index"
    db = bird_like.database("schools").path
    before = sorted(p.name for p in db.parent.iterdir())
    first = ValueIndexCache(tmp_path / "index").get(db)
    assert sorted(p.name for p in db.parent.iterdir()) == before
    assert len(list((tmp_path / "index").glob("*.json.z"))) == 1
    monkeypatch.setattr(values_module.ValueIndex, "build", classmethod(lambda cls, p: 1 / 0))
    again = ValueIndexCache(tmp_path / "index").get(db)  # a new process: read, not rebuilt
    assert again.values == first.values and "Oakland Tech" in again.values


def test_a_suite_without_tables_json_gives_an_error_on_the_prompt(tiny_suite_factory):
    suite = tiny_suite_factory({"schools": SCRIPT}, [Example(1, "schools", "How many?", "")])
    prompt = make_format("omnisql", suite).build(suite.load_examples("dev")[0])
    assert prompt.messages == [] and "tables.json" in (prompt.error or "")


def test_arctic_ends_with_a_think_prefill_and_sql_r1_adds_its_lines(bird_like):
    example = bird_like.load_examples("dev")[0]
    arctic = make_format("arctic", bird_like).messages(example)
    assert [m["role"] for m in arctic] == ["system", "user", "assistant"]
    assert arctic[-1]["content"] == "Let me solve this step by step. \n<think>"
    r1 = make_format("sql-r1", bird_like).messages(example)[0]["content"]
    assert "- The answer must contain the SQL query within ```sql ``` tags.\n\nOutput Format:" in r1
    assert "'Oakland Tech'" not in r1  # SQL-R1 shows sampled values only

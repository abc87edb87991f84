"""Prompt building on the real Spider databases: schema text, messages, few-shot, truncation."""

import re
import sqlite3

import pytest

from harness.core import Database, Example
from harness.errors import ConfigError
from harness.generation import prompts
from harness.generation.prompts import (
    PromptBuilder,
    fit_schema,
    read_schema,
    relevance,
    render_schema,
    template_hash,
    user_message,
)
from tests.generation_support import need_smollm2, spider_suite


@pytest.fixture(scope="module")
def spider():
    return spider_suite()


@pytest.fixture(scope="module")
def dev(spider):
    return spider.load_examples("dev")


def schema_of(suite, db_id):
    return read_schema(suite.database(db_id).path, db_id, suite.schema_entry(db_id))


def test_ddl_has_keys_types_and_sample_values(spider):
    text = render_schema(schema_of(spider, "concert_singer"), "ddl")
    assert "CREATE TABLE singer (\n  Singer_ID INT PRIMARY KEY, -- e.g. 1, 2, 3" in text
    assert "Name TEXT, -- e.g. 'Joe Sharp', 'Timbaland', 'Justin Brown'" in text
    assert "PRIMARY KEY (concert_ID, Singer_ID)" in text
    assert "FOREIGN KEY (Stadium_ID) REFERENCES stadium(Stadium_ID)" in text
    assert "'Stark''s Park'" in text  # quotes inside samples are escaped as SQL literals
    # every statement is valid SQLite once comments are dropped
    conn = sqlite3.connect(":memory:")
    conn.executescript(text)
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} >= {"singer", "concert"}


def test_columns_format_satisfies_the_finer_memory_gate(spider):
    text = render_schema(schema_of(spider, "concert_singer"), "columns")
    lines = [ln for ln in text.splitlines() if ln]
    gate = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*:")
    assert all(gate.match(ln) for ln in lines)
    assert "singer.Name: text, e.g. 'Joe Sharp', 'Timbaland', 'Justin Brown'" in lines
    assert "concert.Stadium_ID: text, references stadium.Stadium_ID, e.g. '1', '2', '10'" in lines
    assert len(lines) == 21  # every column of the four tables


@pytest.mark.parametrize("fmt", ["ddl", "columns"])
def test_every_spider_dev_database_renders(spider, dev, fmt):
    for db_id in sorted({e.db_id for e in dev}):
        if not spider.database(db_id).path.exists():
            continue  # wta_1 is missing from the shared data
        text = render_schema(schema_of(spider, db_id), fmt)
        assert text and "None" not in text.split("e.g.")[0]


def test_schema_is_read_once_per_database(spider):
    assert schema_of(spider, "pets_1") is schema_of(spider, "pets_1")


def test_tables_json_keys_fill_in_undeclared_keys(tmp_path):
    db = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE customer (cid INT, name TEXT); CREATE TABLE orders (oid INT, cid INT);"
        "INSERT INTO customer VALUES (1, 'Ann'); INSERT INTO orders VALUES (10, 1);"
    )
    conn.commit()
    conn.close()
    entry = {
        "table_names_original": ["customer", "orders"],
        "column_names_original": [[-1, "*"], [0, "cid"], [0, "name"], [1, "oid"], [1, "cid"]],
        "primary_keys": [1, 3],
        "foreign_keys": [[4, 1]],
    }
    text = render_schema(read_schema(db, "shop", entry), "ddl")
    assert "cid INT PRIMARY KEY" in text and "oid INT PRIMARY KEY" in text
    assert "FOREIGN KEY (cid) REFERENCES customer(cid)" in text


def test_bird_descriptions_and_odd_identifiers(tmp_path):
    folder = tmp_path / "schools"
    (folder / "database_description").mkdir(parents=True)
    db = folder / "schools.sqlite"
    conn = sqlite3.connect(db)
    conn.execute('CREATE TABLE frpm ("CDSCode" TEXT PRIMARY KEY, "Free Meal Count (K-12)" REAL)')
    conn.execute("INSERT INTO frpm VALUES ('01100170109835', 565.0)")
    conn.commit()
    conn.close()
    (folder / "database_description" / "frpm.csv").write_bytes(
        "\ufefforiginal_column_name,column_name,column_description,data_format,value_description\n"
        "CDSCode,,California school code,text,\n"
        "Free Meal Count (K-12),,Number of students eligible for free meals,real,"
        "eligible free rate = count / enrollment\n".encode()
    )
    ddl = render_schema(read_schema(db), "ddl")
    assert "CDSCode TEXT PRIMARY KEY, -- California school code; e.g. '01100170109835'" in ddl
    assert "`Free Meal Count (K-12)` REAL -- Number of students eligible for free meals; " in ddl
    assert "values: eligible free rate = count / enrollment; e.g. 565.0" in ddl
    cols = render_schema(read_schema(db), "columns", samples=False, descriptions=False)
    assert cols.splitlines() == [
        "frpm.CDSCode: text, primary key",
        "frpm.`Free Meal Count (K-12)`: real",
    ]


def test_messages_follow_finer_structure(spider, dev):
    prompt = PromptBuilder(spider).build(dev[0])
    system, user = prompt.messages
    assert system["role"] == "system" and "SQLite" in system["content"]
    assert user["content"].startswith("Database Schema:\nCREATE TABLE stadium (")
    assert user["content"].endswith("\n\nQuestion: How many singers do we have?")
    assert prompt.error is None and prompt.schema_step == "full" and len(prompt.hash) == 64


def test_evidence_goes_before_the_question():
    text = user_message("CREATE TABLE t (a INT);", "Which?", "free rate = a / b")
    assert text.endswith("\n\nEvidence: free rate = a / b\nQuestion: Which?")
    assert "Evidence" not in user_message("S", "Q", "  ")


def test_few_shot_comes_from_train_split_deterministically(spider, dev):
    shots = PromptBuilder(spider, few_shot=3, seed=1, exclude=dev[:5]).shots
    again = PromptBuilder(spider, few_shot=3, seed=1, exclude=dev[:5]).shots
    other = PromptBuilder(spider, few_shot=3, seed=2, exclude=dev[:5]).shots
    assert shots == again and shots != other
    train = {(e.db_id, e.question) for e in spider.load_examples("train")}
    assert all((s.db_id, s.question) in train for s in shots)
    messages = PromptBuilder(spider, few_shot=2, seed=1).build(dev[0]).messages
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[1]["content"].startswith("Database: ")


def test_few_shot_never_uses_evaluated_examples(spider):
    train = spider.load_examples("train")
    # evaluating on (a copy of) the whole pool but three: those three are all that is left
    shots = PromptBuilder(spider, few_shot=3, exclude=train[3:]).shots
    assert sorted(s.question for s in shots) == sorted(e.question for e in train[:3])


def test_few_shot_without_train_split_is_a_config_error(spider):
    class NoTrain:
        name, train_split = "toy", None

    with pytest.raises(ConfigError, match="needs a train split"):
        PromptBuilder(NoTrain(), few_shot=1)


def chars(messages):
    """A stand-in tokenizer: 4 characters per token."""
    return sum(len(m["content"]) for m in messages) // 4


def test_truncation_drops_samples_first(spider, dev):
    example = dev[0]
    full = PromptBuilder(spider).build(example)
    size = chars(full.messages)
    prompt = PromptBuilder(spider, budget=size - 1, count_tokens=chars).build(example)
    assert prompt.error is None and prompt.schema_step == "no_samples"
    assert "e.g." not in prompt.messages[-1]["content"]
    assert prompt.tokens <= size - 1


def test_truncation_prunes_tables_the_question_does_not_mention(spider, dev):
    example = next(e for e in dev if e.db_id == "world_1" and "language" in e.question.lower())
    schema = schema_of(spider, "world_1")
    bare = PromptBuilder(spider).messages(example, render_schema(schema, samples=False))
    budget = chars(bare) - 20
    prompt = PromptBuilder(spider, budget=budget, count_tokens=chars).build(example)
    assert prompt.error is None, prompt.error
    assert prompt.schema_step in ("pruned_columns", "pruned_tables")
    assert "CREATE TABLE countrylanguage" in prompt.messages[-1]["content"]
    assert prompt.tokens <= budget


def test_relevance_scores_named_tables_and_columns(spider):
    scores = relevance(schema_of(spider, "concert_singer"), "How many singers are from France?")
    assert scores["singer"][0] > scores["stadium"][0]
    assert "Country" in scores["singer"][1]  # 'France' is a sample value of singer.Country


def test_prompt_that_cannot_fit_records_a_reason(spider, dev):
    prompt = PromptBuilder(spider, budget=30, count_tokens=chars).build(dev[0])
    assert prompt.error.startswith("prompt_too_long:")
    assert "budget is 30" in prompt.error
    assert prompt.messages  # the smallest attempt is kept for inspection


def test_missing_database_records_a_reason(spider, dev):
    example = next(e for e in dev if e.db_id == "wta_1")  # not in the shared data
    prompt = PromptBuilder(spider).build(example)
    assert prompt.error.startswith("schema_unavailable:") and "does not exist" in prompt.error


def test_fit_schema_keeps_the_most_relevant_table():
    schema = prompts.Schema(
        "toy",
        (
            prompts.Table("orders", (prompts.Column("x", "INT"),)),
            prompts.Table("singer", (prompts.Column("y", "INT"),)),
            prompts.Table("stadium", (prompts.Column("z", "INT"),)),
        ),
    )
    text, step, fitted = fit_schema(schema, "ddl", "how many singers?", lambda s: False)
    assert not fitted and step == "pruned_tables"
    assert text == "CREATE TABLE singer (\n  y INT\n);"


def test_real_tokenizer_budget(spider, dev):
    need_smollm2()
    from transformers import AutoTokenizer

    from harness.generation.models import converted_model_dir

    tok = AutoTokenizer.from_pretrained(converted_model_dir("smollm2-135m"))

    def count(messages):
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return len(tok(text, add_special_tokens=False).input_ids)

    example = next(e for e in dev if e.db_id == "world_1")
    assert count(PromptBuilder(spider).build(example).messages) > 400
    prompt = PromptBuilder(spider, budget=400, count_tokens=count).build(example)
    assert prompt.error is None and prompt.schema_step != "full"
    assert prompt.tokens == count(prompt.messages) <= 400


def test_template_hash_tracks_the_template(monkeypatch):
    before = template_hash()
    assert before == template_hash() and len(before) == 64
    monkeypatch.setattr(prompts, "SYSTEM_PROMPT", prompts.SYSTEM_PROMPT + " Be brief.")
    assert template_hash() != before


def test_unknown_schema_format(spider):
    with pytest.raises(ConfigError, match="schema_format 'xml'"):
        PromptBuilder(spider, schema_format="xml")


def test_database_type_is_used(tmp_path):
    # Database and Example values only: the builder needs nothing else from a suite
    db = tmp_path / "one.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE t (a INT)").connection.commit()

    class OneDb:
        name, train_split = "one", None

        def database(self, db_id):
            return Database(db_id, db)

        def schema_entry(self, db_id):
            return None

    prompt = PromptBuilder(OneDb()).build(Example(7, "one", "How many?", "SELECT 1"))
    assert (
        prompt.question_id == 7
        and "CREATE TABLE t (\n  a INT\n);" in prompt.messages[-1]["content"]
    )

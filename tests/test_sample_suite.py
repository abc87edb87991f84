"""The embedded sample suite: its data rules, its golds, and how its databases are built."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from harness.core import Example
from harness.errors import ConfigError, DataError
from harness.suite import load_suite
from suites.sample import DATABASES, QUESTIONS, SampleSuite
from suites.sample.build import build_database

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"question_id", "split", "db_id", "question", "evidence", "sql", "difficulty"}


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """The suite with its cache in a temporary folder, so tests never touch the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield SampleSuite()


@pytest.fixture(scope="module")
def records() -> list[dict]:
    with open(QUESTIONS, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def by_split(records: list[dict], split: str) -> list[dict]:
    return [r for r in records if r["split"] == split]


def connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


# -- the questions file ----------------------------------------------------------------------------
def test_records_have_exactly_the_documented_fields(records):
    for r in records:
        assert set(r) == FIELDS, r["question_id"]
        assert r["split"] in SampleSuite.splits
        assert r["difficulty"] in SampleSuite.difficulty_levels
        assert isinstance(r["evidence"], str)
        assert r["question"].strip() and r["sql"].strip()


def test_question_ids_are_unique_zero_based_and_in_file_order(records):
    assert [r["question_id"] for r in records] == list(range(len(records)))


def test_split_sizes(records):
    assert len(records) >= 170
    assert len(by_split(records, "train")) >= 110
    # dev is scored by a tiny CPU model in CI, so it must stay small.
    assert 50 <= len(by_split(records, "dev")) <= 64


def test_splits_are_split_by_database(records):
    train = {r["db_id"] for r in by_split(records, "train")}
    dev = {r["db_id"] for r in by_split(records, "dev")}
    assert len(train) == 4 and len(dev) == 2
    assert not train & dev
    assert train | dev == {p.stem for p in DATABASES.glob("*.sql")}


@pytest.mark.parametrize("split", SampleSuite.splits)
def test_difficulty_mix_is_about_45_35_20(records, split):
    rows = by_split(records, split)
    share = {k: n / len(rows) for k, n in Counter(r["difficulty"] for r in rows).items()}
    assert 0.40 <= share["simple"] <= 0.50
    assert 0.30 <= share["moderate"] <= 0.40
    assert 0.15 <= share["challenging"] <= 0.25


# -- the databases ---------------------------------------------------------------------------------
@pytest.mark.parametrize("db_id", sorted(p.stem for p in DATABASES.glob("*.sql")))
def test_database_shape(suite, db_id):
    conn = connect_ro(suite.database(db_id).path)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert 3 <= len(tables) <= 6
    for table in tables:
        assert 10 <= conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] <= 60, table
        assert any(col[5] for col in conn.execute(f"PRAGMA table_info({table})")), table
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert sum(len(conn.execute(f"PRAGMA foreign_key_list({t})").fetchall()) for t in tables) >= 2
    conn.close()


# -- the golds -------------------------------------------------------------------------------------
def test_every_gold_runs_read_only_and_most_return_rows(suite, records):
    empty = []
    for r in records:
        conn = connect_ro(suite.database(r["db_id"]).path)
        rows = conn.execute(r["sql"]).fetchall()  # any error fails the test, naming the SQL
        conn.close()
        if not rows:
            empty.append(r["question_id"])
    assert len(empty) <= 0.1 * len(records), empty


def _has_date_function(tree: exp.Expression) -> bool:
    # sqlglot reads SQLite's strftime as TimeToStr; julianday stays an anonymous function.
    return any(
        isinstance(node, (exp.TimeToStr, exp.Date))
        or (isinstance(node, exp.Anonymous) and node.name.lower() == "julianday")
        for node in tree.walk()
    )


FEATURES = {
    "join": lambda t: t.find(exp.Join) is not None,
    "3-table join": lambda t: any(
        len(s.args.get("joins") or []) >= 2 for s in t.find_all(exp.Select)
    ),
    "group by": lambda t: t.find(exp.Group) is not None,
    "having": lambda t: t.find(exp.Having) is not None,
    "order by": lambda t: t.find(exp.Order) is not None,
    "limit": lambda t: t.find(exp.Limit) is not None,
    "select distinct": lambda t: any(s.args.get("distinct") for s in t.find_all(exp.Select)),
    "in subquery": lambda t: any(i.args.get("query") for i in t.find_all(exp.In)),
    "not in subquery": lambda t: any(
        isinstance(i.parent, exp.Not) and i.args.get("query") for i in t.find_all(exp.In)
    ),
    "scalar subquery": lambda t: any(
        not isinstance(s.parent, (exp.From, exp.Join, exp.In)) for s in t.find_all(exp.Subquery)
    ),
    "exists": lambda t: t.find(exp.Exists) is not None,
    "union": lambda t: t.find(exp.Union) is not None,
    "intersect": lambda t: t.find(exp.Intersect) is not None,
    "except": lambda t: t.find(exp.Except) is not None,
    "is null": lambda t: any(isinstance(i.expression, exp.Null) for i in t.find_all(exp.Is)),
    "coalesce": lambda t: t.find(exp.Coalesce) is not None,
    "count(column)": lambda t: any(isinstance(c.this, exp.Column) for c in t.find_all(exp.Count)),
    "date function": _has_date_function,
    "aggregate": lambda t: t.find(exp.AggFunc) is not None,
}


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("split", SampleSuite.splits)
def test_each_split_exercises_each_sql_feature(records, split, feature):
    trees = [sqlglot.parse_one(r["sql"], read="sqlite") for r in by_split(records, split)]
    assert any(FEATURES[feature](t) for t in trees)


def _sort_key_query(tree: exp.Select) -> tuple[str, int]:
    """``tree`` without LIMIT, its ORDER BY keys appended as extra columns; and its width.

    A key that names a select alias (``ORDER BY total``) or a position (``ORDER BY 2``) is replaced
    by the expression it stands for, so the extra columns hold the real sort key.
    """
    tree = tree.copy()
    width = len(tree.expressions)
    aliases = {e.alias: e.this for e in tree.expressions if isinstance(e, exp.Alias)}
    keys = []
    for ordered in tree.args["order"].expressions:
        key = ordered.this
        if isinstance(key, exp.Literal) and key.is_int:
            key = tree.expressions[int(key.name) - 1].unalias()
        elif isinstance(key, exp.Column) and not key.table and key.name in aliases:
            key = aliases[key.name]
        keys.append(key.copy())
    tree.set("limit", None)
    tree.set("offset", None)
    return tree.select(*keys, copy=False).sql(dialect="sqlite"), width


def test_ordered_golds_are_tie_free(suite, records):
    """Rows tied on the ORDER BY key may come back in any order, and a tie at the LIMIT boundary
    changes which rows come back: neither may happen where it would change a gold's result."""
    checked = 0
    for r in records:
        tree = sqlglot.parse_one(r["sql"], read="sqlite")
        if not tree.args.get("order"):
            continue
        assert isinstance(tree, exp.Select), f"{r['question_id']}: ORDER BY on a set operation"
        assert not tree.args.get("offset"), f"{r['question_id']}: OFFSET is not checked here"
        sql, width = _sort_key_query(tree)
        conn = connect_ro(suite.database(r["db_id"]).path)
        rows = conn.execute(sql).fetchall()
        gold = conn.execute(r["sql"]).fetchall()
        conn.close()
        limit = tree.args.get("limit")
        n = int(limit.expression.name) if limit else len(rows)
        assert [row[:width] for row in rows[:n]] == gold, r["question_id"]  # same query, plus keys
        for i in range(min(n, len(rows) - 1)):  # pairs inside the result and across the boundary
            a, b = rows[i], rows[i + 1]
            tied = a[width:] == b[width:] and a[:width] != b[:width]
            assert not tied, f"{r['question_id']}: rows {i} and {i + 1} tie on the ORDER BY key"
        checked += 1
    assert checked >= 12


# -- building the databases ------------------------------------------------------------------------
def test_building_twice_reuses_the_file(tmp_path):
    script = DATABASES / "library.sql"
    first = build_database(script, tmp_path)
    stamp = first.stat().st_mtime_ns
    assert build_database(script, tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    assert first.parent.name == "library" and first.name == "library.sqlite"
    assert [p.name for p in first.parent.iterdir()] == ["library.sqlite"]  # no temporary left


def test_a_changed_script_builds_a_new_file(tmp_path):
    script = tmp_path / "library.sql"
    script.write_text((DATABASES / "library.sql").read_text(encoding="utf-8"), encoding="utf-8")
    before = build_database(script, tmp_path / "cache")
    script.write_text(script.read_text(encoding="utf-8") + "\nDELETE FROM loans;\n")
    after = build_database(script, tmp_path / "cache")
    assert after != before and before.exists()
    count = "SELECT count(*) FROM loans"
    assert connect_ro(after).execute(count).fetchone()[0] == 0
    assert connect_ro(before).execute(count).fetchone()[0] == 50


def test_a_failing_script_leaves_nothing_behind(tmp_path):
    script = tmp_path / "broken.sql"
    script.write_text("CREATE TABLE t (a INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n")
    with pytest.raises(sqlite3.OperationalError):
        build_database(script, tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


_BUILD_AT = """
import sys, time
from pathlib import Path
from suites.sample.build import build_database
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(build_database(Path(sys.argv[2]), Path(sys.argv[3])))
"""


def test_two_processes_building_at_once_yield_one_valid_file(tmp_path):
    script, start = DATABASES / "shop.sql", time.time() + 1.5  # both wait, then build together
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", _BUILD_AT, str(start), str(script), str(tmp_path)]
    procs = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE) for _ in range(2)]
    paths = {p.communicate(timeout=60)[0].decode().strip() for p in procs}
    assert [p.returncode for p in procs] == [0, 0]
    (path,) = paths
    assert [p.name for p in Path(path).parent.iterdir()] == ["shop.sqlite"]
    conn = connect_ro(Path(path))
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM order_items").fetchone()[0] == 60
    conn.close()


def test_databases_are_cached_by_script_hash(suite):
    path = suite.database("school").path
    assert path.parts[-4] == "sample"
    assert len(path.parts[-3]) == 16 and int(path.parts[-3], 16) >= 0
    assert suite.database("school").path == path


# -- the Suite interface ---------------------------------------------------------------------------
def test_registry_and_class_attributes():
    suite = load_suite("sample")
    assert isinstance(suite, SampleSuite)
    assert (suite.name, suite.splits, suite.default_split, suite.train_split) == (
        "sample",
        ("train", "dev"),
        "dev",
        "train",
    )
    assert suite.default_rule == "bird"
    assert suite.difficulty_levels == ("simple", "moderate", "challenging")


def test_the_data_root_does_not_matter(tmp_path):
    suite = SampleSuite(tmp_path / "nowhere")
    assert suite.data_root == (tmp_path / "nowhere").resolve()
    assert len(suite.load_examples("dev")) > 0


def test_load_examples_in_file_order(suite, records):
    for split in suite.splits:
        examples = suite.load_examples(split)
        expected = by_split(records, split)
        assert all(isinstance(e, Example) for e in examples)
        assert [e.question_id for e in examples] == [r["question_id"] for r in expected]
        first, record = examples[0], expected[0]
        assert (first.db_id, first.question, first.gold_sql, first.evidence, first.difficulty) == (
            record["db_id"],
            record["question"],
            record["sql"],
            record["evidence"],
            record["difficulty"],
        )


def test_split_files_are_the_questions_and_that_splits_scripts(suite, records):
    for split in suite.splits:
        files = suite.split_files(split)
        assert files[0] == QUESTIONS
        assert {f.stem for f in files[1:]} == {r["db_id"] for r in by_split(records, split)}
        assert all(f.exists() for f in files)
    assert suite.split_hash("dev") != suite.split_hash("train")


def test_unknown_split_and_database_say_what_exists(suite):
    with pytest.raises(ConfigError, match="Splits: train, dev"):
        suite.load_examples("test")
    with pytest.raises(DataError, match="Databases: .*school"):
        suite.database("schol")


def test_check_suite_reports_every_split_scorable(suite):
    from harness.suite import check_suite

    for report in check_suite(suite):
        assert report.available and report.database_problems == {}
        assert report.unscorable_count == 0


# -- schema entries --------------------------------------------------------------------------------
@pytest.mark.parametrize("db_id", sorted(p.stem for p in DATABASES.glob("*.sql")))
def test_schema_entry_is_well_formed(suite, db_id):
    entry = suite.schema_entry(db_id)
    columns = entry["column_names_original"]
    assert entry["db_id"] == db_id
    assert columns[0] == [-1, "*"]
    assert len(entry["column_types"]) == len(columns) == len(entry["column_names"])
    assert set(entry["column_types"]) <= {"text", "number"}
    tables = entry["table_names_original"]
    assert len(entry["table_names"]) == len(tables)
    assert [t for t, _ in columns[1:]] == sorted(t for t, _ in columns[1:])  # grouped by table
    assert {t for t, _ in columns[1:]} == set(range(len(tables)))
    assert {columns[i][0] for i in entry["primary_keys"]} == set(range(len(tables)))
    for src, dst in entry["foreign_keys"]:
        assert 0 < src < len(columns) and 0 < dst < len(columns)
        assert dst in entry["primary_keys"]  # every reference in the sample targets a key


def test_schema_entry_matches_the_script(suite):
    entry = suite.schema_entry("shop")
    columns = [
        (entry["table_names_original"][t], name) for t, name in entry["column_names_original"][1:]
    ]
    index = {c: i + 1 for i, c in enumerate(columns)}
    assert entry["table_names_original"] == [
        "customers",
        "products",
        "orders",
        "order_items",
        "reviews",
    ]
    assert [index[("order_items", "order_id")], index[("order_items", "product_id")]] == [
        i for i in entry["primary_keys"] if columns[i - 1][0] == "order_items"
    ]
    fks = {(columns[a - 1], columns[b - 1]) for a, b in entry["foreign_keys"]}
    assert (("customers", "referred_by"), ("customers", "customer_id")) in fks  # self-reference
    assert (("order_items", "product_id"), ("products", "product_id")) in fks
    assert entry["column_types"][index[("products", "price")]] == "number"
    assert entry["column_types"][index[("orders", "order_date")]] == "text"

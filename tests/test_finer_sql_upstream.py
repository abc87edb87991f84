"""FINER-SQL's atomic operations: compat mode against the released code, default mode's fixes.

The ``RELEASED`` values were produced by the released code itself (thanhdath/finer-sql at
``3436ab7``: ``atomic_ops.sql_to_ops(sql, dialect="sqlite")`` and ``AtomicOpsReward``'s
``score`` / ``score_against_list``) under the sqlglot this project pins; regenerate or re-check
them with ``scripts/compare_finer_sql_upstream.py`` and a checkout of that repository.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.evaluation.execution import GoldCache
from methods.execution_reward import ExecutionGrader, GradeRequest
from methods.finer_sql.atomic import SHAPINGS, atomic_ops, atomic_reward, jaccard
from methods.finer_sql.memory import GateSettings, quality_gate


@dataclass(frozen=True)
class Released:
    gold: str
    pred: str
    gold_ops: list[str]
    pred_ops: list[str]
    jaccard: float
    s3: float
    class_defaults: float


RELEASED = {
    'aggregates': Released(
        gold="SELECT avg(age), max(age) FROM singer WHERE country = 'US'",
        pred="SELECT avg(age), min(age) FROM singer WHERE country = 'US'",
        gold_ops=[
            'SELECT_EXPR(AVG(age))',
            'SELECT_EXPR(MAX(age))',
            "WHERE_PRED(EQ, country, VALUE('US'))",
        ],
        pred_ops=[
            'SELECT_EXPR(AVG(age))',
            'SELECT_EXPR(MIN(age))',
            "WHERE_PRED(EQ, country, VALUE('US'))",
        ],
        jaccard=0.5,
        s3=0.6783481977537411,
        class_defaults=0.16553125,
    ),
    'bracketed_and': Released(
        gold="SELECT name FROM singer WHERE (age > 20 AND country = 'US') AND year = 2014",
        pred="SELECT name FROM singer WHERE age > 20 AND country = 'US' AND year = 2014",
        gold_ops=[
            'SELECT_COL(name)',
            'WHERE_PRED(EQ, year, VALUE(2014))',
            "WHERE_PRED_TREE((age > 20 AND country = 'US'))",
        ],
        pred_ops=[
            'SELECT_COL(name)',
            "WHERE_PRED(EQ, country, VALUE('US'))",
            'WHERE_PRED(EQ, year, VALUE(2014))',
            'WHERE_PRED(GT, age, VALUE(20))',
        ],
        jaccard=0.4,
        s3=0.6448311821551057,
        class_defaults=0.12508928,
    ),
    'nested_or': Released(
        gold="SELECT name FROM singer WHERE age > 20 AND (country = 'US' OR country = 'UK')",
        pred="SELECT name FROM singer WHERE (age > 20 AND country = 'US') OR country = 'UK'",
        gold_ops=[
            'SELECT_COL(name)',
            'WHERE_PRED(GT, age, VALUE(20))',
            "WHERE_PRED_TREE((country = 'US' OR country = 'UK'))",
        ],
        pred_ops=[
            'SELECT_COL(name)',
            "WHERE_PRED_TREE((age > 20 AND country = 'US') OR country = 'UK')",
        ],
        jaccard=0.25,
        s3=0.5812726415830267,
        class_defaults=0.0754853515625,
    ),
    'set_operation_order_limit': Released(
        gold='SELECT name FROM singer UNION SELECT name FROM actor ORDER BY name LIMIT 3',
        pred='SELECT name FROM singer UNION SELECT name FROM actor',
        gold_ops=[
            'ENTER_SUBQUERY(SET_RIGHT)',
            'EXIT_SUBQUERY',
            'LIMIT(3)',
            'ORDER_BY(name, ASC)',
            'SELECT_COL(name)',
            'UNION',
        ],
        pred_ops=[
            'ENTER_SUBQUERY(SET_RIGHT)',
            'EXIT_SUBQUERY',
            'SELECT_COL(name)',
            'UNION',
        ],
        jaccard=0.6666666666666666,
        s3=0.7253753209003699,
        class_defaults=0.26544855967078185,
    ),
    'subqueries': Released(
        gold='SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)',
        pred='SELECT name FROM singer WHERE id IN (SELECT singer_id FROM concert WHERE year = 2014)',  # noqa: E501
        gold_ops=[
            'ENTER_SUBQUERY(WHERE_SCALAR)',
            'EXIT_SUBQUERY',
            'SELECT_COL(name)',
            'SELECT_EXPR(AVG(age))',
            'WHERE_PRED(GT, age, SUBQ_LAST)',
        ],
        pred_ops=[
            'ENTER_SUBQUERY(WHERE_IN)',
            'EXIT_SUBQUERY',
            'SELECT_COL(name)',
            'SELECT_COL(singer_id)',
            'WHERE_PRED(EQ, year, VALUE(2014))',
            'WHERE_PRED(IN_SUBQ, id, SUBQ_LAST)',
        ],
        jaccard=0.2222222222222222,
        s3=0.5666419770143282,
        class_defaults=0.06693600230317194,
    ),
    'joins': Released(
        gold="SELECT T1.name, COUNT(*) FROM singer AS T1 JOIN concert AS T2 ON T1.id = T2.singer_id WHERE T2.year = '2014' GROUP BY T1.name",  # noqa: E501
        pred='SELECT s.name, COUNT(*) FROM singer AS s LEFT JOIN concert AS c ON s.id = c.singer_id GROUP BY s.name',  # noqa: E501
        gold_ops=[
            'GROUP_BY(name)',
            'JOIN(concert.t2, INNER)',
            'ON_EQ(T1.id, T2.singer_id)',
            'SELECT_COL(name)',
            'SELECT_EXPR(*(*))',
            "WHERE_PRED(EQ, year, VALUE('2014'))",
        ],
        pred_ops=[
            'GROUP_BY(name)',
            'JOIN(concert.c, INNER)',
            'ON_EQ(s.id, c.singer_id)',
            'SELECT_COL(name)',
            'SELECT_EXPR(*(*))',
        ],
        jaccard=0.375,
        s3=0.635567874026339,
        class_defaults=0.11618563842773437,
    ),
}


@pytest.mark.parametrize("case", sorted(RELEASED))
def test_compat_ops_equal_the_released_code(case):
    r = RELEASED[case]
    assert sorted(atomic_ops(r.gold + ";", upstream_compat=True)) == r.gold_ops
    assert sorted(atomic_ops(r.pred, upstream_compat=True)) == r.pred_ops


@pytest.mark.parametrize("case", sorted(RELEASED))
def test_compat_jaccard_and_both_shapings_equal_the_released_reward(case):
    r = RELEASED[case]
    gold_ops = atomic_ops(r.gold + ";", upstream_compat=True)
    assert jaccard(atomic_ops(r.pred, upstream_compat=True), gold_ops) == pytest.approx(r.jaccard)
    for shaping, expected in (("s3", r.s3), ("class-defaults", r.class_defaults)):
        got = atomic_reward(r.pred, [r.gold], SHAPINGS[shaping], upstream_compat=True)
        assert got == pytest.approx(expected, abs=1e-12), shaping


def test_compat_names_aggregates_as_expressions():
    ops = atomic_ops("SELECT avg(age), count(DISTINCT name) FROM singer", upstream_compat=True)
    assert ops == {"SELECT_EXPR(AVG(age))", "SELECT_EXPR(COUNT(DISTINCT name))"}
    assert not any(op.startswith("SELECT_AGG") for op in ops)


def test_compat_keeps_a_bracketed_and_as_one_condition():
    ops = atomic_ops("SELECT a FROM t WHERE (x = 1 AND y = 2) AND z = 3", upstream_compat=True)
    assert "WHERE_PRED_TREE((x = 1 AND y = 2))" in ops
    assert "WHERE_PRED(EQ, x, VALUE(1))" not in ops


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 FROM t",  # a literal projection
        "SELECT name FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)",
        "SELECT myfunc(a) FROM t",  # an anonymous function
    ],
)
def test_compat_gives_no_ops_where_the_released_code_failed(sql):
    assert atomic_ops(sql, upstream_compat=True) == frozenset()
    assert atomic_ops(sql)  # the default mode reads them


def test_compat_join_on_a_subquery_renders_its_sql():
    sql = "SELECT a FROM t JOIN (SELECT id FROM u) AS s ON t.id = s.id"
    assert "JOIN((SELECT id FROM u) AS s, INNER)" in atomic_ops(sql, upstream_compat=True)


# -- the default mode's fixes -------------------------------------------------------------------
def test_default_names_aggregates_by_function():
    r = RELEASED["aggregates"]
    assert {"SELECT_AGG(AVG, age)", "SELECT_AGG(MAX, age)"} <= atomic_ops(r.gold)


def test_default_splits_bracketed_and_into_its_conditions():
    r = RELEASED["bracketed_and"]
    assert atomic_ops(r.gold) == atomic_ops(r.pred)
    assert atomic_reward(r.pred, [r.gold]) == pytest.approx(SHAPINGS["s3"](1.0))
    assert r.jaccard < 1.0  # the released code saw two different queries


def test_default_drops_brackets_in_on():
    plain = "SELECT a FROM t JOIN u ON t.id = u.id AND u.x > 1"
    bracketed = "SELECT a FROM t JOIN u ON (t.id = u.id) AND (u.x > 1)"
    assert atomic_ops(plain) == atomic_ops(bracketed)
    assert atomic_ops(plain, upstream_compat=True) != atomic_ops(bracketed, upstream_compat=True)


def test_default_drops_brackets_around_an_or():
    plain = atomic_ops("SELECT a FROM t WHERE x = 1 AND (y = 2 OR z = 3)")
    assert "WHERE_PRED_TREE(y = 2 OR z = 3)" in plain


@pytest.mark.parametrize("op", ["UNION", "INTERSECT", "EXCEPT"])
def test_default_set_operations_keep_order_by_and_limit(op):
    gold = f"SELECT name FROM singer {op} SELECT name FROM actor ORDER BY name DESC LIMIT 3"
    pred = f"SELECT name FROM singer {op} SELECT name FROM actor"
    ops = atomic_ops(gold)
    assert {"ORDER_BY(name, DESC)", "LIMIT(3)", op} <= ops
    assert atomic_reward(pred, [gold]) < SHAPINGS["s3"](1.0)
    changed = f"SELECT name FROM singer {op} SELECT name FROM actor ORDER BY name LIMIT 5"
    assert atomic_reward(changed, [gold]) < SHAPINGS["s3"](1.0)


def test_default_literal_projection_is_a_value():
    assert "SELECT_EXPR(VALUE(1))" in atomic_ops("SELECT 1 FROM t")


# -- golds the reward cannot use ---------------------------------------------------------------
ALL_NAMES = "SELECT name FROM singer"  # 6 rows on concert_singer
EMPTY = "SELECT name FROM singer WHERE 1 = 0"


def capped_grader(spider_suite, tmp_path, compat: bool) -> ExecutionGrader:
    cache = GoldCache(tmp_path / f"gold-{compat}.sqlite")
    return ExecutionGrader(spider_suite, cache=cache, workers=1, max_rows=2, upstream_compat=compat)


def test_compat_never_reads_an_over_cap_gold_as_empty(spider_suite, tmp_path):
    grader = capped_grader(spider_suite, tmp_path, compat=True)
    try:
        empty, same, fewer = grader.grade([
            GradeRequest("concert_singer", ALL_NAMES, EMPTY),
            GradeRequest("concert_singer", ALL_NAMES, ALL_NAMES),
            GradeRequest("concert_singer", ALL_NAMES, "SELECT name FROM singer LIMIT 1"),
        ])
    finally:
        grader.close()
    # As released: both results cut to their first max_rows rows, then compared.
    assert not empty.correct and empty.pred_executed
    assert same.correct
    assert not fewer.correct
    assert grader.unusable == {"gold_truncated": 3}


def test_default_never_rewards_against_an_over_cap_or_failing_gold(spider_suite, tmp_path):
    grader = capped_grader(spider_suite, tmp_path, compat=False)
    try:
        grades = grader.grade([
            GradeRequest("concert_singer", ALL_NAMES, ALL_NAMES),
            GradeRequest("concert_singer", ALL_NAMES, EMPTY),
            GradeRequest("concert_singer", "SELECT nope FROM singer", EMPTY),
            GradeRequest("concert_singer", "SELECT count(*) FROM singer", "SELECT 6"),
        ])
    finally:
        grader.close()
    assert [g.correct for g in grades] == [False, False, False, True]
    assert [g.gold_usable for g in grades] == [False, False, False, True]
    assert grader.unusable == {"gold_truncated": 2, "gold_error": 1}


# -- the memory reward's quality gate ---------------------------------------------------------
GATE_PROMPT = (
    "Database Schema:\nsinger.singer_id: int\nsinger.name: text\nsinger.age: int\n"
    "concert.year: text\n\nQuestion: How old is each singer?"
)
#: Mentions bare column names only; the released gate (memory/compute_intrinsic_reward.py,
#: calculate_reasoning_quality) stores it: (0.9934615384615385, True).
BARE_NAMES = (
    "To answer this I look at the singer table. The question wants the age of every singer, so I "
    "select the name and the age columns from singer. No join with concert is needed because the "
    "year does not matter here; I simply list each name with its age in the result set."
)
#: Two mentions in 51 words: under the 5% rate, rejected by the released gate too.
TOO_FEW = (
    "To answer this I look at singer.name and singer.age in the singer table. The question wants "
    "each singer listed with how old they are, so I select both columns from the table directly; "
    "no join with the concert table is needed and nothing has to be filtered or grouped at all."
)


def test_memory_gate_counts_bare_column_names_as_released():
    assert quality_gate(BARE_NAMES, GATE_PROMPT) is None
    assert quality_gate(TOO_FEW, GATE_PROMPT) == "schema_mentions:2"


def test_memory_gate_full_names_is_a_stricter_choice():
    strict = GateSettings(mentions="table.column")
    assert quality_gate(BARE_NAMES, GATE_PROMPT, strict) == "schema_mentions:0"
    assert quality_gate(TOO_FEW, GATE_PROMPT, strict) == "schema_mentions:2"


def test_compat_config_keeps_the_released_gate():
    from harness.errors import ConfigError
    from methods.finer_sql import FinerSQLConfig

    assert FinerSQLConfig().memory_gate_mentions == "column"
    with pytest.raises(ConfigError, match="bare column names"):
        FinerSQLConfig(upstream_compat=True, memory_gate_mentions="table.column")

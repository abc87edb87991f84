"""The prompting method on real Spider dev examples: SmolLM2 end to end, the cache, voting,
latency bookkeeping and per-sample failure reasons."""

import sqlite3

import pytest

from harness.core import Execution, Prediction
from harness.errors import ConfigError, GenerationError
from harness.generation.base import Completion
from harness.generation.cache import GenerationCache
from harness.generation.latency import summarize_latency
from harness.method import METHODS
from methods.prompting import PromptingConfig, PromptingMethod
from tests.generation_support import need_smollm2, spider_suite


@pytest.fixture(scope="module")
def spider():
    return spider_suite()


@pytest.fixture(scope="module")
def examples(spider):
    dev = spider.load_examples("dev")
    return [e for e in dev if e.db_id == "concert_singer"][:3]


def sqlite_execute(queries):
    """Read-only sqlite3 executions standing in for the harness executor."""
    out = []
    for path, sql in queries:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            out.append(Execution(rows=conn.execute(sql).fetchall()))
        except sqlite3.Error as exc:
            out.append(Execution(rows=None, error=str(exc)))
        finally:
            conn.close()
    return out


class ScriptedGenerator:
    """A backend that returns scripted completions in turn (or raises), and counts calls."""

    def __init__(self, texts=("SELECT count(*) FROM singer",), error=None, fail_on_call=None):
        self.texts = list(texts)
        self.error = error
        self.fail_on_call = fail_on_call
        self.calls = 0

    context_length = 4096

    @property
    def identity(self):
        return {"backend": "scripted", "model_id": "scripted:1", "dtype": "float32"}

    def count_tokens(self, messages):
        return sum(len(m["content"]) for m in messages) // 4

    def generate(self, prompts, params):
        self.calls += 1
        if self.error is not None and (self.fail_on_call in (None, self.calls)):
            raise self.error
        k = iter(range(10**6))
        return [
            [
                Completion(self.texts[next(k) % len(self.texts)], 100, 7, 0.5, 0.1, "stop")
                for _ in range(params.n)
            ]
            for _ in prompts
        ]

    def close(self):
        pass


# -- real model -----------------------------------------------------------------------------------
def test_smollm2_end_to_end_then_from_cache(spider, examples, tmp_path):
    need_smollm2()
    cache_path = tmp_path / "gen.sqlite"
    config = PromptingConfig(
        model="smollm2-135m", backend="transformers", batch_size=2, max_new_tokens=24
    )
    method = PromptingMethod(config, cache=GenerationCache(cache_path))
    first = list(method.predict(examples, spider))
    assert [p.question_id for p in first] == [e.question_id for e in examples]
    for p in first:
        m = p.meta
        assert isinstance(p, Prediction) and isinstance(m["raw"], str)
        assert m["from_cache"] is False and m["latency_s"] > 0 and m["ttft_s"] > 0
        assert m["latency_s"] >= m["generation_s"] * 0.5
        assert m["prompt_tokens"] > 100 and 1 <= m["completion_tokens"] <= 24
        assert (p.sql == "") == (m["error"] is not None)
    assert {p.meta["batch_size"] for p in first} == {2, 1}  # batches of 2 then 1
    summary = summarize_latency(p.meta for p in first)
    assert summary["samples"] == 3 and summary["s_per_sample"] > 0 and summary["tokens_per_s"] > 0
    prov = method.provenance()
    assert prov["model_identity"]["backend"] == "transformers"
    assert prov["prompt_template"]["version"] == "1" and prov["hardware"]["cpu_count"] >= 1
    generator = method.generator

    # a second run with the same settings is served from the cache (same model object reused)
    again = PromptingMethod(config, generator=generator, cache=GenerationCache(cache_path))
    second = list(again.predict(examples, spider))
    assert [p.sql for p in second] == [p.sql for p in first]
    assert all(p.meta["from_cache"] and p.meta["latency_s"] is None for p in second)
    assert summarize_latency(p.meta for p in second)["samples"] == 0
    assert summarize_latency(p.meta for p in second)["cached_samples"] == 3
    method.close()


def test_a_question_never_generated_is_not_counted_as_cached():
    """A question whose prompt could not be built (its database missing) has no latency and
    did not come from the cache either."""
    metas = [
        {"from_cache": False, "latency_s": 1.0, "generation_s": 2.0, "batch_id": 0,
         "completion_tokens": 10},
        {"from_cache": True, "latency_s": None},
        {"from_cache": False, "latency_s": None, "error": "database missing"},
    ]
    summary = summarize_latency(metas)
    assert (summary["samples"], summary["cached_samples"]) == (1, 1)


# -- voting ----------------------------------------------------------------------------------------
def test_samples_are_voted_on_by_execution(spider, examples):
    texts = [
        "SELECT count(*) FROM singer WHERE Country = 'Mars'",  # 0: skipped by vav
        "SELECT count(*) FROM singer",
        "SELECT count(*) FROM singers",  # error
        "SELECT count(*) FROM singer WHERE Country = 'Pluto'",  # 0 again
        "SELECT COUNT(Singer_ID) FROM singer",
    ]
    gen = ScriptedGenerator(texts)
    config = PromptingConfig(samples=5, cache=False, batch_size=8)
    assert config.temperature == 1.0
    method = PromptingMethod(config, generator=gen, execute=sqlite_execute)
    (p, *_rest) = list(method.predict(examples, spider))
    assert p.sql == "SELECT count(*) FROM singer"
    sel = p.meta["selection"]
    assert sel["strategy"] == "value-aware" and sel["index"] == 1 and sel["votes"] == 2
    assert sel["group_sizes"] == [2, 2] and sel["failed"] == 1
    assert p.meta["candidates"] == texts and len(p.meta["raw"]) == 5
    assert p.meta["selection_s"] > 0 and p.meta["completion_tokens"] == 35

    majority = PromptingMethod(
        PromptingConfig(samples=5, vote="majority", cache=False),
        generator=ScriptedGenerator(texts),
        execute=sqlite_execute,
    )
    assert next(iter(majority.predict(examples, spider))).sql == texts[0]


def test_no_candidate_executes(spider, examples):
    gen = ScriptedGenerator(["SELECT nothing FROM nowhere", "I cannot answer."])
    method = PromptingMethod(
        PromptingConfig(samples=2, cache=False), generator=gen, execute=sqlite_execute
    )
    p = next(iter(method.predict(examples, spider)))
    assert p.sql == "" and p.meta["error"] == "no_candidate_executed"
    assert p.meta["parse_reasons"] == [None, "no SQL found in the completion"]


# -- failures become per-sample reasons ------------------------------------------------------------
def test_prompt_over_budget_is_recorded_not_sent(spider, examples):
    gen = ScriptedGenerator()
    method = PromptingMethod(PromptingConfig(max_prompt_tokens=20, cache=False), generator=gen)
    preds = list(method.predict(examples, spider))
    assert len(preds) == 3 and gen.calls == 0
    assert all(p.sql == "" and p.meta["error"].startswith("prompt_too_long") for p in preds)


def test_schema_is_truncated_to_fit_the_budget(spider, examples):
    gen = ScriptedGenerator()
    method = PromptingMethod(PromptingConfig(max_prompt_tokens=200, cache=False), generator=gen)
    p = next(iter(method.predict(examples, spider)))
    assert p.sql == "SELECT count(*) FROM singer" and p.meta["schema_step"] != "full"


def test_non_sql_completion_has_a_reason(spider, examples):
    method = PromptingMethod(
        PromptingConfig(cache=False), generator=ScriptedGenerator(["We have 12 singers."])
    )
    p = next(iter(method.predict(examples, spider)))
    assert p.sql == "" and p.meta["error"] == "no SQL found in the completion"
    assert p.meta["raw"] == "We have 12 singers."


def test_a_failing_batch_does_not_end_the_run(spider, examples):
    gen = ScriptedGenerator(error=RuntimeError("CUDA out of memory"), fail_on_call=1)
    method = PromptingMethod(PromptingConfig(batch_size=2, cache=False), generator=gen)
    preds = list(method.predict(examples, spider))
    assert [p.meta["error"] for p in preds[:2]] == [
        "generation_failed: RuntimeError: CUDA out of memory"
    ] * 2
    assert preds[2].sql == "SELECT count(*) FROM singer"


def test_an_unreachable_model_stops_after_the_finished_batches(spider, examples):
    gen = ScriptedGenerator(error=GenerationError("Cannot reach http://x/v1"), fail_on_call=2)
    method = PromptingMethod(PromptingConfig(batch_size=1, cache=False), generator=gen)
    got = []
    with pytest.raises(GenerationError, match="Cannot reach"):
        got.extend(method.predict(examples, spider))
    assert len(got) == 1 and got[0].sql  # the finished sample was handed over first


# -- configuration ---------------------------------------------------------------------------------
def test_config_defaults_and_validation():
    assert PromptingConfig().temperature == 0.0
    assert PromptingConfig(samples=4).temperature == 1.0
    openai = PromptingConfig(backend="openai")
    assert openai.backend_settings("openai").endpoint == "http://127.0.0.1:8000/v1"
    with pytest.raises(ConfigError, match="Backend 'transformers' has no setting concurrency"):
        PromptingConfig(backend="transformers", backend_options={"concurrency": 2})
    with pytest.raises(ConfigError, match="No backend has the setting warp_speed"):
        PromptingConfig(backend_options={"warp_speed": 9})
    with pytest.raises(ConfigError, match="identical candidates"):
        PromptingConfig(samples=4, temperature=0.0)
    with pytest.raises(ConfigError, match="vote 'best'"):
        PromptingConfig(vote="best")
    with pytest.raises(ConfigError, match="backend 'gpu'"):
        PromptingConfig(backend="gpu")
    with pytest.raises(ConfigError, match="batch_size must be >= 1"):
        PromptingConfig(batch_size=0)
    with pytest.raises(ConfigError, match="schema_format 'yaml'"):
        PromptingConfig(schema_format="yaml")


def test_field_names_and_registry():
    import dataclasses

    names = {f.name for f in dataclasses.fields(PromptingConfig)}
    assert names >= {
        "model",
        "backend",
        "backend_options",
        "samples",
        "vote",
        "temperature",
        "top_p",
        "top_k",
        "repetition_penalty",
        "max_new_tokens",
        "batch_size",
        "few_shot",
        "schema_format",
        "max_prompt_tokens",
        "seed",
    }
    assert all(f.metadata.get("help") for f in dataclasses.fields(PromptingConfig))
    assert METHODS.get("prompting") is PromptingMethod


def test_provenance_hides_the_api_key():
    method = PromptingMethod(
        PromptingConfig(backend_options={"api_key": "sk-secret"}, cache=False),
        generator=ScriptedGenerator(),
    )
    prov = method.provenance()
    assert prov["config"]["backend_options"]["api_key"] == "***"
    assert prov["sampling"]["temperature"] == 0.0
    assert prov["batch_size"] == PromptingConfig().batch_size


def test_a_failing_executor_is_recorded(spider, examples):
    def broken(queries):
        raise OSError("database is locked")

    method = PromptingMethod(
        PromptingConfig(samples=2, cache=False), generator=ScriptedGenerator(), execute=broken
    )
    p = next(iter(method.predict(examples, spider)))
    assert p.sql == "" and p.meta["error"] == "selection_failed: OSError: database is locked"
    assert p.meta["candidates"] == ["SELECT count(*) FROM singer"] * 2

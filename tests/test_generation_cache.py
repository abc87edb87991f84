"""The on-disk generation cache: keys, round trips, and a second run served from it."""

import threading

from harness.generation.base import Completion, SamplingParams
from harness.generation.cache import GenerationCache, cached_generate, generation_key

MSG = [{"role": "user", "content": "How many singers?"}]


class CountingGenerator:
    """A stand-in backend that answers with a counter, so fresh and cached answers differ."""

    def __init__(self, identity=None):
        self.calls = 0
        self.prompts_seen = 0
        self._identity = identity or {
            "backend": "fake",
            "model_id": "sha256:abc",
            "dtype": "float32",
        }

    @property
    def identity(self):
        return dict(self._identity)

    context_length = 2048

    def count_tokens(self, messages):
        return 10

    def generate(self, prompts, params):
        self.calls += 1
        self.prompts_seen += len(prompts)
        return [
            [Completion(f"SELECT {self.calls}", 10, 3, 0.5, 0.1, "stop") for _ in range(params.n)]
            for _ in prompts
        ]

    def close(self):
        pass


def test_key_depends_on_model_prompt_params_and_seed():
    ident = {"backend": "fake", "model_id": "sha256:abc"}
    base = generation_key(ident, MSG, SamplingParams())
    assert base == generation_key(dict(ident), [dict(MSG[0])], SamplingParams())
    assert base != generation_key({**ident, "model_id": "sha256:def"}, MSG, SamplingParams())
    assert base != generation_key({**ident, "dtype": "bfloat16"}, MSG, SamplingParams())
    assert base != generation_key(
        ident, [{"role": "user", "content": "How many?"}], SamplingParams()
    )
    assert base != generation_key(ident, MSG, SamplingParams(max_new_tokens=64))
    assert base != generation_key(ident, MSG, SamplingParams(seed=1))
    # where the weights sit on this machine is not part of what they are
    assert base == generation_key(
        {**ident, "source": "/elsewhere/m.gguf", "name": "alias"}, MSG, SamplingParams()
    )


def test_round_trip(tmp_path):
    cache = GenerationCache(tmp_path / "gen.sqlite")
    completions = [Completion("SELECT 1", 12, 4, 0.25, None, "length")]
    cache.put("k", completions, "m")
    assert cache.get("k") == completions
    assert cache.get("missing") is None
    assert len(cache) == 1
    cache.close()
    reopened = GenerationCache(tmp_path / "gen.sqlite")
    assert reopened.get("k") == completions


def test_second_run_is_served_from_cache(tmp_path):
    cache = GenerationCache(tmp_path / "gen.sqlite")
    gen = CountingGenerator()
    params = SamplingParams(temperature=1.0, n=2, seed=3)
    prompts = [MSG, [{"role": "user", "content": "List names."}]]
    first, hits, elapsed = cached_generate(gen, prompts, params, cache)
    assert hits == [False, False] and gen.calls == 1 and elapsed >= 0
    second, hits, elapsed = cached_generate(gen, prompts, params, cache)
    assert hits == [True, True] and gen.calls == 1 and elapsed == 0.0
    assert second == first
    # a new prompt in the batch: only it reaches the model
    third, hits, _ = cached_generate(
        gen, [*prompts, [{"role": "user", "content": "x"}]], params, cache
    )
    assert hits == [True, True, False] and gen.calls == 2 and gen.prompts_seen == 3
    assert third[2][0].text == "SELECT 2"
    # another seed is another generation
    _, hits, _ = cached_generate(gen, prompts, SamplingParams(temperature=1.0, n=2, seed=4), cache)
    assert hits == [False, False]


def test_without_cache_every_call_generates():
    gen = CountingGenerator()
    for _ in range(2):
        out, hits, _ = cached_generate(gen, [MSG], SamplingParams(), None)
        assert hits == [False]
    assert gen.calls == 2 and out[0][0].text == "SELECT 2"


def test_cache_is_thread_safe(tmp_path):
    cache = GenerationCache(tmp_path / "gen.sqlite")

    def work(i):
        for j in range(20):
            cache.put(f"{i}-{j}", [Completion("x", 1, 1, 0.0)])
            assert cache.get(f"{i}-{j}") is not None

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 80

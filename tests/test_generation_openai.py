"""The OpenAI-compatible backend against a real `harness serve` app on a loopback port."""

import json
import socket
import threading
import time
import urllib.request

import pytest

from harness.errors import GenerationError
from harness.generation import load_generator
from harness.generation.base import SamplingParams
from harness.generation.openai_backend import OpenAIGenerator
from tests.generation_support import need_smollm2, tiny_llama

MSG = [{"role": "user", "content": "How many singers are there?"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackServer:
    """uvicorn serving a Starlette app in a thread, on a free 127.0.0.1 port."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    need_smollm2()  # the tiny model borrows SmolLM2's tokenizer and chat template
    folder = tiny_llama(tmp_path_factory.mktemp("tiny-llama"))
    gen = load_generator(str(folder), backend="transformers", batch_size=4)
    yield gen
    gen.close()


@pytest.fixture(scope="module")
def server(tiny):
    from harness.generation.serve import create_app

    with LoopbackServer(create_app(tiny, model_name="tiny")) as srv:
        yield srv


def test_models_endpoint(server, tiny):
    with urllib.request.urlopen(server.url + "/models") as resp:
        data = json.loads(resp.read())
    (card,) = data["data"]
    assert card["id"] == "tiny" and card["max_model_len"] == 2048
    assert card["harness_identity"]["weights_sha256"] == tiny.identity["weights_sha256"]


def test_greedy_matches_the_local_backend(server, tiny):
    remote = OpenAIGenerator("tiny", endpoint=server.url, concurrency=2)
    params = SamplingParams(max_new_tokens=8)
    prompts = [MSG, [{"role": "user", "content": "List all names."}]]
    got = remote.generate(prompts, params)
    want = tiny.generate(prompts, params)
    assert [r[0].text for r in got] == [r[0].text for r in want]
    for (c,), (w,) in zip(got, want):
        assert c.prompt_tokens == w.prompt_tokens and c.completion_tokens == w.completion_tokens
        assert c.ttft_s is not None and 0 < c.ttft_s <= c.latency_s  # measured from the stream
    ident = remote.identity
    assert (
        ident["backend"] == "openai"
        and ident["served_weights_sha256"] == tiny.identity["weights_sha256"]
    )
    assert remote.context_length == 2048


def test_non_streaming_requests(server, tiny):
    remote = OpenAIGenerator("tiny", endpoint=server.url, stream=False)
    ((c,),) = remote.generate([MSG], SamplingParams(max_new_tokens=6))
    assert c.text == tiny.generate([MSG], SamplingParams(max_new_tokens=6))[0][0].text
    assert c.ttft_s is None and c.completion_tokens >= 1


def test_sampling_n_with_seeds_is_reproducible(server):
    remote = OpenAIGenerator("tiny", endpoint=server.url, concurrency=3)
    params = SamplingParams(temperature=1.0, n=3, seed=5, max_new_tokens=6)
    a = remote.generate([MSG], params)
    b = remote.generate([MSG], params)
    assert len(a[0]) == 3
    assert [c.text for c in a[0]] == [c.text for c in b[0]]
    assert len({c.text for c in a[0]}) > 1  # seeds 5, 6, 7 differ


def test_count_tokens_uses_the_server(server, tiny):
    remote = OpenAIGenerator("tiny", endpoint=server.url)
    assert remote.count_tokens(MSG) == tiny.count_tokens(MSG)
    assert remote.token_count_method == "server"


def test_unknown_model_name(server):
    with pytest.raises(GenerationError, match="does not serve model 'gpt-9'. It serves: tiny"):
        OpenAIGenerator("gpt-9", endpoint=server.url)


def test_prompt_over_the_context_is_a_clear_error(server):
    remote = OpenAIGenerator("tiny", endpoint=server.url, max_retries=0)
    long = [{"role": "user", "content": "word " * 3000}]
    with pytest.raises(
        GenerationError, match="HTTP 400: This model's maximum context length is 2048"
    ):
        remote.generate([long], SamplingParams(max_new_tokens=4))


def test_bad_request_is_reported_by_the_server(server):
    body = json.dumps({"model": "tiny", "messages": []}).encode()
    req = urllib.request.Request(
        server.url + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code == 400
    assert "messages" in json.loads(err.value.read())["error"]["message"]


def test_unreachable_endpoint_names_the_url():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(GenerationError, match=f"endpoint {url} is unreachable"):
        OpenAIGenerator("tiny", endpoint=url, max_retries=1)


def test_retries_429_and_5xx_then_succeeds():
    """A flaky server: 429, then 503, then a real answer; the client retries with backoff."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls = {"chat": 0}

    async def models(request):
        return JSONResponse({"data": [{"id": "flaky"}]})

    async def chat(request):
        calls["chat"] += 1
        if calls["chat"] == 1:
            return JSONResponse(
                {"error": {"message": "slow down"}}, 429, headers={"Retry-After": "0"}
            )
        if calls["chat"] == 2:
            return JSONResponse({"error": {"message": "overloaded"}}, 503)
        return JSONResponse(
            {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "SELECT 1"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2},
            }
        )

    app = Starlette(
        routes=[Route("/v1/models", models), Route("/v1/chat/completions", chat, methods=["POST"])]
    )
    with LoopbackServer(app) as srv:
        remote = OpenAIGenerator("flaky", endpoint=srv.url, stream=False)
        ((c,),) = remote.generate([MSG], SamplingParams())
        assert (c.text, c.prompt_tokens, c.completion_tokens) == ("SELECT 1", 5, 2)
        assert calls["chat"] == 3
        remote = OpenAIGenerator(
            "flaky", endpoint=srv.url, stream=False, max_retries=0
        )
        calls["chat"] = 0
        with pytest.raises(GenerationError, match=r"after 1 attempt\(s\): HTTP 429: slow down"):
            remote.generate([MSG], SamplingParams())
        # no /tokenize on this server: counting falls back to an estimate
        assert remote.count_tokens(MSG) > 0
        assert remote.token_count_method.startswith("estimate")


def test_endpoint_must_be_http():
    with pytest.raises(GenerationError, match="must start with http"):
        OpenAIGenerator("x", endpoint="localhost:8000")


def test_streaming_several_choices(server):
    """n > 1 with stream: every choice arrives as its own chunks, then usage and [DONE]."""
    body = {
        "model": "tiny",
        "messages": MSG,
        "n": 2,
        "temperature": 1.0,
        "seed": 3,
        "max_tokens": 4,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    req = urllib.request.Request(
        server.url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        lines = [ln.decode().strip() for ln in resp if ln.strip()]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(ln[5:]) for ln in lines[:-1]]
    finished = {
        c["choices"][0]["index"]
        for c in chunks
        if c["choices"] and c["choices"][0]["finish_reason"]
    }
    assert finished == {0, 1}
    assert chunks[-1]["usage"]["completion_tokens"] >= 2

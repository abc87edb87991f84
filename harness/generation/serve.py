"""``harness serve``: an OpenAI-compatible HTTP server over the transformers backend.

    harness serve --model smollm2-135m --port 8000
    curl http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \\
         -d '{"model": "smollm2-135m", "messages": [{"role": "user", "content": "Hi"}]}'

Endpoints: ``GET /v1/models``, ``POST /v1/chat/completions`` (streaming and not), ``POST
/tokenize`` (vLLM's shape: ``{"count": N, ...}``) and ``GET /health``. Requests are served one at a
time (no continuous batching): this is a reference server for tests, demos and CPU machines; on a
GPU, serve with vLLM (``vllm serve``) and point the ``openai`` backend at it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from harness.generation.base import Completion, Generator, SamplingParams

DEFAULT_TEMPERATURE = 1.0  # OpenAI's default when a request names none


def create_app(generator: Generator, model_name: str | None = None):
    """A Starlette app serving ``generator`` under the name ``model_name``."""
    from starlette.applications import Starlette
    from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
    from starlette.routing import Route

    identity = generator.identity
    name = model_name or str(identity.get("name") or identity.get("model_id"))
    created = int(time.time())

    def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status)

    async def models(request: Request) -> JSONResponse:
        card = {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "text2sql-harness",
            "root": str(identity.get("source", name)),
            "max_model_len": generator.context_length,
            "harness_identity": identity,
        }
        return JSONResponse({"object": "list", "data": [card]})

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def tokenize(request: Request) -> JSONResponse:
        try:
            body = await request.json()
            messages = body.get("messages") or [{"role": "user", "content": body["prompt"]}]
        except (ValueError, KeyError, TypeError):
            return error(400, "Send {'messages': [...]} or {'prompt': '...'}.")
        count = await run_in_threadpool(generator.count_tokens, messages)
        return JSONResponse({"count": count, "max_model_len": generator.context_length})

    async def chat(request: Request):
        try:
            body = await request.json()
        except ValueError:
            return error(400, "The request body is not valid JSON.")
        problem, messages, params = _parse_chat(body, name)
        if problem:
            return error(404 if problem.startswith("The model") else 400, problem)
        prompt_tokens = await run_in_threadpool(generator.count_tokens, messages)
        ctx = generator.context_length
        if ctx and prompt_tokens + params.max_new_tokens > ctx:
            return error(
                400,
                f"This model's maximum context length is {ctx} tokens. However, you requested "
                f"{prompt_tokens + params.max_new_tokens} tokens ({prompt_tokens} in the messages, "
                f"{params.max_new_tokens} in the completion).",
            )
        rid = f"chatcmpl-{uuid.uuid4().hex}"
        if not body.get("stream"):
            try:
                (completions,) = await run_in_threadpool(generator.generate, [messages], params)
            except Exception as exc:  # noqa: BLE001 - answer 500, keep serving
                return error(500, f"Generation failed: {exc}", "server_error")
            return JSONResponse(_response(rid, name, completions))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        stream_fn = getattr(generator, "stream", None)
        if params.n == 1 and stream_fn is not None:
            pieces = iterate_in_threadpool(stream_fn(messages, params))
        else:
            (completions,) = await run_in_threadpool(generator.generate, [messages], params)
            pieces = _as_async(completions)
        return StreamingResponse(
            _sse(rid, name, pieces, include_usage), media_type="text/event-stream"
        )

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/tokenize", tokenize, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
    return Starlette(routes=routes)


def _parse_chat(body: Any, name: str) -> tuple[str | None, list, SamplingParams | None]:
    if not isinstance(body, dict):
        return "The request body must be a JSON object.", [], None
    if body.get("model") not in (None, name):
        return (
            f"The model '{body.get('model')}' does not exist; this server serves '{name}'.",
            [],
            None,
        )
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(
            isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role")
            for m in messages
        )
    ):
        return "'messages' must be a non-empty list of {'role', 'content'} objects.", [], None
    stop = body.get("stop") or ()
    try:
        params = SamplingParams(
            temperature=float(body.get("temperature", DEFAULT_TEMPERATURE)),
            top_p=float(body.get("top_p", 1.0)),
            max_new_tokens=int(body.get("max_completion_tokens") or body.get("max_tokens") or 256),
            n=int(body.get("n", 1)),
            seed=int(body.get("seed") or 0),
            stop=(stop,) if isinstance(stop, str) else tuple(stop),
        )
    except (TypeError, ValueError) as exc:
        return f"Bad sampling parameter: {exc}", [], None
    msgs = [{"role": str(m["role"]), "content": m["content"]} for m in messages]
    return None, msgs, params


def _response(rid: str, name: str, completions: list[Completion]) -> dict:
    prompt_tokens = completions[0].prompt_tokens if completions else 0
    return {
        "id": rid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": name,
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": c.text},
                "finish_reason": c.finish_reason or "stop",
            }
            for i, c in enumerate(completions)
        ],
        "usage": _usage(prompt_tokens, sum(c.completion_tokens for c in completions)),
    }


def _usage(prompt: int, completion: int) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


async def _as_async(completions: list[Completion]):
    for i, c in enumerate(completions):
        yield (i, c.text)
        yield (i, c)


def _chunk(rid: str, name: str, index: int, delta: dict, finish: str | None = None) -> str:
    payload = {
        "id": rid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": name,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"


async def _sse(rid: str, name: str, pieces, include_usage: bool):
    """Server-sent events from text pieces and finished Completions (``(index, item)`` or items)."""
    started: set[int] = set()
    prompt_tokens = completion_tokens = 0
    try:
        async for item in pieces:
            index, item = item if isinstance(item, tuple) else (0, item)
            if index not in started:
                started.add(index)
                yield _chunk(rid, name, index, {"role": "assistant", "content": ""})
            if isinstance(item, Completion):
                prompt_tokens = item.prompt_tokens
                completion_tokens += item.completion_tokens
                yield _chunk(rid, name, index, {}, item.finish_reason or "stop")
            elif item:
                yield _chunk(rid, name, index, {"content": item})
    except Exception as exc:  # noqa: BLE001 - headers are sent: report in-band, as OpenAI does
        yield f"data: {json.dumps({'error': {'message': f'Generation failed: {exc}'}})}\n\n"
        return
    if include_usage:
        usage = {
            "id": rid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": name,
            "choices": [],
            "usage": _usage(prompt_tokens, completion_tokens),
        }
        yield f"data: {json.dumps(usage)}\n\n"
    yield "data: [DONE]\n\n"


def serve(model: str, host: str = "127.0.0.1", port: int = 8000, **backend_kwargs) -> None:
    """Load ``model`` with the transformers backend and serve it until interrupted."""
    import uvicorn

    from harness.generation.transformers_backend import TransformersGenerator

    generator = TransformersGenerator(model, **backend_kwargs)
    app = create_app(generator, model_name=model)
    print(f"Serving {model} at http://{host}:{port}/v1 (OpenAI-compatible)", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        generator.close()

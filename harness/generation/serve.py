"""``harness serve``: an OpenAI-compatible HTTP server over any registered generation backend.

    harness serve --model smollm2-135m --port 8000
    curl http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \\
         -d '{"model": "smollm2-135m", "messages": [{"role": "user", "content": "Hi"}]}'

Endpoints: ``GET /v1/models``, ``POST /v1/chat/completions`` (streaming and not), ``POST
/tokenize`` (vLLM's shape: ``{"count": N, ...}``) and ``GET /health``. Requests are served one at a
time (no continuous batching): this is a reference server for tests, demos and CPU machines; on a
GPU, serve with vLLM (``vllm serve``) and point the ``openai`` backend at it.

Requests are untrusted: the server listens on 127.0.0.1 unless told otherwise, closes a
connection that has not sent a complete request head within a few seconds and caps each client's
idle connections (:mod:`harness.generation.serve_guard`), checks an optional API key
(``Authorization: Bearer …``) before reading a body, refuses bodies over ``MAX_BODY_BYTES`` and
more than ``MAX_N`` completions or ``MAX_TOKENS`` tokens, answers bad input with a 400 and every
error with an OpenAI-style JSON body, names no local path in any answer (a model loaded from a
folder is served under the folder's name), stops generating when the client goes away (streamed
or not, any ``n``), and shuts down within ``SHUTDOWN_GRACE_S`` seconds of SIGTERM.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.generation.base import BackendConfig, Completion, Generator, SamplingParams

DEFAULT_TEMPERATURE = 1.0  # OpenAI's default when a request names none
MAX_BODY_BYTES = 1024 * 1024
MAX_N = 16
MAX_TOKENS = 4096
MAX_STOP = 4  # stop sequences, as OpenAI allows
SHUTDOWN_GRACE_S = 5
MAX_CONCURRENCY = 64  # open connections and requests in flight, as uvicorn counts them


def create_app(generator: Generator, model_name: str | None = None, api_key: str | None = None):
    """A Starlette app serving ``generator`` under the name ``model_name``; with ``api_key``,
    every request but ``/health`` must carry it as a bearer token."""
    import functools
    import hmac

    import anyio
    from starlette.applications import Starlette
    from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
    from starlette.routing import Route

    identity = public_identity(generator.identity)
    name = public_name(model_name or str(identity.get("name") or identity.get("model_id")))
    created = int(time.time())

    def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        """Starlette's own answers (unknown path, wrong method) in the same JSON shape."""
        status = getattr(exc, "status_code", 400)
        return error(status, str(getattr(exc, "detail", "Bad request.")))

    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        """Any failure not handled where it happened: a 500 that names nothing of the server
        (the details, logged, are the operator's)."""
        return error(500, "The server failed to handle the request.", "server_error")

    def refused(request: Request) -> JSONResponse | None:
        if api_key is None:
            return None
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), api_key.encode()):
            return error(401, "Incorrect API key provided.", "authentication_error")
        return None

    async def read_json(request: Request):
        """The body as JSON, or an error response: too large, or not JSON."""
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return None, error(413, f"The request body is over {MAX_BODY_BYTES} bytes.")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return None, error(413, f"The request body is over {MAX_BODY_BYTES} bytes.")
        try:
            return json.loads(body), None
        except (ValueError, RecursionError):
            return None, error(400, "The request body is not valid JSON.")

    async def models(request: Request) -> JSONResponse:
        if (denied := refused(request)) is not None:
            return denied
        card = {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "text2sql-harness",
            "root": name,
            "max_model_len": generator.context_length,
            "harness_identity": identity,
        }
        return JSONResponse({"object": "list", "data": [card]})

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def tokenize(request: Request) -> JSONResponse:
        if (denied := refused(request)) is not None:
            return denied
        body, problem = await read_json(request)
        if problem is not None:
            return problem
        try:
            messages = body.get("messages") or [{"role": "user", "content": body["prompt"]}]
        except (AttributeError, KeyError, TypeError):
            return error(400, "Send {'messages': [...]} or {'prompt': '...'}.")
        if not _valid_messages(messages):
            return error(400, "'messages' must be a non-empty list of {'role', 'content'} objects.")
        count = await run_in_threadpool(generator.count_tokens, messages)
        return JSONResponse({"count": count, "max_model_len": generator.context_length})

    async def chat(request: Request):
        if (denied := refused(request)) is not None:
            return denied
        body, bad = await read_json(request)
        if bad is not None:
            return bad
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
        stream_fn = getattr(generator, "stream", None)
        if body.get("stream") and params.n == 1 and stream_fn is not None:
            pieces = _closing(stream_fn(messages, params), iterate_in_threadpool, run_in_threadpool)
        else:  # the whole answer first, then as one JSON body or as events
            try:
                completions = await generate_while_connected(request, messages, params)
            except Exception:  # noqa: BLE001 - answer 500, keep serving
                # The details (a weights path, a stack) are the operator's, not the client's.
                logging.getLogger(__name__).exception("generation failed")
                return error(500, "Generation failed on the server.", "server_error")
            if completions is None:  # nobody is there to read an answer
                return error(499, "The client closed the request.")
            if not body.get("stream"):
                return JSONResponse(_response(rid, name, completions))
            pieces = _as_async(completions)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage", False))
        return StreamingResponse(
            _sse(rid, name, pieces, include_usage), media_type="text/event-stream"
        )

    cancellable = "cancel" in inspect.signature(generator.generate).parameters

    async def generate_while_connected(request: Request, messages, params):
        """The completions for ``messages``, or None when the client left first: then the model
        stops at its next decoding step (a generator whose ``generate`` takes ``cancel``)
        instead of finishing, for nobody, work that holds the model for minutes."""
        if not cancellable:
            (completions,) = await run_in_threadpool(generator.generate, [messages], params)
            return completions
        cancel = threading.Event()

        async def watch() -> None:
            await _client_gone(request)
            cancel.set()

        async with anyio.create_task_group() as watching:
            watching.start_soon(watch)
            try:
                results = await run_in_threadpool(
                    functools.partial(generator.generate, cancel=cancel), [messages], params
                )
            finally:
                watching.cancel_scope.cancel()
        return None if cancel.is_set() else results[0]

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/tokenize", tokenize, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
    return Starlette(
        routes=routes, exception_handlers={HTTPException: http_error, Exception: crashed}
    )


def is_local_path(value: str) -> bool:
    """Whether ``value`` names a file or folder here rather than a hub id ("org/model")."""
    return os.path.isabs(value) or value.startswith(("~", ".")) or Path(value).exists()


def public_name(value: str) -> str:
    """The name a client sees: a local path becomes its last part."""
    return (Path(value).name or "model") if is_local_path(value) else value


def public_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """``identity`` without the entries that name a local path (where the weights lie)."""
    return {
        key: public_name(value) if key == "name" and isinstance(value, str) else value
        for key, value in identity.items()
        if not (isinstance(value, str) and key != "name" and is_local_path(value))
    }


async def _client_gone(request) -> None:
    """Return once the client has closed the connection (its body was read already, so the next
    ASGI message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _closing(iterator, iterate_in_threadpool, run_in_threadpool):
    """Pieces of a sync generator; when the client goes away (the response stops iterating),
    the generator is closed, which stops the model generating."""
    try:
        async for piece in iterate_in_threadpool(iterator):
            yield piece
    finally:
        await run_in_threadpool(iterator.close)


def _valid_messages(messages) -> bool:
    return (
        isinstance(messages, list)
        and bool(messages)
        and all(
            isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role")
            for m in messages
        )
    )


def _number(body: dict, key: str, default, kind, low, high, *names) -> tuple[Any, str | None]:
    value = next((body[k] for k in (key, *names) if body.get(k) is not None), default)
    if isinstance(value, bool) or not isinstance(value, int | float) or (
        kind is int and not float(value).is_integer()
    ):
        return None, f"'{key}' must be a number, got {str(value)[:40]!r}."
    value = kind(value)
    if not (low <= value <= high):
        return None, f"'{key}' must be between {low} and {high}, got {value}."
    return value, None


def _parse_chat(body: Any, name: str) -> tuple[str | None, list, SamplingParams | None]:
    if not isinstance(body, dict):
        return "The request body must be a JSON object.", [], None
    if body.get("model") not in (None, name):
        return (
            f"The model '{str(body.get('model'))[:100]}' does not exist; this server serves "
            f"'{name}'.",
            [],
            None,
        )
    if (problem := _stream_problem(body)) is not None:
        return problem, [], None
    messages = body.get("messages")
    if not _valid_messages(messages):
        return "'messages' must be a non-empty list of {'role', 'content'} objects.", [], None
    stop = body.get("stop") or ()
    stop = (stop,) if isinstance(stop, str) else stop
    if not isinstance(stop, list | tuple) or len(stop) > MAX_STOP or not all(
        isinstance(s, str) and s for s in stop
    ):
        return f"'stop' must be a string or a list of at most {MAX_STOP} strings.", [], None
    values = {}
    for key, default, kind, low, high, *names in (
        ("temperature", DEFAULT_TEMPERATURE, float, 0.0, 2.0),
        ("top_p", 1.0, float, 0.0, 1.0),
        ("top_k", 0, int, -1, 1_000_000),  # vLLM's extension; -1 and 0 both mean off
        ("repetition_penalty", 1.0, float, 0.01, 10.0),  # vLLM's extension; 1.0 = off
        ("max_completion_tokens", 256, int, 1, MAX_TOKENS, "max_tokens"),
        ("n", 1, int, 1, MAX_N),
        ("seed", 0, int, -(2**63), 2**63 - 1),
    ):
        values[key], problem = _number(body, key, default, kind, low, high, *names)
        if problem:
            return problem, [], None
    try:
        params = SamplingParams(
            temperature=values["temperature"], top_p=values["top_p"],
            top_k=max(0, values["top_k"]), repetition_penalty=values["repetition_penalty"],
            max_new_tokens=values["max_completion_tokens"], n=values["n"], seed=values["seed"],
            stop=tuple(stop),
        )
    except (TypeError, ValueError) as exc:
        return f"Bad sampling parameter: {str(exc)[:200]}", [], None
    msgs = [{"role": str(m["role"]), "content": m["content"]} for m in messages]
    return None, msgs, params


def _stream_problem(body: dict) -> str | None:
    """Why ``stream`` / ``stream_options`` are not what OpenAI accepts, or None."""
    if body.get("stream") is not None and not isinstance(body["stream"], bool):
        return "'stream' must be true or false."
    options = body.get("stream_options")
    if options is None:
        return None
    if not isinstance(options, dict):
        return "'stream_options' must be an object such as {\"include_usage\": true}."
    if not body.get("stream"):
        return "'stream_options' is only allowed when 'stream' is true."
    if not isinstance(options.get("include_usage", False), bool):
        return "'stream_options.include_usage' must be true or false."
    return None


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
    except Exception:  # noqa: BLE001 - headers are sent: report in-band, as OpenAI does
        logging.getLogger(__name__).exception("generation failed")  # details: the operator's
        failed = {"error": {"message": "Generation failed on the server.", "type": "server_error"}}
        yield f"data: {json.dumps(failed)}\n\n"
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


def serve(model: str, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
          backend: str = "auto", config: BackendConfig | None = None) -> None:
    """Load ``model`` on ``backend`` (with its ``config``) and serve it until interrupted (SIGINT
    or SIGTERM: requests in flight get ``SHUTDOWN_GRACE_S`` seconds, then the server exits)."""
    check_address(host, port)  # before minutes of loading, not after
    import uvicorn

    from harness.generation.backends import load_generator, resolve_backend

    chosen = resolve_backend(backend, model)
    generator = load_generator(model, chosen, config)
    app = create_app(generator, model_name=model, api_key=api_key)
    print(f"Serving {model} as '{public_name(model)}' with the {chosen} backend at "
          f"http://{host}:{port}/v1 (OpenAI-compatible)", flush=True)
    try:
        uvicorn.Server(server_config(app, host, port)).run()
    finally:
        generator.close()


def server_config(app, host: str, port: int, log_level: str = "info"):
    """The uvicorn configuration ``harness serve`` runs under: the connection guards of
    :mod:`harness.generation.serve_guard`, a concurrency cap and a graceful-shutdown grace."""
    import uvicorn

    from harness.generation.serve_guard import guarded_http_protocol

    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, http=guarded_http_protocol(),
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S, limit_concurrency=MAX_CONCURRENCY,
    )


def check_address(host: str, port: int) -> None:
    """Refuse, as one error, an address this machine cannot listen on."""
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {port}.", option="--port")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise ConfigError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}.", option="--host"
        ) from exc

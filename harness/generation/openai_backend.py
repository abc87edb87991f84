"""Generation through any OpenAI-compatible server (``POST /v1/chat/completions``).

Works with vLLM's server, ``harness serve``, and hosted APIs. Standard library only (urllib).

* Each completion is one request (``n`` candidates = ``n`` requests, the i-th with seed
  ``seed + i``), sent from a thread pool of ``concurrency`` workers.
* Requests stream (``stream: true``) so the time to the first content token is measured; usage
  comes from the final chunk (``stream_options.include_usage``), else from counting chunks.
* 429, 5xx, connection errors and timeouts are retried with exponential backoff (honouring
  ``Retry-After``); other HTTP errors, or a server still failing after the retries, raise
  GenerationError naming the URL.
* Token counting uses the server's ``/tokenize`` (vLLM and ``harness serve`` have it), else a
  rough estimate of 3 characters per token.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harness.errors import GenerationError
from harness.generation.base import Completion, Messages, SamplingParams, cut_at_stop

_RETRYABLE_ERRORS = (
    urllib.error.URLError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
    http.client.HTTPException,
)


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def normalize_endpoint(endpoint: str) -> str:
    """The API base URL, ending in ``/v1``.

    >>> normalize_endpoint("http://127.0.0.1:8000"), normalize_endpoint("http://h/v1/")
    ('http://127.0.0.1:8000/v1', 'http://h/v1')
    """
    base = endpoint.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise GenerationError(f"Endpoint '{endpoint}' must start with http:// or https://.")
    return base if base.endswith("/v1") else base + "/v1"


class OpenAIGenerator:
    """A model behind an OpenAI-compatible endpoint.

    Args:
        model: the model name the server knows (``/v1/models``).
        endpoint: base URL, e.g. ``http://127.0.0.1:8000/v1``.
        api_key: bearer token (default: ``$OPENAI_API_KEY``, else none).
        concurrency: requests in flight at once.
        max_retries: retries per request after the first try.
        stream: stream responses (needed to measure time to first token).
        context_length: the model's context, when the server does not report ``max_model_len``.
    """

    def __init__(
        self,
        model: str,
        *,
        endpoint: str = "http://127.0.0.1:8000/v1",
        api_key: str | None = None,
        concurrency: int = 4,
        timeout_s: float = 300.0,
        max_retries: int = 4,
        backoff_s: float = 0.5,
        stream: bool = True,
        context_length: int | None = None,
    ):
        self.model = model
        self.base = normalize_endpoint(endpoint)
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.concurrency = max(1, int(concurrency))
        self.timeout_s = timeout_s
        self.max_retries = max(0, int(max_retries))
        self.backoff_s = backoff_s
        self.stream = stream
        self._context_length = context_length
        self._tokenize_works: bool | None = None
        self.token_count_method = "server"
        card = self._model_card()
        self._identity: dict[str, Any] = {
            "backend": "openai",
            "endpoint": self.base,
            "name": model,
            "model_id": f"openai:{model}",
        }
        if card:
            if card.get("root") and card.get("root") != model:
                self._identity["root"] = card["root"]
            # `harness serve` tells what it serves; adopt its weights hash and dtype.
            served = card.get("harness_identity") or {}
            for key in ("model_id", "weights_sha256", "revision", "dtype", "device"):
                if key in served:
                    self._identity[f"served_{key}"] = served[key]
            if self._context_length is None and card.get("max_model_len"):
                self._context_length = int(card["max_model_len"])

    # -- the Generator protocol -----------------------------------------------------------------
    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    @property
    def context_length(self) -> int | None:
        return self._context_length

    def count_tokens(self, messages: Messages) -> int:
        if self._tokenize_works is not False:
            url = self.base.removesuffix("/v1") + "/tokenize"
            try:
                body = {"model": self.model, "messages": messages, "add_generation_prompt": True}
                with self._open(url, body, retries=0) as resp:
                    data = json.loads(resp.read())
                self._tokenize_works = True
                return int(data.get("count", len(data.get("tokens", []))))
            except (GenerationError, ValueError, KeyError):
                if self._tokenize_works:
                    raise
                self._tokenize_works = False
                self.token_count_method = "estimate (3 characters per token)"
        chars = sum(len(m.get("content") or "") for m in messages)
        return chars // 3 + 8 * len(messages)

    def generate(self, prompts: list[Messages], params: SamplingParams) -> list[list[Completion]]:
        started = time.perf_counter()
        per_prompt = 1 if params.greedy else params.n
        jobs = [(p, i) for p in range(len(prompts)) for i in range(per_prompt)]
        results: list[list[Completion | None]] = [[None] * per_prompt for _ in prompts]
        cancelled = threading.Event()

        def run(job: tuple[int, int]) -> None:
            p, i = job
            if cancelled.is_set():
                return
            results[p][i] = self._complete(prompts[p], params, params.seed + i, started)

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(run, job) for job in jobs]
            try:
                for f in futures:
                    f.result()
            except BaseException:
                cancelled.set()
                raise
        out = []
        for row in results:
            done = [c for c in row if c is not None]
            out.append(done * params.n if params.greedy else done)
        return out

    def close(self) -> None:
        pass

    # -- HTTP ------------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _open(self, url: str, body: dict | None = None, retries: int | None = None):
        """An open response for ``url`` (POST when ``body``), retrying what can be retried."""
        retries = self.max_retries if retries is None else retries
        last = ""
        for attempt in range(retries + 1):
            try:
                return self._open_once(url, body)
            except _Retryable as exc:
                last = str(exc)
                if attempt == retries:
                    break
                delay = (
                    exc.retry_after if exc.retry_after is not None else self.backoff_s * 2**attempt
                )
                time.sleep(min(delay, 30.0))
        raise GenerationError(
            f"Cannot get an answer from {url} after {retries + 1} attempt(s): {last}. Check that "
            "the server is running and the endpoint is right (start one with `harness serve`)."
        )

    def _open_once(self, url: str, body: dict | None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=self._headers())
        try:
            return urllib.request.urlopen(request, timeout=self.timeout_s)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if exc.code == 429 or exc.code >= 500:
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                raise _Retryable(f"HTTP {exc.code}: {detail}", _seconds(retry_after)) from None
            raise GenerationError(f"{url} answered HTTP {exc.code}: {detail}") from None
        except _RETRYABLE_ERRORS as exc:
            raise _Retryable(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None

    def _model_card(self) -> dict | None:
        url = self.base + "/models"
        try:
            with self._open(url, None, retries=min(self.max_retries, 2)) as resp:
                data = json.loads(resp.read())
        except GenerationError as exc:
            if "HTTP 404" in str(exc) or "HTTP 401" in str(exc) or "HTTP 403" in str(exc):
                return None  # no model listing here, or it needs other rights: not fatal
            raise GenerationError(f"The endpoint {self.base} is unreachable: {exc}") from None
        except ValueError:
            return None
        cards = data.get("data") or []
        for card in cards:
            if card.get("id") == self.model:
                return card
        names = ", ".join(str(c.get("id")) for c in cards) or "none"
        raise GenerationError(
            f"The server at {self.base} does not serve model '{self.model}'. It serves: {names}."
        )

    def _complete(
        self, messages: Messages, params: SamplingParams, seed: int, started: float
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_new_tokens,
            "seed": seed,
            "n": 1,
            "stream": self.stream,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if self.stream:
            body["stream_options"] = {"include_usage": True}
        url = self.base + "/chat/completions"
        for attempt in range(self.max_retries + 1):
            try:
                with self._open(url, body) as resp:
                    text, usage, finish, ttft, chunks = (
                        self._read_stream(resp, started) if self.stream else self._read_json(resp)
                    )
                break
            except _RETRYABLE_ERRORS + (ValueError,) as exc:  # dropped mid-response: send again
                if attempt == self.max_retries:
                    raise GenerationError(f"{url} broke off its answer: {exc}") from None
                time.sleep(self.backoff_s * 2**attempt)
        text, stopped = cut_at_stop(text, params.stop)
        return Completion(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or chunks),
            latency_s=time.perf_counter() - started,
            ttft_s=ttft,
            finish_reason="stop" if stopped else finish,
        )

    @staticmethod
    def _read_json(resp):
        data = json.loads(resp.read())
        choice = (data.get("choices") or [{}])[0]
        text = (choice.get("message") or {}).get("content") or ""
        return text, data.get("usage") or {}, choice.get("finish_reason"), None, 0

    @staticmethod
    def _read_stream(resp, started: float):
        pieces: list[str] = []
        usage: dict = {}
        finish = None
        ttft = None
        chunks = 0
        for raw in resp:
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            chunk = json.loads(payload)
            if chunk.get("error"):
                raise GenerationError(f"The server failed mid-stream: {chunk['error']}")
            if chunk.get("usage"):
                usage = chunk["usage"]
            for choice in chunk.get("choices") or []:
                content = (choice.get("delta") or {}).get("content")
                if content:
                    if ttft is None:
                        ttft = time.perf_counter() - started
                    pieces.append(content)
                    chunks += 1
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
        return "".join(pieces), usage, finish, ttft, chunks


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - a broken error body still has a reason
        return exc.reason or ""
    try:
        err = json.loads(body).get("error")
        if isinstance(err, dict):
            return str(err.get("message", err))
        if err:
            return str(err)
    except (ValueError, AttributeError):
        pass
    return body[:500]


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None

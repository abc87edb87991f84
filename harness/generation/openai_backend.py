"""Generation through any OpenAI-compatible server, with the ``openai`` client library.

Works with vLLM's server, ``harness serve``, and hosted APIs.

* Each completion is one request (``n`` candidates = ``n`` requests, the i-th with seed
  ``seed + i``), sent from a thread pool of ``concurrency`` workers sharing one client.
* Requests stream so the time to the first content token is measured; usage comes from the final
  chunk (``stream_options.include_usage``), else from counting content chunks.
* The client retries 408, 409, 429, 5xx, connection errors and timeouts with exponential backoff
  (honouring ``Retry-After``); an answer cut off mid-stream is sent again. Other HTTP errors, or a
  server still failing after the retries, raise GenerationError naming the URL.
* Token counting uses the server's ``/tokenize`` (vLLM and ``harness serve`` have it; it is no
  OpenAI API, so it goes through the client's raw ``post``), else a rough estimate of 3
  characters per token.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

import openai

from harness.errors import GenerationError
from harness.generation.base import (
    BackendConfig,
    Completion,
    Messages,
    SamplingParams,
    StaticIdentity,
    cut_at_stop,
)

DEFAULT_ENDPOINT = "http://127.0.0.1:8000/v1"

#: Failures the client already retried; still failing afterwards means the server is unwell.
_RETRIED = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def normalize_endpoint(endpoint: str) -> str:
    """The API base URL, ending in ``/v1``.

    >>> normalize_endpoint("http://127.0.0.1:8000"), normalize_endpoint("http://h/v1/")
    ('http://127.0.0.1:8000/v1', 'http://h/v1')
    """
    base = endpoint.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise GenerationError(f"Endpoint '{endpoint}' must start with http:// or https://.")
    return base if base.endswith("/v1") else base + "/v1"


@dataclass
class OpenAIConfig(BackendConfig):
    """Settings of the openai backend (any OpenAI-compatible server)."""

    endpoint: str = field(default=DEFAULT_ENDPOINT, metadata={
        "help": "openai: the server's base URL."
    })
    api_key: str | None = field(default=None, metadata={
        "help": "openai: API key (default $OPENAI_API_KEY; kept out of run records)."
    })
    concurrency: int = field(default=4, metadata={"help": "openai: requests in flight."})
    request_timeout_s: float = field(default=300.0, metadata={
        "help": "openai: seconds one request may take."
    })
    max_retries: int = field(default=4, metadata={
        "help": "openai: retries of a failed request after the first try."
    })
    context_length: int | None = field(default=None, metadata={
        "help": "openai: the model's context, when the server does not report max_model_len."
    })

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {self.concurrency}")


class OpenAIGenerator(StaticIdentity):
    """A model behind an OpenAI-compatible endpoint.

    Args:
        model: the model name the server knows (``/v1/models``).
        endpoint: base URL, e.g. ``http://127.0.0.1:8000/v1``.
        api_key: bearer token (default: ``$OPENAI_API_KEY``, else none).
        concurrency: requests in flight at once.
        request_timeout_s: seconds one request may take.
        max_retries: retries per request after the first try.
        stream: stream responses (needed to measure time to first token).
        context_length: the model's context, when the server does not report ``max_model_len``.
    """

    name: ClassVar[str] = "openai"
    Config: ClassVar[type[BackendConfig]] = OpenAIConfig
    auto_priority: ClassVar[int | None] = None  # a server is never guessed: name it

    @classmethod
    def usable(cls, model: str | None = None) -> bool:
        return False


    per_request_latency = True  # each completion's latency_s is its own request's

    def __init__(
        self,
        model: str,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        api_key: str | None = None,
        concurrency: int = 4,
        request_timeout_s: float = 300.0,
        max_retries: int = 4,
        stream: bool = True,
        context_length: int | None = None,
    ):
        self.model = model
        self.base = normalize_endpoint(endpoint)
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.concurrency = max(1, int(concurrency))
        self.max_retries = max(0, int(max_retries))
        self.stream = stream
        # A local server needs no key; the client wants one, so it gets a placeholder.
        self._client = openai.OpenAI(
            base_url=self.base, api_key=key or "EMPTY", timeout=request_timeout_s,
            max_retries=self.max_retries,
        )
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
    def count_tokens(self, messages: Messages) -> int:
        if self._tokenize_works is not False:
            url = self.base.removesuffix("/v1") + "/tokenize"
            body = {"model": self.model, "messages": messages, "add_generation_prompt": True,
                    **_prefill_flags(messages)}
            try:
                data = self._client.with_options(max_retries=0).post(
                    url, body=body, cast_to=object
                )
                count = int(data.get("count", len(data.get("tokens", []))))
                self._tokenize_works = True
                return count
            except (openai.APIError, ValueError, AttributeError, TypeError) as exc:
                if self._tokenize_works:
                    raise GenerationError(f"{url} failed to count tokens: {exc}") from None
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
        self._client.close()

    # -- requests --------------------------------------------------------------------------------
    def _failure(self, url: str, exc: openai.APIError) -> GenerationError:
        """One GenerationError for a request the client gave up on."""
        status = getattr(exc, "status_code", None)
        what = f"HTTP {status}: {_detail(exc)}" if status else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, _RETRIED):
            return GenerationError(
                f"Cannot get an answer from {url} after {self.max_retries + 1} attempt(s): "
                f"{what}. Check that the server is running and the endpoint is right (start one "
                "with `harness serve`)."
            )
        return GenerationError(f"{url} answered {what}")

    def _model_card(self) -> dict | None:
        url = self.base + "/models"
        try:
            cards = [c.model_dump() for c in self._client.models.list()]
        except (openai.NotFoundError, openai.AuthenticationError, openai.PermissionDeniedError):
            return None  # no model listing here, or it needs other rights: not fatal
        except openai.APIError as exc:
            raise GenerationError(
                f"The endpoint {self.base} is unreachable: {self._failure(url, exc)}"
            ) from None
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
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_new_tokens,
            # Not in OpenAI's API; vLLM's server and ours read them. Sent every time, so the
            # server's or the checkpoint's defaults never apply.
            "extra_body": {"top_k": params.top_k if params.top_k > 0 else -1,
                           "repetition_penalty": params.repetition_penalty,
                           **_prefill_flags(messages)},
            "seed": seed,
            "n": 1,
        }
        if params.stop:
            request["stop"] = list(params.stop)
        url = self.base + "/chat/completions"
        for attempt in range(self.max_retries + 1):
            try:
                if self.stream:
                    text, usage, finish, ttft, chunks = self._read_stream(request, started)
                else:
                    text, usage, finish, ttft, chunks = self._read_whole(request)
                break
            except openai.APIConnectionError as exc:  # dropped mid-answer: send it again
                if attempt == self.max_retries:
                    raise self._failure(url, exc) from None
            except openai.APIError as exc:
                raise self._failure(url, exc) from None
        text, stopped = cut_at_stop(text, params.stop)
        return Completion(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or chunks),
            latency_s=time.perf_counter() - started,
            ttft_s=ttft,
            finish_reason="stop" if stopped else finish,
        )

    def _read_whole(self, request: dict[str, Any]):
        response = self._client.chat.completions.create(**request)
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice else None) or ""
        usage = response.usage.model_dump() if response.usage else {}
        return text, usage, choice.finish_reason if choice else None, None, 0

    def _read_stream(self, request: dict[str, Any], started: float):
        pieces: list[str] = []
        usage: dict = {}
        finish = None
        ttft = None
        chunks = 0
        stream = self._client.chat.completions.create(
            **request, stream=True, stream_options={"include_usage": True}
        )
        with stream:
            for chunk in stream:
                if chunk.usage:
                    usage = chunk.usage.model_dump()
                for choice in chunk.choices or []:
                    content = choice.delta.content if choice.delta else None
                    if content:
                        if ttft is None:
                            ttft = time.perf_counter() - started
                        pieces.append(content)
                        chunks += 1
                    if choice.finish_reason:
                        finish = choice.finish_reason
        return "".join(pieces), usage, finish, ttft, chunks


def _detail(exc: openai.APIError) -> str:
    """The server's own error message (OpenAI-style ``{"error": {"message": ...}}``)."""
    body = exc.body
    if isinstance(body, dict):
        return str(body.get("message") or body)
    return str(body or exc.message)[:500]


def _prefill_flags(messages: Messages) -> dict[str, bool]:
    """For a conversation ending in an assistant prefill, the vLLM request keys that continue it
    (nothing otherwise, so other servers see the plain OpenAI request)."""
    from harness.generation.prompt_formats.base import template_flags

    flags = template_flags(messages)
    return flags if flags["continue_final_message"] else {}

"""Generation with llama.cpp (``llama-cpp-python``): GGUF models on the CPU, quantized as shipped.

transformers de-quantizes a GGUF file to float32 before it can run it (a 0.5B model then takes a
minute to load and 5 GB); llama.cpp runs the quantized weights directly, loads in under a second
and decodes several times faster on a laptop CPU. Imported only when the ``llama.cpp`` backend is
chosen; install it with ``pip install 'text2sql-harness[llamacpp]'`` (it builds from source).

Prompts are decoded one after the other in one llama.cpp context. **Prefix reuse**: the KV state
of the tokens already in the context is kept, and the next prompt only evaluates the tokens after
the longest prefix it shares with them (llama-cpp-python's prefix match). Prompts of one call are
ordered so that those sharing a prefix run back to back (the schema of one database is the
prompt's head), so a schema is evaluated once per database, not once per question; results come
back in prompt order. With ``prefix_reuse=False`` every prompt is evaluated from scratch.

Sampling parameters are all passed explicitly (nothing from the GGUF's defaults): temperature,
top-p, top-k (0 = off), repetition penalty (1.0 = off; llama.cpp applies it over the last 64
generated tokens), min-p 0 and typical-p 1 (off). Candidate ``j`` of a prompt is sampled with its
own seed derived from ``(params.seed, j)``, so sampling does not depend on how prompts are batched.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import GenerationError
from harness.generation.base import (
    BackendConfig,
    Completion,
    Messages,
    SamplingParams,
    cut_at_stop,
)
from harness.generation.models import file_sha256, gguf_path, resolve_model

INSTALL_HINT = "pip install 'text2sql-harness[llamacpp]'"
DEFAULT_MAX_CONTEXT = 8192  # KV cache reserved when n_ctx is 0: the model's own, at most this
# Prompt tokens per decode call, and the unit of prefix reuse: a reused prompt re-evaluates on
# average half a chunk of its shared prefix, so small chunks keep reuse's gain; below 64 prefill
# loses speed on a CPU (see the README's speed section).
DEFAULT_N_BATCH = 64


def import_llama_cpp():
    try:
        import llama_cpp
    except ImportError as exc:
        raise GenerationError(
            f"The llama.cpp backend needs the llama-cpp-python package ({exc}). Install it with "
            f"`{INSTALL_HINT}` (it compiles llama.cpp: a few minutes), or use "
            "backend='transformers'."
        ) from exc
    return llama_cpp


def _close_null_files() -> None:
    """llama-cpp-python opens ``/dev/null`` twice at import (to silence model loading) and never
    closes it, so every run ended with "ResourceWarning: unclosed file" after its summary.
    Closed at exit; llama.cpp only uses them while loading a model, never when freeing one."""
    utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        null_file = getattr(utils, name, None)
        if null_file is not None:
            null_file.close()


atexit.register(_close_null_files)


@dataclass
class LlamaCppConfig(BackendConfig):
    """Settings of the llama.cpp backend."""

    n_ctx: int = field(default=0, metadata={
        "help": f"llama.cpp: context tokens (prompt + completion) to reserve the KV cache for "
                f"(0 = the model's, at most {DEFAULT_MAX_CONTEXT})."
    })
    n_threads: int = field(default=0, metadata={
        "help": "llama.cpp: CPU threads (0 = every core this process may use)."
    })
    n_batch: int = field(default=DEFAULT_N_BATCH, metadata={
        "help": "llama.cpp: prompt tokens evaluated per decode call; with prefix reuse, the "
                "prefix kept is a whole number of these (see reusable_prefix)."
    })
    n_gpu_layers: int = field(default=0, metadata={
        "help": "llama.cpp: layers offloaded to a GPU (a GPU build of llama-cpp-python only)."
    })
    prefix_reuse: bool = field(default=True, metadata={
        "help": "llama.cpp: keep the KV state of a prompt prefix shared with the previous prompt "
                "(a database's schema is then evaluated once, not once per question)."
    })

    def __post_init__(self) -> None:
        for name in ("n_ctx", "n_threads", "n_gpu_layers"):
            if int(getattr(self, name)) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if int(self.n_batch) < 1:
            raise ValueError(f"n_batch must be >= 1, got {self.n_batch}")


@dataclass
class PrefixStats:
    """Prompt tokens seen, and how many of them were evaluated (the rest came from the KV cache)."""

    prompt_tokens: int = 0
    evaluated_tokens: int = 0

    @property
    def reused_tokens(self) -> int:
        return self.prompt_tokens - self.evaluated_tokens


class LlamaCppGenerator:
    """A GGUF model run by llama.cpp in this process.

    Args:
        model: alias (``smollm2-135m``), ``.gguf`` file, or a folder holding one ``.gguf``.
        n_ctx: context (prompt + completion tokens) to reserve the KV cache for; 0 = the model's
            training context, at most ``DEFAULT_MAX_CONTEXT``.
        n_threads: CPU threads (0 = every core this process may use).
        n_batch: prompt tokens evaluated per llama.cpp decode call (and the unit of prefix reuse).
        n_gpu_layers: layers offloaded to a GPU (a CUDA/Metal build of llama-cpp-python only).
        prefix_reuse: keep the KV state of a shared prompt prefix between prompts.
        gguf_file: the file name when ``model`` is a folder holding several GGUF files.
    """

    name: ClassVar[str] = "llama.cpp"
    Config: ClassVar[type[BackendConfig]] = LlamaCppConfig
    # Before transformers on a CPU for a GGUF model: faster, and the weights stay quantized.
    auto_priority: ClassVar[int | None] = 50
    # Prompts run one at a time: each completion is timed from the start of its own prompt's turn
    # (tokens in, prefill, decode), not from the batch's start, so latency is per question.
    per_request_latency = True

    @classmethod
    def usable(cls, model: str | None = None) -> bool:
        """llama-cpp-python installed, no CUDA GPU (vLLM or transformers use it better), and
        ``model`` a GGUF file, a folder holding one, or an alias whose package ships one."""
        if model is None or importlib.util.find_spec("llama_cpp") is None or _cuda_visible():
            return False
        try:
            gguf_path(resolve_model(str(model)))
        except GenerationError:
            return False
        return True

    def __init__(
        self,
        model: str = "smollm2-135m",
        *,
        n_ctx: int = 0,
        n_threads: int = 0,
        n_batch: int = DEFAULT_N_BATCH,
        n_gpu_layers: int = 0,
        prefix_reuse: bool = True,
        gguf_file: str | None = None,
    ):
        llama_cpp = import_llama_cpp()
        self.model_name = str(model)
        source = resolve_model(self.model_name, gguf_file)
        self.path: Path = gguf_path(source)
        self.prefix_reuse = bool(prefix_reuse)
        self.n_batch = int(n_batch)
        self._prompt_length = 0  # of the prompt whose KV state the context starts with
        self.stats = PrefixStats()
        self._lock = threading.Lock()  # one decode at a time: one context, one KV cache
        started = time.perf_counter()
        settings = llama_settings(self.path, n_ctx, n_threads, n_batch, n_gpu_layers)
        try:
            self.llm = llama_cpp.Llama(model_path=str(self.path), **settings)
        except (ValueError, RuntimeError, OSError) as exc:
            raise GenerationError(
                f"llama.cpp could not load {self.path}: {exc}. Check that it is a GGUF model of "
                "an architecture this llama-cpp-python build supports."
            ) from exc
        self.load_s = time.perf_counter() - started
        self._vocab = self.llm._model.vocab
        self._is_eog = llama_cpp.llama_vocab_is_eog
        self._template = _chat_template(self.llm.metadata, self.path)
        self._formatter = self._make_formatter(llama_cpp)
        self._identity = self._make_identity(llama_cpp.__version__)

    # -- the Generator protocol -----------------------------------------------------------------
    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    @property
    def context_length(self) -> int | None:
        return int(self.llm.n_ctx())

    def render(self, messages: Messages) -> str:
        """The prompt text the model sees: the chat template with the generation prompt."""
        if self._formatter is None:
            from harness.generation.prompt_formats.base import plain_transcript

            return plain_transcript(messages)
        return self._formatter(messages=messages).prompt

    def tokens(self, messages: Messages) -> list[int]:
        # As transformers: the template writes any BOS itself, special tokens are parsed.
        return self.llm.tokenize(self.render(messages).encode(), add_bos=False, special=True)

    def count_tokens(self, messages: Messages) -> int:
        return len(self.tokens(messages))

    def generate(
        self, prompts: list[Messages], params: SamplingParams,
        cancel: threading.Event | None = None,
    ) -> list[list[Completion]]:
        """``params.n`` completions per prompt, in prompt order; prompts sharing a prefix run back
        to back. Once ``cancel`` is set, decoding stops and what there is comes back."""
        encoded, tokenize_s = [], []
        for messages in prompts:
            started = time.perf_counter()
            encoded.append(self.tokens(messages))
            tokenize_s.append(time.perf_counter() - started)
        order = sorted(range(len(prompts)), key=lambda i: encoded[i]) if self.prefix_reuse \
            else range(len(prompts))
        results: dict[int, list[Completion]] = {}
        with self._lock:
            for i in order:
                if cancel is not None and cancel.is_set():
                    break
                # Its own turn and tokenization; the wait behind earlier prompts is queueing.
                started = time.perf_counter() - tokenize_s[i]
                results[i] = self._candidates(encoded[i], params, started, cancel)
        return [results[i] for i in sorted(results)]

    def stream(self, messages: Messages, params: SamplingParams) -> Iterator[str | Completion]:
        """Yield text pieces as tokens arrive, then the finished :class:`Completion` (n = 1)."""
        if params.n != 1:
            raise GenerationError("Streaming generates one completion per request (n=1).")
        started = time.perf_counter()
        tokens = self.tokens(messages)
        with self._lock:
            yield from self._decode(tokens, params, _candidate_seed(params.seed, 0), started)

    def close(self) -> None:
        llm, self.llm = self.llm, None
        if llm is not None:
            llm.close()

    # -- internals ---------------------------------------------------------------------------------
    def _candidates(
        self, tokens: list[int], params: SamplingParams, started: float,
        cancel: threading.Event | None,
    ) -> list[Completion]:
        """Greedy: one decode repeated n times (they would be identical). Sampled: n decodes."""
        out: list[Completion] = []
        for j in range(1 if params.greedy else params.n):
            if out and cancel is not None and cancel.is_set():
                break
            *_, done = self._decode(tokens, params, _candidate_seed(params.seed, j), started,
                                    cancel)
            assert isinstance(done, Completion)
            out.append(done)
        return out * params.n if params.greedy else out

    def _decode(
        self, tokens: list[int], params: SamplingParams, seed: int, started: float,
        cancel: threading.Event | None = None,
    ) -> Iterator[str | Completion]:
        """One completion of ``tokens``: text pieces as they arrive, then the Completion."""
        budget = self.llm.n_ctx() - len(tokens)
        if budget < 1:
            raise GenerationError(
                f"The prompt has {len(tokens)} tokens; this model's context is "
                f"{self.llm.n_ctx()} tokens (raise n_ctx or shorten the prompt)."
            )
        self._keep_prefix(tokens)
        self.llm.set_seed(seed)
        ids: list[int] = []
        emitted, ttft, finish = "", None, "length"
        for token in self.llm.generate(tokens, reset=True, **_sampler_kwargs(params)):
            if ttft is None:
                ttft = time.perf_counter() - started
            if self._is_eog(self._vocab, token):
                ids.append(token)
                finish = "stop"
                break
            ids.append(token)
            text = self.llm.detokenize(ids).decode("utf-8", errors="replace")
            text, stopped = cut_at_stop(text, params.stop)
            if not stopped and text.endswith("\ufffd"):
                pass  # half of a multi-byte character: wait for the rest
            elif len(text) > len(emitted):
                yield text[len(emitted) :]
                emitted = text
            if stopped:
                finish = "stop"
                break
            if len(ids) >= min(params.max_new_tokens, budget) or (
                cancel is not None and cancel.is_set()
            ):
                break
        yield Completion(
            text=emitted, prompt_tokens=len(tokens), completion_tokens=len(ids),
            latency_s=time.perf_counter() - started, ttft_s=ttft, finish_reason=finish,
        )

    def _keep_prefix(self, tokens: list[int]) -> None:
        """Cut the context back to the part of it this prompt reuses (nothing without reuse), so
        that llama-cpp-python's own prefix match reuses exactly that; count what is evaluated."""
        keep = 0
        if self.prefix_reuse:
            # The previous prompt's evaluated tokens, not its completion: that was evaluated a
            # token at a time, never in the chunks a fresh evaluation would use.
            evaluated = self.llm._input_ids[: self._prompt_length].tolist()
            keep = reusable_prefix(evaluated, tokens, self.n_batch)
        self.llm.n_tokens = keep  # 0 is llama-cpp-python's reset()
        self._prompt_length = len(tokens)
        self.stats.prompt_tokens += len(tokens)
        self.stats.evaluated_tokens += len(tokens) - keep

    def _make_formatter(self, llama_cpp):
        if self._template is None:
            return None
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        def piece(token_id: int) -> str:
            return "" if token_id < 0 else self.llm._model.token_get_text(token_id)

        model = self.llm._model
        return Jinja2ChatFormatter(
            self._template, eos_token=piece(model.token_eos()), bos_token=piece(model.token_bos())
        )

    def _make_identity(self, version: str) -> dict[str, Any]:
        meta = self.llm.metadata
        sha = file_sha256(self.path)
        return {
            "backend": "llama.cpp",
            "name": self.model_name,
            "source": str(self.path),
            "model_id": f"sha256:{sha}",
            "weights_sha256": sha,
            "dtype": f"gguf-ftype-{meta.get('general.file_type', '?')}",
            "device": "cpu" if not self.llm.model_params.n_gpu_layers else "gpu",
            "llama_cpp_version": version,
            # The chunk size moves logits in their last bits (see reusable_prefix): part of what
            # a completion depends on, so part of the generation cache's key.
            "n_batch": self.n_batch,
            "chat_template_sha256": (
                hashlib.sha256(self._template.encode()).hexdigest() if self._template
                else "fallback"
            ),
        }


def llama_settings(
    path: Path, n_ctx: int = 0, n_threads: int = 0, n_batch: int = DEFAULT_N_BATCH,
    n_gpu_layers: int = 0,
) -> dict[str, Any]:
    """``llama_cpp.Llama`` keyword arguments (besides the model path): one place, so that the
    speed benchmark's raw floor runs llama.cpp exactly as the backend does."""
    threads = int(n_threads) or len(os.sched_getaffinity(0))
    return {
        "n_ctx": _context_size(path, n_ctx), "n_threads": threads, "n_threads_batch": threads,
        "n_batch": int(n_batch), "n_ubatch": int(n_batch), "n_gpu_layers": int(n_gpu_layers),
        "verbose": False,
    }


def shared_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share.

    >>> shared_prefix([1, 2, 3], [1, 2, 4, 5])
    2
    """
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def reusable_prefix(context: list[int], tokens: list[int], n_batch: int) -> int:
    """How many leading tokens of ``tokens`` to take from a KV cache that holds ``context``: the
    shared prefix, less at least one token (the last prompt position's logits are needed), cut
    down to a whole number of ``n_batch`` chunks.

    Why whole chunks: llama.cpp's result for a token depends, in its last bits, on the batch it
    was evaluated in (with k-quant weights the kernels differ by batch size; Qwen2.5-Coder-0.5B
    Q4_K_M moved a logit by up to 0.6 and flipped a greedy first token in 1 of 20 Spider dev
    prompts). A prompt evaluated from scratch runs in chunks at positions 0, n_batch, 2 n_batch…;
    keeping only whole chunks evaluates the rest in those same chunks, so reuse gives the same
    logits bit for bit, hence the same greedy output.

    >>> reusable_prefix([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 7], n_batch=2)
    4
    >>> reusable_prefix([1, 2, 3, 4], [1, 2, 3, 4], n_batch=2)  # the same prompt: last chunk again
    2
    >>> reusable_prefix([1, 2, 3], [9, 2, 3], n_batch=1)
    0
    """
    shared = min(shared_prefix(context, tokens), len(tokens) - 1)
    return shared - shared % n_batch


def evaluated_tokens(token_lists: list[list[int]], n_batch: int = DEFAULT_N_BATCH) -> int:
    """Prompt tokens evaluated when prompts run in this order with prefix reuse: each prompt's
    tokens after the prefix :func:`reusable_prefix` keeps from the one before.

    >>> evaluated_tokens([[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 3, 5]], n_batch=1)
    6
    """
    total = 0
    previous: list[int] = []
    for tokens in token_lists:
        total += len(tokens) - reusable_prefix(previous, tokens, n_batch)
        previous = tokens
    return total


def _cuda_visible() -> bool:
    """Whether a CUDA GPU is there, without importing torch when nothing imported it yet."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return bool(torch.cuda.is_available())
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


def _sampler_kwargs(params: SamplingParams) -> dict[str, Any]:
    """Every llama.cpp sampler setting, explicit: llama-cpp-python's own defaults (top-k 40,
    top-p 0.95, min-p 0.05) would otherwise apply."""
    return {
        "temp": params.temperature,
        "top_p": params.top_p,
        "top_k": params.top_k,
        "repeat_penalty": params.repetition_penalty,
        "min_p": 0.0,
        "typical_p": 1.0,
        "frequency_penalty": 0.0,
        "presence_penalty": 0.0,
        "mirostat_mode": 0,
    }


def _candidate_seed(seed: int, j: int) -> int:
    """A 32-bit seed for candidate ``j``; never 0xFFFFFFFF, which llama.cpp reads as 'random'."""
    digest = hashlib.sha256(f"{seed}:{j}".encode()).digest()
    return int.from_bytes(digest[:4], "little") % 0xFFFFFFFF


def _context_size(path: Path, n_ctx: int) -> int:
    if n_ctx < 0:
        raise GenerationError(f"n_ctx must be >= 0, got {n_ctx}.")
    if n_ctx:
        return int(n_ctx)
    trained = _gguf_context_length(path)
    return min(trained, DEFAULT_MAX_CONTEXT) if trained else DEFAULT_MAX_CONTEXT


def _gguf_context_length(path: Path) -> int | None:
    """The model's training context from the GGUF header (``<arch>.context_length``)."""
    try:
        from gguf import GGUFReader
    except ImportError:
        return None
    try:
        fields = GGUFReader(str(path)).fields
        arch_field = fields["general.architecture"]
        arch = bytes(arch_field.parts[arch_field.data[0]]).decode()
        field = fields.get(f"{arch}.context_length")
        return int(field.parts[field.data[0]][0]) if field is not None else None
    except (KeyError, ValueError, IndexError, OSError):
        return None


def _chat_template(metadata: dict[str, str], path: Path) -> str | None:
    """The chat template: the GGUF's own, else a ``tokenizer_config.json`` beside the file."""
    template = metadata.get("tokenizer.chat_template")
    if template:
        return template
    config = path.parent / "tokenizer_config.json"
    try:
        found = json.loads(config.read_text()).get("chat_template")
    except (OSError, ValueError):
        return None
    return found if isinstance(found, str) and found else None

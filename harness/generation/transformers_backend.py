"""Generation with Hugging Face transformers, on CPU or GPU: batched, left-padded, chat-templated.

Loads a hub id, a local folder or a GGUF file (converted once and cached, see ``models.py``).
Time to first token comes from a logits processor that notes when the first decoding step runs;
all prompts of a batch share it, and all finish together when ``generate`` returns.

Sampling is seeded per batch: each chunk of ``batch_size`` prompts starts from ``params.seed``, so
the same batch gives the same completions on the same hardware. Outputs can still differ slightly
between batch sizes (padding changes floating-point sums) and between CPU and GPU.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harness.errors import GenerationError
from harness.generation import models
from harness.generation.base import (
    BackendConfig,
    Completion,
    Messages,
    SamplingParams,
    cut_at_stop,
)
from harness.generation.models import ModelSource, file_sha256, folder_sha256, resolve_model

DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass
class TransformersConfig(BackendConfig):
    """Settings of the transformers backend."""

    dtype: str = field(default="auto", metadata={
        "help": "Weights dtype: auto (bf16/fp16 on GPU, fp32 on CPU), float32, bfloat16, float16.",
        "choices": DTYPES,
    })
    device: str = field(default="auto", metadata={
        "help": "transformers: cpu, cuda, cuda:N, mps, or auto (the first GPU, else cpu)."
    })


class TransformersGenerator:
    """A causal LM loaded with transformers.

    Args:
        model: alias (``smollm2-135m``), hub id, local folder or ``.gguf`` file.
        dtype: ``auto`` = bfloat16 on a GPU that supports it (else float16), float32 on CPU
            (bfloat16 matmuls are ~5x slower on AVX2-only CPUs).
        device: ``auto`` (CUDA when available), ``cpu``, ``cuda`` or ``cuda:N``.
        batch_size: prompts per ``model.generate`` call.
        gguf_file: the file name when ``model`` is a folder holding several GGUF files.
        convert_gguf: load GGUF through the cached converted folder (fast after the first time).
    """

    name: ClassVar[str] = "transformers"
    Config: ClassVar[type[BackendConfig]] = TransformersConfig
    auto_priority: ClassVar[int | None] = 0  # runs anywhere: the last resort of ``auto``

    @classmethod
    def usable(cls, model: str | None = None) -> bool:
        return True


    def __init__(
        self,
        model: str = "smollm2-135m",
        *,
        dtype: str = "auto",
        device: str = "auto",
        batch_size: int = 8,
        revision: str | None = None,
        gguf_file: str | None = None,
        convert_gguf: bool = True,
        trust_remote_code: bool = False,
    ):
        if dtype not in DTYPES:
            raise GenerationError(f"Unknown dtype '{dtype}'. Choose one of: {', '.join(DTYPES)}.")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.name = str(model)
        self.batch_size = max(1, int(batch_size))
        self.source: ModelSource = resolve_model(self.name, gguf_file)
        self.device = _pick_device(device)
        self.torch_dtype = _pick_dtype(dtype, self.device)
        self._lock = threading.Lock()  # one generate() at a time
        # The Rust tokenizer raises 'Already borrowed' when padded and unpadded encodes overlap
        # (the server counts tokens while another request generates).
        self._tok_lock = threading.Lock()
        started = time.perf_counter()
        load_from: str
        load_kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
        weights: dict[str, str] = {}
        self.converted_from: str | None = None
        if self.source.kind == "gguf":
            weights["weights_sha256"] = file_sha256(self.source.path)
            if convert_gguf:
                load_from = str(models.convert_gguf(self.source.path))
                self.converted_from = str(self.source.path)
            else:
                load_from = str(self.source.path.parent)
                load_kwargs["gguf_file"] = self.source.path.name
        elif self.source.kind == "folder":
            load_from = str(self.source.path)
            weights["weights_sha256"] = folder_sha256(self.source.path)
        else:
            load_from = str(self.source.hub_id)
            if revision:
                load_kwargs["revision"] = revision
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a weights-loading bar per load clutters run output
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(load_from, **load_kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(
                load_from, dtype=self.torch_dtype, **load_kwargs
            )
        except Exception as exc:
            raise GenerationError(_load_advice(self.name, self.source, exc)) from exc
        self.model.to(self.device).eval()
        if self.source.kind == "hub":
            weights["revision"] = (
                getattr(self.model.config, "_commit_hash", None) or revision or "?"
            )
        self.load_s = time.perf_counter() - started
        tok = self.tokenizer
        tok.padding_side = "left"  # decoder-only batches must pad on the left
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        self._eos_ids = _eos_ids(self.model, tok)
        template = getattr(tok, "chat_template", None)
        self._identity = {
            "backend": "transformers",
            "name": self.name,
            "source": self.source.location,
            "model_id": (
                f"{self.source.hub_id}@{weights['revision']}"
                if self.source.kind == "hub"
                else f"sha256:{weights['weights_sha256']}"
            ),
            **weights,
            "dtype": str(self.torch_dtype).removeprefix("torch."),
            "device": self.device.split(":")[0],
            "chat_template_sha256": (
                hashlib.sha256(template.encode()).hexdigest() if template else "fallback"
            ),
        }

    # -- the Generator protocol -----------------------------------------------------------------
    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    @property
    def context_length(self) -> int | None:
        config = self.model.config
        text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
        return getattr(text_config, "max_position_embeddings", None)

    def render(self, messages: Messages) -> str:
        """The prompt text the model sees: the chat template with the generation prompt (or
        continuing a final assistant prefill); a plain transcript for a base model."""
        from harness.generation.prompt_formats.base import render_chat

        return render_chat(self.tokenizer, messages)

    def count_tokens(self, messages: Messages) -> int:
        text = self.render(messages)
        with self._tok_lock:
            return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    def generate(
        self, prompts: list[Messages], params: SamplingParams,
        cancel: threading.Event | None = None,
    ) -> list[list[Completion]]:
        """``params.n`` completions per prompt. Once ``cancel`` is set (the server's client went
        away), decoding stops at its next step and what was generated so far is returned."""
        started = time.perf_counter()
        results: list[list[Completion]] = []
        with self._lock:
            for i in range(0, len(prompts), self.batch_size):
                if cancel is not None and cancel.is_set():
                    break
                results.extend(
                    self._generate_chunk(prompts[i : i + self.batch_size], params, started, cancel)
                )
        return results

    def close(self) -> None:
        import gc

        import torch

        self.model = None  # type: ignore[assignment]
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # -- internals ---------------------------------------------------------------------------------
    def _generate_kwargs(self, params: SamplingParams) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self._eos_ids,
        }
        # Every sampling setting is explicit, so nothing comes from the checkpoint's
        # generation_config.json (a repetition_penalty or top_k there would change the output).
        kwargs["repetition_penalty"] = params.repetition_penalty
        if params.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            # top_k=0 disables transformers' default top-k of 50, to match vLLM and the paper.
            kwargs.update(
                do_sample=True, temperature=params.temperature, top_p=params.top_p,
                top_k=params.top_k,
            )
            kwargs["num_return_sequences"] = params.n
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        return kwargs

    def _generate_chunk(
        self, prompts: list[Messages], params: SamplingParams, started: float,
        cancel: threading.Event | None = None,
    ) -> list[list[Completion]]:
        import torch
        from transformers import LogitsProcessorList

        texts = [self.render(m) for m in prompts]
        with self._tok_lock:
            enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        timer = _FirstStepTimer()
        torch.manual_seed(params.seed)
        with torch.inference_mode():
            out = self.model.generate(
                **enc,
                logits_processor=LogitsProcessorList([timer]),
                stopping_criteria=[_EventStop(cancel)] if cancel is not None else None,
                **self._generate_kwargs(params),
            )
        done = time.perf_counter()
        per_prompt = 1 if params.greedy else params.n
        new_tokens = out[:, enc["input_ids"].shape[1] :].tolist()
        prompt_lengths = enc["attention_mask"].sum(dim=1).tolist()
        ttft = None if timer.at is None else timer.at - started
        results = []
        for p in range(len(prompts)):
            completions = []
            for j in range(per_prompt):
                ids = new_tokens[p * per_prompt + j]
                completions.append(
                    self._completion(ids, int(prompt_lengths[p]), params, done - started, ttft)
                )
            # Greedy decoding gives n identical completions: generate once, repeat.
            results.append(completions * (params.n if params.greedy else 1))
        return results

    def _completion(
        self, ids: list[int], prompt_tokens: int, params: SamplingParams, latency: float, ttft
    ) -> Completion:
        finish = "length"
        for k, token in enumerate(ids):
            if token in self._eos_ids:
                ids, finish = ids[: k + 1], "stop"
                break
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        text, stopped = cut_at_stop(text, params.stop)
        return Completion(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=len(ids),
            latency_s=latency,
            ttft_s=ttft,
            finish_reason="stop" if stopped else finish,
        )

    def stream(self, messages: Messages, params: SamplingParams) -> Iterator[str | Completion]:
        """Yield text pieces as tokens arrive, then the finished :class:`Completion` (n = 1)."""
        import torch

        if params.n != 1:
            raise GenerationError("Streaming generates one completion per request (n=1).")
        started = time.perf_counter()
        text = self.render(messages)
        with self._tok_lock:
            enc = self.tokenizer([text], return_tensors="pt", add_special_tokens=False)
        enc = enc.to(self.device)
        streamer = _TokenQueue()
        stop_event = threading.Event()
        kwargs = self._generate_kwargs(params)
        kwargs.pop("stop_strings", None), kwargs.pop("tokenizer", None)  # checked here instead

        def run() -> None:
            try:
                with self._lock, torch.inference_mode():
                    torch.manual_seed(params.seed)
                    self.model.generate(
                        **enc,
                        streamer=streamer,
                        stopping_criteria=[_EventStop(stop_event)],
                        **kwargs,
                    )
            except Exception as exc:  # noqa: BLE001 - surface it to the consumer instead of dying silently
                streamer.fail(exc)
            finally:
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        ids: list[int] = []
        emitted, ttft, finish = "", None, "length"
        try:
            while True:
                token = streamer.get()
                if token is None:
                    break
                if ttft is None:
                    ttft = time.perf_counter() - started
                if token in self._eos_ids:
                    ids.append(token)
                    finish = "stop"
                    break
                ids.append(token)
                text = self.tokenizer.decode(ids, skip_special_tokens=True)
                text, stopped = cut_at_stop(text, params.stop)
                if text.endswith("\ufffd") and not stopped:
                    continue  # half of a multi-byte character: wait for the rest
                if len(text) > len(emitted):
                    yield text[len(emitted) :]
                    emitted = text
                if stopped:
                    finish = "stop"
                    break
        finally:
            stop_event.set()
            thread.join()
        if streamer.error is not None:
            raise GenerationError(f"Generation failed: {streamer.error}") from streamer.error
        yield Completion(
            text=emitted,
            prompt_tokens=int(enc["input_ids"].shape[1]),
            completion_tokens=len(ids),
            latency_s=time.perf_counter() - started,
            ttft_s=ttft,
            finish_reason=finish,
        )


class _FirstStepTimer:
    """A logits processor that only notes when the first decoding step happens."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self, input_ids, scores):
        if self.at is None:
            self.at = time.perf_counter()
        return scores


class _TokenQueue:
    """A transformers streamer that hands generated token ids to another thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._prompt_skipped = False
        self.error: BaseException | None = None

    def put(self, value) -> None:
        if not self._prompt_skipped:  # the first call carries the prompt
            self._prompt_skipped = True
            return
        for token in value.reshape(-1).tolist():
            self._queue.put(token)

    def end(self) -> None:
        self._queue.put(None)

    def fail(self, exc: BaseException) -> None:
        self.error = exc

    def get(self):
        return self._queue.get()


class _EventStop:
    """Stops generation once the consumer has what it needs (a stop string, a closed stream) or
    is gone (a cancelled request)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool)


def _pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise GenerationError(f"device='{device}' but no CUDA GPU is visible; use device='cpu'.")
    return device


def _pick_dtype(dtype: str, device: str):
    import torch

    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    return getattr(torch, dtype)


def _eos_ids(model, tokenizer) -> list[int]:
    ids = model.generation_config.eos_token_id
    ids = list(ids) if isinstance(ids, (list, tuple)) else [ids] if ids is not None else []
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def _load_advice(name: str, source: ModelSource, exc: Exception) -> str:
    msg = f"Could not load model '{name}' from {source.location}: {type(exc).__name__}: {exc}"
    if source.kind == "hub":
        msg += (
            ". Check the hub id and your connection (HF_HUB_OFFLINE=1 allows only models already "
            "in the Hugging Face cache), or pass a local folder or a .gguf file."
        )
    else:
        msg += ". Check that the folder holds a causal language model that transformers can load."
    return msg

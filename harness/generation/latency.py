"""Latency and throughput aggregates over per-sample metadata, and the hardware they ran on.

Definitions (the prompting method's docstring has the full text):

* a sample's ``latency_s``: wall time from submitting its batch to having its SQL (parsed, and
  voted on when several candidates are sampled);
* ``s_per_sample``: total generation wall time / number of generated samples (throughput), to be
  read with ``batch_size`` (the most samples one batch held) and ``s_per_batch`` (the mean wall
  time of one batch);
* ``latency_p50_s``/``latency_p95_s``: only when latency was measured per question, that is with
  batches of one sample, or a backend that times each request (vLLM, HTTP servers, llama.cpp:
  the generator's ``per_request_latency``); otherwise None, since every question of a batch waits
  for the whole batch and its "latency" is the batch's time;
* cached samples (``from_cache``) are excluded from every aggregate.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from harness.machine import cpu_model


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default), ``q`` in [0, 100].

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 95)
    (2.5, 3.85)
    """
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 12)


def summarize_latency(metas: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Aggregates over ``Prediction.meta`` dicts written by the prompting method.

    Generation time is counted once per batch (``batch_id``), since a batch's samples share it.
    """
    metas = list(metas)
    fresh = [m for m in metas if not m.get("from_cache") and m.get("latency_s") is not None]
    batches: dict[Any, tuple[float, float]] = {}
    sizes: dict[Any, int] = {}
    for m in fresh:
        batches[m.get("batch_id")] = (m.get("generation_s") or 0.0, m.get("selection_s") or 0.0)
        sizes[m.get("batch_id")] = sizes.get(m.get("batch_id"), 0) + 1
    per_question = bool(fresh) and (
        max(sizes.values()) == 1 or all(m.get("per_request_latency") for m in fresh)
    )
    generation_s = sum(g for g, _ in batches.values())
    selection_s = sum(s for _, s in batches.values())
    tokens = sum(m.get("completion_tokens") or 0 for m in fresh)
    latencies = [m["latency_s"] for m in fresh]
    ttfts = [m["ttft_s"] for m in fresh if m.get("ttft_s") is not None]
    n = len(fresh)
    return {
        "samples": n,
        # From the cache, not merely without a latency: a question whose prompt could not be
        # built (its database missing) was neither generated nor cached.
        "cached_samples": sum(1 for m in metas if m.get("from_cache")),
        "generation_s": generation_s,
        "selection_s": selection_s,
        "s_per_sample": generation_s / n if n else None,
        "batches": len(batches),
        "batch_size": max(sizes.values()) if sizes else None,
        "s_per_batch": generation_s / len(batches) if batches else None,
        "latency_per_question": per_question,
        "completion_tokens": tokens,
        "tokens_per_s": tokens / generation_s if generation_s else None,
        "latency_p50_s": percentile(latencies, 50) if per_question else None,
        "latency_p95_s": percentile(latencies, 95) if per_question else None,
        "ttft_p50_s": percentile(ttfts, 50),
        "ttft_p95_s": percentile(ttfts, 95),
    }


def hardware() -> dict[str, Any]:
    """CPU model and core count; GPU name and count when torch sees CUDA GPUs."""
    info: dict[str, Any] = {"cpu": cpu_model(), "cpu_count": os.cpu_count(), "gpus": []}
    try:
        import torch

        if torch.cuda.is_available():
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except ImportError:
        pass
    info["gpu_count"] = len(info["gpus"])
    return info

"""llama.cpp generation speed: the raw llama-cpp-python floor, the harness's llama.cpp backend and
the transformers backend on the same GGUF file and the same Spider dev prompts; and the prompt
tokens prefix reuse saves on the whole Spider dev split.

* **raw floor**: ``llama_cpp.Llama.eval`` and ``sample`` in a bare loop, greedy, each prompt
  evaluated from scratch; prefill and decode tokens/s are timed separately.
* **harness llama.cpp**: ``LlamaCppGenerator.generate`` on the same prompts, without prefix reuse
  (the like-for-like figure, target within 1.25x of the floor) and with it.
* **harness transformers**: ``TransformersGenerator`` (the GGUF de-quantized to float32) at each
  batch size asked for; the best one is reported.

As a script (the README's figures), on the packaged SmolLM2 and a Qwen2.5-Coder-0.5B GGUF::

    python -m tests.benchmarks.test_llamacpp_speed --model smollm2-135m \\
        --model path/to/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf --prompts 50 --out bench.json

Under pytest (slow), a short check on SmolLM2: the harness backend within 1.25x of the floor::

    pytest tests/benchmarks/test_llamacpp_speed.py -m slow --benchmark-enable -s
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.generation_support import need_llama_cpp, need_smollm2

pytestmark = [pytest.mark.slow, pytest.mark.benchmark]

MAX_NEW_TOKENS = 64


def spider_prompts(limit: int | None) -> list[list[dict[str, str]]]:
    """The chat prompts of the first ``limit`` Spider dev questions (all when None)."""
    from harness.generation.prompts import PromptBuilder
    from tests.generation_support import spider_suite

    suite = spider_suite()
    examples = suite.load_examples("dev")
    examples = examples if limit is None else examples[:limit]
    builder = PromptBuilder(suite)
    prompts = [builder.build(e) for e in examples]
    return [p.messages for p in prompts if p.error is None]


def raw_floor(path: Path, token_lists: list[list[int]], max_new_tokens: int,
              threads: int = 0) -> dict[str, Any]:
    """Bare llama-cpp-python: evaluate each prompt from scratch, then decode greedily."""
    import llama_cpp

    from harness.generation.llamacpp_backend import llama_settings

    llm = llama_cpp.Llama(model_path=str(path), **llama_settings(path, n_threads=threads))
    vocab = llm._model.vocab
    prefill_s = decode_s = 0.0
    prompt_tokens = new_tokens = 0
    texts = []
    for tokens in token_lists:
        llm.reset()
        start = time.perf_counter()
        llm.eval(tokens)
        prefill_s += time.perf_counter() - start
        prompt_tokens += len(tokens)
        start = time.perf_counter()
        ids: list[int] = []
        while len(ids) < max_new_tokens:
            token = llm.sample(temp=0.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0)
            ids.append(token)
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            llm.eval([token])
        decode_s += time.perf_counter() - start
        new_tokens += len(ids)
        texts.append(llm.detokenize([t for t in ids if not llama_cpp.llama_vocab_is_eog(vocab, t)])
                     .decode("utf-8", errors="replace"))
    llm.close()
    return {
        "seconds": round(prefill_s + decode_s, 3),
        "prefill_tokens_per_s": round(prompt_tokens / prefill_s, 1),
        "decode_tokens_per_s": round(new_tokens / decode_s, 1),
        "prompt_tokens": prompt_tokens,
        "completion_tokens": new_tokens,
        "texts": texts,
    }


def harness_llamacpp(model: str, prompts, max_new_tokens: int, reuse: bool,
                     threads: int = 0) -> dict[str, Any]:
    from harness.generation.base import SamplingParams
    from harness.generation.llamacpp_backend import LlamaCppGenerator

    gen = LlamaCppGenerator(model, prefix_reuse=reuse, n_threads=threads)
    try:
        start = time.perf_counter()
        out = gen.generate(prompts, SamplingParams(max_new_tokens=max_new_tokens))
        seconds = time.perf_counter() - start
        return {
            "seconds": round(seconds, 3),
            "load_s": round(gen.load_s, 2),
            "prompt_tokens": gen.stats.prompt_tokens,
            "evaluated_prompt_tokens": gen.stats.evaluated_tokens,
            "completion_tokens": sum(c[0].completion_tokens for c in out),
            "texts": [c[0].text for c in out],
        }
    finally:
        gen.close()


def harness_transformers(model: str, prompts, max_new_tokens: int, batch_size: int) -> dict:
    from harness.generation.base import SamplingParams
    from harness.generation.transformers_backend import TransformersGenerator

    gen = TransformersGenerator(model, batch_size=batch_size)
    try:
        start = time.perf_counter()
        out = gen.generate(prompts, SamplingParams(max_new_tokens=max_new_tokens))
        seconds = time.perf_counter() - start
        return {
            "batch_size": batch_size,
            "seconds": round(seconds, 3),
            "load_s": round(gen.load_s, 2),
            "completion_tokens": sum(c[0].completion_tokens for c in out),
        }
    finally:
        gen.close()
        gc.collect()


def prefix_reuse_tokens(model: str) -> dict[str, int]:
    """Prompt tokens evaluated over the whole Spider dev split, without and with prefix reuse
    (questions grouped by database, as the prompting method orders them)."""
    from harness.generation.llamacpp_backend import LlamaCppGenerator, evaluated_tokens
    from methods.prompting import by_database
    from tests.generation_support import spider_suite

    suite = spider_suite()
    from harness.generation.prompts import PromptBuilder

    builder = PromptBuilder(suite)
    examples = by_database(suite.load_examples("dev"))
    gen = LlamaCppGenerator(model)
    try:
        prompts = [builder.build(e) for e in examples]
        lists = [gen.tokens(p.messages) for p in prompts if p.error is None]
    finally:
        gen.close()
    return {
        "questions": len(lists),
        "without_reuse": sum(len(t) for t in lists),
        "with_reuse": evaluated_tokens(lists),
    }


def measure(model: str, prompts, max_new_tokens: int, batch_sizes: list[int],
            threads: int = 0) -> dict:
    from harness.generation.llamacpp_backend import LlamaCppGenerator

    gen = LlamaCppGenerator(model)
    path, token_lists = gen.path, [gen.tokens(p) for p in prompts]
    gen.close()
    floor = raw_floor(path, token_lists, max_new_tokens, threads)
    plain = harness_llamacpp(model, prompts, max_new_tokens, reuse=False, threads=threads)
    reused = harness_llamacpp(model, prompts, max_new_tokens, reuse=True, threads=threads)
    hf = [harness_transformers(model, prompts, max_new_tokens, b) for b in batch_sizes]
    best = min(hf, key=lambda r: r["seconds"]) if hf else None
    return {
        "model": model,
        "gguf": str(path),
        "prompts": len(prompts),
        "max_new_tokens": max_new_tokens,
        "raw": floor,
        "harness_llamacpp": plain,
        "harness_llamacpp_reuse": reused,
        "transformers": hf,
        "harness_over_raw": round(plain["seconds"] / floor["seconds"], 3),
        "same_text_as_raw": plain["texts"] == floor["texts"],
        "same_text_with_reuse": reused["texts"] == plain["texts"],
        "transformers_best_over_llamacpp_reuse": (
            round(best["seconds"] / reused["seconds"], 2) if best else None
        ),
    }


def report(result: dict) -> str:
    raw, plain, reused = result["raw"], result["harness_llamacpp"], result["harness_llamacpp_reuse"]
    lines = [
        f"{result['model']}: {result['prompts']} Spider dev prompts, greedy, at most "
        f"{result['max_new_tokens']} new tokens",
        f"  raw llama-cpp-python     {raw['seconds']:8.1f} s  (prefill "
        f"{raw['prefill_tokens_per_s']} tokens/s, decode {raw['decode_tokens_per_s']} tokens/s)",
        f"  harness llama.cpp        {plain['seconds']:8.1f} s  ({result['harness_over_raw']}x "
        f"the raw time; same text: {result['same_text_as_raw']})",
        f"  harness llama.cpp+reuse  {reused['seconds']:8.1f} s  (prompt tokens evaluated "
        f"{reused['evaluated_prompt_tokens']} of {reused['prompt_tokens']}; same text: "
        f"{result['same_text_with_reuse']})",
    ]
    for hf in result["transformers"]:
        lines.append(f"  transformers, batch {hf['batch_size']:<3}  {hf['seconds']:8.1f} s  "
                     f"(load {hf['load_s']} s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="alias or GGUF path (repeatable)")
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--max-new-tokens", type=int, default=MAX_NEW_TOKENS)
    parser.add_argument("--batch-sizes", default="8,16",
                        help="transformers batch sizes ('' = none)")
    parser.add_argument("--n-threads", type=int, default=0,
                        help="llama.cpp threads (0 = every core; 1 on a crowded machine)")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    prompts = spider_prompts(args.prompts)
    sizes = [int(b) for b in args.batch_sizes.split(",") if b]
    results = []
    for model in args.model or ["smollm2-135m"]:
        result = measure(model, prompts, args.max_new_tokens, sizes, args.n_threads)
        result["spider_dev_prefix_reuse"] = prefix_reuse_tokens(model)
        print(report(result), flush=True)
        reuse = result["spider_dev_prefix_reuse"]
        print(f"  whole Spider dev ({reuse['questions']} questions): prompt tokens evaluated "
              f"{reuse['without_reuse']} without prefix reuse, {reuse['with_reuse']} with it",
              flush=True)
        results.append(result)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2))
    return 0


def test_harness_backend_is_within_125_percent_of_raw_llama_cpp(benchmark):
    need_llama_cpp()
    need_smollm2()
    prompts = spider_prompts(10)
    from harness.generation.llamacpp_backend import LlamaCppGenerator

    gen = LlamaCppGenerator("smollm2-135m")
    path, token_lists = gen.path, [gen.tokens(p) for p in prompts]
    gen.close()
    floor = raw_floor(path, token_lists, MAX_NEW_TOKENS)
    runs: list[dict] = []
    benchmark.pedantic(
        lambda: runs.append(harness_llamacpp("smollm2-135m", prompts, MAX_NEW_TOKENS, False)),
        rounds=1, iterations=1,
    )
    ratio = runs[0]["seconds"] / floor["seconds"]
    benchmark.extra_info.update(raw_s=floor["seconds"], ratio=round(ratio, 3))
    print(f"\nraw {floor['seconds']:.1f} s, harness {runs[0]['seconds']:.1f} s: {ratio:.2f}x")
    assert runs[0]["texts"] == floor["texts"]
    assert ratio <= 1.25


if __name__ == "__main__":
    sys.exit(main())

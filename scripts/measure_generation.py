"""Measure model load time and greedy generation speed on Spider dev questions.

    python scripts/measure_generation.py --model smollm2-135m --data-dir ../shared/data \\
        --questions 10 --batch-sizes 1 8 [--cold]

``--cold`` first converts the GGUF into an empty temporary cache (the first-use cost); then the
model is loaded twice from the regular cache (the first of these converts if it never has).
Prints s/sample (generation wall time / samples), tokens/s,
latency p50/p95 and time to first token per batch size, plus a crude check (set of rows equal to
the gold's, sqlite3) that only says whether the SQL is sensible, not official accuracy.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--cold", action="store_true")
    args = ap.parse_args()

    from harness.generation.latency import summarize_latency
    from harness.generation.models import resolve_model
    from harness.generation.transformers_backend import TransformersGenerator
    from harness.suite import load_suite
    from methods.prompting import PromptingConfig, PromptingMethod

    source = resolve_model(args.model)
    if args.cold:  # first use: convert into an empty temporary cache
        with tempfile.TemporaryDirectory() as tmp:
            old = os.environ.get("HARNESS_CACHE_DIR")
            os.environ["HARNESS_CACHE_DIR"] = tmp
            started = time.perf_counter()
            TransformersGenerator(args.model).close()
            print(
                f"load with first conversion ({source.kind}): {time.perf_counter() - started:.1f} s"
            )
            if old is None:
                del os.environ["HARNESS_CACHE_DIR"]
            else:
                os.environ["HARNESS_CACHE_DIR"] = old
    for attempt in ("first load", "second load"):
        started = time.perf_counter()
        gen = TransformersGenerator(args.model, batch_size=max(args.batch_sizes))
        print(
            f"{attempt} ({source.kind}, regular cache): {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        if attempt == "first load":
            gen.close()
    print("identity:", gen.identity)

    suite = load_suite("spider", args.data_dir)
    examples = suite.load_examples("dev")[: args.questions]
    for bs in args.batch_sizes:
        gen.batch_size = bs
        config = PromptingConfig(
            model=args.model, batch_size=bs, max_new_tokens=args.max_new_tokens, cache=False
        )
        method = PromptingMethod(config, generator=gen)
        preds = list(method.predict(examples, suite))
        s = summarize_latency(p.meta for p in preds)
        sensible = sum(_same_rows(suite, e, p.sql) for e, p in zip(examples, preds))
        print(
            f"batch {bs}: {s['samples']} samples, {s['s_per_sample']:.2f} s/sample, "
            f"{s['tokens_per_s']:.1f} tokens/s, latency p50 {s['latency_p50_s']:.2f} s "
            f"p95 {s['latency_p95_s']:.2f} s, ttft p50 {s['ttft_p50_s']:.2f} s, "
            f"{s['completion_tokens']} completion tokens, "
            f"rows equal to gold {sensible}/{len(preds)}",
            flush=True,
        )
        for e, p in zip(examples, preds):
            print(
                f"   [{e.question_id}] {p.sql!r}"
                + (f"  ({p.meta['error']})" if p.meta["error"] else "")
            )
    gen.close()
    return 0


def _same_rows(suite, example, sql: str) -> bool:
    if not sql:
        return False
    path = suite.database(example.db_id).path
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return set(conn.execute(sql).fetchall()) == set(conn.execute(example.gold_sql).fetchall())
    except sqlite3.Error:
        return False
    finally:
        conn.close()


if __name__ == "__main__":
    raise SystemExit(main())

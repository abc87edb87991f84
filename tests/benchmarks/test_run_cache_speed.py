"""A cached re-run of ``harness run --method prompting --suite sample`` against the first run.

The first run generates every completion with the packaged SmolLM2 (a fresh generation cache);
the re-run, with the same settings into a new folder, is served from the cache. Both are whole
``harness run`` processes, measured in the same test. Slow (the first run takes minutes on CPU):

    pytest tests/benchmarks/test_run_cache_speed.py -m slow --benchmark-enable -s
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import pytest

from harness.evaluation.records import read_record
from tests.generation_support import need_smollm2
from tests.support import REPO

pytestmark = [pytest.mark.slow, pytest.mark.benchmark]


def test_cached_rerun_is_at_least_10x_faster(benchmark, tmp_path):
    need_smollm2()
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}

    def harness_run(out: str) -> float:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "harness", "run", "--method", "prompting", "--suite", "sample",
             "--out", str(tmp_path / out)],
            env=env, cwd=REPO, check=True, capture_output=True,
        )
        return time.perf_counter() - start

    first = harness_run("first")
    assert read_record(tmp_path / "first").latency.cached_samples == 0
    times: list[float] = []
    benchmark.pedantic(lambda: times.append(harness_run(f"cached-{len(times)}")), rounds=3,
                       iterations=1)
    cached = statistics.median(times)
    results = read_record(tmp_path / "cached-0")
    assert results.latency.cached_samples == results.counts.total
    assert results.metrics == read_record(tmp_path / "first").metrics
    ratio = first / cached
    benchmark.extra_info.update(first_run_s=round(first, 2), speedup=round(ratio, 1))
    print(f"\nfirst run {first:.1f} s, cached re-run {cached:.2f} s: {ratio:.1f}x faster")
    assert ratio >= 10

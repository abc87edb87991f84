"""Measure the start-up cost of `harness eval` for one or more checkouts, side by side.

For each checkout (``PYTHONPATH`` set to it) and each command below, runs alternate between the
checkouts so that machine load hits them alike; the median wall time and the median CPU time
(user + system, which a busy machine disturbs less) are reported, beside ``python -c pass`` as
the interpreter's own floor:

* ``help``: ``python -m harness eval --help``
* ``tiny``: ``python -m harness eval --suite sample --gold --json`` (57 questions, gold cache warm)
* ``modules``: how many modules the tiny evaluation imports (``python -X importtime``)

    python scripts/measure_startup.py /tmp/harness-before . --runs 15

Bytecode is written as usual (``PYTHONDONTWRITEBYTECODE`` is unset), as on a user's machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(command: list[str], env: dict) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # `python -m` puts the working folder first on sys.path: run inside the checkout measured.
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          cwd=env.get("PYTHONPATH"))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="startup-"))
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["HARNESS_CACHE_DIR"] = str(scratch / "cache")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "harness eval --help": [sys.executable, "-m", "harness", "eval", "--help"],
        "harness eval (sample, 57 golds)": [
            sys.executable, "-m", "harness", "eval", "--suite", "sample", "--gold", "--json",
            "--out", str(scratch / "run"),
        ],
    }
    envs = {c: {**base, "PYTHONPATH": str(c.resolve())} for c in args.checkouts}
    for env in envs.values():  # write bytecode, build the sample databases, warm the gold cache
        _run(commands["harness eval (sample, 57 golds)"], env)
    times: dict[tuple[str, Path], list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        for label, command in commands.items():
            for checkout, env in envs.items():
                wall, cpu, _ = _run(command, env)
                times.setdefault((label, checkout), []).append((wall, cpu))
    print(f"median of {args.runs} runs; load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    print("| command | checkout | wall ms | CPU ms | modules imported |")
    print("|---|---|---|---|---|")
    for (label, checkout), values in times.items():
        if label == "python -c pass" and checkout != args.checkouts[0]:
            continue
        modules = ""
        if label.startswith("harness eval ("):
            _, _, trace = _run([sys.executable, "-X", "importtime", *commands[label][1:]],
                               envs[checkout])
            modules = str(sum(1 for line in trace.splitlines() if line.startswith("import time:"))
                          - 1)
        wall = 1000 * statistics.median(w for w, _ in values)
        cpu = 1000 * statistics.median(c for _, c in values)
        where = "—" if label == "python -c pass" else str(checkout)
        print(f"| {label} | {where} | {wall:.0f} | {cpu:.0f} | {modules} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

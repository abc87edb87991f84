"""Time `harness eval` against the official evaluators, side by side, on this machine.

Two workloads over Spider dev (questions whose database is present):

* **perturbed**: N prediction/gold pairs from ``scripts/perturb_predictions.py`` (several
  candidates per question). BIRD's ``evaluation.py`` gets them as N positional pairs (gold
  repeated per pair) at its default ``--num_cpus 16``; ``harness eval`` gets the candidates file
  in one process (``--rule bird``, the same set comparison, and the suite's own ``spider`` rule).
* **gold**: every gold scored against itself: BIRD's script (16 processes), test-suite-sql-eval's
  ``evaluation.py --etype exec``, and ``harness eval --gold``.

Each command runs ``--repeats`` times (median reported) under the same ``nice`` level, the
harness with a cold gold cache (no gold result stored: every gold executes) and a warm one. On
a machine busy with other work, the scheduler gives each process its share, so 16 processes
get more of it than one harness with a worker per core: a ``--workers 16`` row shows that.
The official scripts run from their own checkouts with ``--official-python`` (it needs
func_timeout, nltk, sqlparse, tqdm); nothing of theirs is copied here. test-suite-sql-eval
tokenizes with nltk's ``word_tokenize``, which needs the ``punkt_tab`` data; where that is
absent, ``--no-punkt`` tokenizes each SQL as one line (``preserve_line=True``) through a
``sitecustomize`` shim in the work folder, leaving their code untouched.

    python scripts/compare_official_speed.py --bird-src /tmp/DAMO-ConvAI/bird/llm/src \\
        --test-suite /tmp/test-suite-sql-eval --data-dir ../shared/data \\
        --official-python /tmp/official-venv/bin/python --no-punkt
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEPARATOR = "\t----- bird -----\t"
LEVELS = ("simple", "moderate", "challenging")  # BIRD's script divides by each level's count
SHIM = '''
import nltk, nltk.tokenize
_word_tokenize = nltk.tokenize.word_tokenize
def word_tokenize(text, language="english", preserve_line=True):
    return _word_tokenize(text, language, preserve_line=True)
nltk.word_tokenize = nltk.tokenize.word_tokenize = word_tokenize
'''


def scorable_questions(data_dir: Path) -> list[tuple[int, dict]]:
    questions = json.loads((data_dir / "spider" / "dev.json").read_text(encoding="utf-8"))
    database = data_dir / "spider" / "database"
    return [
        (qid, q) for qid, q in enumerate(questions)
        if (database / q["db_id"] / f"{q['db_id']}.sqlite").is_file()
    ]


def perturbed_pairs(candidates: Path, scorable: list[tuple[int, dict]], n: int) -> list[dict]:
    by_id = dict(scorable)
    rows = []
    for line in candidates.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["question_id"] in by_id:
            rows.append(record)
    if len(rows) < n:
        raise SystemExit(f"{candidates} has {len(rows)} pairs on present databases, not {n}.")
    return rows[:n]


def write_bird_inputs(folder: Path, pairs: list[tuple[str, str, str]]) -> None:
    """BIRD's layout: predict_dev.json, dev_gold.sql and a difficulty file, paired by position."""
    folder.mkdir(parents=True, exist_ok=True)
    predictions = {str(i): f"{pred}{SEPARATOR}{db}" for i, (pred, _, db) in enumerate(pairs)}
    (folder / "predict_dev.json").write_text(json.dumps(predictions), encoding="utf-8")
    gold = "".join(f"{g}\t{db}\n" for _, g, db in pairs)
    (folder / "dev_gold.sql").write_text(gold, encoding="utf-8")
    levels = [{"difficulty": LEVELS[i % 3]} for i in range(len(pairs))]
    (folder / "diff.json").write_text(json.dumps(levels), encoding="utf-8")


def bird_command(args, folder: Path) -> list[str]:
    return [
        args.official_python, "-u", str(args.bird_src / "evaluation.py"),
        "--db_root_path", f"{args.data_dir / 'spider' / 'database'}/",
        "--predicted_sql_path", f"{folder}/", "--ground_truth_path", f"{folder}/",
        "--data_mode", "dev", "--diff_json_path", str(folder / "diff.json"),
        "--num_cpus", "16", "--meta_time_out", "30.0",
    ]


def harness_command(args, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "harness", "eval", "--suite", "spider", "--split", "dev",
            "--data-dir", str(args.data_dir), "--out", str(out), "--overwrite", "--json", *extra]


def timed(command: list[str], nice: int, env: dict | None = None,
          cwd: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, the command and all its processes), stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(["nice", "-n", str(nice), *command], capture_output=True, text=True,
                          env=env, cwd=cwd)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu, done.stdout


def median_of(repeats: int, run) -> tuple[float, list[float], float, str]:
    results = [run() for _ in range(repeats)]
    times = [seconds for seconds, _, _ in results]
    cpu = statistics.median(c for _, c, _ in results)
    return statistics.median(times), times, cpu, results[-1][2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bird-src", type=Path, required=True,
                        help="folder holding BIRD's evaluation.py (DAMO-ConvAI bird/llm/src)")
    parser.add_argument("--test-suite", type=Path, required=True,
                        help="a test-suite-sql-eval checkout")
    parser.add_argument("--data-dir", type=Path, required=True, help="holds spider/")
    parser.add_argument("--official-python", default=sys.executable)
    parser.add_argument("--candidates", type=Path, help="perturbed candidates (default: built)")
    parser.add_argument("--pairs", type=int, default=8053)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument("--no-punkt", action="store_true",
                        help="test-suite-sql-eval: tokenize without nltk's punkt data")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    work = args.work or Path(tempfile.mkdtemp(prefix="compare-official-"))
    work.mkdir(parents=True, exist_ok=True)

    scorable = scorable_questions(args.data_dir)
    candidates = args.candidates or work / "perturbed.jsonl"
    if args.candidates is None:
        subprocess.run([sys.executable, str(REPO / "scripts" / "perturb_predictions.py"),
                        "--data-dir", str(args.data_dir), "--out", str(candidates)], check=True)
    rows = perturbed_pairs(candidates, scorable, args.pairs)
    by_id = dict(scorable)
    subset = work / "perturbed-subset.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    write_bird_inputs(work / "bird-perturbed", [
        (r["sql"], by_id[r["question_id"]]["query"], by_id[r["question_id"]]["db_id"])
        for r in rows
    ])
    write_bird_inputs(work / "bird-gold", [(q["query"], q["query"], q["db_id"])
                                           for _, q in scorable])
    (work / "ts-gold.sql").write_text("".join(f"{q['query']}\t{q['db_id']}\n"
                                              for _, q in scorable), encoding="utf-8")
    (work / "ts-pred.sql").write_text("".join(f"{q['query']}\n" for _, q in scorable),
                                      encoding="utf-8")

    # Every command runs as on a normal install: Python caches compiled bytecode. (Some sandboxes
    # set PYTHONDONTWRITEBYTECODE, which makes each run recompile every module it imports.)
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ts_env = dict(base_env)
    if args.no_punkt:
        (work / "shim").mkdir(exist_ok=True)
        (work / "shim" / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
        ts_env["PYTHONPATH"] = str(work / "shim")
    ts_command = [args.official_python, "evaluation.py", "--gold", str(work / "ts-gold.sql"),
                  "--pred", str(work / "ts-pred.sql"),
                  "--db", str(args.data_dir / "spider" / "database"),
                  "--table", str(args.data_dir / "spider" / "tables.json"), "--etype", "exec"]

    harness_env = {**base_env, "PYTHONPATH": str(REPO)}
    warm_cache = work / "cache-warm"

    def harness(*extra: str, cold: bool):
        """A cold run finds no gold results (nor database hashes, kept in the same file) and
        executes every gold; other caches (Spider hardness labels) stay, as on any machine
        that has run the harness once."""
        def run():
            env = {**harness_env, "HARNESS_CACHE_DIR": str(warm_cache)}
            if cold:
                for path in warm_cache.glob("gold-results.sqlite*"):
                    path.unlink()
            return timed(harness_command(args, work / "run", *extra), args.nice, env, REPO)
        return run

    def official(command, env=base_env, cwd=None):
        return lambda: timed(command, args.nice, env, cwd)

    # Warm the harness gold cache (and the OS page cache for everyone) once, untimed.
    for extra in (("--predictions", str(subset), "--rule", "bird"),
                  ("--predictions", str(subset)), ("--gold",), ("--gold", "--rule", "bird")):
        harness(*extra, cold=False)()

    load_before = os.getloadavg()
    plan = [
        ("perturbed", "BIRD evaluation.py, 16 processes",
         official(bird_command(args, work / "bird-perturbed"))),
        ("perturbed", "harness eval --rule bird, cold gold cache",
         harness("--predictions", str(subset), "--rule", "bird", cold=True)),
        ("perturbed", "harness eval --rule bird, warm gold cache",
         harness("--predictions", str(subset), "--rule", "bird", cold=False)),
        ("perturbed", "harness eval --rule bird --workers 16, warm gold cache",
         harness("--predictions", str(subset), "--rule", "bird", "--workers", "16", cold=False)),
        ("perturbed", "harness eval (rule spider), cold gold cache",
         harness("--predictions", str(subset), cold=True)),
        ("perturbed", "harness eval (rule spider), warm gold cache",
         harness("--predictions", str(subset), cold=False)),
        ("gold", "BIRD evaluation.py, 16 processes",
         official(bird_command(args, work / "bird-gold"))),
        ("gold", "test-suite-sql-eval evaluation.py --etype exec",
         official(ts_command, ts_env, args.test_suite)),
        ("gold", "harness eval --gold --rule bird, cold gold cache",
         harness("--gold", "--rule", "bird", cold=True)),
        ("gold", "harness eval --gold --rule bird, warm gold cache",
         harness("--gold", "--rule", "bird", cold=False)),
        ("gold", "harness eval --gold (rule spider), cold gold cache",
         harness("--gold", cold=True)),
        ("gold", "harness eval --gold (rule spider), warm gold cache",
         harness("--gold", cold=False)),
    ]
    figures = []
    for workload, label, run in plan:
        median, times, cpu, stdout = median_of(args.repeats, run)
        score = _score(stdout)
        if label.startswith("harness") and workload == "perturbed":
            score += _pairs_correct(work / "run" / "samples.jsonl")
        figures.append({"workload": workload, "evaluator": label, "median_s": round(median, 3),
                        "runs_s": [round(t, 3) for t in times], "cpu_s": round(cpu, 3),
                        "score": score})
        print(f"{workload:10} {label:58} {median:7.2f} s {cpu:7.2f} CPU s  {score}", flush=True)
    load_after = os.getloadavg()

    conditions = {
        "pairs": len(rows), "questions_with_candidates": len({r["question_id"] for r in rows}),
        "gold_questions": len(scorable), "repeats": args.repeats, "nice": args.nice,
        "cpu_count": os.cpu_count(), "load_before": load_before, "load_after": load_after,
    }
    print(_table(figures, conditions))
    if args.json:
        args.json.write_text(json.dumps({"conditions": conditions, "figures": figures}, indent=2))
    return 0


def _score(stdout: str) -> str:
    """The headline number each evaluator printed, to check they scored the same pairs."""
    text = stdout.strip()
    if text.startswith("{"):
        metrics = json.loads(text)["metrics"]
        extra = metrics.get("candidates")
        pass1 = f", pass@1 {100 * extra['pass_at_k']['1']:.2f}" if extra else ""
        return f"EX {100 * metrics['ex']:.2f}{pass1}"
    bird = re.search(r"^accuracy\s+.*?([\d.]+)\s*$", text, re.M)
    if bird:
        return f"accuracy (total) {bird.group(1)}"
    suite = re.search(r"^execution\s+.*?([\d.]+)\s*$", text, re.M)
    return f"execution (all) {suite.group(1)}" if suite else "?"


def _pairs_correct(samples: Path) -> str:
    """Correct candidates over all candidates: BIRD's per-pair accuracy, for comparison."""
    correct = total = 0
    for line in samples.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for candidate in record.get("candidates") or ([record] if record["pred_sql"] else []):
            total += 1
            correct += bool(candidate["correct"])
    return f"; pairs {correct}/{total} = {100 * correct / max(total, 1):.2f}"


def _table(figures: list[dict], conditions: dict) -> str:
    lines = ["", "| workload | evaluator | wall s, median (runs) | BIRD's wall / this | "
             "CPU s, median | score |", "|---|---|---|---|---|---|"]
    bird = {f["workload"]: f["median_s"] for f in figures if f["evaluator"].startswith("BIRD")}
    for f in figures:
        ratio = bird[f["workload"]] / f["median_s"] if f["median_s"] else float("nan")
        runs = ", ".join(f"{t:.2f}" for t in f["runs_s"])
        lines.append(f"| {f['workload']} | {f['evaluator']} | {f['median_s']:.2f} ({runs}) | "
                     f"{ratio:.2f}x | {f['cpu_s']:.2f} | {f['score']} |")
    lines.append("")
    lines.append("conditions: " + json.dumps(conditions))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

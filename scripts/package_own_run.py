"""Copy a finished run folder into ``leaderboard/own_runs/NAME`` for the leaderboard's first-day
seed.

    python scripts/package_own_run.py runs/qwen05-spider-dev qwen05-spider-dev

Keeps what verification needs and nothing of the benchmark data: ``results.json`` as written
(our metrics and provenance, the data only as a hash) and, per sample, the question id, database
id, predicted SQL and generation record. Questions, gold SQL and result rows stay behind; the
leaderboard re-scores the predictions against the user's own copy of the data. Then list the
folder under a submission in ``leaderboard/own_runs/submissions.yaml``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from harness.evaluation.records import read_record

OWN_RUNS = Path(__file__).resolve().parents[1] / "leaderboard" / "own_runs"
KEEP = ("question_id", "db_id", "pred_sql", "generation")
DROP_FROM_GENERATION = ("raw", "candidates")  # the raw completion repeats pred_sql


def package(run_dir: Path, name: str) -> Path:
    if read_record(run_dir).config.get("limit"):
        sys.exit(f"{run_dir} was run with --limit; the leaderboard takes whole splits.")
    out = OWN_RUNS / name
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "results.json", out / "results.json")
    with open(run_dir / "samples.jsonl", encoding="utf-8") as src, \
            open(out / "samples.jsonl", "w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            kept = {k: record.get(k) for k in KEEP}
            if isinstance(kept["generation"], dict):
                kept["generation"] = {k: v for k, v in kept["generation"].items()
                                      if k not in DROP_FROM_GENERATION}
            dst.write(json.dumps(kept, ensure_ascii=False) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("name")
    args = ap.parse_args()
    print(package(args.run_dir, args.name))


if __name__ == "__main__":
    main()

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
import sys
from pathlib import Path

from harness.evaluation.records import read_record

OWN_RUNS = Path(__file__).resolve().parents[1] / "leaderboard" / "own_runs"
KEEP = ("question_id", "db_id", "pred_sql", "generation")
DROP_FROM_GENERATION = ("raw", "candidates")  # the raw completion repeats pred_sql


def package(run_dir: Path, name: str, allow_limit: bool = False) -> Path:
    record = read_record(run_dir)
    if record.config.get("limit") and not allow_limit:
        sys.exit(f"{run_dir} was run with --limit; the leaderboard ranks whole splits (pass "
                 "--allow-limit to ship it as a subset, shown apart and never ranked).")
    out = OWN_RUNS / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(relative_data_paths(record.to_json()),
                                                 indent=2, ensure_ascii=False) + "\n")
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


def relative_data_paths(results: dict) -> dict:
    """The data root and files as paths relative to the data root: no machine's folders in a
    tracked file (the leaderboard re-scores against the user's own data root anyway)."""
    data = results.get("data") or {}
    root = data.get("root")
    if root:
        data["files"] = [str(Path(f).relative_to(root)) if Path(f).is_relative_to(root) else
                         Path(f).name for f in data.get("files", [])]
        data["root"] = "."
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("name")
    ap.add_argument("--allow-limit", action="store_true",
                    help="Ship a --limit run (a subset: shown apart, never ranked).")
    args = ap.parse_args()
    print(package(args.run_dir, args.name, args.allow_limit))


if __name__ == "__main__":
    main()

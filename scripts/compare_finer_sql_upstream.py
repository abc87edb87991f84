"""Compare our atomic operations (``upstream_compat=True``) with the released FINER-SQL code.

    git clone https://github.com/thanhdath/finer-sql /tmp/finer-sql
    python scripts/compare_finer_sql_upstream.py /tmp/finer-sql --data-dir ../shared/data

Runs the released ``atomic_ops.sql_to_ops`` (dialect sqlite; a query it fails on has no
operations, as in its ``AtomicOpsReward``) and ours in compat mode on every gold SQL of Spider
dev, Spider train and BIRD dev, plus each gold paired with the next one for the S3 reward, and
prints how many operation sets and rewards differ (with the first few differences).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from methods.finer_sql.atomic import SHAPINGS, atomic_ops, atomic_reward

FILES = ("spider/dev.json", "spider/train_spider.json", "bird/dev.json")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", type=Path, help="A checkout of thanhdath/finer-sql.")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--show", type=int, default=5, help="Differences to print.")
    args = parser.parse_args()
    sys.path.insert(0, str(args.upstream))
    from atomic_ops.atomic_ops import sql_to_ops  # the released module
    from atomic_ops.reward import AtomicOpsReward

    released_reward = AtomicOpsReward(dialect="sqlite", e=0.05, beta=0.79, gamma=0.20)

    def released_ops(sql: str) -> set[str]:
        try:
            return set(sql_to_ops(sql, dialect="sqlite"))
        except Exception:  # noqa: BLE001 — the released reward reads any failure as no ops
            return set()

    sqls = []
    for name in FILES:
        path = args.data_dir / name
        if path.is_file():
            sqls += [e.get("query") or e.get("SQL") for e in json.loads(path.read_text())]
    op_diffs = reward_diffs = 0
    for i, sql in enumerate(sqls):
        theirs, ours = released_ops(sql), set(atomic_ops(sql, upstream_compat=True))
        if theirs != ours:
            op_diffs += 1
            if op_diffs <= args.show:
                print(f"ops differ: {sql}\n  released only {sorted(theirs - ours)}\n"
                      f"  ours only {sorted(ours - theirs)}")
        gold = sqls[(i + 1) % len(sqls)]
        expected = released_reward.score_against_list(sql, [gold])
        got = atomic_reward(sql, [gold], SHAPINGS["s3"], upstream_compat=True)
        if abs(expected - got) > 1e-12:
            reward_diffs += 1
    print(f"{len(sqls)} gold queries: operation sets differ on {op_diffs}; "
          f"S3 rewards (each gold as the prediction for the next) differ on {reward_diffs}")
    return 1 if op_diffs or reward_diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""All data access of the leaderboard app, over ``leaderboard.store``.

One store (engine) per process through ``st.cache_resource``; frames through
``st.cache_data(ttl=60)``, so a new submission shows within a minute (at once after an upload,
which clears the caches). The shaping below is pure pandas, so the pages hold no SQL, no
scoring and no statistics, and the functions are tested without a browser.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from harness.errors import SubmissionError
from harness.evaluation.paired import Comparison, compare_verdicts, verdict_map
from leaderboard.seed import GOLD_METHOD
from leaderboard.store import SIZE_BUCKETS, Store, masked, resolve_url

STATUS_VERIFIED = "verified"
STATUS_FLAGGED = "verified ⚑ claims differ"
STATUS_REPORTED = "reported, not verified"
SUITE_ORDER = ("bird", "spider", "spider-syn", "spider-realistic", "spider-dk", "sample")
SPLIT_ORDER = ("dev", "mini-dev", "test", "train")
# The board's columns: BASE_COLUMNS, the EX columns of each suite/split, then TAIL_COLUMNS.
BASE_COLUMNS = ["Rank", "Submission", "Status"]
TAIL_COLUMNS = [
    "Method", "Base model", "Params (B)", "Size", "Decoding", "s/sample", "Hardware", "Link",
    "Submitted", "id",
]


# -- the store ---------------------------------------------------------------------------------


def store_url() -> str:
    """The store the app serves: $HARNESS_LEADERBOARD_DB (set by `harness leaderboard`)."""
    return resolve_url(None)


def display_url(url: str) -> str:
    return masked(url)


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store(url)


@st.cache_data(ttl=60, show_spinner=False)
def submissions(url: str) -> list[dict]:
    return get_store(url).submissions()


@st.cache_data(ttl=60, show_spinner=False)
def verdicts(url: str, result_id: int) -> pd.DataFrame:
    return pd.DataFrame(get_store(url).verdicts(result_id))


def clear_caches() -> None:
    submissions.clear()
    board_frame.clear()
    verdicts.clear()


# -- the board ---------------------------------------------------------------------------------


SUBSET = " first "  # in a result key: a --limit run, e.g. "spider-syn/dev first 50"
DROP = " drop on "  # a robustness column: "spider/dev drop on spider-syn"


def result_key(result: dict) -> str:
    """``suite/split``, or ``suite/split first N`` for a --limit run (its own, unranked column)."""
    limit = result.get("question_limit")
    key = f"{result['suite']}/{result['split']}"
    return f"{key}{SUBSET}{limit}" if limit else key


def is_subset(key: str) -> bool:
    return SUBSET in key


def _key_order(key: str) -> tuple:
    suite, _, rest = key.partition("/")
    split, _, limit = rest.partition(SUBSET)
    s = SUITE_ORDER.index(suite) if suite in SUITE_ORDER else len(SUITE_ORDER)
    p = SPLIT_ORDER.index(split) if split in SPLIT_ORDER else len(SPLIT_ORDER)
    return (s, suite, p, split, bool(limit), int(limit or 0))


def _levels(suite: str, seen: list[str]) -> list[str]:
    """Difficulty levels in the suite's own order (easy … extra), then any others."""
    from harness.suite import SUITES

    try:
        known = list(SUITES.get(suite).difficulty_levels)
    except Exception:  # an unknown or broken suite still shows its stored levels
        known = []
    return [lv for lv in known if lv in seen] + sorted(lv for lv in seen if lv not in known)


def status_label(submission: dict) -> str:
    if submission["status"] == "reported":
        return STATUS_REPORTED
    return STATUS_FLAGGED if submission["flagged"] else STATUS_VERIFIED


def _pct(value) -> float | None:
    return None if value is None else round(100 * value, 2)


@st.cache_data(ttl=60, show_spinner=False)
def board_frame(url: str, per_seed: bool = False) -> pd.DataFrame:
    subs = submissions(url)
    return add_robustness(build_board(subs, per_seed), subs, get_store(url).verdicts)


def add_robustness(
    frame: pd.DataFrame, subs: list[dict], verdicts_of: Callable[[int], list[dict]]
) -> pd.DataFrame:
    """Robustness columns beside the results a reworded set derives from (Spider dev).

    For a submission with a Spider dev result and a Spider-Syn or Spider-Realistic result,
    ``spider/dev drop on spider-syn`` is the paired EX drop in points on their shared questions
    and ``… 95% CI`` its paired bootstrap interval with the number of shared questions and the
    McNemar p-value (``harness.evaluation.robustness``, the same as ``harness compare``).
    """
    from harness.errors import HarnessError
    from harness.evaluation.robustness import origin, paired_report

    values: dict[int, dict[str, object]] = {}
    for s in subs:
        if s["status"] != "verified":
            continue
        by_key = {(r["suite"], r["split"]): r for r in s["results"]}
        for r in s["results"]:
            source = origin(r["suite"], r["split"])
            base = by_key.get(source) if source else None
            if base is None:
                continue
            try:
                report = paired_report(source, verdicts_of(base["id"]),
                                       (r["suite"], r["split"]), verdicts_of(r["id"]))
            except HarnessError:  # nothing shared (or stored before original_id was kept)
                continue
            column = f"{result_key(base)}{DROP}{r['suite']}"
            lo, hi = report.drop_ci95 or (0.0, 0.0)  # never None: paired_report needs n > 0
            values.setdefault(s["id"], {}).update({
                column: _pct(report.drop),
                f"{column} 95% CI": f"[{100 * lo:.1f}, {100 * hi:.1f}] n={report.n} "
                                    f"p={report.p_value:.2g}",
            })
    if not values:
        return frame
    keys = result_keys(frame)
    ordered = list(frame.columns)
    frame = frame.copy()
    for column in sorted({c for v in values.values() for c in v}):  # each drop, then its CI
        frame[column] = [values.get(i, {}).get(column) for i in frame["id"]]
        key = column.partition(DROP)[0]
        ordered.insert(max(i for i, c in enumerate(ordered) if _owner(c, keys) == key) + 1,
                       column)
    return frame[ordered]


def build_board(subs: list[dict], per_seed: bool = False) -> pd.DataFrame:
    """One row per submission; EX, its 95% interval and EX per difficulty for each suite/split.

    EX values are percentages. Columns: BASE_COLUMNS, then per suite/split ``<key> EX``,
    ``<key> 95% CI`` and ``<key> <level>``, then TAIL_COLUMNS (with ``Seeds`` before them when
    a submission is one seed of several). The seeds of one ``harness run --seeds`` run are one
    row, the mean of each EX with its spread in place of the interval, unless ``per_seed``.
    """
    levels: dict[str, list[str]] = {}
    categories: dict[str, set[str]] = {}
    for s in subs:
        for r in s["results"]:
            seen = levels.setdefault(result_key(r), [])
            seen += [lv for lv in (r["by_difficulty"] or {}) if lv not in seen]
            categories.setdefault(result_key(r), set()).update(r.get("by_category") or {})
    keys = sorted(levels, key=_key_order)
    rows = []
    for s in subs:
        row = {
            "Rank": None,
            "Submission": s["name"],
            "Status": status_label(s),
            "Method": s["method"],
            "Base model": s["base_model"],
            "Params (B)": s["params_b"],
            "Size": s["size_bucket"],
            "Decoding": s["decoding"],
            "s/sample": s["s_per_sample"],
            "Hardware": s["hardware"],
            "Link": s["link"],
            "Submitted": s["created"].strftime("%Y-%m-%d") if s["created"] else None,
            "id": s["id"],
        }
        for r in s["results"]:
            key = result_key(r)
            row[f"{key} EX"] = _pct(r["ex"])
            if r["ex_ci_low"] is not None:
                row[f"{key} 95% CI"] = f"[{100 * r['ex_ci_low']:.1f}, {100 * r['ex_ci_high']:.1f}]"
            for level, block in (r["by_difficulty"] or {}).items():
                row[f"{key} {level}"] = _pct((block or {}).get("ex"))
            for category, block in (r.get("by_category") or {}).items():
                row[f"{key} {category}"] = _pct((block or {}).get("ex"))
            if row["s/sample"] is None and r["s_per_sample"] is not None:
                row["s/sample"] = r["s_per_sample"]
        rows.append(row)
    grouped = any(s.get("seed_group") for s in subs)
    if grouped:
        rows = _seed_rows(rows, subs, per_seed)
    columns = list(BASE_COLUMNS)
    for key in keys:
        suite = key.partition("/")[0]
        columns += [f"{key} EX", f"{key} 95% CI"]
        columns += [f"{key} {lv}" for lv in _levels(suite, levels[key])]
        columns += [f"{key} {c}" for c in sorted(categories[key])]
    columns += (["Seeds"] if grouped else []) + TAIL_COLUMNS
    return pd.DataFrame(rows, columns=columns)


def _seed_rows(rows: list[dict], subs: list[dict], per_seed: bool) -> list[dict]:
    """Each seed group folded into one row (mean EX, ``± sd`` in the interval's place), or
    each seed's own row labelled with its seed."""
    import statistics

    groups: dict[str, list[tuple[dict, dict]]] = {}
    out: list[dict] = []
    for row, s in zip(rows, subs):
        if not s.get("seed_group"):
            out.append(row)
        elif per_seed:
            out.append({**row, "Submission": f"{row['Submission']} · seed {s['seed']}",
                        "Seeds": f"seed {s['seed']}"})
        else:
            if s["seed_group"] not in groups:
                out.append(row)  # its place; replaced by the folded row below
            groups.setdefault(s["seed_group"], []).append((row, s))
    for members in groups.values():
        first = members[0][0]
        folded = dict(first, Seeds=f"{len(members)} seeds")
        if any(s["flagged"] for _, s in members):
            folded["Status"] = STATUS_FLAGGED
        for column in first:
            values = [r.get(column) for r, _ in members]
            if column.endswith(" EX") or column == "s/sample" or (
                column not in BASE_COLUMNS + TAIL_COLUMNS and not column.endswith(" 95% CI")
                and all(isinstance(v, (int, float)) for v in values if v is not None)
            ):
                numbers = [v for v in values if isinstance(v, (int, float))]
                folded[column] = round(statistics.fmean(numbers), 2) if numbers else None
                if column.endswith(" EX") and len(numbers) > 1:
                    folded[column.removesuffix(" EX") + " 95% CI"] = (
                        f"± {statistics.stdev(numbers):.2f} sd, {len(numbers)} seeds")
        out[next(i for i, r in enumerate(out) if r is first)] = folded
    return out


def result_keys(frame: pd.DataFrame) -> list[str]:
    """The suite/split keys that have an EX column, in board order."""
    return [c[: -len(" EX")] for c in frame.columns if c.endswith(" EX")]


def ex_columns(frame: pd.DataFrame) -> list[str]:
    return [f"{key} EX" for key in result_keys(frame)]


@dataclass
class BoardFilter:
    suites: list[str] = field(default_factory=list)  # empty: all
    methods: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    decodings: list[str] = field(default_factory=list)
    query: str = ""
    include_reported: bool = True
    show_difficulty: bool = True


def options(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a column, for a filter's choices."""
    values = {v for v in frame[column].dropna()} if column in frame else set()
    if column == "Size":
        return [b for b in SIZE_BUCKETS if b in values]
    return sorted(values, key=str.lower)


def suite_options(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(k.partition("/")[0] for k in result_keys(frame)))


def board_view(
    frame: pd.DataFrame, f: BoardFilter, sort_by: str | None = None, descending: bool = True
) -> pd.DataFrame:
    """The filtered, sorted table the board shows, ranked among verified rows only."""
    view = frame
    keys = [k for k in result_keys(frame) if not f.suites or k.partition("/")[0] in f.suites]
    if f.suites:
        has_any = view[[f"{k} EX" for k in keys]].notna().any(axis=1) if keys else False
        view = view[has_any] if keys else view.iloc[0:0]
    if f.methods:
        view = view[view["Method"].isin(f.methods)]
    if f.sizes:
        view = view[view["Size"].isin(f.sizes)]
    if f.decodings:
        view = view[view["Decoding"].isin(f.decodings)]
    if not f.include_reported:
        view = view[view["Status"] != STATUS_REPORTED]
    query = f.query.strip().lower()
    if query and not view.empty:
        text = (
            view[["Submission", "Method", "Base model", "Decoding"]]
            .fillna("")
            .astype(str)
            .agg(" ".join, axis=1)
            .str.lower()
        )
        view = view[text.str.contains(query, regex=False)]
    keep = list(BASE_COLUMNS)
    every_key = result_keys(frame)
    for key in keys:
        keep += [c for c in view.columns if _owner(c, every_key) == key
                 and (f.show_difficulty or c.endswith((" EX", " 95% CI")) or DROP in c)]
    keep += TAIL_COLUMNS
    view = view[keep].copy()
    if sort_by not in view.columns:
        sort_by = default_sort(view)
    view = view.sort_values(
        sort_by, ascending=not descending, na_position="last", kind="stable"
    )
    view["Rank"] = _ranks(view, sort_by)
    return view.reset_index(drop=True)


def _owner(column: str, keys: list[str]) -> str | None:
    """The suite/split key a column belongs to (the longest that prefixes it)."""
    owners = [k for k in keys if column.startswith(f"{k} ")]
    return max(owners, key=len) if owners else None


def default_sort(frame: pd.DataFrame) -> str:
    """The EX column of a whole split with the most verified results (the verified ranking
    comes first); a --limit subset's column only when there is nothing else."""
    verified = frame[frame["Status"] != STATUS_REPORTED]
    columns = ex_columns(frame)
    if not columns:
        return "Submission"
    return max(columns, key=lambda c: (not is_subset(c), verified[c].notna().sum(),
                                       -columns.index(c)))


def _ranks(view: pd.DataFrame, sort_by: str) -> list[int | None]:
    """1, 2, … down the sorted verified rows that have a value; reported rows get no rank, nor
    does the gold self-test (the evaluator's ceiling, not a model).

    Only an EX column of whole splits ranks; sorted by anything else, or by a --limit subset's
    column, the Rank column stays empty.
    """
    if not sort_by.endswith(" EX") or is_subset(sort_by):
        return pd.array([None] * len(view), dtype="Int64")
    ranks, n = [], 0
    for status, method, value in zip(view["Status"], view["Method"], view[sort_by]):
        if status == STATUS_REPORTED or method == GOLD_METHOD or value is None or (
            isinstance(value, float) and math.isnan(value)
        ):
            ranks.append(None)
        else:
            n += 1
            ranks.append(n)
    return pd.array(ranks, dtype="Int64")


def submission_details(url: str, submission_id: int) -> pd.DataFrame:
    """Field/value rows describing one submission (metadata, provenance, flags)."""
    s = next((s for s in submissions(url) if s["id"] == submission_id), None)
    if s is None:
        return pd.DataFrame(columns=["Field", "Value"])
    fields = [
        ("Status", status_label(s)),
        ("Method", s["method"]),
        ("Base model", s["base_model"]),
        ("Parameters (B)", s["params_b"]),
        ("Decoding", s["decoding"]),
        ("Training data", s["training_data"]),
        ("Hardware", s["hardware"]),
        ("Backend", s["backend"]),
        ("s/sample (as reported)", s["s_per_sample"]),
        ("p50 / p95 s", _pair(s["p50_s"], s["p95_s"])),
        ("tokens/s", s["tokens_per_s"]),
        ("Link", s["link"]),
        ("Source", s["source"]),
        ("Run's harness version", s["harness_version"]),
        ("Run's git commit", s["git_commit"]),
        ("Verified by harness", s["verifier_version"]),
        ("Fingerprint", s["fingerprint"]),
        ("Submitted", str(s["created"])[:19] if s["created"] else None),
    ]
    for r in s["results"]:
        key = result_key(r)
        if r["claimed_ex"] is not None and s["status"] == "verified":
            fields.append((f"{key}: claimed EX", f"{100 * r['claimed_ex']:.2f}"))
        if r["source"]:
            fields.append((f"{key}: source", r["source"]))
        if r["note"]:
            fields.append((f"{key}: note", r["note"]))
    for key, hashes in (s["data_hashes"] or {}).items():
        fields.append((f"{key}: data hash (verified)", (hashes or {}).get("verified")))
    rows = [(k, "" if v is None else str(v)) for k, v in fields if v not in (None, "")]
    return pd.DataFrame(rows, columns=["Field", "Value"])


def _pair(a, b) -> str | None:
    return None if a is None and b is None else f"{a} / {b}"


def submission_flags(url: str, submission_id: int) -> list[str]:
    s = next((s for s in submissions(url) if s["id"] == submission_id), None)
    return list((s or {}).get("flags") or [])


# -- plots -------------------------------------------------------------------------------------


def pareto_front(ex: list[float], cost: list[float]) -> list[bool]:
    """True for points no other point beats: at least as accurate and as fast, better in one.

    >>> pareto_front([0.5, 0.6, 0.55, 0.6], [1.0, 2.0, 3.0, 2.5])
    [True, True, False, False]
    """
    front = []
    for i, (e, c) in enumerate(zip(ex, cost)):
        dominated = any(
            e2 >= e and c2 <= c and (e2 > e or c2 < c)
            for j, (e2, c2) in enumerate(zip(ex, cost))
            if j != i
        )
        front.append(not dominated)
    return front


def plot_points(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Submission, Status, EX (%), s/sample, Params (B) and Pareto membership for a suite/split."""
    column = f"{key} EX"
    if column not in frame:
        return pd.DataFrame(columns=["Submission", "Status", "EX", "s/sample", "Params (B)",
                                     "Pareto"])
    points = frame[frame[column].notna()][
        ["Submission", "Status", column, "s/sample", "Params (B)", "Decoding"]
    ].rename(columns={column: "EX"})
    timed = points["s/sample"].notna() & (points["s/sample"] > 0)
    points["Pareto"] = False
    if timed.any():
        points.loc[timed, "Pareto"] = pareto_front(
            points.loc[timed, "EX"].tolist(), points.loc[timed, "s/sample"].tolist()
        )
    return points.reset_index(drop=True)


def difficulty_long(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Long form (Submission, Status, Level, EX) of the per-difficulty columns of a suite/split."""
    prefix = f"{key} "
    levels = [
        c[len(prefix):] for c in frame.columns
        if c.startswith(prefix) and not c.endswith((" EX", " 95% CI"))
    ]
    rows = []
    for _, row in frame.iterrows():
        for level in levels:
            value = row[prefix + level]
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                rows.append((row["Submission"], row["Status"], level, value))
    out = pd.DataFrame(rows, columns=["Submission", "Status", "Level", "EX"])
    return out


PASS_AT_K_COLUMNS = ["Submission", "Status", "k", "pass@k", "EX", "Vote", "From"]


def pass_at_k_long(subs: list[dict], key: str) -> pd.DataFrame:
    """Long form (Submission, Status, k, pass@k, EX, Vote, From) of the pass@k curves for a
    suite/split: results scored with several candidates per question (``metrics.candidates`` of
    results.json), beside the EX of the answer their vote chose. Percentages. ``From`` says whose
    numbers they are: the verifier's re-scoring where it kept the curve, else the claim.
    """
    rows = []
    for s in subs:
        for source, label in ((s.get("recomputed_metrics"), "verified"),
                              (s.get("claimed_metrics"), "claimed")):
            metrics = (source or {}).get(key) or {}
            block = metrics.get("candidates") if isinstance(metrics, dict) else None
            if not isinstance(block, dict) or not isinstance(block.get("pass_at_k"), dict):
                continue
            for k, value in block["pass_at_k"].items():
                rows.append((s["name"], status_label(s), int(k), _pct(value),
                             _pct(metrics.get("ex")), block.get("vote"), label))
            break
    return pd.DataFrame(rows, columns=PASS_AT_K_COLUMNS)


# -- comparing and drilling down ---------------------------------------------------------------


def verified_results(url: str) -> list[dict]:
    """Every verified result (it has per-sample verdicts): id, key, label, submission."""
    out = []
    for s in submissions(url):
        if s["status"] != "verified":
            continue
        for r in s["results"]:
            out.append({
                "result_id": r["id"],
                "key": result_key(r),
                "label": f"#{s['id']} {s['name']} — {result_key(r)}",
                "submission_id": s["id"],
                "name": s["name"],
                "ex": r["ex"],
            })
    return sorted(out, key=lambda r: (_key_order(r["key"]), -(r["ex"] or 0)))


@dataclass
class PairedView:
    comparison: Comparison
    a_ex: float | None
    b_ex: float | None
    table: pd.DataFrame  # the 2×2 agreement table
    only_a: pd.DataFrame  # questions A gets right and B wrong
    only_b: pd.DataFrame


def paired(url: str, result_a: int, result_b: int) -> PairedView:
    """Per-question agreement of two results and the exact McNemar test."""
    va, vb = verdicts(url, result_a), verdicts(url, result_b)
    ca = verdict_map(va.to_dict("records")) if not va.empty else {}
    cb = verdict_map(vb.to_dict("records")) if not vb.empty else {}
    comparison = compare_verdicts(ca, cb)
    table = pd.DataFrame(
        {
            "B right": [len(comparison.both_right), len(comparison.only_b)],
            "B wrong": [len(comparison.only_a), len(comparison.both_wrong)],
        },
        index=["A right", "A wrong"],
    )
    by_b = vb.set_index("question_id") if not vb.empty else pd.DataFrame()

    def listing(ids: list[int]) -> pd.DataFrame:
        cols = ["question_id", "db_id", "difficulty", "question", "reason"]
        if not ids or va.empty:
            return pd.DataFrame(columns=cols[:4] + ["A reason", "B reason"])
        rows = va[va["question_id"].isin(ids)][cols].rename(columns={"reason": "A reason"})
        rows["B reason"] = [by_b.loc[q, "reason"] for q in rows["question_id"]]
        return rows.reset_index(drop=True)

    ex = lambda v: float(v["correct"].mean()) if not v.empty else None  # noqa: E731
    return PairedView(
        comparison, ex(va), ex(vb), table, listing(comparison.only_a), listing(comparison.only_b)
    )


def sample_detail(url: str, result_id: int, question_id: int) -> dict | None:
    return get_store(url).verdict(result_id, question_id)


def preview_frame(rows: list | None) -> pd.DataFrame | None:
    """A stored result preview (first rows) as a frame of text cells."""
    if rows is None:
        return None
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame(
        [[None if v is None else str(v) for v in r] + [None] * (width - len(r)) for r in rows],
        columns=[f"col {i + 1}" for i in range(width)],
    )


@st.cache_data(ttl=600, show_spinner=False)
def schema_frame(suite_name: str, db_id: str) -> pd.DataFrame | None:
    """The database's tables and columns from the suite's schema entry (None if unavailable)."""
    from harness.errors import HarnessError
    from harness.suite import load_suite

    try:
        entry = load_suite(suite_name).schema_entry(db_id)
    except (HarnessError, OSError, ValueError, KeyError):
        return None
    if not entry:
        return None
    tables = entry["table_names_original"]
    columns = entry["column_names_original"]
    types = entry.get("column_types") or []
    primary = set()
    for key in entry.get("primary_keys") or []:
        primary.update(key if isinstance(key, list) else [key])
    foreign = {src: dst for src, dst in entry.get("foreign_keys") or []}
    rows = []
    for i, (t, name) in enumerate(columns):
        if t < 0:
            continue
        key = "PK" if i in primary else ""
        if i in foreign:
            rt, rc = columns[foreign[i]]
            key = (key + " " if key else "") + f"FK → {tables[rt]}.{rc}"
        rows.append((tables[t], name, types[i] if i < len(types) else "", key))
    return pd.DataFrame(rows, columns=["table", "column", "type", "key"])


# -- uploading ---------------------------------------------------------------------------------

PREDICTION_SUFFIXES = (".jsonl", ".json", ".sql", ".txt")


def submit_upload(
    url: str,
    meta_fields: dict,
    files: list[tuple[str, bytes]],
    suite: str | None = None,
    split: str | None = None,
):
    """Run the same verification as ``harness submit`` on uploaded files, then store.

    ``files`` is either one predictions file (with ``suite``/``split``) or the two files of a
    run folder, ``results.json`` and ``samples.jsonl``. Returns the SubmitOutcome; raises a
    HarnessError (nothing stored) for anything wrong.
    """
    from leaderboard.verify import (
        MAX_SUBMISSION_BYTES,
        SubmissionMeta,
        submit_predictions,
        submit_runs,
    )

    meta = SubmissionMeta(**meta_fields)
    if not files:
        raise SubmissionError("Choose a file to upload.")
    for name, content in files:
        if len(content) > MAX_SUBMISSION_BYTES:
            raise SubmissionError(
                f"{name} is {len(content) / 2**20:.0f} MiB, over the "
                f"{MAX_SUBMISSION_BYTES // 2**20} MiB limit."
            )
    store = get_store(url)
    with tempfile.TemporaryDirectory(prefix="harness-upload-") as tmp:
        folder = Path(tmp)
        names = sorted(Path(name).name for name, _ in files)
        if names == ["results.json", "samples.jsonl"]:
            for name, content in files:
                (folder / Path(name).name).write_bytes(content)
            # In the app's thread, re-execute in-process: forking a threaded server is unsafe.
            outcome = submit_runs(store, [folder], meta, workers=1)
        elif len(files) == 1:
            name, content = files[0]
            suffix = Path(name).suffix.lower()
            if suffix not in PREDICTION_SUFFIXES:
                raise SubmissionError(
                    f"{name}: a predictions file ends in {', '.join(PREDICTION_SUFFIXES)}."
                )
            if not suite:
                raise SubmissionError("Choose the suite the predictions answer.")
            path = folder / f"predictions{suffix}"
            path.write_bytes(content)
            outcome = submit_predictions(store, path, suite, split or None, meta, workers=1)
        else:
            raise SubmissionError(
                "Upload one predictions file, or a run folder's two files: results.json and "
                f"samples.jsonl (got {', '.join(names)})."
            )
    clear_caches()
    return outcome


def suite_names() -> list[str]:
    from harness.suite import SUITES

    return SUITES.names()


def split_names(suite: str) -> list[str]:
    from harness.suite import SUITES

    try:
        cls = SUITES.get(suite)
    except Exception:
        return ["dev"]
    return [cls.default_split] + [s for s in cls.splits if s != cls.default_split]

"""All data access of the leaderboard app, over ``leaderboard.store``.

One store (engine) per process through ``st.cache_resource``; frames through ``st.cache_data``
keyed on the store's state token (``Store.state_token``), so a new submission, an approval, a
hide or a delete shows on the next page load, whichever process made it. The shaping below is
pure pandas, so the pages hold no SQL, no scoring and no statistics, and the functions are
tested without a browser.

One number everywhere: every page takes a result's EX, its 95% interval and its denominator
(the questions scored) from the stored result, which the verification computed from the stored
verdicts; a question whose database is missing or damaged is *unscorable*
(``leaderboard.reasons``), left out of that denominator, and never shown or counted as wrong.
"""

from __future__ import annotations

import difflib
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from harness.errors import SubmissionError
from harness.evaluation.paired import Comparison, compare_verdicts, paired_bootstrap_ci
from leaderboard import reasons
from leaderboard.decoding import CLASS_GREEDY, CLASS_UNKNOWN, CLASSES, from_row
from leaderboard.store import METRICS, SIZE_BUCKETS, Store, resolve_url
from leaderboard.verify import GOLD_METHOD, CannotVerify, SubmissionMeta

STATUS_REPRODUCED = "reproduced"  # verified, and the board re-ran the generation itself
STATUS_VERIFIED = "verified"
STATUS_FLAGGED = "verified ⚑ flagged"
STATUS_REPORTED = "reported, not verified"
RANK = "Rank"  # within a decoding class; each ranked class gets its own "Rank: <class>" column
NOT_RANKED = "Not ranked because"
SUITE_ORDER = ("bird", "spider", "spider-syn", "spider-realistic", "spider-dk", "sample")
SPLIT_ORDER = ("dev", "mini-dev", "test", "train")
SMOKE_SUITES = ("sample",)  # tiny suites that check the pipeline, not a model
# The columns of a benchmark's table, in order; per-difficulty columns go before "Decoding".
VIEW_COLUMNS = [
    "Submission", NOT_RANKED, "Status", "EX %", "95% CI", "EX % clean", "Release", "Scored",
    "Unscorable", "Decoding",
    "Decoding class", "Method", "Base model", "Params (B)", "Size", "s/sample", "Timing",
    "Gold copy %", "Other metric", "Date", "Source", "Link", "id",
]
HIDDEN_COLUMNS = [RANK, "result_id", "ci_low", "ci_high", "verified", "hardware", "subset",
                  "flagged", "reproduced", "method_id", "_flag"]
MAX_UPLOADS_PER_HOUR = 6  # per client address, server side (see UploadLog)


# -- the store ---------------------------------------------------------------------------------


def store_url() -> str:
    """The store the app serves: $HARNESS_LEADERBOARD_DB (set by `harness leaderboard`)."""
    return resolve_url(None)


def display_url(url: str) -> str:
    """What the sidebar says of the store: its kind and name, never a path on the server or a
    host (a visitor has no use for either, and they tell an attacker where things are).

    >>> display_url("sqlite:////srv/board/data/board.sqlite")
    'SQLite database board.sqlite'
    >>> display_url("postgresql://lb:secret@db.internal:5432/board")
    'PostgreSQL database board'
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # an unreadable URL: say nothing of it
        return "results database"
    name = Path(parsed.database or "").name or "(in memory)"
    kind = "SQLite" if parsed.get_backend_name() == "sqlite" else "PostgreSQL"
    return f"{kind} database {name}"


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store(url)


def submissions(url: str) -> list[dict]:
    """The public submissions (pending and hidden ones are the maintainers' business), as the
    store holds them now: the cache is keyed on the store's state token, so an approval, a hide
    or a delete shows on the next page load."""
    return _submissions(url, get_store(url).state_token())


@st.cache_data(max_entries=8, show_spinner=False)
def _submissions(url: str, token: str) -> list[dict]:
    return get_store(url).submissions(("public",))


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def verdicts(url: str, result_id: int) -> pd.DataFrame:
    return pd.DataFrame(get_store(url).verdicts(result_id))


def clear_caches() -> None:
    _submissions.clear()
    verdicts.clear()
    _view_frame.clear()


# -- benchmarks --------------------------------------------------------------------------------


SUBSET = " first "  # in a result key: a --limit run, e.g. "spider-syn/dev first 50"
DROP = "EX drop on "  # a robustness column of the Spider dev view: "EX drop on spider-syn"


def result_key(result: dict) -> str:
    """``suite/split``, or ``suite/split first N`` for a --limit run (its own, unranked view)."""
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


@dataclass
class Benchmark:
    """One suite/split: the unit a ranking is about."""

    key: str
    n_verified: int
    n_reported: int

    @property
    def smoke(self) -> bool:
        return self.key.partition("/")[0] in SMOKE_SUITES

    @property
    def subset(self) -> bool:
        return is_subset(self.key)

    @property
    def label(self) -> str:
        kind = " · smoke test, not a benchmark" if self.smoke else ""
        if self.subset:
            kind += " · a subset (--limit run), not ranked"
        return f"{self.key}{kind} ({self.n_verified} verified, {self.n_reported} reported)"


def benchmarks(subs: list[dict]) -> list[Benchmark]:
    """Every suite/split with a result: real benchmarks first (BIRD, Spider …), then subsets,
    smoke tests last."""
    counts: dict[str, list[int]] = {}
    for s in subs:
        for r in s["results"]:
            c = counts.setdefault(result_key(r), [0, 0])
            c[0 if s["status"] == "verified" else 1] += 1
    keys = sorted(counts, key=lambda k: (k.partition("/")[0] in SMOKE_SUITES, is_subset(k),
                                         _key_order(k)))
    return [Benchmark(k, *counts[k]) for k in keys]


def default_benchmark(benches: list[Benchmark]) -> str | None:
    """The first real benchmark with verified rows; else the first with any verified row."""
    for candidates in ([b for b in benches if not b.smoke and not b.subset and b.n_verified],
                       [b for b in benches if b.n_verified], benches):
        if candidates:
            return candidates[0].key
    return None


# -- one benchmark's table ---------------------------------------------------------------------


def status_label(submission: dict) -> str:
    """The trust tier a row is shown with (a flag outranks a reproduction)."""
    if submission["status"] == "reported":
        return STATUS_REPORTED
    if submission["flagged"]:
        return STATUS_FLAGGED
    return STATUS_REPRODUCED if submission.get("reproduced") else STATUS_VERIFIED


def _pct(value) -> float | None:
    return None if value is None else round(100 * value, 2)


def hardware_of(submission: dict) -> str:
    """Where the s/sample figure was measured, as the run or the source says."""
    return submission["hardware"] or "hardware not stated"


def timing_text(submission: dict) -> str | None:
    """What a row's s/sample means: always throughput (generation wall time / questions), and
    never measured by this server: a run reports its own, a paper publishes its own."""
    if submission["s_per_sample"] is None:
        return None
    batch = ((submission.get("method_info") or {}).get("batch_size"))
    where = hardware_of(submission)
    if submission["status"] == "reported":
        return f"as published; {where}"
    batch_text = f"; batch {batch}" if isinstance(batch, int) else ""
    return f"self-reported by the run; {where}{batch_text}"


def _date(submission: dict) -> str | None:
    if submission["status"] == "reported":
        return f"published {submission['published']}" if submission["published"] else None
    created = submission["created"]
    return f"submitted {created:%Y-%m-%d}" if created else None


def _source(submission: dict, result: dict) -> str:
    if submission["status"] == "reported":
        kind = submission["source_kind"] or "source"
        return f"{kind}: {result['source'] or submission['source'] or 'not given'}"
    return f"re-scored by harness {submission['verifier_version'] or ''}".strip()


def difficulty_levels(suite: str, seen: list[str]) -> list[str]:
    """Difficulty levels in the suite's own order (easy … extra), then any others."""
    from harness.suite import SUITES

    try:
        known = list(SUITES.get(suite).difficulty_levels)
    except Exception:  # an unknown or broken suite still shows its stored levels
        known = []
    return [lv for lv in known if lv in seen] + sorted(lv for lv in seen if lv not in known)


def view_frame(url: str, key: str, per_seed: bool = False) -> pd.DataFrame:
    """A benchmark's frame over the store's public submissions (with robustness columns)."""
    return _view_frame(url, key, per_seed, get_store(url).state_token())


@st.cache_data(max_entries=32, show_spinner=False)
def _view_frame(url: str, key: str, per_seed: bool, token: str) -> pd.DataFrame:
    return benchmark_frame(submissions(url), key, get_store(url).verdicts, per_seed)


def _board_row(s: dict, r: dict, key: str, is_ex: bool) -> dict:
    """A submission's board columns for its result ``r`` on ``key`` (EX values in percent)."""
    d = from_row(s)
    return {
        RANK: None,
        NOT_RANKED: None,
        "Submission": s["name"],
        "Status": status_label(s),
        "EX %": _pct(r["ex"]) if is_ex else None,
        "95% CI": (f"{100 * r['ex_ci_low']:.1f} – {100 * r['ex_ci_high']:.1f}"
                   if r["ex_ci_low"] is not None else None),
        "Scored": r["n_scored"],
        "Unscorable": (r["n_total"] - r["n_scored"]
                       if r["n_total"] is not None and r["n_scored"] is not None else None),
        "EX % clean": _pct(clean_ex(s, r)) if is_ex else None,
        "Release": r.get("dataset_version"),
        "Decoding": s["decoding"] or d.label,
        "Decoding class": d.decoding_class,
        "Method": s["method"],
        "Base model": s["base_model"],
        "Params (B)": s["params_b"],
        "Size": s["size_bucket"],
        "s/sample": r["s_per_sample"] if r["s_per_sample"] is not None else s["s_per_sample"],
        "Timing": timing_text(s),
        "Gold copy %": _pct(r.get("gold_copy_share")),
        "Other metric": None if is_ex else f"{r['metric']} {100 * r['ex']:.2f}",
        "Date": _date(s),
        "Source": _source(s, r),
        "Link": s["link"],
        "id": s["id"],
        "result_id": r["id"],
        "ci_low": _pct(r["ex_ci_low"]),
        "ci_high": _pct(r["ex_ci_high"]),
        "verified": s["status"] == "verified",
        "hardware": hardware_of(s),
        "subset": is_subset(key),
        "flagged": bool(s["flagged"]),
        "reproduced": bool(s.get("reproduced")) and not s["flagged"],
        "method_id": s["method"],  # the Method cell as stored, for the gold self-test rule
        "_flag": (s.get("flags") or [None])[0],
        "_ex": r["ex"] if is_ex else None,  # unrounded, for a seed group's mean and sd
    }


def benchmark_frame(
    subs: list[dict],
    key: str,
    verdicts_of: Callable[[int], list[dict]] | None = None,
    per_seed: bool = False,
) -> pd.DataFrame:
    """One row per submission with a result on ``key``: VIEW_COLUMNS, ``<level> EX %`` columns
    (difficulty, then categories such as Spider-DK's knowledge types), robustness columns when
    ``verdicts_of`` is given, and HIDDEN_COLUMNS (for plots and links). EX values are
    percentages."""
    robustness = robustness_columns(subs, key, verdicts_of) if verdicts_of else {}
    rows, owners, seen_levels, seen_categories = [], [], [], []
    for s in subs:
        r = next((r for r in s["results"] if result_key(r) == key), None)
        if r is None:
            continue
        is_ex = (r.get("metric") or "EX") == "EX"
        row = {**_board_row(s, r, key, is_ex), **robustness.get(s["id"], {})}
        for level, block in (r["by_difficulty"] or {}).items():
            if level not in seen_levels:
                seen_levels.append(level)
            row[f"{level} EX %"] = _pct((block or {}).get("ex")) if is_ex else None
        for category, block in (r.get("by_category") or {}).items():
            if category not in seen_categories:
                seen_categories.append(category)
            row[f"{category} EX %"] = _pct((block or {}).get("ex")) if is_ex else None
        rows.append(row)
        owners.append(s)
    grouped = any(s.get("seed_group") for s in owners)
    if grouped:
        rows = _seed_rows(rows, owners, per_seed)
    levels = [f"{lv} EX %" for lv in difficulty_levels(key.partition("/")[0], seen_levels)]
    levels += [f"{c} EX %" for c in sorted(seen_categories) if c not in seen_levels]
    drops = sorted({c for v in robustness.values() for c in v})  # each drop, then its CI
    at = VIEW_COLUMNS.index("Decoding")
    seeds = ["Seeds"] if grouped else []
    columns = (VIEW_COLUMNS[:at] + drops + levels + seeds + VIEW_COLUMNS[at:]
               + HIDDEN_COLUMNS)
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("Scored", "Unscorable", "id", "result_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def clean_ex(submission: dict, result: dict) -> float | None:
    """A verified row's EX on the questions with no gold flag (``metrics.clean``, as re-scored
    here); None for a reported row or a run scored before flags existed."""
    return result.get("clean_ex") if submission["status"] == "verified" else None


def ranked_releases(view: pd.DataFrame) -> list[str]:
    """The data releases of the verified rows a view ranks (more than one: say so)."""
    verified = view[view["verified"].astype(bool)] if len(view) else view
    return sorted({str(r) if r is not None and r == r else "no release named"
                   for r in verified.get("Release", [])})


def _seed_rows(rows: list[dict], owners: list[dict], per_seed: bool) -> list[dict]:
    """The seeds of one ``harness run --seeds`` run folded into one row (mean EX, ``± sd`` in the
    interval's place), or each seed's own row labelled with its seed (``per_seed``)."""
    import statistics

    groups: dict[str, list[dict]] = {}
    out: list[dict] = []
    for row, s in zip(rows, owners):
        if not s.get("seed_group"):
            out.append(row)
        elif per_seed:
            out.append({**row, "Submission": f"{row['Submission']} · seed {s['seed']}",
                        "Seeds": f"seed {s['seed']}"})
        else:
            if s["seed_group"] not in groups:
                out.append(row)  # its place; replaced by the folded row below
            groups.setdefault(s["seed_group"], []).append(row)
    for members in groups.values():
        first = members[0]
        folded = dict(first, Seeds=f"{len(members)} seeds", ci_low=None, ci_high=None)
        flagged = [r for r in members if r["flagged"]]
        if flagged:
            folded.update(Status=STATUS_FLAGGED, flagged=True, reproduced=False,
                          _flag=flagged[0]["_flag"])
        for column in list(first):
            if column.endswith(" EX %") or column == "s/sample":
                numbers = [r[column] for r in members if isinstance(r.get(column), int | float)]
                folded[column] = round(statistics.fmean(numbers), 2) if numbers else None
        # From the stored EX, not the rounded cells: the figures `harness submit` prints.
        exact = [100 * r["_ex"] for r in members if r.get("_ex") is not None]
        folded["EX %"] = round(statistics.fmean(exact), 2) if exact else None
        if len(exact) > 1:
            folded["95% CI"] = f"± {statistics.stdev(exact):.2f} sd, {len(exact)} seeds"
        out[next(i for i, r in enumerate(out) if r is first)] = folded
    return out


def robustness_columns(
    subs: list[dict], key: str, verdicts_of: Callable[[int], list[dict]]
) -> dict[int, dict[str, object]]:
    """Robustness columns of the view a reworded set derives from (Spider dev), by submission.

    For a submission with a Spider dev result and a Spider-Syn or Spider-Realistic result,
    ``EX drop on spider-syn`` is the paired EX drop in points on their shared questions and
    ``… 95% CI`` its paired bootstrap interval with the number of shared questions and the
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
            if base is None or result_key(base) != key:
                continue
            try:
                report = paired_report(source, verdicts_of(base["id"]),
                                       (r["suite"], r["split"]), verdicts_of(r["id"]))
            except HarnessError:  # nothing shared (or stored before original_id was kept)
                continue
            column = f"{DROP}{r['suite']}"
            lo, hi = report.drop_ci95 or (0.0, 0.0)  # never None: paired_report needs n > 0
            values.setdefault(s["id"], {}).update({
                column: _pct(report.drop),
                f"{column} 95% CI": f"[{100 * lo:.1f}, {100 * hi:.1f}] n={report.n} "
                                    f"p={report.p_value:.2g}",
            })
    return values


@dataclass
class ViewFilter:
    """The board's filters (all empty: everything)."""

    sizes: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    greedy_only: bool = False
    include_reported: bool = True
    reproduced_only: bool = False
    query: str = ""
    show_difficulty: bool = False


def options(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a column, for a filter's choices."""
    values = set(frame[column].dropna()) if column in frame else set()
    if column == "Size":
        return [b for b in SIZE_BUCKETS if b in values]
    if column == "Decoding class":
        return [c for c in CLASSES if c in values]
    return sorted(values, key=str.lower)


def board_view(frame: pd.DataFrame, f: ViewFilter) -> pd.DataFrame:
    """The filtered table: the ranked rows first, one decoding class after another (CLASSES
    order), best EX first within each, with a ``Rank: <class>`` column per class; then the
    verified rows that take no rank, with the reason; then the published rows, best first."""
    view = frame
    if f.sizes:
        view = view[view["Size"].isin(f.sizes)]
    if f.methods:
        view = view[view["Method"].isin(f.methods)]
    if f.classes:
        view = view[view["Decoding class"].isin(f.classes)]
    if f.greedy_only:
        view = view[view["Decoding class"] == CLASS_GREEDY]
    if not f.include_reported:
        view = view[view["Status"] != STATUS_REPORTED]
    if f.reproduced_only:
        view = view[view["reproduced"].astype(bool)]
    query = f.query.strip().lower()
    if query and not view.empty:
        text = (
            view[["Submission", "Method", "Base model", "Decoding"]]
            .fillna("").astype(str).agg(" ".join, axis=1).str.lower()
        )
        view = view[text.str.contains(query, regex=False)]
    if not f.show_difficulty:
        view = view[[c for c in view.columns if not c.endswith(" EX %") or c == "EX %"]]
    # robustness columns ("EX drop on …") always stay: they are not a breakdown
    view = view.copy()
    view[NOT_RANKED] = [not_ranked_because(row) for row in view.to_dict("records")]
    ranked = view[NOT_RANKED].isna()
    view["_group"] = [
        CLASSES.index(c) if r else (len(CLASSES) if v else len(CLASSES) + 1)
        for c, r, v in zip(view["Decoding class"], ranked, view["verified"])
    ]
    view = view.sort_values(
        ["_group", "EX %", "Submission"], ascending=[True, False, True], na_position="last",
        kind="stable",
    ).drop(columns="_group")
    view[RANK] = ranks(view)
    return _class_rank_columns(view).reset_index(drop=True)


def not_ranked_because(row: dict) -> str | None:
    """Why a row of a benchmark table takes no rank (None: it is ranked).

    Ranked: verified, not flagged, not the gold self-test, on a whole split, with an EX, and a
    decoding class that the evidence states. Nothing a submitter writes into a file can lift a
    flag, and a row with no stated decoding is never ranked against anyone.
    """
    ex = row.get("EX %")
    if row.get("Status") == STATUS_REPORTED:
        return "reported, not verified here"
    if row.get("method_id") == GOLD_METHOD:
        return "the gold SQL itself (the evaluator's ceiling)"
    if row.get("flagged") is True:
        flag = row.get("_flag")
        flag = "flagged" if flag is None or pd.isna(flag) else str(flag)
        return f"flagged: {flag.partition(': ')[2] or flag}"
    if row.get("subset"):
        return "a subset of the split (--limit run)"
    if ex is None or (isinstance(ex, float) and math.isnan(ex)):
        return "no EX (another metric)"
    cls = row.get("Decoding class")
    if cls is None or pd.isna(cls) or cls == CLASS_UNKNOWN:
        return "decoding not stated"
    return None


def ranks(view: pd.DataFrame) -> pd.Series:
    """1, 2, … down the (sorted) ranked rows of each decoding class; others get no rank."""
    counters: dict[str, int] = {}
    out = []
    for reason, cls in zip(view[NOT_RANKED], view["Decoding class"]):
        if pd.isna(reason):
            counters[cls] = counters.get(cls, 0) + 1
            out.append(counters[cls])
        else:
            out.append(None)
    return pd.Series(pd.array(out, dtype="Int64"), index=view.index)


def rank_column(decoding_class: str) -> str:
    return f"{RANK}: {decoding_class}"


def _class_rank_columns(view: pd.DataFrame) -> pd.DataFrame:
    """One visible rank column per ranked class, in front: a row's rank sits in its class's."""
    classes = ranked_classes(view)
    for cls in reversed(classes):
        column = view[RANK].where(view["Decoding class"] == cls)
        view.insert(0, rank_column(cls), column.astype("Int64"))
    return view


def ranked_classes(view: pd.DataFrame) -> list[str]:
    """The decoding classes that hold ranked rows, in CLASSES order."""
    present = set(view.loc[view[RANK].notna(), "Decoding class"])
    return [c for c in CLASSES if c in present]


def top_unflagged(url: str) -> list[int]:
    """The result ids of the ranked rows of the board's default view, best first (where Compare
    and Sample open); verified unflagged rows when fewer than two are ranked."""
    benches = benchmarks(submissions(url))
    key = default_benchmark(benches)
    if key is None:
        return []
    view = board_view(view_frame(url, key), ViewFilter())
    ranked = view[view[RANK].notna()].sort_values("EX %", ascending=False, kind="stable")
    others = view[view["verified"] & ~view["flagged"].astype(bool) & view[RANK].isna()
                  & (view["method_id"] != GOLD_METHOD)]
    return [int(i) for i in list(ranked["result_id"]) + list(others["result_id"])
            if not pd.isna(i)]


# -- one submission ----------------------------------------------------------------------------


def submission_by_id(url: str, submission_id: int) -> dict | None:
    return next((s for s in submissions(url) if s["id"] == submission_id), None)


def submission_details(url: str, submission_id: int) -> pd.DataFrame:
    """Field/value rows describing one submission (metadata, provenance, claims)."""
    s = submission_by_id(url, submission_id)
    if s is None:
        return pd.DataFrame(columns=["Field", "Value"])
    d = from_row(s)
    repro = s.get("reproduction") if s.get("reproduced") else None
    fields = [
        ("Status", status_label(s)),
        ("Reproduced", _reproduction_text(repro)),
        ("Method", s["method"]),
        ("Base model", s["base_model"]),
        ("Parameters (B)", s["params_b"]),
        ("Decoding", s["decoding"]),
        ("Decoding class", d.decoding_class),
        ("Samples per question", d.n),
        ("Temperature", d.temperature),
        ("Extra models", d.extra_models),
        ("Training data", s["training_data"]),
        ("Hardware", s["hardware"]),
        ("Backend", s["backend"]),
        ("s/sample", s["s_per_sample"]),
        ("Timing", timing_text(s)),
        ("tokens/s (self-reported)", s["tokens_per_s"]),
        ("Link", s["link"]),
        ("Source", s["source"]),
        ("Source kind", s["source_kind"]),
        ("Published", s["published"]),
        ("Run's harness version", s["harness_version"]),
        ("Run's git commit", s["git_commit"]),
        ("Verified by harness", s["verifier_version"]),
        ("Fingerprint", s["fingerprint"] if s["status"] == "verified" else None),
        ("Submitted", str(s["created"])[:19] if s["status"] == "verified" else None),
    ]
    if _per_question_latency(s):
        fields.append(("Per-question latency p50 / p95 s",
                       f"{_cell(s['p50_s'])} / {_cell(s['p95_s'])}"))
    for r in s["results"]:
        key = result_key(r)
        if (r.get("metric") or "EX") != "EX":
            fields.append((f"{key}: metric", f"{r['metric']} ({METRICS[r['metric']]})"))
        if r["claimed_ex"] is not None and s["status"] == "verified":
            fields.append((f"{key}: claimed EX", f"{100 * r['claimed_ex']:.2f}"))
        if r.get("gold_copy_share") is not None:
            fields.append((f"{key}: predictions equal to the gold SQL",
                           f"{100 * r['gold_copy_share']:.1f}%"))
        if r["source"]:
            fields.append((f"{key}: source", r["source"]))
        if r["note"]:
            fields.append((f"{key}: note", r["note"]))
    for key, hashes in (s["data_hashes"] or {}).items():
        fields.append((f"{key}: data hash (verified)", (hashes or {}).get("verified")))
    rows = [(k, _cell(v)) for k, v in fields if v not in (None, "")]
    return pd.DataFrame(rows, columns=["Field", "Value"])


def _cell(value) -> str:
    """A details value as text; a float with at most 6 significant digits (a stored float such
    as 0.30000000000000004 is noise, not precision).

    >>> _cell(0.30000000000000004), _cell(1.5), _cell(12), _cell("x")
    ('0.3', '1.5', '12', 'x')
    """
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _reproduction_text(report: dict | None) -> str | None:
    if not isinstance(report, dict):
        return None
    how = ("greedy: every SQL identical" if report.get("greedy") else
           "sampled: the EX difference's 95% interval holds 0")
    return (f"re-generated here ({how}; {report.get('identical_sql')} of "
            f"{report.get('questions')} SQL identical; backend {report.get('backend')}, "
            f"{report.get('hardware')})")


def _per_question_latency(s: dict) -> bool:
    """p50/p95 are per-question latencies only when questions were generated one at a time."""
    batch = (s.get("method_info") or {}).get("batch_size")
    return batch == 1 and s["p50_s"] is not None


def submission_flags(url: str, submission_id: int) -> list[str]:
    return list((submission_by_id(url, submission_id) or {}).get("flags") or [])


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


def plot_points(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a benchmark frame that have an EX, shaped for the charts: Submission,
    Kind ("verified" / "reported, not verified"), EX, ci_low, ci_high, s/sample, Params (B),
    Decoding class, hardware."""
    points = frame[frame["EX %"].notna()].rename(columns={"EX %": "EX"})
    points = points.assign(
        Kind=points["verified"].map({True: "verified", False: STATUS_REPORTED}),
    )
    return points[["Submission", "Kind", "EX", "ci_low", "ci_high", "s/sample", "Params (B)",
                   "Decoding", "Decoding class", "hardware", "Timing"]].reset_index(drop=True)


def labelled(points: pd.DataFrame, x: str, gap_x: float = 0.1, gap_y: float = 0.06) -> list[bool]:
    """Which points of a scatter get their name drawn: the best EX first, and no name closer
    than ``gap_x``/``gap_y`` (fractions of the plotted range; x on a log scale) to one already
    drawn, so names never overlap; every point keeps its tooltip.

    >>> frame = pd.DataFrame({"EX": [50.0, 50.2, 80.0], "size": [1.5, 1.5, 7.0]})
    >>> labelled(frame, "size")
    [False, True, True]
    """
    if points.empty:
        return []
    xs = [math.log10(v) if isinstance(v, int | float) and v > 0 else 0.0 for v in points[x]]
    ys = [float(v) for v in points["EX"]]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    kept: list[int] = []
    for i in sorted(range(len(ys)), key=lambda i: -ys[i]):
        if all(abs(xs[i] - xs[j]) / span_x >= gap_x or abs(ys[i] - ys[j]) / span_y >= gap_y
               for j in kept):
            kept.append(i)
    return [i in kept for i in range(len(ys))]


def timing_groups(points: pd.DataFrame) -> list[str]:
    """Hardware with at least one timed point, the most verified points first."""
    timed = points[points["s/sample"].notna() & (points["s/sample"] > 0)]
    counts = timed.groupby("hardware")["Kind"].agg(
        lambda k: (int((k == "verified").sum()), len(k))
    )
    return sorted(counts.index, key=lambda h: (-counts[h][0], -counts[h][1], h))


def speed_points(points: pd.DataFrame, hardware: str) -> pd.DataFrame:
    """The timed points measured on one hardware, with their Pareto front (like with like)."""
    timed = points[
        points["s/sample"].notna() & (points["s/sample"] > 0) & (points["hardware"] == hardware)
    ].copy()
    timed["Pareto front"] = pareto_front(timed["EX"].tolist(), timed["s/sample"].tolist())
    return timed.reset_index(drop=True)


def difficulty_long(frame: pd.DataFrame) -> pd.DataFrame:
    """Long form (Submission, Kind, Level, EX) of a benchmark frame's per-difficulty columns."""
    levels = [c[: -len(" EX %")] for c in frame.columns if c.endswith(" EX %") and c != "EX %"]
    rows = []
    for _, row in frame.iterrows():
        for level in levels:
            value = row[f"{level} EX %"]
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                kind = "verified" if row["verified"] else STATUS_REPORTED
                rows.append((row["Submission"], kind, level, value))
    return pd.DataFrame(rows, columns=["Submission", "Kind", "Level", "EX"])


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
            curve = _pass_at_k_curve(block["pass_at_k"])
            if curve is None:  # a malformed claim stored before claims were checked
                continue
            ex = metrics.get("ex")
            for k, value in curve:
                rows.append((s["name"], status_label(s), k, _pct(value),
                             _pct(ex) if isinstance(ex, int | float) else None,
                             str(block.get("vote") or "")[:40], label))
            break
    return pd.DataFrame(rows, columns=PASS_AT_K_COLUMNS)


def _pass_at_k_curve(curve: dict) -> list[tuple[int, float]] | None:
    """(k, share) pairs when every key is a k ≥ 1 and every value a finite share, else None.

    >>> _pass_at_k_curve({"1": 0.5, "8": 0.75}), _pass_at_k_curve({"x": 0.5})
    ([(1, 0.5), (8, 0.75)], None)
    """
    out = []
    for k, value in curve.items():
        if (not str(k).isdigit() or int(k) < 1 or isinstance(value, bool)
                or not isinstance(value, int | float) or not 0 <= value <= 1):
            return None
        out.append((int(k), float(value)))
    return sorted(out)


# -- comparing ---------------------------------------------------------------------------------


def verified_results(url: str) -> list[dict]:
    """Every verified result (it has per-question verdicts), by benchmark then EX."""
    out = []
    for s in submissions(url):
        if s["status"] != "verified":
            continue
        d = from_row(s)
        for r in s["results"]:
            out.append({
                "result_id": r["id"],
                "key": result_key(r),
                "label": f"{s['name']} · {d.label} · #{s['id']}",
                "submission_id": s["id"],
                "name": s["name"],
                "ex": r["ex"],
                "ci": (r["ex_ci_low"], r["ex_ci_high"]),
                "n_scored": r["n_scored"],
                "n_total": r["n_total"],
                "decoding": d.label,
                "decoding_class": d.decoding_class,
                "gold": s["method"] == GOLD_METHOD,
                "status": status_label(s),
                "flags": list(s.get("flags") or []),
                "claimed_ex": r.get("claimed_ex"),
                "batch_size": (s.get("method_info") or {}).get("batch_size"),
            })
    return sorted(out, key=lambda r: (r["key"].partition("/")[0] in SMOKE_SUITES,
                                      _key_order(r["key"]), r["gold"], -(r["ex"] or 0)))


def result_info(url: str, result_id: int) -> dict | None:
    return next((r for r in verified_results(url) if r["result_id"] == result_id), None)


@dataclass
class PairedView:
    comparison: Comparison  # over the questions scored in both
    a: dict  # result_info of A (its EX, interval and denominator as stored)
    b: dict
    diff: float | None  # EX(A) − EX(B) over the paired questions
    diff_ci: tuple[float, float] | None
    unscorable: int  # questions left out because a database is missing or damaged
    table: pd.DataFrame  # the 2×2 agreement table
    questions: pd.DataFrame  # every paired question: text, difficulty, both verdicts in words

    @property
    def same_class(self) -> bool:
        return self.a["decoding_class"] == self.b["decoding_class"]

    @property
    def winner(self) -> str | None:
        """"A" or "B" when the gap is unlikely to be chance (McNemar p < 0.05 and the paired
        interval excludes 0), else None."""
        c = self.comparison
        lo, hi = self.diff_ci or (0.0, 0.0)
        if c.n == 0 or c.p_value >= 0.05 or lo <= 0 <= hi:
            return None
        return "A" if (self.diff or 0) > 0 else "B"

    def summary(self) -> str:
        """Which is better, by how much and how sure, in one or two sentences."""
        c = self.comparison
        if c.n == 0:
            return "The two share no scored question."
        p = c.p_value
        gap = 100 * (self.diff or 0)
        lo, hi = (100 * x for x in (self.diff_ci or (0.0, 0.0)))
        better = self.winner
        if better:
            if gap < 0:  # say it as the winner's lead
                gap, lo, hi = -gap, -hi, -lo
            other = "B" if better == "A" else "A"
            text = (f"{better} is better: it is right on {gap:.1f} points more of the {c.n} "
                    f"questions both answered (95% interval of {better} − {other}: {lo:+.1f} to "
                    f"{hi:+.1f} points; McNemar p = {p:.3g}, so the gap is unlikely to be "
                    f"chance).")
        else:
            text = (f"No clear winner: the gap of {gap:+.1f} points (A − B) could be chance "
                    f"(95% interval {lo:+.1f} to {hi:+.1f} points; McNemar p = {p:.3g}).")
        if not self.same_class:
            text += (f" Careful: A is {self.a['decoding_class']} ({self.a['decoding']}) and B is "
                     f"{self.b['decoding_class']} ({self.b['decoding']}); part of any gap is the "
                     f"decoding budget, not the model.")
        return text


def paired(url: str, result_a: int, result_b: int) -> PairedView:
    """Question-by-question agreement of two results over the questions scored in both, the
    exact McNemar test and the paired bootstrap interval of the EX difference."""
    va, vb = verdicts(url, result_a), verdicts(url, result_b)
    ra, rb = result_info(url, result_a), result_info(url, result_b)

    def scored(v: pd.DataFrame) -> dict[int, bool]:
        if v.empty:
            return {}
        keep = v[v["reason"].map(reasons.is_scored)]
        return dict(zip(keep["question_id"].astype(int), keep["correct"].astype(bool)))

    ca, cb = scored(va), scored(vb)
    all_ids = set(va["question_id"]) | set(vb["question_id"]) if not va.empty else set()
    comparison = compare_verdicts(ca, cb)
    n = comparison.n
    only_a, only_b = len(comparison.only_a), len(comparison.only_b)
    diff = (only_a - only_b) / n if n else None
    table = pd.DataFrame(
        {"B right": [len(comparison.both_right), only_b],
         "B wrong": [only_a, len(comparison.both_wrong)]},
        index=["A right", "A wrong"],
    )
    return PairedView(
        comparison, ra, rb, diff, paired_bootstrap_ci(only_a, only_b, n),
        len(all_ids) - n, table, _paired_questions(va, vb, ca, cb),
    )


def _paired_questions(va, vb, ca, cb) -> pd.DataFrame:
    columns = ["question_id", "difficulty", "question", "A", "B", "A: why", "B: why"]
    if va.empty or vb.empty:
        return pd.DataFrame(columns=columns)
    b = vb.set_index("question_id")
    rows = []
    for v in va.itertuples():
        if v.question_id not in b.index:
            continue
        w = b.loc[v.question_id]
        rows.append((
            int(v.question_id), v.difficulty, v.question,
            reasons.verdict_word(v.reason, v.correct), reasons.verdict_word(w["reason"],
                                                                          w["correct"]),
            reasons.describe(v.reason, v.correct), reasons.describe(w["reason"], w["correct"]),
        ))
    return pd.DataFrame(rows, columns=columns)


def question_subset(questions: pd.DataFrame, which: str, text: str = "") -> pd.DataFrame:
    """The paired questions of one kind ("A right, B wrong", …), searched by text."""
    pick = {
        "A right, B wrong": (questions["A"] == "correct") & (questions["B"] == "wrong"),
        "B right, A wrong": (questions["B"] == "correct") & (questions["A"] == "wrong"),
        "both wrong": (questions["A"] == "wrong") & (questions["B"] == "wrong"),
        "both right": (questions["A"] == "correct") & (questions["B"] == "correct"),
        "all": pd.Series(True, index=questions.index),
    }[which]
    out = questions[pick]
    if text.strip():
        out = out[out["question"].fillna("").str.contains(text.strip(), case=False,
                                                         regex=False)]
    return out.reset_index(drop=True)


COMPARE_SUBSETS = ("A right, B wrong", "B right, A wrong", "both wrong", "both right", "all")


# -- one question ------------------------------------------------------------------------------


def question_frame(url: str, result_id: int) -> pd.DataFrame:
    """A result's verdicts with the verdict in a word and its filter group."""
    v = verdicts(url, result_id)
    if v.empty:
        return v
    return v.assign(
        verdict=[reasons.verdict_word(r, c) for r, c in zip(v["reason"], v["correct"])],
        group=[reasons.category(r, c) for r, c in zip(v["reason"], v["correct"])],
    )


def filter_questions(
    frame: pd.DataFrame, groups: list[str], levels: list[str], text: str = ""
) -> pd.DataFrame:
    out = frame
    if groups:
        out = out[out["group"].isin(groups)]
    if levels:
        out = out[out["difficulty"].fillna("no label").isin(levels)]
    if text.strip():
        out = out[out["question"].fillna("").str.contains(text.strip(), case=False,
                                                         regex=False)]
    return out


def latency_text(latency_s: float | None, batch_size) -> str:
    """What a question's recorded generation time means: its own latency only when questions
    were generated one at a time; in a batch, every question records the batch's wall time.

    >>> latency_text(0.5, 1)
    'Generation latency of this question, as the run recorded it (self-reported): 0.500 s.'
    >>> latency_text(4.0, 16)[:62]
    'Generated in a batch of 16 questions: 4.000 s is the wall time'
    """
    if latency_s is None:
        return "The run recorded no generation time for this question."
    if batch_size == 1:
        return (f"Generation latency of this question, as the run recorded it (self-reported): "
                f"{latency_s:.3f} s.")
    batch = (f"a batch of {batch_size} questions" if isinstance(batch_size, int)
             else "a batch of unstated size")
    return (f"Generated in {batch}: {latency_s:.3f} s is the wall time of the whole batch as the "
            f"run recorded it (self-reported), not this question's latency.")


def sample_detail(url: str, result_id: int, question_id: int) -> dict | None:
    return get_store(url).verdict(result_id, question_id)


def result_columns(sql: str | None, width: int) -> list[str]:
    """The result's column names as SQLite would name them, read from the SQL with sqlglot
    (``col N`` where a name cannot be read, e.g. ``SELECT *``).

    >>> result_columns("SELECT name, count(*) AS n, T1.age FROM singer AS T1", 3)
    ['name', 'n', 'age']
    >>> result_columns("SELECT country, count(*) FROM singer GROUP BY country", 2)
    ['country', 'COUNT(*)']
    >>> result_columns("SELECT * FROM t", 2)
    ['col 1', 'col 2']
    """
    fallback = [f"col {i + 1}" for i in range(width)]
    if not sql:
        return fallback
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except (SqlglotError, RecursionError, ValueError, TypeError):
        return fallback
    while isinstance(tree, exp.SetOperation):  # UNION …: the first SELECT names the columns
        tree = tree.left
    if not isinstance(tree, exp.Select):
        return fallback
    names = []
    for e in tree.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and e.is_star):
            return fallback
        if isinstance(e, exp.Alias | exp.Column):
            names.append(e.alias_or_name)
        else:  # SQLite names an expression's column by its text: count(*), not *
            names.append(e.sql(dialect="sqlite"))
    if len(names) != width:
        return fallback
    return _unique(names)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def preview_frame(rows: list | None, sql: str | None = None) -> pd.DataFrame | None:
    """A stored result preview (first rows) as text cells under the result's column names."""
    if rows is None:
        return None
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame(
        [[None if v is None else str(v) for v in r] + [None] * (width - len(r)) for r in rows],
        columns=result_columns(sql, width),
    )


def pretty_sql(sql: str | None) -> str:
    """The SQL laid out one clause a line (as written when sqlglot cannot read it)."""
    if not sql:
        return ""
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        return sqlglot.transpile(sql, read="sqlite", write="sqlite", pretty=True)[0]
    except (SqlglotError, RecursionError, ValueError, TypeError, IndexError):
        return sql


def sql_diff(gold: str | None, pred: str | None) -> str:
    """A unified diff from the gold SQL to the predicted one, both laid out by sqlglot."""
    lines = difflib.unified_diff(
        pretty_sql(gold).splitlines(), pretty_sql(pred).splitlines(),
        fromfile="gold", tofile="predicted", lineterm="", n=2,
    )
    return "\n".join(lines)


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
APPROVAL_ENV = "HARNESS_LEADERBOARD_APPROVAL"
# CLI words in the verifier's messages, and what the Submit page calls them.
_FORM_WORDS = {
    "--model-size": "Model size", "--link": "Link", "--data-dir": "the server's data folder",
    "--limit": "a question limit", "--suite": "Suite", "--split": "Split",
    "--decoding": "Decoding", "--samples": "Samples", "--temperature": "Temperature",
}


def approval_required() -> bool:
    import os

    return os.environ.get(APPROVAL_ENV) == "1"


def upload_allowed(history: list[float], now: float, limit: int = MAX_UPLOADS_PER_HOUR) -> bool:
    """At most ``limit`` uploads in the last hour (``history``: their times).

    >>> upload_allowed([0.0] * 5, 10.0, limit=6), upload_allowed([0.0] * 6, 10.0, limit=6)
    (True, False)
    >>> upload_allowed([0.0] * 6, 3601.0, limit=6)
    True
    """
    return sum(1 for t in history if now - t < 3600) < limit


class UploadLog:
    """Upload times per client address, held by the server process for every session: a page
    reload or a new browser session does not reset a client's count."""

    def __init__(self) -> None:
        import threading

        self._times: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allowed(self, client: str, now: float, limit: int = MAX_UPLOADS_PER_HOUR) -> bool:
        """Whether ``client`` is under the limit (nothing counted)."""
        with self._lock:
            return upload_allowed(self._times.get(client, []), now, limit)

    def take(self, client: str, now: float, limit: int = MAX_UPLOADS_PER_HOUR) -> bool:
        """Count one upload for ``client`` when it is under the limit; False when it is not."""
        with self._lock:
            recent = [t for t in self._times.get(client, []) if now - t < 3600]
            allowed = upload_allowed(recent, now, limit)
            if allowed:
                recent.append(now)
            self._times[client] = recent
            return allowed


@st.cache_resource(show_spinner=False)
def upload_log() -> UploadLog:
    """The server's one UploadLog (st.cache_resource: shared by every session)."""
    return UploadLog()


def client_address() -> str:
    """The uploading client's address as the server sees it (a proxy in front of the app makes
    every client one address: the limit then holds for all of them together)."""
    return str(getattr(st.context, "ip_address", None) or "local")


def user_message(message: str, folder: str, names: dict[str, str]) -> str:
    """A verifier message in the uploader's terms: their file names instead of the server's
    temporary paths, form fields instead of CLI flags, no server folders.

    >>> user_message("/tmp/x/predictions.jsonl:3: bad. Point --data-dir at it.", "/tmp/x",
    ...              {"predictions.jsonl": "mine.jsonl"})
    "mine.jsonl:3: bad. Point the server's data folder at it."
    """

    text = message
    for stored, shown in names.items():
        text = text.replace(f"{folder}/{stored}", shown)
    text = text.replace(f"{folder}/", "").replace(folder, "your upload")
    for flag, word in _FORM_WORDS.items():
        text = text.replace(flag, word)
    return hide_paths(text)


def hide_paths(text: str) -> str:
    """Any absolute path (the data root, the cache, the store) is the server's business.

    >>> hide_paths("cannot open /srv/board/board.sqlite: locked")
    'cannot open (a server path): locked'
    """
    import re

    return re.sub(r"(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]*", "(a server path)", text)


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
    SubmissionError (nothing stored) in the uploader's terms for anything wrong. Stored as
    pending when the server asks for approval (``harness leaderboard --approval``).
    """
    from harness.errors import DataError, HarnessError

    review = "pending" if approval_required() else "public"
    with tempfile.TemporaryDirectory(prefix="harness-upload-") as tmp:
        names: dict[str, str] = {}  # the file names written here -> the uploader's names
        try:
            meta = SubmissionMeta(**meta_fields)
            _refuse_unfit_uploads(files)
            upload = _Upload(get_store(url), Path(tmp), meta, review, names)
            outcome = upload.submit(files, suite, split)
        except (CannotVerify, DataError) as exc:  # the suite's data is not on this server
            name = getattr(exc, "suite", None) or suite or "this benchmark"
            raise SubmissionError(
                f"This server does not have the databases of {name}, so it cannot check "
                f"these predictions. Choose another suite, or ask the board's maintainers to "
                f"add the {name} databases."
            ) from exc
        except HarnessError as exc:
            raise SubmissionError(user_message(str(exc), str(Path(tmp)), names)) from exc
    clear_caches()
    return outcome


def _refuse_unfit_uploads(files: list[tuple[str, bytes]]) -> None:
    from leaderboard.verify import MAX_SUBMISSION_BYTES

    if not files:
        raise SubmissionError("Choose a file to upload.")
    for name, content in files:
        if len(content) > MAX_SUBMISSION_BYTES:
            raise SubmissionError(
                f"{name} is {len(content) / 2**20:.0f} MiB, over the "
                f"{MAX_SUBMISSION_BYTES // 2**20} MiB limit."
            )


@dataclass
class _Upload:
    """Uploaded files written into ``folder`` and submitted as a run folder or a predictions
    file; ``names`` maps each written name to the uploader's, for messages."""

    store: Store
    folder: Path
    meta: SubmissionMeta
    review: str
    names: dict[str, str]

    def submit(self, files: list[tuple[str, bytes]], suite: str | None, split: str | None):
        uploaded = sorted(Path(name).name for name, _ in files)
        if uploaded == ["results.json", "samples.jsonl"]:
            return self._run_folder(files)
        if len(files) == 1:
            return self._predictions(*files[0], suite, split)
        raise SubmissionError(
            "Upload one predictions file, or a run folder's two files: results.json "
            f"and samples.jsonl (got {', '.join(uploaded)})."
        )

    def _run_folder(self, files: list[tuple[str, bytes]]):
        from leaderboard.verify import submit_runs

        for name, content in files:
            (self.folder / Path(name).name).write_bytes(content)
            self.names[Path(name).name] = Path(name).name
        # In the app's thread, re-execute in-process: forking a threaded server is unsafe.
        return submit_runs(self.store, [self.folder], self.meta, workers=1, review=self.review)

    def _predictions(self, name: str, content: bytes, suite: str | None, split: str | None):
        from leaderboard.verify import submit_predictions

        suffix = Path(name).suffix.lower()
        if suffix not in PREDICTION_SUFFIXES:
            raise SubmissionError(
                f"{name}: a predictions file ends in {', '.join(PREDICTION_SUFFIXES)}."
            )
        if not suite:
            raise SubmissionError("Choose the suite the predictions answer.")
        path = self.folder / f"predictions{suffix}"
        path.write_bytes(content)
        self.names[path.name] = Path(name).name
        return submit_predictions(self.store, path, suite, split or None, self.meta, workers=1,
                                  review=self.review)


def submit_upload_isolated(
    url: str,
    meta_fields: dict,
    files: list[tuple[str, bytes]],
    suite: str | None = None,
    split: str | None = None,
):
    """:func:`submit_upload` in a separate process (``leaderboard.isolated``: one upload cannot
    stall or crash the app for everyone), then this process's caches cleared: the child clears
    only its own copies, and the board would list the old rows until their TTL ran out."""
    from leaderboard.isolated import run_isolated

    outcome = run_isolated(submit_upload, url, meta_fields, files, suite, split)
    clear_caches()
    return outcome


def verifiable_suites() -> list[str]:
    """The suites whose data this server has (some of their databases present), so an upload
    for them can be verified."""
    from harness.suite import SUITES

    out = []
    for name in SUITES.names():
        try:
            if _has_databases(name):
                out.append(name)
        except Exception:  # a suite whose data is absent or broken cannot verify anything
            continue
    return out


@st.cache_data(ttl=600, show_spinner=False)
def _has_databases(suite_name: str) -> bool:
    from harness.suite import load_suite

    suite = load_suite(suite_name)
    examples = suite.load_examples(suite.default_split)
    return any(suite.database_problem(db) is None for db in {e.db_id for e in examples})


def split_names(suite: str) -> list[str]:
    from harness.suite import SUITES

    try:
        cls = SUITES.get(suite)
    except Exception:
        return ["dev"]
    return [cls.default_split] + [s for s in cls.splits if s != cls.default_split]

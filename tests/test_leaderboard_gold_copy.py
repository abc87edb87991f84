"""Gold-copy detection on structure: a corpus of disguises of the gold SQL, each caught.

Every dodge is applied to the real gold SQL of the sample suite and of Spider dev (when its data
is here), and must come back to the gold's canonical form; a submission made of any one dodge is
flagged. Honest near-misses (another comparison, another limit, a filtered wrapper) must not.
"""

from __future__ import annotations

import re

import pytest

from harness.suite import load_suite
from leaderboard.gold_copy import (
    CopySignals,
    canonical_sql,
    copy_signals,
    gold_copy_share,
    normalise_sql,
)


def _bare(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def _outside_quotes(sql: str, change) -> str:
    """``change`` applied to the text between string literals only."""
    parts = re.split(r"""('[^']*'|"[^"]*")""", sql)
    return "".join(p if i % 2 else change(p) for i, p in enumerate(parts))


def _swap_and(sql: str) -> str:
    """``WHERE a AND b`` → ``WHERE b AND a`` for the first two-term AND (else unchanged)."""
    m = re.search(r"(?i)\bwhere\s+([^()]+?)\s+and\s+([^()]+?)(\s+(?:group|order|limit)\b|\)|$)",
                  sql)
    if not m or re.search(r"(?i)\b(or|between|select|and)\b", m.group(1) + m.group(2)):
        return sql
    return sql[:m.start(1)] + f"{m.group(2)} AND {m.group(1)}" + sql[m.end(2):]


def _rename_aliases(sql: str) -> str:
    """Every ``AS alias`` (tables and columns) and its uses renamed."""
    types = {"real", "integer", "int", "text", "float", "numeric"}  # CAST(x AS REAL)
    aliases = {a for a in re.findall(r"(?i)\bAS\s+(\w+)", sql) if a.lower() not in types}
    return _outside_quotes(sql, lambda t: re.sub(
        r"\b(\w+)\b", lambda m: f"my_{m.group(1)}" if m.group(1) in aliases else m.group(1), t))


def _swap_quotes(sql: str) -> str:
    """'value' → "value" and "value" → 'value' (SQLite reads both as a string there)."""
    def swap(m: re.Match) -> str:
        text = m.group(0)
        return f'"{text[1:-1]}"' if text[0] == "'" and '"' not in text else f"'{text[1:-1]}'"
    return re.sub(r"""(?<![\w(])('[^']*'|"[^"]*")""", swap, sql)


def _swap_eq(sql: str) -> str:
    """``x = 'v'`` → ``'v' = x`` for every comparison with a quoted value."""
    return re.sub(r"""(\b[\w.]+)\s*=\s*('[^']*'|"[^"]*"|\d+)""", r"\2 = \1", sql)


DODGES = {
    "re-spaced and upper-cased": lambda g: _outside_quotes(g, lambda t: "  ".join(t.split(" "))
                                                             .upper()),
    "wrapped: SELECT * FROM (gold) AS t": lambda g: f"SELECT * FROM ({_bare(g)}) AS t",
    "wrapped without an alias": lambda g: f"SELECT * FROM ({_bare(g)})",
    "wrapped twice": lambda g: f"SELECT * FROM (SELECT * FROM ({_bare(g)}) AS a) AS b",
    "in a CTE": lambda g: f"WITH copy AS ({_bare(g)}) SELECT * FROM copy",
    "in parentheses": lambda g: f"({_bare(g)})",
    "trailing comment statement: gold; -- x": lambda g: f"{_bare(g)}; -- x",
    "leading line comment": lambda g: f"-- my model's answer\n{g}",
    "block comments inside": lambda g: _bare(g).replace(" FROM ", " /* x */ FROM ", 1),
    "empty statements": lambda g: f"{_bare(g)};;;",
    "quoted identifiers": lambda g: re.sub(r"(?i)\bfrom\s+(\w+)", r'FROM "\1"', g, count=1),
    "aliases renamed": _rename_aliases,
    "quotes swapped": _swap_quotes,
    "conditions swapped": _swap_and,
    "equality sides swapped": _swap_eq,
}
CORE_DODGES = [k for k in DODGES if k not in ("aliases renamed", "quotes swapped",
                                              "conditions swapped", "equality sides swapped")]


def _golds(name: str, data_dir=None) -> dict[int, str]:
    suite = load_suite(name, data_dir)
    return {e.question_id: e.gold_sql for e in suite.load_examples(suite.default_split)}


@pytest.fixture(scope="module")
def sample_golds() -> dict[int, str]:
    return _golds("sample")


def test_the_corpus_has_at_least_ten_dodges():
    assert len(DODGES) >= 10


@pytest.mark.parametrize("dodge", DODGES)
def test_each_dodge_of_each_sample_gold_is_the_gold(sample_golds, dodge):
    """The dodge changes the text of the golds it applies to, and the canonical form sees
    through every one."""
    changed = {q: DODGES[dodge](g) for q, g in sample_golds.items()}
    applied = [q for q in sample_golds if changed[q] != sample_golds[q]]
    assert applied, f"{dodge} changes no gold: it tests nothing"
    missed = [(sample_golds[q], changed[q]) for q in applied
              if canonical_sql(changed[q]) != canonical_sql(sample_golds[q])]
    assert not missed, missed[:3]


@pytest.mark.parametrize("dodge", CORE_DODGES)
def test_a_submission_of_one_dodge_is_flagged(sample_golds, dodge):
    predictions = {q: DODGES[dodge](g) for q, g in sample_golds.items()}
    share = gold_copy_share(predictions, sample_golds)
    assert share == 1.0
    signals = copy_signals(predictions, sample_golds, {q: (True, "match") for q in sample_golds})
    reasons = signals.reasons()
    assert "are the gold SQL itself" in reasons[0] and "within 0.5 points" in reasons[-1]
    first = min(predictions)
    if normalise_sql(predictions[first]) != normalise_sql(sample_golds[first]):
        assert "rewritten to look different" in reasons[1]  # other text, same structure


def test_the_spider_dev_golds_see_through_every_dodge(data_dir):
    golds = _golds("spider", data_dir)
    for dodge, change in DODGES.items():
        missed = [g for g in golds.values()
                  if change(g) != g and canonical_sql(change(g)) != canonical_sql(g)]
        assert len(missed) <= 0.01 * len(golds), (dodge, len(missed), missed[:3])


@pytest.mark.parametrize("a, b", [
    ("SELECT name FROM singer WHERE age > 20", "SELECT name FROM singer WHERE age >= 20"),
    ("SELECT name FROM singer ORDER BY age LIMIT 1", "SELECT name FROM singer ORDER BY age"),
    ("SELECT name FROM singer", "SELECT * FROM (SELECT name FROM singer) AS t WHERE name > 'a'"),
    ("SELECT name FROM singer", "SELECT DISTINCT * FROM (SELECT name FROM singer)"),
    ("SELECT a - b FROM t", "SELECT b - a FROM t"),
    ("SELECT name FROM singer WHERE name = 'Bob'", "SELECT name FROM singer WHERE name = 'bob'"),
    ("SELECT count(*) FROM singer", "SELECT count(*) FROM concert"),
])
def test_different_queries_stay_different(a, b):
    assert canonical_sql(a) != canonical_sql(b)


def test_a_model_that_writes_some_golds_is_not_flagged(sample_golds):
    """Qwen 0.5B's honest share on the sample suite is about 30%: no flag from the share, and
    its rewrites of a few golds are too few to count as a disguise."""
    ids = sorted(sample_golds)
    predictions = {q: (sample_golds[q] if i % 3 == 0 else "SELECT 1") for i, q in enumerate(ids)}
    predictions[ids[1]] = f"SELECT * FROM ({_bare(sample_golds[ids[1]])}) AS t"
    verdicts = {q: (predictions[q] != "SELECT 1", "match") for q in ids}
    assert copy_signals(predictions, sample_golds, verdicts).reasons() == []


def test_the_ceiling_counts_the_gold_failures_and_leaves_out_unscorable():
    """A gold that fails caps what any submission can score; EX at that cap is flagged."""
    verdicts = {i: (True, "match") for i in range(30)}
    verdicts.update({30: (False, "gold_error:no such table"), 31: (False, "unscorable:db x")})
    signals = copy_signals({}, {}, verdicts)
    assert signals.scored == 31 and signals.ceiling == pytest.approx(30 / 31)
    assert any("within" in r for r in signals.reasons())
    few = CopySignals(None, None, 1.0, 1.0, scored=10)  # a tiny split: 100% is plausible
    assert few.reasons() == []


def test_normalised_text_keeps_the_structure():
    gold = "SELECT name FROM singer"
    assert normalise_sql(f"SELECT * FROM ({gold})") != normalise_sql(gold)
    assert normalise_sql("select NAME from Singer ;") == normalise_sql(gold)

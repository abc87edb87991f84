"""Majority and value-aware voting (FINER-SQL §6), hand-computed, plus pass@k."""

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.core import Execution
from harness.evaluation.voting import (
    is_empty_or_zero,
    majority_vote,
    mean_pass_at_k,
    pass_at_k,
    recall_at_n,
    result_key,
    select,
    value_aware_vote,
)
from tests.generation_support import data_dir, require


def ok(*rows):
    return Execution(rows=list(rows))


ERR = Execution(rows=None, error="no such column: x")
TIMEOUT = Execution(rows=None, error="interrupted", timed_out=True)


# -- keys ------------------------------------------------------------------------------------------
def test_key_ignores_headers_column_order_row_order_and_duplicates():
    assert result_key([(1, "a"), (2, "b")]) == result_key([("b", 2), ("a", 1), ("a", 1)])


def test_key_maps_none_to_empty_and_stringifies():
    assert result_key([(None,)]) == "SUCCESS_VALUES:"
    assert result_key([(1.0, None)]) == "SUCCESS_VALUES:|1.0"
    assert result_key([(1,)]) != result_key([(1.0,)])  # str(1) != str(1.0), as upstream


_cells = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                   st.binary(max_size=4))


@given(st.lists(st.lists(_cells, min_size=1, max_size=4).map(tuple), max_size=30))
def test_key_is_upstreams_formula(rows):
    """The fast path builds exactly FINER-SQL's text: per row the values as text, sorted."""
    upstream = {"|".join(sorted("" if v is None else str(v) for v in row)) for row in rows}
    assert result_key(rows) == "SUCCESS_VALUES:" + ";".join(sorted(upstream))[:200]


def test_key_is_cut_to_200_characters():
    key = result_key([(i,) for i in range(1000)])
    assert len(key) == len("SUCCESS_VALUES:") + 200


@pytest.mark.parametrize(
    "key,skip",
    [
        ("SUCCESS_VALUES:", True),  # empty result
        ("SUCCESS_VALUES:0", True),
        ("SUCCESS_VALUES:0;0.0;-0", True),
        ("SUCCESS_VALUES:0%", True),  # trailing % stripped
        ("SUCCESS_VALUES:0.00 %", True),
        ("SUCCESS_VALUES:0;1", False),
        ("SUCCESS_VALUES:0|0", False),  # a two-value row is not one number
        ("SUCCESS_VALUES:0;abc", True),  # non-numbers ignored, the numbers are all zero
        ("SUCCESS_VALUES:abc", False),
        ("SUCCESS_VALUES:1e-5", False),  # not the upstream number pattern
    ],
)
def test_empty_or_zero(key, skip):
    assert is_empty_or_zero(key) is skip


# -- value-aware voting ----------------------------------------------------------------------------
def test_vav_skips_all_zero_group_even_when_largest():
    cands = ["z0", "z1", "z2", "a", "b"]
    execs = [ok((0,)), ok((0,)), ok((0,)), ok((7,)), ok((7,))]
    sel = value_aware_vote(cands, execs)
    assert (sel.sql, sel.index, sel.votes) == ("a", 3, 2)
    assert sel.skipped == ("SUCCESS_VALUES:0",)
    assert not sel.fallback
    assert majority_vote(cands, execs).sql == "z0"  # plain majority takes the zeros


def test_vav_skips_empty_results():
    execs = [ok(), ok(), ok(), ok(("France",))]
    assert value_aware_vote(["e1", "e2", "e3", "f"], execs).sql == "f"


def test_vav_falls_back_to_largest_group_when_all_skipped():
    # groups: "" (2 members), "0" (2 members); tie on size -> larger key "SUCCESS_VALUES:0"
    execs = [ok(), ok((0,)), ok(), ok((0,))]
    sel = value_aware_vote(["e1", "z1", "e2", "z2"], execs)
    assert sel.fallback
    assert (sel.sql, sel.index, sel.key) == ("z1", 1, "SUCCESS_VALUES:0")


def test_vav_fallback_prefers_size_over_key():
    execs = [ok(), ok(), ok((0,))]
    assert value_aware_vote(["e1", "e2", "z"], execs).sql == "e1"


def test_vav_tie_goes_to_lexicographically_larger_key():
    # "SUCCESS_VALUES:b" > "SUCCESS_VALUES:a", both with 2 votes; lowest index inside the group
    execs = [ok(("a",)), ok(("b",)), ok(("a",)), ok(("b",))]
    sel = value_aware_vote(["a1", "b1", "a2", "b2"], execs)
    assert (sel.sql, sel.index) == ("b1", 1)
    # plain majority breaks the same tie by the first group seen
    assert majority_vote(["a1", "b1", "a2", "b2"], execs).sql == "a1"


def test_vav_tie_compares_keys_as_strings():
    # "SUCCESS_VALUES:9" > "SUCCESS_VALUES:10" as text
    execs = [ok((10,)), ok((9,))]
    assert value_aware_vote(["ten", "nine"], execs).sql == "nine"


def test_vav_returns_lowest_index_in_group():
    execs = [ERR, ok((3,)), ok((5,)), ok((3,)), ok((3,))]
    sel = value_aware_vote(["bad", "x1", "y", "x2", "x3"], execs)
    assert (sel.sql, sel.index, sel.votes) == ("x1", 1, 3)
    assert sel.groups["SUCCESS_VALUES:3"] == [1, 3, 4]
    assert sel.failed == 1


def test_errors_timeouts_and_empty_sql_never_vote():
    execs = [ERR, TIMEOUT, ok((1,)), ok((2,)), ERR]
    sel = value_aware_vote(["e", "t", "one", "two", "e2"], execs)
    assert sel.sql == "two"  # 1 vote each: larger key "SUCCESS_VALUES:2"
    assert sel.failed == 3
    empty = value_aware_vote(["", "x"], [ok((1,)), ok((2,))])
    assert empty.sql == "x"  # the empty candidate's rows are ignored


def test_no_candidate_executed_gives_empty_sql():
    for vote in (value_aware_vote, majority_vote):
        sel = vote(["a", "b"], [ERR, TIMEOUT])
        assert (sel.sql, sel.index, sel.groups) == ("", None, {})


def test_select_dispatches_and_rejects_unknown():
    execs = [ok((0,)), ok((1,))]
    assert select("value-aware", ["z", "o"], execs).sql == "o"
    assert select("vav", ["z", "o"], execs).sql == "o"
    assert select("majority", ["z", "o"], execs).sql == "z"
    with pytest.raises(Exception, match="Unknown vote strategy 'best'"):
        select("best", ["z"], execs[:1])


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        majority_vote(["a"], [])


def test_selection_to_dict_reports_vote_counts():
    d = value_aware_vote(["a", "b", "c"], [ok((1,)), ok((1,)), ok((2,))]).to_dict()
    assert d["group_sizes"] == [2, 1] and d["votes"] == 2 and d["index"] == 0


def test_vav_on_real_executions():
    root = data_dir()
    require(root is not None, "Spider data not found")
    db = root / "spider/database/concert_singer/concert_singer.sqlite"
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)

    def run(sql):
        try:
            return Execution(rows=conn.execute(sql).fetchall())
        except sqlite3.Error as exc:
            return Execution(rows=None, error=str(exc))

    cands = [
        "SELECT count(*) FROM singer WHERE Country = 'Mars'",  # 0: all-zero, skipped by vav
        "SELECT count(*) FROM singer WHERE Country = 'Mars'",
        "SELECT count(*) FROM singer",  # 6
        "SELECT COUNT(Singer_ID) FROM singer",  # 6, same group
        "SELECT count(*) FROM singers",  # error
        "SELECT count(*) FROM singer WHERE Country = 'Moon'",  # 0 again
    ]
    execs = [run(s) for s in cands]
    conn.close()
    assert value_aware_vote(cands, execs).index == 2
    assert majority_vote(cands, execs).index == 0  # three zeros outvote two sixes


# -- pass@k ----------------------------------------------------------------------------------------
def test_pass_at_k():
    assert pass_at_k([False] * 5, 1) == 0.0
    assert pass_at_k([True] * 5, 3) == 1.0
    assert pass_at_k([True, False, False, False], 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2)
    assert pass_at_k([True, True, False], 1) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        pass_at_k([True], 2)


def test_recall_and_mean():
    assert recall_at_n([False, True]) and not recall_at_n([False, False])
    assert mean_pass_at_k([[True, False], [False, False]], 2) == 0.5
    assert mean_pass_at_k([], 1) == 0.0

"""Compare two verified results question by question: which is better, by how much, how sure."""

import streamlit as st

from leaderboard import queries as data
from leaderboard.plain import plain
from leaderboard.urlstate import plural, publish, restore

url = data.store_url()
st.title("Compare two submissions")
results = data.verified_results(url)
keys = list(dict.fromkeys(r["key"] for r in results))
if not keys:
    st.info("Comparisons need verified submissions (with per-question verdicts).")
    st.stop()

by_id = {r["result_id"]: r for r in results}
# Opens on the top two unflagged rows of the board's default view; a shared link names its own.
top = [i for i in data.top_unflagged(url) if i in by_id]
counts = {k: sum(r["key"] == k for r in results) for k in keys}
default_key = (by_id[top[0]]["key"] if top
               else next((k for k in keys if counts[k] >= 2), keys[0]))
if "compare_key" not in st.session_state and st.query_params.get("a", "").isdigit():
    linked = by_id.get(int(st.query_params["a"]))
    if linked:
        st.session_state["compare_key"] = linked["key"]
restore("compare_key", "on", keys, default=default_key)
key = st.selectbox("Benchmark", keys, key="compare_key")
candidates = [r for r in results if r["key"] == key]
ids = [r["result_id"] for r in candidates]
if len(ids) < 2:
    st.info("Only one verified submission has this benchmark; nothing to compare yet.")
    st.stop()
unflagged = [r["result_id"] for r in candidates if not r["gold"] and not r["flags"]]
preferred = [i for i in top if i in ids] + [i for i in unflagged if i not in top] + ids
restore("compare_a", "a", ids, parse=int, default=preferred[0])
restore("compare_b", "b", ids, parse=int,
        default=next(i for i in preferred if i != st.session_state["compare_a"]))
c1, c2 = st.columns(2)
a = c1.selectbox("A", ids, format_func=lambda i: by_id[i]["label"], key="compare_a")
b = c2.selectbox("B", ids, format_func=lambda i: by_id[i]["label"], key="compare_b")
publish(on=key, a=a, b=b)
if a == b:
    st.warning("Choose two different submissions.")
    st.stop()

def ex_text(r: dict) -> str:
    return "—" if r["ex"] is None else f"{100 * r['ex']:.2f}"


for side, r in (("A", by_id[a]), ("B", by_id[b])):
    claim = ("" if r["claimed_ex"] is None else
             f"; its run claimed EX {100 * r['claimed_ex']:.2f}%, re-scored {ex_text(r)}%")
    st.caption(plain(f"{side}: {r['name']}: {r['status']}; {r['decoding']} "
                     f"({r['decoding_class']}){claim}."))
    if r["flags"]:
        st.warning(f"{side} is flagged, so it is not ranked:")
        for flag in r["flags"]:
            st.code(flag, language=None, wrap_lines=True)

view = data.paired(url, a, b)
cmp = view.comparison
summary = plain(view.summary())
if not view.same_class:
    st.warning(summary)
elif view.winner:  # a success colour only for a real winner
    st.success(summary)
else:
    st.info(summary)


def ex_help(r: dict) -> str:
    lo, hi = r["ci"]
    interval = "" if lo is None else f"95% interval {100 * lo:.1f} – {100 * hi:.1f}; "
    return plain(f"{interval}over {r['n_scored']} scored of {r['n_total']} questions; "
                 f"decoding: {r['decoding']} ({r['decoding_class']})")


m1, m2, m3, m4 = st.columns(4)
m1.metric("A: EX %", ex_text(view.a), help=ex_help(view.a))
m2.metric("B: EX %", ex_text(view.b), help=ex_help(view.b))
m3.metric("A − B, points",
          "—" if view.diff is None else f"{100 * view.diff:+.2f}",
          help="Over the questions both answered; paired bootstrap 95% interval in the text")
m4.metric("McNemar exact p", f"{cmp.p_value:.4g}")
st.caption(
    f"A: {ex_help(view.a)}. B: {ex_help(view.b)}. The comparison pairs the {cmp.n} questions "
    f"scored for both"
    + (f" ({plural(view.unscorable, 'question')} left out: a database is missing or damaged "
       "here, so they are unscorable, not wrong)" if view.unscorable else "")
    + f". The exact McNemar test looks only at the "
    f"{plural(len(cmp.only_a) + len(cmp.only_b), 'question')} where they disagree."
)
st.dataframe(view.table, key="compare_table")

st.subheader("Questions")
c1, c2 = st.columns([1, 2])
restore("compare_subset", "show", data.COMPARE_SUBSETS,
        default=next((k for k in data.COMPARE_SUBSETS[:2]  # open on the disagreements there are
                      if not data.question_subset(view.questions, k).empty), "all"))
restore("compare_search", "search", None)
subset = c1.selectbox("Show", data.COMPARE_SUBSETS, key="compare_subset")
text = c2.text_input("Search the questions", key="compare_search", max_chars=200,
                     placeholder="words of the question")
publish(show=subset, search=text.strip())
listing = data.question_subset(view.questions, subset, text)
st.dataframe(listing, hide_index=True, key="compare_questions",
             column_config={"question_id": st.column_config.NumberColumn("id", format="%d")})
st.caption(f"{plural(len(listing), 'question')}.")

if not listing.empty:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    questions = dict(zip(listing["question_id"], listing["question"].fillna("")))
    restore("compare_question", "question", list(questions), parse=int)
    restore("compare_side", "side", ["A", "B"], default="A")
    qid = c1.selectbox("Open a question", list(questions),
                       format_func=lambda q: f"{q}: {questions[q][:90]}", key="compare_question")
    side = c2.radio("Of", ["A", "B"], horizontal=True, key="compare_side")
    publish(question=qid, side=side)
    if st.button("Open in Sample", key="compare_open"):
        st.switch_page("pages/sample.py",
                       query_params={"result": str(a if side == "A" else b), "q": str(qid)})

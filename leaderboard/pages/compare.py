"""Compare two verified results question by question: which is better, by how much, how sure."""

import streamlit as st

from leaderboard import queries as data
from leaderboard.urlstate import plural, publish, restore

url = data.store_url()
st.title("Compare two submissions")
results = data.verified_results(url)
keys = list(dict.fromkeys(r["key"] for r in results))
if not keys:
    st.info("Comparisons need verified submissions (with per-question verdicts).")
    st.stop()

by_id = {r["result_id"]: r for r in results}
# A shared link names the two results; the benchmark follows from them.
if "compare_key" not in st.session_state and st.query_params.get("a", "").isdigit():
    linked = by_id.get(int(st.query_params["a"]))
    if linked:
        st.session_state["compare_key"] = linked["key"]
counts = {k: sum(r["key"] == k for r in results) for k in keys}
restore("compare_key", "on", keys,
        default=next((k for k in keys if counts[k] >= 2), keys[0]))
key = st.selectbox("Benchmark", keys, key="compare_key")
candidates = [r for r in results if r["key"] == key]
ids = [r["result_id"] for r in candidates]
if len(ids) < 2:
    st.info("Only one verified submission has this benchmark; nothing to compare yet.")
    st.stop()
models = [r["result_id"] for r in candidates if not r["gold"]] or ids
restore("compare_a", "a", ids, parse=int, default=models[0])
restore("compare_b", "b", ids, parse=int,
        default=next((i for i in models + ids if i != st.session_state["compare_a"]), ids[1]))
c1, c2 = st.columns(2)
a = c1.selectbox("A", ids, format_func=lambda i: by_id[i]["label"], key="compare_a")
b = c2.selectbox("B", ids, format_func=lambda i: by_id[i]["label"], key="compare_b")
publish(on=key, a=a, b=b)
if a == b:
    st.warning("Choose two different submissions.")
    st.stop()

view = data.paired(url, a, b)
cmp = view.comparison
if view.same_class:
    st.success(view.summary())
else:
    st.warning(view.summary())


def ex_text(r: dict) -> str:
    return "—" if r["ex"] is None else f"{100 * r['ex']:.2f}"


def ex_help(r: dict) -> str:
    lo, hi = r["ci"]
    interval = "" if lo is None else f"95% interval {100 * lo:.1f} – {100 * hi:.1f}; "
    return (f"{interval}over {r['n_scored']} scored of {r['n_total']} questions; "
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
if "compare_subset" not in st.session_state:  # open on the disagreements that exist
    st.session_state["compare_subset"] = next(
        (k for k in data.COMPARE_SUBSETS[:2] if not data.question_subset(view.questions, k).empty),
        "all")
subset = c1.selectbox("Show", data.COMPARE_SUBSETS, key="compare_subset")
text = c2.text_input("Search the questions", key="compare_search",
                     placeholder="words of the question")
listing = data.question_subset(view.questions, subset, text)
st.dataframe(listing, hide_index=True, key="compare_questions",
             column_config={"question_id": st.column_config.NumberColumn("id", format="%d")})
st.caption(f"{plural(len(listing), 'question')}.")

if not listing.empty:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    questions = dict(zip(listing["question_id"], listing["question"].fillna("")))
    qid = c1.selectbox("Open a question", list(questions),
                       format_func=lambda q: f"{q}: {questions[q][:90]}", key="compare_question")
    side = c2.radio("Of", ["A", "B"], horizontal=True, key="compare_side")
    if st.button("Open in Sample", key="compare_open"):
        st.switch_page("pages/sample.py",
                       query_params={"result": str(a if side == "A" else b), "q": str(qid)})

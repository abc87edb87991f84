"""Compare two verified results question by question, with an exact McNemar test."""

import streamlit as st

from leaderboard import queries as data

url = data.store_url()
st.title("Compare two submissions")
results = data.verified_results(url)
keys = list(dict.fromkeys(r["key"] for r in results))
if not keys:
    st.info("Comparisons need verified submissions (with per-question verdicts).")
    st.stop()

counts = [sum(r["key"] == k for r in results) for k in keys]
first = next((i for i, n in enumerate(counts) if n >= 2), 0)
key = st.selectbox("Suite/split", keys, index=first, key="compare_key")
candidates = [r for r in results if r["key"] == key]
labels = {r["result_id"]: r["label"] for r in candidates}
ids = list(labels)
if len(ids) < 2:
    st.info("Only one verified submission has this suite/split; nothing to compare yet.")
    st.stop()
for key_ in ("compare_a", "compare_b"):  # a choice from another suite/split no longer applies
    if st.session_state.get(key_) not in labels:
        st.session_state.pop(key_, None)
c1, c2 = st.columns(2)
a = c1.selectbox("A", ids, format_func=labels.get, key="compare_a")
b = c2.selectbox("B", ids, index=1, format_func=labels.get, key="compare_b")
if a == b:
    st.warning("Choose two different submissions.")
    st.stop()

view = data.paired(url, a, b)
cmp = view.comparison
m1, m2, m3, m4 = st.columns(4)
m1.metric("A: EX %", "—" if view.a_ex is None else f"{100 * view.a_ex:.2f}")
m2.metric("B: EX %", "—" if view.b_ex is None else f"{100 * view.b_ex:.2f}")
m3.metric("Agreement %", "—" if cmp.agreement is None else f"{100 * cmp.agreement:.1f}")
m4.metric("McNemar exact p", f"{cmp.p_value:.4g}")
st.caption(
    f"Over {cmp.n} questions both answered. The exact McNemar test looks only at the "
    f"{len(cmp.only_a) + len(cmp.only_b)} questions where they disagree; a small p (say below "
    "0.05) means the difference is unlikely to be chance."
)
st.dataframe(view.table, key="compare_table")

c1, c2 = st.columns(2)
c1.subheader(f"A right, B wrong ({len(cmp.only_a)})")
c1.dataframe(view.only_a, hide_index=True, key="compare_only_a")
c2.subheader(f"B right, A wrong ({len(cmp.only_b)})")
c2.dataframe(view.only_b, hide_index=True, key="compare_only_b")

st.subheader("Open a question")
disagreements = cmp.only_a + cmp.only_b
if disagreements:
    c1, c2, c3 = st.columns([2, 1, 1])
    qid = c1.selectbox("Question", sorted(disagreements), key="compare_question")
    side = c2.radio("Of", ["A", "B"], horizontal=True, key="compare_side")
    if c3.button("Open in Sample", key="compare_open"):
        st.session_state["drill_result"] = a if side == "A" else b
        st.session_state["drill_question"] = qid
        st.switch_page("pages/sample.py")
else:
    st.text("The two agree on every question.")

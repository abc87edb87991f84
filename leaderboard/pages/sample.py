"""Drill down to one question of a verified result: question, schema, both SQLs and results."""

import streamlit as st

from leaderboard import queries as data

url = data.store_url()
st.title("Sample")
results = data.verified_results(url)
if not results:
    st.info("Drill-down needs a verified submission (with per-question verdicts).")
    st.stop()

labels = {r["result_id"]: r["label"] for r in results}
if "drill_result" in st.session_state:  # arriving from the Compare page
    st.session_state["sample_result"] = st.session_state.pop("drill_result")
    st.session_state["sample_question"] = st.session_state.pop("drill_question", None)
    st.session_state["sample_only_wrong"] = False
if st.session_state.get("sample_result") not in labels:  # stale, e.g. a deleted submission
    st.session_state.pop("sample_result", None)
result_id = st.selectbox("Submission", list(labels), format_func=labels.get, key="sample_result")
verdicts = data.verdicts(url, result_id)
if verdicts.empty:
    st.info("This result has no per-question verdicts.")
    st.stop()
only_wrong = st.toggle("Only questions it gets wrong", False, key="sample_only_wrong")
shown = verdicts[~verdicts["correct"]] if only_wrong else verdicts
if shown.empty:
    st.info("It gets every question right.")
    st.stop()
questions = dict(zip(shown["question_id"], shown["question"].fillna("")))
if st.session_state.get("sample_question") not in questions:
    st.session_state.pop("sample_question", None)
qid = st.selectbox(
    "Question", list(questions), format_func=lambda q: f"{q}: {questions[q][:100]}",
    key="sample_question",
)
s = data.sample_detail(url, result_id, qid)
suite = next(r["key"] for r in results if r["result_id"] == result_id).partition("/")[0]

c1, c2 = st.columns([3, 1])
with c1:
    st.subheader("Question")
    st.text(s["question"] or "")
    if s["evidence"]:
        st.caption("Evidence")
        st.text(s["evidence"])
with c2:
    st.metric("Verdict", "correct" if s["correct"] else "wrong")
    st.caption("Reason")
    st.code(s["reason"], language=None, wrap_lines=True)
    if s["strict_correct"] is not None and s["strict_correct"] != s["correct"]:
        st.caption("The quirk-free (strict) rule decides otherwise:")
        st.text("strict: correct" if s["strict_correct"] else "strict: wrong")

st.subheader("Database")
st.text(f"{s['db_id']} ({s['difficulty'] or 'no difficulty label'})")
schema = data.schema_frame(suite, s["db_id"])
if schema is None:
    st.caption("The schema is not available here (the suite's data is not on this machine).")
else:
    with st.expander("Schema", expanded=False):
        st.dataframe(schema, hide_index=True, key="sample_schema")

c1, c2 = st.columns(2)
for column, title, sql, preview, rows, ms in (
    (c1, "Gold SQL", s["gold_sql"], s["gold_preview"], s["gold_rows"], s["gold_exec_ms"]),
    (c2, "Predicted SQL", s["pred_sql"], s["pred_preview"], s["pred_rows"], s["exec_ms"]),
):
    with column:
        st.subheader(title)
        st.code(sql if sql is not None else "(no prediction)", language="sql", wrap_lines=True)
        frame = data.preview_frame(preview)
        if frame is None:
            st.caption("No result (the query failed, timed out or did not run).")
        else:
            timing = "" if ms is None else f", {ms:.1f} ms"
            st.caption(f"{rows} rows{timing}; first {len(frame)} shown")
            st.dataframe(frame, hide_index=True, key=f"sample_rows_{title.split()[0].lower()}")
if s["latency_s"] is not None:
    st.caption(f"Generation latency: {s['latency_s']:.3f} s")

"""One question of a verified result: question, schema, both SQLs side by side, both results."""

import streamlit as st

from leaderboard import queries as data
from leaderboard import reasons
from leaderboard.plain import plain
from leaderboard.queries import latency_text
from leaderboard.urlstate import plural, publish, restore, restore_many

url = data.store_url()
st.title("Sample")
results = data.verified_results(url)
if not results:
    st.info("Drill-down needs a verified submission (with per-question verdicts).")
    st.stop()

by_id = {r["result_id"]: r for r in results}
# Opens on the board's top unflagged row (never the gold self-test or a flagged copy).
top = [i for i in data.top_unflagged(url) if i in by_id]
first = top[0] if top else next((r["result_id"] for r in results
                                 if not r["gold"] and not r["flags"]), results[0]["result_id"])
restore("sample_result", "result", list(by_id), parse=int, default=first)
result_id = st.selectbox(
    "Submission", list(by_id), key="sample_result",
    format_func=lambda i: f"{by_id[i]['key']} · {by_id[i]['label']}",
)
info = by_id[result_id]
lo, hi = info["ci"]
unscorable = (info["n_total"] or 0) - (info["n_scored"] or 0)
st.metric(
    f"EX % on {info['key']}", "—" if info["ex"] is None else f"{100 * info['ex']:.2f}",
    help="Over the scored questions; unscorable ones are left out, not counted wrong",
)
st.caption(
    ("" if lo is None else f"95% interval {100 * lo:.1f} – {100 * hi:.1f}; ")
    + f"{info['n_scored']} scored of {info['n_total']} questions"
    + (f"; {plural(unscorable, 'question')} unscorable here (database missing or damaged)"
       if unscorable else "")
    + f"; decoding: {plain(info['decoding'])}; {plain(info['status'])}"
    + ("" if info["claimed_ex"] is None else
       f"; the run claimed EX {100 * info['claimed_ex']:.2f}%")
    + "."
)
if info["flags"]:
    st.warning("Flagged, so not ranked:")
    for flag in info["flags"]:
        st.code(flag, language=None, wrap_lines=True)
frame = data.question_frame(url, result_id)
if frame.empty:
    st.info("This result has no per-question verdicts.")
    st.stop()

groups = [g for g in reasons.CATEGORIES if g in set(frame["group"])]
levels = sorted(set(frame["difficulty"].fillna("no label")))
restore_many("sample_groups", "verdict", groups)
restore_many("sample_levels", "level", levels)
restore("sample_search", "search", None)
c1, c2, c3 = st.columns([2, 1, 2])
chosen_groups = c1.multiselect("Verdict", groups, key="sample_groups",
                               placeholder="every verdict")
chosen_levels = c2.multiselect("Difficulty", levels, key="sample_levels",
                               placeholder="every level")
text = c3.text_input("Search", key="sample_search", max_chars=200,
                     placeholder="words of the question")
shown = data.filter_questions(frame, chosen_groups, chosen_levels, text)
if shown.empty:
    st.info("No question matches these filters.")
    st.stop()
order = [int(q) for q in shown["question_id"]]
questions = dict(zip(order, shown["question"].fillna("")))
restore("sample_question", "q", order, parse=int, default=order[0])


def step(by: int) -> None:
    """Previous/next within the filtered questions (a callback: runs before the widgets)."""
    at = order.index(st.session_state["sample_question"])
    st.session_state["sample_question"] = order[(at + by) % len(order)]


c1, c2, c3 = st.columns([1, 6, 1], vertical_alignment="bottom")
c1.button("◀ Previous", key="sample_prev", on_click=step, args=(-1,), width="stretch")
qid = c2.selectbox("Question", order, key="sample_question",
                   format_func=lambda q: f"{q}: {questions[q][:100]}")
c3.button("Next ▶", key="sample_next", on_click=step, args=(1,), width="stretch")
publish(result=result_id, q=qid, verdict=chosen_groups, level=chosen_levels,
        search=text.strip())
st.caption(f"Question {order.index(qid) + 1} of {plural(len(order), 'question')} shown.")
s = data.sample_detail(url, result_id, qid)
suite = info["key"].partition("/")[0]

c1, c2 = st.columns([3, 1])
with c1:
    st.subheader("Question")
    st.text(s["question"] or "")
    if s["evidence"]:
        st.caption("Evidence")
        st.text(s["evidence"])
with c2:
    st.metric("Verdict", reasons.verdict_word(s["reason"], s["correct"]))
    st.caption(reasons.category(s["reason"], s["correct"]))
st.text(reasons.describe(s["reason"], s["correct"]))
with st.expander("Reason code"):
    st.code(s["reason"], language=None, wrap_lines=True)
if s["strict_correct"] is not None and s["strict_correct"] != s["correct"]:
    st.caption("The quirk-free (strict) rule decides otherwise: "
               + ("correct" if s["strict_correct"] else "wrong") + ".")

st.subheader("Database")
st.text(f"{s['db_id']} ({s['difficulty'] or 'no difficulty label'})")
schema = data.schema_frame(suite, s["db_id"])
if schema is None:
    st.caption("The schema is not available here (the suite's data is not on this server).")
else:
    with st.expander("Schema", expanded=False):
        st.dataframe(schema, hide_index=True, key="sample_schema")

st.subheader("SQL")
c1, c2 = st.columns(2)
c1.caption("Gold")
c1.code(data.pretty_sql(s["gold_sql"]) or "(none)", language="sql", wrap_lines=True)
c2.caption("Predicted")
c2.code(data.pretty_sql(s["pred_sql"]) if s["pred_sql"] is not None else "(no prediction)",
        language="sql", wrap_lines=True)
diff = data.sql_diff(s["gold_sql"], s["pred_sql"])
with st.expander("Differences, line by line", expanded=bool(diff) and not s["correct"]):
    if diff:
        st.code(diff, language="diff", wrap_lines=True)
    else:
        st.text("The two are the same text once laid out.")

st.subheader("Results")
c1, c2 = st.columns(2)
for column, title, sql, preview, rows, ms in (
    (c1, "Gold", s["gold_sql"], s["gold_preview"], s["gold_rows"], s["gold_exec_ms"]),
    (c2, "Predicted", s["pred_sql"], s["pred_preview"], s["pred_rows"], s["exec_ms"]),
):
    with column:
        st.caption(title)
        table = data.preview_frame(preview, sql)
        if table is None:
            st.text("No result (the query failed, timed out or did not run).")
        else:
            timing = "" if ms is None else f", {ms:.1f} ms"
            st.caption(f"{plural(rows or 0, 'row')}{timing}; first {len(table)} shown")
            st.dataframe(table, hide_index=True, key=f"sample_rows_{title.lower()}")
st.caption(latency_text(s["latency_s"], info["batch_size"]))

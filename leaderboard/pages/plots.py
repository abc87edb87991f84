"""Plots: EX vs s/sample with the Pareto front, EX vs model size, EX per difficulty, and
pass@k against the voted EX for submissions with several candidates per question."""

import altair as alt
import streamlit as st

from leaderboard import queries as data

url = data.store_url()
frame = data.board_frame(url)

st.title("Plots")
keys = data.result_keys(frame)
if not keys:
    st.info("No results yet.")
    st.stop()
key = st.selectbox("Suite/split", keys, key="plots_key")
include_reported = st.toggle("Include reported (not verified) results", True, key="plots_reported")
shown = frame if include_reported else frame[frame["Status"] != data.STATUS_REPORTED]
points = data.plot_points(shown, key)
status = alt.Color("Status:N", title="Status")
tooltip = ["Submission", "Status", "EX", "s/sample", "Params (B)", "Decoding"]

st.subheader("Accuracy vs latency")
st.caption("The line joins the Pareto front: no other submission is both more accurate and faster.")
timed = points[points["s/sample"].notna() & (points["s/sample"] > 0)]
if timed.empty:
    st.info("No submission for this suite/split reports s/sample yet.")
else:
    base = alt.Chart(timed).encode(
        x=alt.X("s/sample:Q", scale=alt.Scale(type="log"), title="s/sample (log)"),
        y=alt.Y("EX:Q", title="EX %"),
    )
    dots = base.mark_point(filled=True, size=80).encode(
        color=status, shape=alt.Shape("Pareto:N", title="Pareto front"), tooltip=tooltip
    )
    front = base.transform_filter(alt.datum.Pareto).mark_line(strokeDash=[4, 3], color="gray")
    st.altair_chart(dots + front, width="stretch", key="plots_pareto")

st.subheader("Accuracy vs model size")
sized = points[points["Params (B)"].notna()]
if sized.empty:
    st.info("No submission for this suite/split states its model size.")
else:
    chart = alt.Chart(sized).mark_point(filled=True, size=80).encode(
        x=alt.X("Params (B):Q", scale=alt.Scale(type="log"), title="parameters, billions (log)"),
        y=alt.Y("EX:Q", title="EX %"),
        color=status,
        tooltip=tooltip,
    )
    st.altair_chart(chart, width="stretch", key="plots_size")

st.subheader("Accuracy by difficulty")
levels = data.difficulty_long(shown, key)
if levels.empty:
    st.info("No per-difficulty numbers for this suite/split.")
else:
    order = list(dict.fromkeys(levels["Level"]))
    chart = alt.Chart(levels).mark_bar().encode(
        x=alt.X("Level:N", sort=order, title=None),
        xOffset=alt.XOffset("Submission:N"),
        y=alt.Y("EX:Q", title="EX %"),
        color=alt.Color("Submission:N"),
        tooltip=["Submission", "Status", "Level", "EX"],
    )
    st.altair_chart(chart, width="stretch", key="plots_difficulty")

st.subheader("pass@k with several candidates per question")
curves = data.pass_at_k_long(data.submissions(url), key)
if not include_reported:
    curves = curves[curves["Status"] != data.STATUS_REPORTED]
if curves.empty:
    st.info("No submission for this suite/split was scored with several candidates per question.")
else:
    st.caption("Lines: pass@k (unbiased estimator) by the number of candidates k. Dashed: the EX "
               "of the candidate each submission's vote chose.")
    submission = alt.Color("Submission:N")
    lines = alt.Chart(curves).mark_line(point=True).encode(
        x=alt.X("k:Q", scale=alt.Scale(type="log", base=2), title="k (log scale)"),
        y=alt.Y("pass@k:Q", title="%"),
        color=submission,
        tooltip=["Submission", "Status", "k", "pass@k", "EX", "Vote", "From"],
    )
    voted = alt.Chart(curves.drop_duplicates("Submission")).mark_rule(strokeDash=[4, 3]).encode(
        y="EX:Q", color=submission, tooltip=["Submission", "EX", "Vote"]
    )
    st.altair_chart(lines + voted, width="stretch", key="plots_pass_at_k")

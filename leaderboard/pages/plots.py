"""Plots of one benchmark: EX against s/sample (one hardware at a time), against model size,
and by difficulty. Points carry their names and 95% intervals; verified points are the strong
colour, published ones the pale one."""

import altair as alt
import streamlit as st

from leaderboard import queries as data
from leaderboard.urlstate import publish, restore, restore_flag

STRONG, PALE = "#1f4e9c", "#b0b8c4"
KIND = alt.Color(
    "Kind:N", title=None,
    scale=alt.Scale(domain=["verified", data.STATUS_REPORTED], range=[STRONG, PALE]),
    legend=alt.Legend(orient="top", labelFontSize=13, symbolSize=120),
)
TOOLTIP = ["Submission", "Kind", alt.Tooltip("EX:Q", format=".2f"), "ci_low", "ci_high",
           "s/sample", "Params (B)", "Decoding", "Timing"]

url = data.store_url()
subs = data.submissions(url)
st.title("Plots")
benches = data.benchmarks(subs)
if not benches:
    st.info("No results yet.")
    st.stop()
labels = {b.key: b.label for b in benches}
restore("plots_key", "view", list(labels), default=data.default_benchmark(benches))
restore_flag("plots_reported", "reported", default=True)
key = st.selectbox("Benchmark", list(labels), format_func=labels.get, key="plots_key")
include_reported = st.toggle("Include reported (not verified) results", key="plots_reported")
publish(view=key, reported=None if include_reported else "0")
frame = data.view_frame(url, key)
if not include_reported:
    frame = frame[frame["verified"]]
points = data.plot_points(frame)


def scatter(frame, x: alt.X, column: str) -> alt.Chart:
    """Points with their names and 95% interval bars, verified in the strong colour; a name
    that would overlap another is left to the tooltip (``data.labelled``)."""
    base = alt.Chart(frame).encode(x=x)
    named = frame[data.labelled(frame, column)] if not frame.empty else frame
    bars = base.mark_rule(strokeWidth=2, opacity=0.6).encode(
        y=alt.Y("ci_low:Q", title="EX % (95% interval)"), y2="ci_high:Q", color=KIND,
    )
    dots = base.mark_circle(size=90, opacity=1).encode(
        y=alt.Y("EX:Q", title="EX % (95% interval)"), color=KIND, tooltip=TOOLTIP,
    )
    names = alt.Chart(named).mark_text(align="left", dx=7, dy=-7, fontSize=11,
                                       limit=150).encode(
        x=x, y="EX:Q", text="Submission:N", color=KIND,
    )
    return (bars + dots + names).properties(height=380)


st.subheader("Accuracy vs speed")
groups = data.timing_groups(points)
if not groups:
    st.info("No row of this benchmark reports s/sample.")
else:
    restore("plots_hardware", "hardware", groups, default=groups[0])
    hardware = st.selectbox(
        "Timed on", groups, key="plots_hardware",
        help="Timings from different hardware (or from papers that do not say) are not "
             "comparable, so the plot shows one hardware at a time.")
    publish(hardware=hardware)
    timed = data.speed_points(points, hardware)
    st.caption(
        f"s/sample is generation wall time per question in batch (throughput), as each run "
        f"reported it on {hardware}; this server does not re-time runs. Only rows timed on "
        f"this hardware are plotted"
        + (f" ({len(groups) - 1} other hardware group(s) in the menu)" if len(groups) > 1
           else "")
        + ". The dashed line joins the Pareto front: no other row is both more accurate and "
        "faster."
    )
    chart = scatter(timed, alt.X("s/sample:Q", scale=alt.Scale(type="log"),
                                 title="s/sample, log scale (lower is faster)"), "s/sample")
    front = alt.Chart(timed[timed["Pareto front"]]).mark_line(
        strokeDash=[5, 4], color="#555").encode(x="s/sample:Q", y="EX:Q")
    st.altair_chart(chart + front, width="stretch", key="plots_pareto")

st.subheader("Accuracy vs model size")
sized = points[points["Params (B)"].notna()]
if sized.empty:
    st.info("No row of this benchmark states its model size.")
else:
    st.altair_chart(
        scatter(sized, alt.X("Params (B):Q", scale=alt.Scale(type="log"),
                             title="parameters, billions (log scale)"), "Params (B)"),
        width="stretch", key="plots_size",
    )
    st.caption("Rows mix decoding classes (greedy, voting, pipelines); the table says which.")

st.subheader("Accuracy by difficulty")
levels = data.difficulty_long(frame)
if levels.empty:
    st.info("No per-difficulty numbers for this benchmark.")
else:
    order = list(dict.fromkeys(levels["Level"]))
    levels = levels.assign(Row=[
        name if kind == "verified" else f"{name} · reported"
        for name, kind in zip(levels["Submission"], levels["Kind"])
    ])
    base = alt.Chart(levels).encode(
        # Level names at the top and bottom, never dropped for want of room (a phone is
        # 390 px wide: row names are cut at 120 px to leave the cells their space).
        x=alt.X("Level:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=-30, orient="top", labelFontSize=12,
                              labelOverlap=False, labelLimit=90)),
        y=alt.Y("Row:N", title=None, axis=alt.Axis(labelLimit=120)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("EX:Q", title="EX %", scale=alt.Scale(scheme="blues", domain=[0, 100]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=["Submission", "Kind", "Level", alt.Tooltip("EX:Q", format=".2f")],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("EX:Q", format=".1f"),
        color=alt.condition(alt.datum.EX > 60, alt.value("white"), alt.value("black")),
    )
    st.altair_chart((cells + text).properties(height=alt.Step(24)), width="stretch",
                    key="plots_difficulty")
    st.caption("Each cell is EX % on one difficulty level; published rows are marked "
               "“reported”.")

st.subheader("pass@k with several candidates per question")
curves = data.pass_at_k_long(subs, key)
if not include_reported:
    curves = curves[curves["Status"] != data.STATUS_REPORTED]
if curves.empty:
    st.info("No submission for this benchmark was scored with several candidates per question.")
else:
    st.caption("Lines: pass@k (unbiased estimator) by the number of candidates k. Dashed: the EX "
               "of the candidate each submission's vote chose.")
    submission = alt.Color("Submission:N", legend=alt.Legend(orient="top", labelLimit=220))
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

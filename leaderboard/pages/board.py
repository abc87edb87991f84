"""The table: one row per submission, filters, search, sort, and a submission's details."""

import streamlit as st

from leaderboard import queries as data

url = data.store_url()
# The seeds of a `harness run --seeds` run are one row (mean ± sd) unless asked for each.
frame = data.board_frame(url, st.session_state.get("board_per_seed", False))

st.title("Text-to-SQL leaderboard")
st.caption(
    "Verified rows were re-executed and re-scored by the harness from their predictions; the "
    "EX interval is a 95% bootstrap interval. Rows marked “reported, not verified” are "
    "published numbers, not re-checked, and take no rank. ⚑ marks a verified submission whose "
    "own claims differ from the re-scored numbers shown."
)
if frame.empty:
    st.info("No submissions yet: add one with `harness submit` or on the Submit page.")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
suites = c1.multiselect("Suite", data.suite_options(frame), key="board_suites")
methods = c2.multiselect("Method", data.options(frame, "Method"), key="board_methods")
sizes = c3.multiselect("Size", data.options(frame, "Size"), key="board_sizes")
decodings = c4.multiselect("Decoding", data.options(frame, "Decoding"), key="board_decodings")

c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
query = c1.text_input(
    "Search", key="board_search", placeholder="name, method, base model or decoding"
)
f = data.BoardFilter(suites, methods, sizes, decodings, query)
columns = data.board_view(frame, f).columns
ex_columns = [c for c in columns if c.endswith(" EX")]
sortable = ex_columns + ["Params (B)", "s/sample", "Submission"]
first = data.default_sort(frame)
sort_by = c2.selectbox(
    "Sort by", sortable, index=sortable.index(first) if first in sortable else 0, key="board_sort"
)
descending = c3.toggle("Descending", value=True, key="board_descending")
c1, c2, c3, _ = st.columns([1, 1, 1, 3])
f.include_reported = c1.toggle("Reported rows", value=True, key="board_reported")
f.show_difficulty = c2.toggle("By difficulty", value=True, key="board_difficulty")
c3.toggle("Per-seed rows", value=False, key="board_per_seed",
          help="A run over several seeds is one row (mean EX ± sd); show each seed's row.")

view = data.board_view(frame, f, sort_by, descending)
config = {
    "Rank": st.column_config.NumberColumn("Rank", help="Among verified rows, by the sort key"),
    "Link": st.column_config.LinkColumn("Link"),
    "Params (B)": st.column_config.NumberColumn("Params (B)", format="%.2f"),
    "s/sample": st.column_config.NumberColumn("s/sample", format="%.3f"),
    "id": st.column_config.NumberColumn("id", format="%d"),
}
for column in view.columns:
    if column.startswith(tuple(f"{k} " for k in data.result_keys(frame))) and not column.endswith(
        "95% CI"
    ):
        config[column] = st.column_config.NumberColumn(column, format="%.2f")
st.dataframe(view, hide_index=True, column_config=config, placeholder="–", key="board_table")
st.caption(f"{len(view)} of {len(frame)} submissions shown.")

st.subheader("Details")
choices = view["id"].tolist()
names = dict(zip(view["id"], view["Submission"]))
chosen = st.selectbox(
    "Submission", choices, format_func=lambda i: f"#{i} {names[i]}", key="board_details",
    index=None, placeholder="Choose a submission to see where its numbers come from",
)
if chosen is not None:
    for flag in data.submission_flags(url, chosen):
        st.warning("Flagged: the run's own numbers differ from the re-scored ones.")
        st.code(flag, language=None, wrap_lines=True)
    st.dataframe(data.submission_details(url, chosen), hide_index=True, key="board_details_table")

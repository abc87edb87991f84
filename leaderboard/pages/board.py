"""The board: one ranking per benchmark (suite/split), filters, and a submission's details."""

import streamlit as st

from leaderboard import queries as data
from leaderboard.urlstate import plural, publish, restore, restore_flag, restore_many

url = data.store_url()
subs = data.submissions(url)

st.title("Text-to-SQL leaderboard")
st.caption(
    "One ranking per benchmark and decoding class. Verified rows were re-executed and re-scored "
    "here from their predictions; reproduced rows were also re-generated. EX counts the "
    "questions whose database exists (unscorable ones are left out and counted beside it), with "
    "a 95% bootstrap interval. A row is ranked only when it is verified, not flagged, and states "
    "its decoding; every other row says why it is not. Published rows are “reported, not "
    "verified” and take no rank. Ranked by the official EX; EX % clean is EX on the questions "
    "with no gold flag (a published audit or the harness's ambiguity scan), and Release names "
    "the data release each row was scored on."
)
benches = data.benchmarks(subs)
if not benches:
    st.info("No submissions yet: add one with `harness submit` or on the Submit page.")
    st.stop()

labels = {b.key: b.label for b in benches}
restore("board_view", "view", list(labels), default=data.default_benchmark(benches))
key = st.selectbox("Benchmark", list(labels), format_func=labels.get, key="board_view")
bench = next(b for b in benches if b.key == key)
if bench.subset:
    st.warning(f"{key} holds runs made on the first questions of a split only (--limit): shown "
               "for reference, never ranked.")
if bench.smoke:
    st.warning(
        f"{key} is a smoke test: a handful of questions that check the pipeline runs end to "
        "end. Its numbers say little about a model; choose BIRD or Spider for a ranking."
    )
# The seeds of a `harness run --seeds` run are one row (mean ± sd) unless asked for each.
restore_flag("board_per_seed", "per_seed")
frame = data.view_frame(url, key, st.session_state.get("board_per_seed", False))

sizes, methods, classes = (data.options(frame, c) for c in ("Size", "Method", "Decoding class"))
restore_many("board_size", "size", sizes)
restore_many("board_method", "method", methods)
restore_many("board_class", "decoding", classes)
restore_flag("board_greedy", "greedy")
restore_flag("board_reported", "reported", default=True)
restore_flag("board_difficulty", "difficulty")
restore_flag("board_reproduced", "reproduced_only")
restore("board_search", "search", None)
c1, c2, c3 = st.columns(3)
f = data.ViewFilter(
    sizes=c1.multiselect("Model size", sizes, key="board_size"),
    methods=c2.multiselect("Method", methods, key="board_method"),
    classes=c3.multiselect("Decoding class", classes, key="board_class"),
)
f.query = st.text_input("Search", key="board_search", max_chars=200,
                        placeholder="name, method, base model or decoding")
c1, c2, c3, c4 = st.columns(4)
f.greedy_only = c1.toggle("Single greedy decode only", key="board_greedy",
                          help="One greedy decode per question: no voting, no extra models.")
f.reproduced_only = c2.toggle("Reproduced only", key="board_reproduced",
                              help="Rows whose generation this board re-ran and got back.")
f.include_reported = c3.toggle("Reported rows", key="board_reported",
                               help="Published numbers, not re-checked here.")
f.show_difficulty = c4.toggle("By difficulty", key="board_difficulty")
per_seed = False
if "Seeds" in frame:
    per_seed = st.toggle("Per-seed rows", key="board_per_seed",
                         help="A run over several seeds is one row (mean EX ± sd); show each "
                              "seed's row.")
publish(view=key, size=f.sizes, method=f.methods, decoding=f.classes, greedy=f.greedy_only,
        reported=None if f.include_reported else "0", difficulty=f.show_difficulty,
        reproduced_only=f.reproduced_only, search=f.query.strip()[:200], per_seed=per_seed)

view = data.board_view(frame, f)
ranked = data.ranked_classes(view)
if len(ranked) > 1:
    st.info(
        f"This view holds ranked rows of {len(ranked)} decoding classes; each has its own rank "
        "column (“Rank: <class>”) and its own block of rows: a voting or multi-model number is "
        "not comparable with a single decode. Switch on “Single greedy decode only” to compare "
        "like with like."
    )
releases = data.ranked_releases(view)
if len(releases) > 1:
    st.warning(
        f"The verified rows here were scored on {len(releases)} data releases "
        f"({', '.join(releases)}): their ranks compare different questions or gold SQL. "
        "See the Release column."
    )
shown = [c for c in view.columns if c not in data.HIDDEN_COLUMNS]
config = {
    **{data.rank_column(c): st.column_config.NumberColumn(
        data.rank_column(c), format="%d",
        help=f"Rank among the ranked rows of this class ({c}), best EX first; – : not ranked "
             "(see “Not ranked because”)") for c in ranked},
    data.NOT_RANKED: st.column_config.TextColumn(
        data.NOT_RANKED, width="medium",
        help="Empty for a ranked row; else why the row takes no rank"),
    "EX %": st.column_config.NumberColumn(
        "EX %", format="%.2f", help="Execution accuracy over the scored questions"),
    "95% CI": st.column_config.TextColumn("95% CI", width=105, help="Bootstrap interval of EX"),
    "EX % clean": st.column_config.NumberColumn(
        "EX % clean", format="%.2f",
        help="EX on the questions with no gold flag (verified rows): the official EX is the "
             "ranking figure"),
    "Release": st.column_config.TextColumn(
        "Release", help="The data release the row was scored on; 'unrecognised (modified?)' "
                        "when the files match no known release"),
    "Scored": st.column_config.NumberColumn(
        "Scored", help="Questions EX is computed over (their database exists here)"),
    "Unscorable": st.column_config.NumberColumn(
        "Unscorable",
        help="Questions left out of EX: their database is missing or damaged on this server"),
    "Link": st.column_config.LinkColumn("Link"),
    "Params (B)": st.column_config.NumberColumn("Params (B)", format="%.2f"),
    "s/sample": st.column_config.NumberColumn(
        "s/sample", format="%.3f",
        help="Generation seconds per question in batch (throughput); see Timing for who "
             "measured it and where"),
    "Gold copy %": st.column_config.NumberColumn(
        "Gold copy %", format="%.1f",
        help="Predictions that are the gold SQL once comments, wrappers, aliases, quoting and "
             "the order of conditions are evened out"),
    "Other metric": st.column_config.TextColumn(
        "Other metric", help="A published number that is not EX (TS: test-suite accuracy)"),
    "id": st.column_config.NumberColumn("id", format="%d"),
}
for column in shown:
    if column.endswith(" EX %") and column != "EX %":
        config[column] = st.column_config.NumberColumn(column, format="%.2f")
    elif column.startswith(data.DROP) and not column.endswith("CI"):
        config[column] = st.column_config.NumberColumn(
            column, format="%.2f",
            help="EX points lost on the reworded questions, paired on the shared questions")
st.dataframe(view, hide_index=True, column_order=shown, column_config=config, placeholder="–",
             key="board_table")
st.caption(f"{plural(len(view), 'row')} of {len(frame)} on {key}. Scores of non-EX metrics "
           "stay out of the EX column and are listed under “Other metric”.")

st.subheader("Details")
names = {int(i): name for i, name in zip(view["id"], view["Submission"])}
restore("board_details", "row", list(names), parse=int)
chosen = st.selectbox(
    "Submission", list(names), format_func=lambda i: f"#{i} {names[i]}", key="board_details",
    index=None, placeholder="Choose a row to see where its numbers come from",
)
publish(row=chosen)
if chosen is not None:
    flags = data.submission_flags(url, chosen)
    if flags:
        st.warning("Flagged, so not ranked:")
    for flag in flags:
        st.code(flag, language=None, wrap_lines=True)
    st.dataframe(data.submission_details(url, chosen), hide_index=True,
                 key="board_details_table")
    row = view[view["id"] == chosen].iloc[0]
    if row["verified"]:
        st.markdown(f"[Open its questions](sample?result={int(row['result_id'])})")

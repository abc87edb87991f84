"""Upload a submission: the same verification and the same fields as `harness submit`."""

import time
from urllib.parse import urlencode

import streamlit as st

from harness.errors import HarnessError
from leaderboard import queries as data
from leaderboard.decoding import STRATEGIES

FORMAT_EXAMPLE = """\
{"question_id": 0, "sql": "SELECT count(*) FROM singer"}
{"question_id": 1, "sql": "SELECT name, country, age FROM singer ORDER BY age DESC"}"""

url = data.store_url()
st.title("Submit")
st.caption(
    "Every prediction is re-executed and re-scored on this server; the board stores the "
    "recomputed numbers, and flags a run whose own results.json claims something else, or "
    "whose predictions are copies of the gold SQL."
)
with st.expander("What to upload", expanded=False):
    st.markdown(
        "**A predictions file**: one JSON object per line with the question's `question_id` "
        "(its position in the split, from 0) and your `sql`:"
    )
    st.code(FORMAT_EXAMPLE, language="json")
    st.markdown(
        "BIRD's own `predict_dev.json` (`{\"0\": \"SQL\\t----- bird -----\\tdb_id\"}`) and "
        "Spider's one-query-per-line `.sql`/`.txt` files are read too. **Or a run folder**: "
        "the `results.json` and `samples.jsonl` that `harness eval` or `harness run` wrote. "
        "Questions without a prediction count as wrong; every split is scored whole."
    )

suites = data.verifiable_suites()
if not suites:
    st.info("This server has no benchmark data, so it cannot verify uploads. Submit with "
            "`harness submit` on a machine that has the data.")
    st.stop()
if data.approval_required():
    st.info("Uploads here wait for a maintainer's approval before they are shown.")
kind = st.radio(
    "What are you uploading?",
    ["Predictions file", "Run folder (results.json + samples.jsonl)"],
    horizontal=True,
    key="submit_kind",
)
suite = split = None
if kind == "Predictions file":  # outside the form, so the splits follow the suite at once
    c1, c2 = st.columns(2)
    suite = c1.selectbox("Suite", suites, key="submit_suite",
                         help="Only suites whose databases this server has are listed.")
    split = c2.selectbox("Split", data.split_names(suite), key="submit_split")
with st.form("submit_form"):
    c1, c2 = st.columns(2)
    name = c1.text_input("Name (required)", key="submit_name", max_chars=200)
    size = c2.text_input("Model size", key="submit_size", placeholder="1.5B")
    method = c1.text_input("Method", key="submit_method", placeholder="GRPO (binary reward)")
    base = c2.text_input("Base model", key="submit_base", placeholder="Qwen2.5-Coder-1.5B")
    strategy = c1.selectbox(
        "Decoding (required for a predictions file)", list(STRATEGIES), index=None,
        key="submit_decoding", format_func=lambda s: f"{s}: {STRATEGIES[s]}",
        placeholder="as the run says",
        help="A run folder's candidates and vote decide its decoding; a predictions file says "
             "nothing of it, so state it. A row with no stated decoding is not ranked.",
    )
    samples = c2.number_input("Samples per question", min_value=1, max_value=100_000,
                              value=None, step=1, key="submit_samples", placeholder="1")
    temperature = c1.number_input("Temperature", min_value=0.0, max_value=10.0, value=None,
                                  step=0.1, key="submit_temperature", placeholder="0")
    extra = c2.text_input("Extra models", key="submit_extra",
                          placeholder="e.g. 7B merge model, PRM-7B")
    training = c1.text_input("Training data", key="submit_training",
                             placeholder="BIRD train, SynSQL-2.5M …")
    hardware = c2.text_input("Hardware (where s/sample was measured)", key="submit_hardware",
                             placeholder="1× NVIDIA H100")
    link = st.text_input("Link", key="submit_link", placeholder="https://…")
    if kind == "Predictions file":
        upload = st.file_uploader(
            "Predictions (.jsonl, BIRD .json, or Spider .sql/.txt)",
            type=["jsonl", "json", "sql", "txt"], key="submit_file",
        )
        uploads = [upload] if upload is not None else []
    else:
        uploads = st.file_uploader(
            "results.json and samples.jsonl", type=["json", "jsonl"],
            accept_multiple_files=True, key="submit_run_files",
        ) or []
    sent = st.form_submit_button("Verify and submit")

if sent:
    files = [(u.name, u.getvalue()) for u in uploads]
    log, client = data.upload_log(), data.client_address()
    if not log.allowed(client, time.time()) or (files and not log.take(client, time.time())):
        st.error(f"Not stored: at most {data.MAX_UPLOADS_PER_HOUR} uploads an hour from one "
                 "address. Please try again later.")
        st.stop()
    meta = {
        "name": name, "model_size": size or None, "method": method or None,
        "base_model": base or None, "decoding": strategy, "samples": samples,
        "temperature": temperature, "extra_models": extra or None,
        "training_data": training or None, "hardware": hardware or None, "link": link or None,
    }
    try:
        with st.spinner("Re-executing every prediction…"):
            outcome = data.submit_upload_isolated(url, meta, files, suite, split)
    except HarnessError as exc:
        st.error("Not stored.")
        st.code(str(exc), language=None, wrap_lines=True)
    else:
        for s in outcome.summary():
            key = f"{s['suite']}/{s['split']}"
            lo, hi = s["ex_ci95"]
            st.success(
                f"Stored as submission #{outcome.submission_id} on {key}: EX "
                f"{100 * s['ex']:.2f}% (95% interval {100 * lo:.1f} – {100 * hi:.1f}), "
                f"{s['correct']} of {s['scored']} scored questions right"
                + (f"; {s['total'] - s['scored']} unscorable here" if s["total"] > s["scored"]
                   else "")
                + (f"; your results.json claimed {100 * s['claimed_ex']:.2f}%"
                   if s["claimed_ex"] is not None else "")
                + "."
            )
            if outcome.review == "pending":
                st.info("It waits for a maintainer's approval before it shows on the board.")
            else:
                # A plain link: the board's URL with this view and this row opened.
                st.markdown(f"[See it on the {key} board]"
                            f"(./?{urlencode({'view': key, 'row': outcome.submission_id})})")
        if outcome.flags:
            st.warning("Flagged, so not ranked:")
        for flag in outcome.flags:
            st.code(flag, language=None, wrap_lines=True)

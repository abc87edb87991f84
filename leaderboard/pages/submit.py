"""Upload a submission: the same verification as `harness submit`, then the store."""

import streamlit as st

from harness.errors import HarnessError
from leaderboard import queries as data

url = data.store_url()
st.title("Submit")
st.caption(
    "Every prediction is re-executed and re-scored here; the leaderboard stores the recomputed "
    "numbers, and flags a run whose own results.json claims something else."
)
kind = st.radio(
    "What are you uploading?",
    ["Predictions file", "Run folder (results.json + samples.jsonl)"],
    horizontal=True,
    key="submit_kind",
)
suite = split = None
if kind == "Predictions file":  # outside the form, so the splits follow the suite at once
    c1, c2 = st.columns(2)
    suite = c1.selectbox("Suite", data.suite_names(), key="submit_suite")
    split = c2.selectbox("Split", data.split_names(suite), key="submit_split")
with st.form("submit_form"):
    c1, c2 = st.columns(2)
    name = c1.text_input("Name (required)", key="submit_name", max_chars=200)
    size = c2.text_input("Model size", key="submit_size", placeholder="1.5B")
    method = c1.text_input("Method", key="submit_method", placeholder="GRPO (binary reward)")
    base = c2.text_input("Base model", key="submit_base", placeholder="Qwen2.5-Coder-1.5B")
    decoding = c1.text_input("Decoding", key="submit_decoding", placeholder="greedy")
    link = c2.text_input("Link", key="submit_link", placeholder="https://…")
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
    meta = {"name": name, "model_size": size or None, "method": method or None,
            "base_model": base or None, "decoding": decoding or None, "link": link or None}
    files = [(u.name, u.getvalue()) for u in uploads]
    try:
        with st.spinner("Re-executing every prediction…"):
            outcome = data.submit_upload(url, meta, files, suite, split)
    except HarnessError as exc:
        st.error("Not stored.")
        st.code(str(exc), language=None, wrap_lines=True)
    else:
        st.success(f"Stored as submission #{outcome.submission_id}, verified.")
        st.dataframe(outcome.summary(), hide_index=True, key="submit_outcome")
        for flag in outcome.flags:
            st.warning("Flagged: the run's own numbers differ from the re-scored ones.")
            st.code(flag, language=None, wrap_lines=True)

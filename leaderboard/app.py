"""The leaderboard app's router and frame: ``harness leaderboard`` (or ``streamlit run`` this file).

Pages are small files beside this one; all data comes through ``leaderboard.queries``. Everything a
submitter wrote (names, SQL, questions, links) is shown as text or in tables, never as HTML.
"""

import streamlit as st

from harness.errors import HarnessError
from leaderboard import queries as data

st.set_page_config(page_title="Text-to-SQL leaderboard", page_icon="📊", layout="wide")

page = st.navigation(
    [
        st.Page("pages/board.py", title="Leaderboard", icon=":material/leaderboard:", default=True),
        st.Page("pages/plots.py", title="Plots", icon=":material/scatter_plot:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/sample.py", title="Sample", icon=":material/search:"),
        st.Page("pages/submit.py", title="Submit", icon=":material/upload:"),
        st.Page("pages/about.py", title="About", icon=":material/info:"),
    ]
)

url = data.store_url()
with st.sidebar:
    st.caption("Results from")
    st.code(data.display_url(url), language=None, wrap_lines=True)
try:
    data.get_store(url)
except HarnessError as exc:
    st.error("The leaderboard database cannot be opened.")
    st.code(data.hide_paths(str(exc)), language=None, wrap_lines=True)
    st.stop()

page.run()

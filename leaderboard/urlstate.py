"""Shareable URLs: a page's choices mirrored in ``st.query_params``.

Before a widget is drawn, :func:`restore` seeds its session state from the URL (on the page's
first run, or after a shared link was opened) and drops a value that is no longer a choice; after
the page has drawn its widgets, :func:`publish` writes the current choices back, so the address
bar always holds a link to what is on the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st


def restore(key: str, param: str, choices: Sequence, parse: Callable = str, default=None) -> None:
    """Seed widget ``key`` from URL parameter ``param`` when it has no state yet."""
    if key not in st.session_state and param in st.query_params:
        try:
            value = parse(st.query_params[param])
        except (TypeError, ValueError):
            value = None
        if value in choices:
            st.session_state[key] = value
    if key in st.session_state and st.session_state[key] not in choices:
        del st.session_state[key]
    if key not in st.session_state and default is not None and default in choices:
        st.session_state[key] = default


def restore_many(key: str, param: str, choices: Sequence) -> None:
    """The same for a multiselect: a comma-separated list in the URL."""
    if key not in st.session_state and param in st.query_params:
        wanted = [v for v in st.query_params[param].split(",") if v]
        st.session_state[key] = [v for v in wanted if v in choices]
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in choices]


def restore_flag(key: str, param: str, default: bool = False) -> None:
    if key not in st.session_state:
        value = st.query_params.get(param)
        st.session_state[key] = default if value is None else value == "1"


def publish(**params) -> None:
    """Write the page's choices to the URL; None, empty and False values are left out."""
    for name, value in params.items():
        if value is None or value is False or (isinstance(value, str | list) and not value):
            st.query_params.pop(name, None)
        elif value is True:
            st.query_params[name] = "1"
        elif isinstance(value, list):
            st.query_params[name] = ",".join(map(str, value))
        else:
            st.query_params[name] = str(value)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 row``, ``2 rows``.

    >>> plural(1, "row"), plural(3, "row"), plural(2, "query", "queries")
    ('1 row', '3 rows', '2 queries')
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"


__all__ = ["plural", "publish", "restore", "restore_flag", "restore_many"]

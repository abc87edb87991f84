"""Shareable URLs: a page's choices live in ``st.query_params``, which is their source of truth.

Before a widget is drawn, :func:`restore` seeds its session state:

* from the URL, when the URL holds parameters and the widget has no state yet (a shared link,
  Back after leaving the page) or the URL's value is not the one this page last wrote there
  (Back or Forward within the page, an edited address; a page that wrote nothing yet keeps a
  state it was given);
* from the page's last choices, when the URL holds none of this page's parameters: the sidebar
  and ``st.switch_page`` open a page without them (and Back after ``st.switch_page`` returns to
  an address holding the *next* page's), and Streamlit forgets the state of widgets it did not
  draw, so each page keeps its own copy of what it last published (plain session state);
* else from the default.

After the page has drawn its widgets, :func:`publish` writes the current choices back, so the
address bar always holds a link to what is on the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

_LAST = "_urlstate_last"  # widget key -> the URL text this page last published for it
_KEYS = "_urlstate_keys"  # URL parameter -> the widget key it drives on the page now running
MAX_TEXT = 200  # a free-text parameter (a search) is cut to this


def _memory() -> tuple[dict, dict]:
    return st.session_state.setdefault(_LAST, {}), st.session_state.setdefault(_KEYS, {})


def _from_url(key: str, param: str) -> tuple[bool, str | None]:
    """(True, URL text) when the URL decides the widget's value now (see the module doc)."""
    last, keys = _memory()
    keys[param] = key
    page = key.partition("_")[0]  # widget keys start with their page's name: board_, compare_ …
    own = {p for p, k in keys.items() if k.partition("_")[0] == page}
    if not any(p in st.query_params for p in own):
        # Bare for this page: a page switch, a first visit, or Back to an address that
        # st.switch_page filled with the next page's parameters before it left.
        return False, None
    raw = st.query_params.get(param)
    if key not in st.session_state or (key in last and raw != last[key]):
        return True, raw
    return False, None


def _remembered(key: str) -> str | None:
    """What this page last published for ``key``, when the widget has no state (bare URL)."""
    last, _ = _memory()
    return last.get(key) if key not in st.session_state else None


def restore(key: str, param: str, choices: Sequence | None, parse: Callable = str,
            default=None) -> None:
    """Seed widget ``key`` from URL parameter ``param`` (``choices`` None: any short text)."""
    decided, raw = _from_url(key, param)
    if not decided:
        raw = _remembered(key)
    if raw is not None or decided:
        value = _parse(raw, parse)
        if value is not None and (choices is None or value in choices):
            st.session_state[key] = value
        elif key in st.session_state:
            del st.session_state[key]
    if key in st.session_state and choices is not None and st.session_state[key] not in choices:
        del st.session_state[key]
    if key not in st.session_state and default is not None and (choices is None
                                                                or default in choices):
        st.session_state[key] = default


def _parse(raw: str | None, parse: Callable):
    if raw is None:
        return None
    try:
        return parse(raw[:MAX_TEXT])
    except (TypeError, ValueError):
        return None


def restore_many(key: str, param: str, choices: Sequence) -> None:
    """The same for a multiselect: a comma-separated list in the URL."""
    decided, raw = _from_url(key, param)
    if not decided:
        raw = _remembered(key)
    if raw is not None or decided:
        st.session_state[key] = [v for v in (raw or "").split(",") if v and v in choices]
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in choices]


def restore_flag(key: str, param: str, default: bool = False) -> None:
    """The same for a toggle: ``1`` on, ``0`` off, absent the default."""
    decided, raw = _from_url(key, param)
    if not decided:
        raw = _remembered(key)
        if raw is None and key in st.session_state:
            return
        decided = raw is not None or key not in st.session_state
    if decided:
        st.session_state[key] = default if raw is None else raw == "1"


def publish(**params) -> None:
    """Write the page's choices to the URL; None, empty and False values are left out (a toggle
    whose default is on publishes ``"0"`` for off)."""
    last, keys = _memory()
    for name, value in params.items():
        text = _text(value)
        if text is None:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = text
        if name in keys:
            last[keys[name]] = text


def _text(value) -> str | None:
    if value is None or value is False or (isinstance(value, str | list) and not value):
        return None
    if value is True:
        return "1"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 row``, ``2 rows``.

    >>> plural(1, "row"), plural(3, "row"), plural(2, "query", "queries")
    ('1 row', '3 rows', '2 queries')
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"


__all__ = ["plural", "publish", "restore", "restore_flag", "restore_many"]

"""Submitter text shown in an element that renders Markdown, as plain text.

Streamlit renders Markdown (links, images fetched from anywhere, colour and icon directives,
LaTeX) in ``st.success``/``st.warning``/``st.info``, captions, metric help and markdown
itself. Everything a submitter wrote (names, decoding, extra models) goes through
:func:`plain` before it reaches one of them; tables and ``st.code`` show text as it is.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character can be backslash-escaped in CommonMark.
_MARKUP = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """``text`` with every Markdown-active character escaped and line breaks as spaces.

    >>> print(plain("![x](https://e.example/a.png) **b** :red[x]"))
    \\!\\[x\\]\\(https\\:\\/\\/e\\.example\\/a\\.png\\) \\*\\*b\\*\\* \\:red\\[x\\]
    """
    return _MARKUP.sub(r"\\\1", " ".join(str(text).split()))


__all__ = ["plain"]

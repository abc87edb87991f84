"""``json.loads`` that refuses a document of more than N values before building them.

A predictions line of 30 MB holding five million two-character strings costs over 2 GB once
parsed (every value is a Python object of 50+ bytes); counting after parsing is too late. Here a
document whose structure (commas and opening brackets, counted at C speed without allocating)
cannot hold more than N values is parsed by the C decoder as usual; any other goes through the
standard library's pure-Python scanner, which stops at value N + 1, so a hostile line costs at
most N values' memory and a legitimate one with many commas inside its strings still parses.
"""

from __future__ import annotations

import json
from json.decoder import JSONArray, JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]


class TooManyValues(ValueError):
    """The document holds more than the allowed number of JSON values."""


def loads_bounded(text: str, max_values: int, **kwargs):
    """``json.loads(text, **kwargs)``, raising :class:`TooManyValues` past ``max_values`` values
    (keys not counted) without building more than that many."""
    opens = text.count(",") + text.count("[") + text.count("{")
    if opens + 1 <= max_values:  # every value but the first of each container follows a comma
        return json.loads(text, **kwargs)
    return _CountingDecoder(max_values, **kwargs).decode(text)


class _CountingDecoder(json.JSONDecoder):
    """The pure-Python scanner, its containers' element scanners wrapped by a counter."""

    def __init__(self, max_values: int, **kwargs) -> None:
        super().__init__(**kwargs)
        counted = _counter(max_values)
        self.parse_array = lambda s_and_end, scan_once: JSONArray(s_and_end, counted(scan_once))
        self.parse_object = lambda s_and_end, strict, scan_once, *rest: JSONObject(
            s_and_end, strict, counted(scan_once), *rest
        )
        self.scan_once = py_make_scanner(self)


def _counter(max_values: int):
    """Wraps a container's element scanner so that each element parsed counts once."""
    seen = 0

    def counted(scan_once):
        def scan(string: str, idx: int):
            nonlocal seen
            seen += 1
            if seen > max_values:
                raise TooManyValues(f"more than {max_values:,} JSON values")
            return scan_once(string, idx)

        return scan

    return counted

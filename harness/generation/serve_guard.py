"""Connections to ``harness serve`` must finish their request head quickly, and one client may
hold only a few idle ones.

uvicorn waits for a request's headers for ever, and counts every open connection against its
concurrency limit: 64 clients that send half a request line and stop locked the server for
everyone (503), before any API key was checked. Here a connection with no request in flight
(before its first request is complete, or between two) is closed after ``HEADER_TIMEOUT_S``
seconds, however slowly it trickles bytes; the API key is checked by the app as soon as the head
is complete, before the body is read. A client address holding ``MAX_IDLE_PER_CLIENT`` idle
connections gets a 429 for the next one.
"""

from __future__ import annotations

import asyncio
import json

HEADER_TIMEOUT_S = 5.0
MAX_IDLE_PER_CLIENT = 8
_CHECK_EVERY_S = 0.25


def _refusal(status: str, message: str) -> bytes:
    body = json.dumps({"error": {"message": message, "type": "rate_limit_error",
                                 "code": int(status.split()[0])}}).encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def guarded_http_protocol(
    header_timeout_s: float = HEADER_TIMEOUT_S, max_idle_per_client: int = MAX_IDLE_PER_CLIENT
) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with the two guards, for ``uvicorn.Config(http=...)``; the
    per-client counts are this class's, so each server gets its own."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    live: dict[str, set[Guarded]] = {}
    too_many = _refusal(
        "429 Too Many Requests",
        f"Over {max_idle_per_client} idle connections from this address; reuse or close them.",
    )

    class Guarded(H11Protocol):
        _host = ""
        _idle_since: float | None = None
        _watch: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._host = self.client[0] if self.client else ""
            peers = live.setdefault(self._host, set())
            idle = sum(1 for peer in peers if not peer.busy())
            peers.add(self)
            if idle >= max_idle_per_client:
                transport.write(too_many)
                transport.close()
                return
            self._check()

        def connection_lost(self, exc: Exception | None) -> None:
            peers = live.get(self._host, set())
            peers.discard(self)
            if not peers:
                live.pop(self._host, None)
            if self._watch is not None:
                self._watch.cancel()
            super().connection_lost(exc)

        def busy(self) -> bool:
            """A request's head has arrived and its answer is not complete."""
            return self.cycle is not None and not self.cycle.response_complete

        def _check(self) -> None:
            now = self.loop.time()
            if self.busy():
                self._idle_since = None
            elif self._idle_since is None:
                self._idle_since = now
            elif now - self._idle_since >= header_timeout_s:
                self.transport.close()
                return
            self._watch = self.loop.call_later(_CHECK_EVERY_S, self._check)

    return Guarded

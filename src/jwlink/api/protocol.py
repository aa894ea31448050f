"""uvicorn's HTTP/1.1 protocol with a time limit on request heads.

uvicorn's h11 protocol arms no timer when a connection opens, and its
keep-alive timer is cancelled by the first byte of the next request: a
client that connects and sends nothing, or sends its headers a byte a
second, keeps its socket forever. `HeadTimeoutProtocol` arms one timer when
a connection opens and again when a response is complete, and cancels it
when a whole request head has been parsed. When it fires the connection is
closed: with **408** if part of a head had arrived (RFC 9110 section 15.5.9),
silently if nothing had (a browser's unused preconnection expects no answer).

The request body is timed by the admission middleware, which reads it
before the request takes a slot (`jwlink.api.limits`).

uvicorn takes the class as ``http="jwlink.api.protocol:HeadTimeoutProtocol"``,
which each worker process of ``--workers N`` imports; the limit travels in
``$JWLINK_HEADER_TIMEOUT`` (`configure` sets both).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from jwlink.api.errors import error_body
from jwlink.errors import JwlinkError

__all__ = [
    "DEFAULT_HEADER_TIMEOUT",
    "PROTOCOL",
    "TIMEOUT_VARIABLE",
    "HeadTimeoutProtocol",
    "configure",
]

# A request head is a few hundred bytes: 30 s lets a client on the worst
# link finish it, and a slow or lost one still gives its socket back.
DEFAULT_HEADER_TIMEOUT = 30.0
TIMEOUT_VARIABLE = "JWLINK_HEADER_TIMEOUT"
PROTOCOL = "jwlink.api.protocol:HeadTimeoutProtocol"

logger = logging.getLogger("jwlink.api")


def _from_environment() -> float:
    text = os.environ.get(TIMEOUT_VARIABLE, "")
    try:
        return float(text) if text else DEFAULT_HEADER_TIMEOUT
    except ValueError:
        return DEFAULT_HEADER_TIMEOUT


def configure(header_timeout: float) -> None:
    """Set the head time limit for this process and the worker processes it starts.

    Raises
    ------
    JwlinkError
        The limit is not positive.
    """
    if not header_timeout > 0:
        msg = f"header timeout must be more than 0 s, not {header_timeout}"
        raise JwlinkError(msg)
    os.environ[TIMEOUT_VARIABLE] = repr(header_timeout)
    HeadTimeoutProtocol.header_timeout = header_timeout


def _timeout_response(seconds: float) -> bytes:
    body = json.dumps(
        error_body([f"Request headers not received within {seconds:g} s"], 408),
        separators=(",", ":"),
    ).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class HeadTimeoutProtocol(H11Protocol):
    """`H11Protocol` that closes a connection whose request head is late."""

    header_timeout: float = _from_environment()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the connection, and the clock for its first request head."""
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        """Feed the parser; stop the clock once a whole head is in."""
        if data and self.conn.their_state is h11.IDLE:
            self._head_started = True
        super().data_received(data)
        self._check_head()

    def on_response_complete(self) -> None:
        """Start the clock for the next head before uvicorn parses any pipelined one."""
        if not self.transport.is_closing():
            # Bytes of the next request may already wait in the parser.
            self._arm_head_timer(started=bool(self.conn.trailing_data[0]))
        super().on_response_complete()
        self._check_head()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the clock with the connection."""
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _check_head(self) -> None:
        # The clock runs exactly while the client owes a head: a parsed head
        # moves it out of IDLE (to SEND_BODY or DONE); the end of a body read
        # after the response (h11 then starts the next cycle) moves it back.
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()
        elif self._head_timer is None and not self.transport.is_closing():
            self._arm_head_timer(started=bool(self.conn.trailing_data[0]))

    def _arm_head_timer(self, started: bool = False) -> None:
        self._cancel_head_timer()
        self._head_started = started
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self._head_started:
            logger.debug("request head not received within %g s: 408", self.header_timeout)
            self.transport.write(_timeout_response(self.header_timeout))
        self.transport.close()

"""Admission control: a bounded number of requests at work, a queue, then 503.

A pure ASGI middleware (no dependency beyond the standard library), placed
before every route so that a refusal costs neither a route nor a database
connection:

* at most ``max_inflight`` requests are at work at once (sized to the worker
  thread pool: the handlers are synchronous and each holds a thread and a
  catalog connection while it runs);
* up to ``max_queue`` more wait, first come first served, for at most
  ``queue_timeout`` seconds;
* everything beyond, and every waiter that timed out, gets **503** with
  ``Retry-After`` and the usual JSON error envelope; a request refused at
  once (the queue is full) gets it after a pause of ``refusal_pause``
  seconds (see below);
* a request target longer than ``max_target`` bytes gets **414**, a declared
  ``Content-Length`` above ``max_body`` gets **413**, before any route runs;
* a request with a body takes its slot only once the whole body has been
  read (then replayed to the app), within ``body_timeout`` seconds plus one
  second per ``body_min_rate`` bytes; later, it gets **408** and its
  connection is closed. A slow or stalled client thus costs a socket and
  some memory (bounded by ``body_budget`` for all such bodies), never a
  slot. The request head is timed by the HTTP protocol
  (`jwlink.api.protocol`): the middleware only sees complete heads.

When a slot is released: a response sent in one piece (every JSON answer)
holds its slot until it is sent. A streamed response (a file download)
releases its slot as soon as its first part is handed to the server: the
work worth bounding (resolving the name, checking rights, opening the file)
is done by then, and a slow client fetching a multi-gigabyte file must not
keep the API waiting. Streams are still bounded, by the connection count and
by the thread pool that reads each chunk.

Why refusals are not instant, and why the queue is long (1,000) and bounded
in time (5 s): a refused client that retries at once (load tools do;
``Retry-After`` asks otherwise) turns each refusal into another request.
Answering those keeps the event loop busy, and through the GIL it slows the
handlers' threads too. On the 1M-product catalog with 1,000 wrk clients and
room for 240 (40 at work, 200 waiting), instant 503s (1,500-3,000 a second)
left 16-24 successful answers a second; pausing each refusal for one second
(the Retry-After the client is told anyway) left 35-238 (the range spans
machine load and two costs of a product list; in runs alternated under the
same conditions the pause at least doubled them). With room for all 1,000
to wait (the defaults) nothing was refused when a product list was cheap.
A waiter or a pausing refusal costs a little memory and no
thread.
"""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from jwlink.api.errors import error_body, error_response
from jwlink.errors import JwlinkError

__all__ = ["AdmissionLimiter", "check_body_limits", "check_limits"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# anyio's default worker thread pool has 40 threads; more slots than threads
# would only move the queue from here (bounded, answered with 503) to there.
DEFAULT_INFLIGHT = 40
DEFAULT_QUEUE = 1000
DEFAULT_QUEUE_TIMEOUT = 5.0
DEFAULT_RETRY_AFTER = 1
DEFAULT_REFUSAL_PAUSE = 1.0
DEFAULT_MAX_BODY = 16 * 1024 * 1024
# A body must arrive within 30 s plus 1 s per 8 KiB received (64 kbit/s, a
# poor mobile link): a 16 MiB body may take 34 minutes, a stalled one gets 30 s.
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_BODY_MIN_RATE = 8 * 1024
# Bodies read before admission are held in memory: all of them together at
# most this much (or one largest body), so that many slow uploads cannot
# exhaust memory where they cannot take slots.
DEFAULT_BODY_BUDGET = 64 * 1024 * 1024
# Common proxies and servers cap the request line near 8 KiB; a longer
# target is a mistake or an attack, never a catalog query.
DEFAULT_MAX_TARGET = 8 * 1024


def check_limits(
    max_inflight: int, max_queue: int, queue_timeout: float, refusal_pause: float = 0.0
) -> None:
    """Raise `JwlinkError` unless the limits make sense (at least one slot, no negatives)."""
    if max_inflight < 1:
        msg = f"max_inflight must be at least 1, not {max_inflight}"
        raise JwlinkError(msg)
    if min(max_queue, queue_timeout, refusal_pause) < 0:
        msg = (
            "max_queue, queue_timeout and refusal_pause must not be negative "
            f"({max_queue}, {queue_timeout}, {refusal_pause})"
        )
        raise JwlinkError(msg)


def check_body_limits(body_timeout: float, body_min_rate: int) -> None:
    """Raise `JwlinkError` unless the body timeout and minimum rate are positive."""
    if not (body_timeout > 0 and body_min_rate > 0):
        msg = f"body timeout and minimum rate must be positive ({body_timeout}, {body_min_rate})"
        raise JwlinkError(msg)


class AdmissionLimiter:
    """ASGI middleware bounding concurrent work, queueing briefly, refusing the rest.

    Parameters
    ----------
    app : ASGI application
        The application to protect.
    max_inflight : int
        Requests at work at once.
    max_queue : int
        Requests allowed to wait for a slot; 0 refuses at once when full.
    queue_timeout : float
        Seconds a request may wait before it is answered 503.
    retry_after : int
        Seconds sent in ``Retry-After`` with every 503.
    refusal_pause : float
        Seconds a request refused at once waits before its 503, so that
        clients retrying without pause cannot flood the server with them.
    max_body : int
        Largest declared ``Content-Length`` accepted (413 above).
    max_target : int
        Longest request target (path and query string) accepted (414 above).
    body_timeout : float
        Seconds a request body may take before it is answered 408 and its
        connection closed, plus one second per ``body_min_rate`` bytes received.
    body_min_rate : int
        Bytes a second a long body must average to earn more time.
    body_budget : int
        Bytes all bodies read before admission may hold together (at least
        ``max_body``); beyond, 503 and the connection is closed.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_inflight: int = DEFAULT_INFLIGHT,
        max_queue: int = DEFAULT_QUEUE,
        queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
        retry_after: int = DEFAULT_RETRY_AFTER,
        refusal_pause: float = DEFAULT_REFUSAL_PAUSE,
        max_body: int = DEFAULT_MAX_BODY,
        max_target: int = DEFAULT_MAX_TARGET,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        body_min_rate: int = DEFAULT_BODY_MIN_RATE,
        body_budget: int = DEFAULT_BODY_BUDGET,
    ) -> None:
        check_limits(max_inflight, max_queue, queue_timeout, refusal_pause)
        check_body_limits(body_timeout, body_min_rate)
        self.app = app
        self.max_inflight = max_inflight
        self.max_queue = max_queue
        self.queue_timeout = queue_timeout
        self.retry_after = retry_after
        self.refusal_pause = refusal_pause
        self.max_body = max_body
        self.max_target = max_target
        self.free = max_inflight
        self.body_timeout = body_timeout
        self.body_min_rate = body_min_rate
        self.body_budget = max(body_budget, max_body)
        self._buffered = 0  # bytes of bodies read and not yet done with
        self._budget_message = (
            f"The server is receiving too many request bodies ({self.body_budget} bytes); "
            f"retry after {retry_after} s"
        )
        self._busy_message = (
            f"The server is busy ({max_inflight} requests at work, {max_queue} waiting); "
            f"retry after {retry_after} s"
        )
        self._busy_body = json.dumps(
            error_body([self._busy_message], 503), separators=(",", ":")
        ).encode()
        self._busy_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self._busy_body)).encode()),
            (b"retry-after", str(retry_after).encode()),
        ]
        self._waiters: collections.deque[asyncio.Future[bool]] = collections.deque()

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot right now."""
        return len(self._waiters)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, queue or pass on one ASGI connection (non-HTTP scopes pass straight on)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _answer(scope, receive, send, *refusal)
            return
        if not _has_body(scope):
            await self._admit(scope, receive, send)
            return
        # The body is read before a slot is taken: a client that sends it
        # slowly, or not at all, costs a socket and never a slot.
        body = bytearray()
        try:
            refusal = await self._read_body(receive, body)
            if refusal is not None:
                await _answer(scope, receive, send, *refusal)
            else:
                await self._admit(scope, _replay(bytes(body), receive), send)
        except _ClientGone:
            return  # nobody to answer
        finally:
            self._buffered -= len(body)

    async def _admit(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Take a slot (or answer 503), run the app, give the slot back."""
        if not await self._acquire():
            await self._busy(scope, receive, send)
            return
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._release()

        async def sending(message: Message) -> None:
            # A streamed body gives its slot back once its first part is out.
            if message["type"] == "http.response.body" and message.get("more_body", False):
                release()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            release()

    async def _read_body(
        self, receive: Receive, body: bytearray
    ) -> tuple[int, str, dict[str, str]] | None:
        """Read the whole body into ``body`` in time; return a refusal if it cannot be.

        The time allowed is ``body_timeout`` plus one second per
        ``body_min_rate`` bytes received: a large body on a slow but steady
        link arrives, a stalled or trickling one is cut off.
        """
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            deadline = start + self.body_timeout + len(body) / self.body_min_rate
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                return (
                    408,
                    f"Request body not received in time ({len(body)} bytes after "
                    f"{loop.time() - start:.0f} s)",
                    {},
                )
            if message["type"] != "http.request":
                raise _ClientGone
            chunk = message.get("body", b"")
            if len(body) + len(chunk) > self.max_body:
                return 413, f"Request body larger than {self.max_body} bytes", {}
            if self._buffered + len(chunk) > self.body_budget:
                headers = {"Retry-After": str(self.retry_after), "Connection": "close"}
                return 503, self._budget_message, headers
            body += chunk
            self._buffered += len(chunk)
            if not message.get("more_body", False):
                return None

    async def _busy(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 503: from bytes rendered once, since a flood of them is the usual case."""
        if scope["path"].startswith("/datalink"):  # DataLink clients expect a VOTable
            headers = {"Retry-After": str(self.retry_after)}
            await _answer(scope, receive, send, 503, self._busy_message, headers)
            return
        await send({"type": "http.response.start", "status": 503, "headers": self._busy_headers})
        await send({"type": "http.response.body", "body": self._busy_body})

    def _refusal(self, scope: Scope) -> tuple[int, str, dict[str, str]] | None:
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if target > self.max_target:
            return 414, f"Request target longer than {self.max_target} bytes", {}
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                if value.isdigit() and int(value) > self.max_body:
                    return 413, f"Request body larger than {self.max_body} bytes", {}
                break
        return None

    async def _acquire(self) -> bool:
        """Take a slot, waiting in line if needed; False when refused or timed out."""
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return True
        if len(self._waiters) >= self.max_queue:
            await asyncio.sleep(self.refusal_pause)
            return False
        loop = asyncio.get_running_loop()
        granted: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(granted)
        timer = loop.call_later(self.queue_timeout, _settle, granted, False)
        try:
            ok = await granted
        except asyncio.CancelledError:
            # The slot may have been handed over just before the cancellation.
            if granted.done() and not granted.cancelled() and granted.result():
                self._release()
            else:
                self._forget(granted)
            raise
        finally:
            timer.cancel()
        if not ok:
            self._forget(granted)
        return ok

    def _release(self) -> None:
        # Hand the slot straight to the first live waiter, so nobody jumps the queue.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        self.free += 1

    def _forget(self, waiter: asyncio.Future[bool]) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass  # already taken off the line by _release


class _ClientGone(Exception):
    """The client went away before its request body was complete."""


def _has_body(scope: Scope) -> bool:
    """Return True when the request announces a body (a length above 0, or chunks)."""
    for key, value in scope.get("headers", ()):
        if key == b"content-length" and value.strip() not in (b"", b"0"):
            return True
        if key == b"transfer-encoding":
            return True
    return False


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a ``receive`` that gives the app ``body`` in one message, then the real stream."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # only http.disconnect is left to come

    return replay


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


async def _answer(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, headers: dict[str, str]
) -> None:
    """Send the error envelope (a VOTable under /datalink) without running any route."""
    response = error_response(status, [message], request=Request(scope))
    response.headers.update(headers)
    if status in (408, 413, 414):
        # The body (or the rest of the request) is not read: close rather than
        # leave the connection to parse it as the next request.
        response.headers["Connection"] = "close"
    await response(scope, receive, send)

"""The head time limit (jwlink.api.protocol) and the body read before admission (limits).

A tiny ASGI application behind `AdmissionLimiter`, served by uvicorn with
`HeadTimeoutProtocol` on loopback, talked to over raw sockets and httpx.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from threaded_server import WAIT, until

from jwlink.api.limits import AdmissionLimiter
from jwlink.api.protocol import PROTOCOL, HeadTimeoutProtocol


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """Answer with the length and SHA-256 of the body the app was given."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    text = json.dumps({"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": text})


@contextmanager
def serving(app: Any, header_timeout: float = 1.0) -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    saved = HeadTimeoutProtocol.header_timeout
    HeadTimeoutProtocol.header_timeout = header_timeout
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", http=PROTOCOL)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    until(lambda: server.started)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(WAIT)
        HeadTimeoutProtocol.header_timeout = saved


def _connect(port: int, data: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(WAIT)
    sock.sendall(data)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _post(length: int) -> bytes:
    return f"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\r\n".encode()


def test_the_app_gets_the_whole_body_whatever_its_framing() -> None:
    body = bytes(range(256)) * 4000  # about 1 MB, arriving in many parts
    with serving(AdmissionLimiter(echo)) as port:
        url = f"http://127.0.0.1:{port}/x"
        sized = httpx.post(url, content=body, timeout=WAIT).json()
        chunked = httpx.post(url, content=iter([body[:70000], body[70000:]]), timeout=WAIT).json()
    expected = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert sized == expected and chunked == expected


def test_a_stalled_body_holds_no_slot_and_gets_408() -> None:
    limiter = AdmissionLimiter(echo, max_inflight=1, max_queue=0, body_timeout=1.0)
    with serving(limiter, header_timeout=30) as port:
        stalled = [_connect(port, _post(10) + b"abc") for _ in range(3)]
        # One slot, three stalled bodies: requests still get it.
        for _ in range(3):
            assert httpx.post(f"http://127.0.0.1:{port}/x", content=b"ok", timeout=WAIT).json() == {
                "size": 2, "sha256": hashlib.sha256(b"ok").hexdigest()}  # fmt: skip
        answers = [_read_all(sock) for sock in stalled]
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"connection: close" in answer.lower() and b'"status":408' in answer


def test_bodies_waiting_for_admission_share_a_memory_budget() -> None:
    limiter = AdmissionLimiter(echo, max_body=1000, body_budget=1000, body_timeout=30)
    with serving(limiter, header_timeout=30) as port:
        first = _connect(port, _post(900) + b"a" * 800)  # 800 bytes held, 100 owed
        until(lambda: limiter._buffered == 800)
        second = _connect(port, _post(500) + b"b" * 500)
        refused = _read_all(second)
        first.sendall(b"a" * 100)
        first.shutdown(socket.SHUT_WR)
        served = _read_all(first)
    assert refused.startswith(b"HTTP/1.1 503 ") and b"retry-after: " in refused.lower()
    assert served.startswith(b"HTTP/1.1 200 ") and b'"size": 900' in served
    assert limiter._buffered == 0


def test_heads_are_timed_on_new_and_kept_alive_connections() -> None:
    with serving(AdmissionLimiter(echo), header_timeout=1.0) as port:
        idle = _connect(port)
        partial = _connect(port, b"GET /x HTTP/1.1\r\nHo")
        assert _read_all(idle) == b""  # nothing sent: closed without an answer
        assert _read_all(partial).startswith(b"HTTP/1.1 408 ")
        # A kept-alive connection: the first request is answered, then the
        # next head, begun and never finished, runs into the limit.
        kept = _connect(port, b"GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\n")
        answer = _read_all(kept)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.count(b"HTTP/1.1 ") == 2 and b"HTTP/1.1 408 " in answer


def test_pipelined_requests_are_all_answered() -> None:
    with serving(AdmissionLimiter(echo), header_timeout=1.0) as port:
        sock = _connect(port, b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n" * 3
                        + b"GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")  # fmt: skip
        answer = _read_all(sock)
    assert answer.count(b"HTTP/1.1 200 ") == 4 and b"408" not in answer


def test_limits_must_be_positive() -> None:
    from jwlink.api.protocol import configure
    from jwlink.errors import JwlinkError

    with pytest.raises(JwlinkError, match="header timeout"):
        configure(0)
    with pytest.raises(JwlinkError, match="body timeout"):
        AdmissionLimiter(echo, body_timeout=0)

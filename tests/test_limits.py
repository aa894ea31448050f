"""Admission control on a real uvicorn: slots, queue, 503 with Retry-After, 413 and 414.

The limiter wraps a small gated ASGI app (its requests wait until the test
opens the gate), so slots can be filled without timing; the 413/414 checks
and the wiring run against ``jwlink serve`` itself.
"""

from __future__ import annotations

import asyncio
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from threaded_server import WAIT, running, until

from jwlink.api.limits import (
    DEFAULT_INFLIGHT,
    DEFAULT_QUEUE,
    DEFAULT_QUEUE_TIMEOUT,
    AdmissionLimiter,
)
from jwlink.app import create_app
from jwlink.cli.serve import serve
from jwlink.errors import JwlinkError
from jwlink.store import open_store


class Gated:
    """ASGI app: ``/slow`` waits for the gate, ``/stream`` sends a part then waits, ``/fast``."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = 0
        self.lock = threading.Lock()
        self.served: list[str] = []  # query strings, in the order the app ran them

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope["path"]
        self.served.append(scope["query_string"].decode())
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if path == "/stream":
            await send({"type": "http.response.body", "body": b"first", "more_body": True})
        if path in ("/slow", "/stream"):
            with self.lock:
                self.entered += 1
            await asyncio.to_thread(self.gate.wait, WAIT)
        await send({"type": "http.response.body", "body": path.encode()})


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=WAIT)


def assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["ok"] is False and body["status"] == 503
    assert "busy" in body["error"] and body["errors"] == [body["error"]]


def test_full_slots_queue_then_refuse_and_keep_serving() -> None:
    gated = Gated()
    limiter = AdmissionLimiter(gated, max_inflight=2, max_queue=2, queue_timeout=WAIT)
    with running(limiter) as url, ThreadPoolExecutor(4) as pool:
        working = [pool.submit(get, f"{url}/slow") for _ in range(2)]
        until(lambda: gated.entered == 2)
        queued = [pool.submit(get, f"{url}/slow") for _ in range(2)]
        until(lambda: limiter.waiting == 2)
        assert_busy(get(f"{url}/fast"))  # two at work, two waiting: no room
        votable = get(f"{url}/datalink/links?ID=x")  # DataLink clients get a VOTable
        assert votable.status_code == 503 and votable.headers["retry-after"] == "1"
        assert b"QUERY_STATUS" in votable.content and b"busy" in votable.content
        assert gated.entered == 2  # the queued ones have not started
        gated.gate.set()
        for future in working + queued:
            assert future.result(WAIT).text == "/slow"
        assert gated.entered == 4
        # The slot is given back just after the last byte is sent, so wait for it.
        until(lambda: limiter.waiting == 0 and limiter.free == 2)
        assert get(f"{url}/fast").text == "/fast"


def test_a_waiter_that_times_out_gets_503_and_leaves_the_line() -> None:
    gated = Gated()
    limiter = AdmissionLimiter(gated, max_inflight=1, max_queue=5, queue_timeout=0.2)
    with running(limiter) as url, ThreadPoolExecutor(2) as pool:
        working = pool.submit(get, f"{url}/slow")
        until(lambda: gated.entered == 1)
        assert_busy(get(f"{url}/fast"))
        assert limiter.waiting == 0
        gated.gate.set()
        assert working.result(WAIT).status_code == 200
        assert get(f"{url}/fast").status_code == 200
        until(lambda: limiter.free == 1)


def test_a_streamed_response_gives_its_slot_back_after_its_first_part() -> None:
    gated = Gated()
    limiter = AdmissionLimiter(gated, max_inflight=1, max_queue=0)
    with running(limiter) as url, httpx.Client(timeout=WAIT) as client:
        with client.stream("GET", f"{url}/stream") as streamed:
            parts = streamed.iter_bytes()
            assert next(parts).startswith(b"first")
            assert get(f"{url}/fast").text == "/fast"  # the slot is free while it streams
            gated.gate.set()
            assert b"".join(parts).endswith(b"/stream")
        until(lambda: limiter.free == 1)


def test_order_is_first_come_first_served() -> None:
    gated = Gated()
    limiter = AdmissionLimiter(gated, max_inflight=1, max_queue=3, queue_timeout=WAIT)
    with running(limiter) as url, ThreadPoolExecutor(4) as pool:
        working = pool.submit(get, f"{url}/slow?first")
        until(lambda: gated.entered == 1)
        waiting: list[Future[httpx.Response]] = []
        for count, tag in enumerate("cab", start=1):
            waiting.append(pool.submit(get, f"{url}/fast?{tag}"))
            until(lambda count=count: limiter.waiting == count)
        gated.gate.set()
        for future in [working, *waiting]:
            assert future.result(WAIT).status_code == 200
    assert gated.served == ["first", "c", "a", "b"]


def _low_open_files_limit() -> None:
    # In the child before exec: `jwlink serve` must lift this itself.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))


@pytest.fixture(scope="module")
def jwlink_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``jwlink serve`` on an empty catalog, one slot and no queue; its URL and pid."""
    folder = tmp_path_factory.mktemp("limits")
    db = str(folder / "empty.db")
    open_store(db).close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "jwlink", "serve", "--db", db, "--port", str(port),
               "--max-inflight", "1", "--max-queue", "0", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, preexec_fn=_low_open_files_limit)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if httpx.get(f"{url}/api/v1/observations", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"jwlink serve did not start: {err}")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(WAIT)


def raw(url: str, request: bytes) -> bytes:
    """Send bytes on a fresh connection; return all the server answers until it closes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_declared_body_too_large_is_413_before_it_is_sent(jwlink_server: tuple[str, int]) -> None:
    head = (
        b"POST /api/v1/completeness HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 99999999\r\n\r\n"
    )
    answer = raw(jwlink_server[0], head)  # the server answers and closes without the body
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 413")
    assert b'"status":413' in body and b"16777216 bytes" in body


def test_overlong_target_is_414_and_the_server_keeps_serving(
    jwlink_server: tuple[str, int],
) -> None:
    url = jwlink_server[0]
    response = httpx.get(f"{url}/api/v1/lineage/{'x' * 9000}", timeout=WAIT)
    assert response.status_code == 414
    assert response.json()["error"] == "Request target longer than 8192 bytes"
    votable = httpx.get(f"{url}/datalink/links?ID={'y' * 9000}", timeout=WAIT)
    assert votable.status_code == 414 and b"QUERY_STATUS" in votable.content
    ok = httpx.get(f"{url}/api/v1/observations", timeout=WAIT)
    assert ok.status_code == 200 and ok.json()["total"] == 0


def test_serve_lifts_its_open_files_limit(jwlink_server: tuple[str, int]) -> None:
    limits = Path(f"/proc/{jwlink_server[1]}/limits")
    if not limits.exists():
        pytest.skip("no /proc: cannot read another process's limits here")
    line = next(ln for ln in limits.read_text().splitlines() if ln.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    _, own_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert (soft, hard) == (str(own_hard), str(own_hard))  # started at 256, lifted to hard


def test_limits_are_checked_when_the_app_is_built(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    open_store(db).close()
    with pytest.raises(JwlinkError, match="max_inflight must be at least 1"):
        create_app(db, max_inflight=0)
    with pytest.raises(JwlinkError, match="must not be negative"):
        create_app(db, max_queue=-1)
    with pytest.raises(JwlinkError, match="must not be negative"):
        create_app(db, refusal_pause=-0.5)


def test_serve_defaults_are_the_limiter_defaults() -> None:
    defaults = {p.name: p.default for p in serve.params}
    assert defaults["max_inflight"] == DEFAULT_INFLIGHT
    assert defaults["max_queue"] == DEFAULT_QUEUE
    assert defaults["queue_timeout"] == DEFAULT_QUEUE_TIMEOUT

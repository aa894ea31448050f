"""Slow and stalled clients cost a socket, never an admission slot (a real ``jwlink serve``).

400 hostile connections are held open against a server admitting 40
requests at once: 100 that send nothing, 100 that send a POST head
announcing a 10-byte body and then nothing, 100 that send a request head a
byte a second, and 100 that send a POST body a byte a second. Before the
fix, 40 stalled bodies held every slot and the rest got 503. While they
are open, ordinary requests (API, portal, DataLink POST) must be answered
200; then the server must close every hostile connection itself: silently
when nothing was sent, with 408 otherwise.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from portal_server import free_port
from threaded_server import WAIT

from jwlink.cli import main

EACH = 100  # connections of each hostile kind
# Long enough for the ordinary requests below to run while every hostile
# connection is still open; short enough to see the server close them.
TIMEOUT = 15
HEAD = b"GET /api/v1/observations HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n\r\n"
FORM = "application/x-www-form-urlencoded"


def _post_head(length: int) -> bytes:
    return (
        f"POST /datalink/links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``jwlink serve`` over a synthetic archive: 1 worker on SQLite, 2 on PostgreSQL."""
    files = tmp_path / "files"
    for args in (["synth", "--products", "60", "--files", str(files)],
                 ["ingest", str(files), "--db", db_url]):  # fmt: skip
        made = CliRunner().invoke(main, args)
        assert made.exit_code == 0, made.output
    name = min(p.name for p in files.rglob("*.fits"))  # a product whose file is served
    workers = "2" if db_url.startswith("postgresql") else "1"
    port = free_port()
    command = [sys.executable, "-m", "jwlink", "serve", "--db", db_url, "--data-root", str(files),
               "--port", str(port), "--workers", workers, "--header-timeout", str(TIMEOUT),
               "--body-timeout", str(TIMEOUT)]  # fmt: skip
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "jwlink serve did not answer"
            time.sleep(0.2)
        yield url, name
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/api/v1/observations?page_size=1", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


class Hostile:
    """One hostile connection: what it sends first, what it dribbles, what it got back."""

    def __init__(self, port: int, kind: str, first: bytes, dribble: bytes) -> None:
        self.kind = kind
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(first)
        self.dribble = dribble
        self.outcome: str | None = None  # "closed", "408", "reset", or another answer

    def open(self) -> bool:
        return self.outcome is None

    def poll(self) -> None:
        """Read the server's answer if it sent one; else send the next byte, if any."""
        if not self.open():
            return
        readable, _, _ = select.select([self.sock], [], [], 0)
        if readable:
            self.outcome = _drain(self.sock)
        elif self.dribble:
            try:
                self.sock.send(self.dribble[:1])
                self.dribble = self.dribble[1:]
            except OSError:
                self.outcome = _drain(self.sock)


def _drain(sock: socket.socket) -> str:
    """Read until the server closes; name what it sent."""
    sock.settimeout(WAIT)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        if not data:
            return "reset"
    sock.close()
    if not data:
        return "closed"
    return "408" if data.startswith(b"HTTP/1.1 408 ") else data[:60].decode(errors="replace")


def _dribbling(hostile: list[Hostile], stop: threading.Event) -> None:
    # A byte a second on every dribbling connection, as the probe did.
    while not stop.is_set():
        for h in hostile:
            h.poll()
        stop.wait(1.0)


def test_slow_clients_do_not_starve_ordinary_requests(server: tuple[str, str]) -> None:
    url, name = server
    port = int(url.rsplit(":", 1)[1])
    hostile = (
        [Hostile(port, "idle", b"", b"") for _ in range(EACH)]
        + [Hostile(port, "stalled body", _post_head(10), b"") for _ in range(EACH)]
        + [Hostile(port, "dribbled head", HEAD[:1], HEAD[1:]) for _ in range(EACH)]
        + [
            Hostile(port, "dribbled body", _post_head(2000), b"ID=" + b"x" * 1997)
            for _ in range(EACH)
        ]  # fmt: skip
    )
    stop = threading.Event()
    dribbler = threading.Thread(target=_dribbling, args=(hostile, stop), daemon=True)
    dribbler.start()
    latencies: dict[str, list[float]] = {}
    statuses: list[tuple[str, int]] = []
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(10):
                for what, request in (
                    ("api", lambda: client.get("/api/v1/observations?page_size=10")),
                    ("portal", lambda: client.get("/")),
                    ("datalink POST", lambda: client.post("/datalink/links", data={"ID": name})),
                    ("file", lambda: client.get(f"/api/v1/files/{name}")),
                ):
                    start = time.perf_counter()
                    answer = request()
                    latencies.setdefault(what, []).append(time.perf_counter() - start)
                    statuses.append((what, answer.status_code))
        still_open = sum(h.open() for h in hostile)
        deadline = time.monotonic() + TIMEOUT + WAIT + 10
        while any(h.open() for h in hostile) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop.set()
        dribbler.join(WAIT)
    for what, values in latencies.items():
        values.sort()
        print(f"{what}: median {values[len(values) // 2] * 1000:.1f} ms, "
              f"max {values[-1] * 1000:.1f} ms over {len(values)}")  # fmt: skip
    print(f"hostile connections open after the ordinary requests: {still_open} of {len(hostile)}")
    assert [s for s in statuses if s[1] != 200] == []
    outcomes: dict[str, dict[str, int]] = {}
    for h in hostile:
        kind = outcomes.setdefault(h.kind, {})
        kind[str(h.outcome)] = kind.get(str(h.outcome), 0) + 1
    print(outcomes)
    # Nothing sent: closed without an answer. Part of a request sent: 408 (a
    # dribbler may instead meet the reset of its next byte racing the close).
    assert outcomes["idle"] == {"closed": EACH}
    assert outcomes["stalled body"] == {"408": EACH}
    for kind in ("dribbled head", "dribbled body"):
        assert set(outcomes[kind]) <= {"408", "reset"}, outcomes[kind]
        assert outcomes[kind].get("408", 0) > 0


def test_head_limit_holds_in_every_worker_process(tmp_path: Path) -> None:
    """With --workers 2, a late request head is answered 408 (the protocol is imported there)."""
    db = str(tmp_path / "c.db")
    made = CliRunner().invoke(main, ["synth", "--products", "20", "--catalog-only", "--db", db])
    assert made.exit_code == 0, made.output
    port = free_port()
    command = [sys.executable, "-m", "jwlink", "serve", "--db", db, "--port", str(port),
               "--workers", "2", "--header-timeout", "1"]  # fmt: skip
    env = {**os.environ, "JWLINK_HEADER_TIMEOUT": ""}  # the flag alone must carry the limit
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"http://127.0.0.1:{port}"):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        # Several connections, so that both workers (which share the socket) get some.
        slow = [Hostile(port, "head", HEAD[:10], b"") for _ in range(8)]
        assert [_drain(h.sock) for h in slow] == ["408"] * 8
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)

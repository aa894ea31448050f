"""`jwlink serve --workers N`: N worker processes answer on one port and stop with the server."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from click.testing import CliRunner
from portal_server import free_port

from jwlink.cli import main

JWLINK = [sys.executable, "-m", "jwlink"]


def _workers(pid: int) -> set[int]:
    """Worker processes uvicorn's supervisor ``pid`` spawned (multiprocessing children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, NotADirectoryError):
            continue
        # The parent id is the 2nd field after the parenthesised command name.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_two_workers_serve_one_port_and_stop_together(db_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    made = CliRunner().invoke(main, ["synth", "--products", "60", "--files", str(files)])
    assert made.exit_code == 0, made.output
    made = CliRunner().invoke(main, ["ingest", str(files), "--db", db_url])
    assert made.exit_code == 0, made.output
    port = free_port()
    command = [*JWLINK, "serve", "--db", db_url, "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while len(_workers(server.pid)) < 2 or not _answers(client):
            assert server.poll() is None, "jwlink serve exited"
            assert time.monotonic() < deadline, "jwlink serve did not answer with 2 workers"
            time.sleep(0.1)
        workers = _workers(server.pid)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _answers(client), range(40)))
        assert statuses == [True] * 40
    finally:
        client.close()
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert len(workers) == 2
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived the server"
    assert "with 2 workers" in stderr and "Traceback" not in stderr
    # Each worker process started its own application.
    assert stderr.count("Application startup complete") == 2


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/api/v1/observations?page_size=5").status_code == 200
    except httpx.TransportError:
        return False

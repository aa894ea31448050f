# ruff: noqa: F811 - the subset fixture is imported, then requested by name
"""Faults under a running service: PostgreSQL restarting, downloads cut off at any byte.

A private PostgreSQL cluster is stopped and started under a real
``jwlink serve``; a proxy cuts a file's response at chosen bytes and the
download is resumed.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fault_archive import JWLINK, archive_files, subset, wait_for  # noqa: F401 - fixtures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pgcluster import private_cluster
from portal_server import free_port

from jwlink.cli import main
from jwlink.download import HttpSource, download
from jwlink.store import open_store

# ---------------------------------------------------------------- PostgreSQL restarts


def _answers(client: httpx.Client, paths: list[str], rounds: int) -> list[httpx.Response]:
    # Several at once, so the server's pool holds several connections.
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(client.get, paths * rounds))


def test_postgres_restart_under_a_running_server(subset: Any, tmp_path: Path) -> None:
    from jwlink.ingest import ingest

    inputs, _, _ = subset
    with private_cluster() as cluster:
        store = open_store(cluster.url)
        ingest(store, inputs[:1])
        l3 = store.execute("SELECT obs_id FROM observations WHERE calib_level = 3 LIMIT 1")[0][0]
        name = store.execute("SELECT name FROM products ORDER BY name LIMIT 1")[0][0]
        store.close()
        paths = [
            "/api/v1/observations?page_size=50",
            f"/api/v1/observations/{l3}",
            f"/api/v1/products/{name}",
            f"/api/v1/lineage/{name}?direction=both",
        ]
        port = free_port()
        log = (tmp_path / "serve.log").open("wb")
        command = [*JWLINK, "serve", "--db", cluster.url, "--port", str(port)]
        server = subprocess.Popen([*command, "--log-level", "warning"], stdout=log, stderr=log)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            wait_for(client, paths[0], server)
            baseline = {p: client.get(p).json() for p in paths}

            # A restart while idle: every pooled connection is dead, no request may fail.
            assert {r.status_code for r in _answers(client, paths, 4)} == {200}
            cluster.pg_ctl("restart", "-m", "fast")
            after = _answers(client, paths, 4)
            assert [r.status_code for r in after] == [200] * len(after)
            assert all(r.json() == baseline[r.url.raw_path.decode()] for r in after)

            # Down: 503 with the JSON envelope and Retry-After, and the server stays up.
            cluster.pg_ctl("stop", "-m", "fast")
            for response in _answers(client, paths, 2):
                assert response.status_code == 503, response.text
                assert response.json()["ok"] is False and response.json()["status"] == 503
                assert int(response.headers["retry-after"]) > 0
            assert server.poll() is None
            cluster.pg_ctl("start")
            started = time.monotonic()
            first = client.get(paths[1])
            recovery = time.monotonic() - started
            assert first.status_code == 200 and first.json() == baseline[paths[1]]
            again = _answers(client, paths, 4)
            assert [r.status_code for r in again] == [200] * len(again)
            print(f"\nfirst answer {recovery * 1000:.0f} ms after PostgreSQL was back")
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()
        assert b"Traceback" not in (tmp_path / "serve.log").read_bytes()


# ---------------------------------------------------------------- downloads cut off


class CuttingProxy:
    """A TCP proxy to a server that can cut a file's response after ``cut`` body bytes.

    Each request goes upstream with ``Connection: close``, so one connection
    carries one exchange. With ``cut`` set, a ``/api/v1/files/`` response is
    forwarded up to that many body bytes (-1: not even the head) and the
    connection is then closed, as a dropped network link would.
    """

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.cut: int | None = None
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._exchange, args=(client,), daemon=True).start()

    def _exchange(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream)) as upstream:
            head = b""
            while b"\r\n\r\n" not in head:
                data = client.recv(65536)
                if not data:
                    return
                head += data
            lines = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            kept = [line for line in lines if not line.lower().startswith(b"connection:")]
            upstream.sendall(b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n")
            cut = self.cut if b" /api/v1/files/" in lines[0] else None
            self._relay(upstream, client, cut)

    @staticmethod
    def _relay(upstream: socket.socket, client: socket.socket, cut: int | None) -> None:
        if cut == -1:
            return
        head = b""
        while data := upstream.recv(65536):
            if cut is None:
                client.sendall(data)
                continue
            if b"\r\n\r\n" not in head:
                head += data
                if b"\r\n\r\n" not in head:
                    continue
                head, data = head.split(b"\r\n\r\n", 1)
                head += b"\r\n\r\n"
                client.sendall(head)
            client.sendall(data[:cut])
            cut -= len(data[:cut])
            if cut == 0:
                return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, bytes]]:
    """A real ``jwlink serve`` holding one 4,000-byte product, behind a cutting proxy."""
    from jwlink.core import linker
    from jwlink.core.model import FoundFile

    root = tmp_path_factory.mktemp("download")
    data = root / "data"
    data.mkdir()
    name = "jw01234001001_02101_00001_nrca1_cal.fits"
    body = random.Random(7).randbytes(4000)
    (data / name).write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    store = open_store(str(root / "catalog.db"))
    location = str((data / name).resolve())
    store.write(linker.link_file(FoundFile(name, location, len(body), digest)), digest, "file")
    store.close()
    port = free_port()
    command = [*JWLINK, "serve", "--db", str(root / "catalog.db"), "--data-root", str(data)]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], stderr=subprocess.DEVNULL
    )
    proxy = CuttingProxy(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            wait_for(client, "/api/v1/observations", server)
        yield proxy, name, body
    finally:
        proxy.close()
        server.terminate()
        server.wait(timeout=20)


def _fetch(proxy: CuttingProxy, name: str, dest: Path, cli: bool) -> tuple[str, int]:
    if cli:
        args = ["download", "--name", name, "--server", proxy.url, "--dest", str(dest)]
        result = CliRunner().invoke(main, [*args, "--flat", "--json"])
        row = json.loads(result.stdout)["files"][0]  # the summary goes to stderr
        return row["status"], row["transferred"]
    with httpx.Client(timeout=30) as client:
        report = download(HttpSource(client, proxy.url), [], dest, names=[name], flat=True)
    return report.files[0].status, report.files[0].transferred


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.one_of(st.sampled_from([-1, 0, 1, 3999, 4000]), st.integers(2, 3998)), cli=st.booleans()
)
def test_download_cut_at_any_byte_resumes_to_the_same_file(
    file_server: Any, cut: int, cli: bool
) -> None:
    proxy, name, body = file_server
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / name
        proxy.cut = cut
        status, _ = _fetch(proxy, name, Path(tmp), cli)
        if cut == len(body):
            assert status == "downloaded" and target.read_bytes() == body
        else:
            # The transfer failed, keeping exactly the bytes that arrived.
            assert status == "error"
            kept = target.read_bytes() if target.exists() else None
            assert kept == (None if cut == -1 else body[:cut])
        proxy.cut = None
        status, transferred = _fetch(proxy, name, Path(tmp), cli)
        assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
        if cut == len(body):
            assert status == "unchanged"
        elif cut > 0:
            assert (status, transferred) == ("resumed", len(body) - cut)
        else:
            assert (status, transferred) == ("downloaded", len(body))

"""`jwlink serve --db-replica`: reads from a real streaming replica, the primary as fallback.

A private primary cluster and a replica made by ``pg_basebackup`` and
streaming replication (tests/pgcluster.py) run beside a real ``jwlink
serve``. The primary is stopped to prove which server answers: with the
primary down, only the replica can.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pgcluster import Cluster, private_cluster, replica_of
from portal_server import free_port

from jwlink.api.replicas import RETRY_AFTER
from jwlink.cli import main
from jwlink.ingest import ingest, iter_files
from jwlink.store import open_store

JWLINK = [sys.executable, "-m", "jwlink"]


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    """A small synthetic archive's association files, split in two ingests."""
    files = tmp_path_factory.mktemp("replicas") / "files"
    made = CliRunner().invoke(main, ["synth", "--seed", "5", "--products", "120",
                                     "--files", str(files)])  # fmt: skip
    assert made.exit_code == 0, made.output
    documents = sorted(p for p in iter_files([files]) if p.name.endswith("_asn.json"))
    assert len(documents) >= 2
    return documents[:1], documents[1:]


def _ingest(url: str, paths: list[Path]) -> None:
    store = open_store(url)
    try:
        report = ingest(store, paths)
        assert report.errors == []
    finally:
        store.close()


def _products(url: str) -> set[str]:
    store = open_store(url, readonly=True)
    try:
        return {row[0] for row in store.execute("SELECT name FROM products")}
    finally:
        store.close()


def _answers(client: httpx.Client, paths: list[str], rounds: int = 3) -> list[httpx.Response]:
    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(client.get, paths * rounds))


def _all_ok(client: httpx.Client, paths: list[str]) -> None:
    statuses = [r.status_code for r in _answers(client, paths)]
    assert statuses == [200] * len(statuses)


@pytest.fixture
def served(
    halves: tuple[list[Path], list[Path]], tmp_path: Path
) -> Iterator[tuple[Cluster, Cluster, httpx.Client]]:
    with private_cluster() as primary:
        _ingest(primary.url, halves[0])
        with replica_of(primary) as replica:
            port = free_port()
            log = (tmp_path / "serve.log").open("wb")
            command = [*JWLINK, "serve", "--db", primary.url, "--db-replica", replica.url,
                       "--port", str(port), "--workers", "1", "--log-level", "warning"]  # fmt: skip
            server = subprocess.Popen(command, stdout=log, stderr=log)
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            try:
                _wait_until(lambda: _ok(client, server), "jwlink serve to answer")
                yield primary, replica, client
                assert server.poll() is None, "jwlink serve exited"
            finally:
                client.close()
                server.terminate()
                server.wait(timeout=20)
                log.close()
            assert b"Traceback" not in (tmp_path / "serve.log").read_bytes()


def _ok(client: httpx.Client, server: subprocess.Popen[bytes]) -> bool:
    assert server.poll() is None, "jwlink serve exited"
    try:
        return client.get("/api/v1/observations?page_size=5").status_code == 200
    except httpx.TransportError:
        return False


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_reads_come_from_the_replica_and_follow_the_primary(
    served: tuple[Cluster, Cluster, httpx.Client], halves: tuple[list[Path], list[Path]]
) -> None:
    primary, replica, client = served
    name = sorted(_products(primary.url))[0]
    paths = ["/api/v1/observations?page_size=50", f"/api/v1/products/{name}"]
    baseline = {p: client.get(p).json() for p in paths}

    # With the primary down, only the replica can answer.
    primary.pg_ctl("stop", "-m", "fast")
    answers = _answers(client, paths)
    assert [r.status_code for r in answers] == [200] * len(answers)
    assert all(r.json() == baseline[r.url.raw_path.decode()] for r in answers)
    primary.pg_ctl("start")

    # A row ingested on the primary streams to the replica and is served from it.
    _ingest(primary.url, halves[1][:1])
    new = sorted(_products(primary.url) - _products(replica.url) or {""})[-1]
    assert new, "the second ingest added no product"
    _wait_until(lambda: new in _products(replica.url), "the replica to replay the ingest")
    primary.pg_ctl("stop", "-m", "fast")
    assert client.get(f"/api/v1/products/{new}").status_code == 200
    primary.pg_ctl("start")


def test_the_primary_answers_while_the_replica_restarts(
    served: tuple[Cluster, Cluster, httpx.Client],
) -> None:
    primary, replica, client = served
    name = sorted(_products(primary.url))[0]
    paths = ["/api/v1/observations?page_size=50", f"/api/v1/products/{name}"]
    _all_ok(client, paths)

    replica.pg_ctl("stop", "-m", "fast")
    _all_ok(client, paths)  # the primary takes the reads
    replica.pg_ctl("start")
    _all_ok(client, paths)

    # Once the set-aside time is over, the reads go back to the replica:
    # with the primary down, every request still answers.
    time.sleep(RETRY_AFTER + 0.5)
    primary.pg_ctl("stop", "-m", "fast")
    _all_ok(client, paths)
    primary.pg_ctl("start")

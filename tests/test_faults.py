"""Faults: an ingest killed with SIGKILL, a full disk, a read-only catalog, PostgreSQL restarting.

Each fault is real: ``kill -9`` of a ``jwlink ingest`` process, a tmpfs of a
few hundred KB, a read-only bind mount, a PostgreSQL role without write
rights, a private PostgreSQL cluster stopped and started under a running
``jwlink serve``, a download cut off at any byte by a proxy.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from click.testing import CliRunner
from conftest import PG_URL, dump, pg_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portal_server import build_archive, free_port

from jwlink.cli import main
from jwlink.download import HttpSource, download
from jwlink.ingest.run import read_file
from jwlink.store import SqlStore, open_store

JWLINK = [sys.executable, "-m", "jwlink"]

# Tables the conftest dump leaves out but a finished ingest must agree on too.
EXTRA_TABLES = {
    "asn_members": "association, product, expname, exptype",
    "asn_outputs": "association, product, name",
    "inputs": "path",
}


def full_dump(store: SqlStore) -> dict[str, list[tuple]]:
    """Every row of every catalog table, sorted (conftest's dump plus the input records)."""
    rows = dump(store)
    for table, key in EXTRA_TABLES.items():
        rows[table] = store.execute(f"SELECT * FROM {table} ORDER BY {key}")
    return rows


def program_folders(files: Path, at_least: int) -> list[Path]:
    """Two or more program folders of a synthetic archive holding at least N files."""
    sizes = {p: sum(1 for _ in p.iterdir()) for p in files.iterdir() if p.is_dir()}
    chosen: list[Path] = []
    # Smallest programs first: several of them, few files in all.
    for folder in sorted(sizes, key=lambda p: (sizes[p], p.name)):
        if folder.name != "crds" and sum(sizes[p] for p in chosen) < at_least:
            chosen.append(folder)
    assert len(chosen) >= 2
    return sorted(chosen)


@pytest.fixture(scope="module")
def archive_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic archive the portal tests use too (made once per session)."""
    return build_archive(tmp_path_factory.getbasetemp() / "portal-archive")[1]


@pytest.fixture(scope="module")
def subset(archive_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """About 100 files of whole programs, and the catalog one ingest of them makes."""
    from jwlink.ingest import ingest

    inputs = program_folders(archive_files, 100)
    store = open_store(str(tmp_path_factory.mktemp("one-shot") / "catalog.db"))
    try:
        report = ingest(store, inputs)
        assert not report.errors and report.ingested == report.files
        return inputs, report.files, full_dump(store)
    finally:
        store.close()


# ---------------------------------------------------------------- consistency


def _keys(store: SqlStore) -> dict[str, set[tuple]]:
    def rows(sql: str) -> set[tuple]:
        return set(store.execute(sql))

    return {
        "products": rows("SELECT name FROM products"),
        "observations": rows("SELECT obs_id FROM observations"),
        "associations": rows("SELECT name FROM associations"),
        "links": rows(
            "SELECT source, target, kind, role FROM links WHERE role <> 'guide_star' "
            "OR evidence <> 'rule:guide-star-visit'"
        ),
        "members": rows("SELECT obs_id, member_obs_id, exptype FROM members"),
        "aliases": rows("SELECT alias FROM aliases"),
        "asn_members": rows("SELECT association, product, expname, exptype FROM asn_members"),
        "asn_outputs": rows("SELECT association, product, name FROM asn_outputs"),
        "headers": rows("SELECT name FROM headers"),
    }


def _batch_keys(path: Path, reader: str) -> dict[str, set[tuple]]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    batch = read_file(path, reader, digest, path.stat().st_size)
    return {
        "products": {(p.name,) for p in batch.products},
        "observations": {(o.obs_id,) for o in batch.observations},
        "associations": {(a.name,) for a in batch.associations},
        "links": {(x.source, x.target, x.kind.value, x.role) for x in batch.links},
        "members": {(m.obs_id, m.member_obs_id, m.exptype) for m in batch.members},
        "aliases": {(a,) for a in batch.aliases},
        "asn_members": set(batch.asn_members),
        "asn_outputs": set(batch.asn_outputs),
        "headers": {(h,) for h in batch.headers},
    }


def assert_consistent(store: SqlStore) -> dict[str, int]:
    """Assert the catalog is what some whole set of files makes, nothing half.

    Consistent means:

    1. SQLite's ``integrity_check`` is ``ok`` (the file is not damaged);
    2. every input the catalog records has every row its file yields;
    3. every row comes from some recorded input (guide-star links aside);
    4. references resolve: link ends are products, members and products
       name observations the catalog holds;
    5. every guide-star link joins a ``_gs-`` product to a level-2b science
       product of its visit, and every such pair is linked or its visit is
       still queued for the next ingest.

    Returns counts of recorded inputs and queued visits.
    """
    if store.backend == "sqlite":
        assert store.execute("PRAGMA integrity_check") == [("ok",)]
    have = _keys(store)
    recorded = store.execute("SELECT path, reader, fingerprint FROM inputs")
    union: dict[str, set[tuple]] = {table: set() for table in have}
    for location, reader, fingerprint in recorded:
        path = Path(location)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == fingerprint
        for table, keys in _batch_keys(path, reader).items():
            missing = keys - have[table]
            assert not missing, f"{path.name}: {table} rows missing: {sorted(missing)[:3]}"
            union[table] |= keys
    for table, keys in have.items():
        stray = keys - union[table]
        assert not stray, f"{table} rows of no recorded input: {sorted(stray)[:3]}"
    assert store.execute(
        "SELECT COUNT(*) FROM links WHERE source NOT IN (SELECT name FROM products) "
        "OR target NOT IN (SELECT name FROM products)"
    ) == [(0,)]
    assert store.execute(
        "SELECT COUNT(*) FROM members WHERE obs_id NOT IN (SELECT obs_id FROM observations) "
        "OR member_obs_id NOT IN (SELECT obs_id FROM observations)"
    ) == [(0,)]
    assert store.execute(
        "SELECT COUNT(*) FROM products WHERE obs_id IS NOT NULL "
        "AND obs_id NOT IN (SELECT obs_id FROM observations)"
    ) == [(0,)]
    derivable = set(
        store.execute(
            "SELECT g.name, p.name, g.visit_id FROM products g JOIN products p "
            "ON p.visit_id = g.visit_id WHERE g.name LIKE '%\\_gs-%' ESCAPE '\\' "
            "AND p.level = '2b' AND p.product_type = 'SCIENCE'"
        )
    )
    linked = set(
        store.execute(
            "SELECT source, target FROM links WHERE kind = 'aggregation' AND role = 'guide_star'"
        )
    )
    queued = {r[0] for r in store.execute("SELECT visit_id FROM guide_star_queue")}
    assert linked <= {(g, p) for g, p, _ in derivable}
    unlinked = {visit for g, p, visit in derivable if (g, p) not in linked}
    assert unlinked <= queued, f"guide-star links lost for visits {sorted(unlinked - queued)}"
    return {"inputs": len(recorded), "queued": len(queued)}


# ---------------------------------------------------------------- SIGKILL

# Kills itself with SIGKILL right after the N-th file (N = all files: after
# the last commit, before the end-of-ingest step), through the real ingest.
_SELF_KILL = """
import os, signal, sys
from jwlink.ingest import ingest
from jwlink.store import open_store
url, after, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
seen = 0
def progress(path):
    global seen
    seen += 1
    if seen == after:
        os.kill(os.getpid(), signal.SIGKILL)
ingest(open_store(url), inputs, progress=progress)
"""


def _recorded(url: str) -> int:
    try:
        store = open_store(url, readonly=True)
    except Exception:  # noqa: BLE001 - the catalog may not exist yet
        return 0
    try:
        return int(store.execute("SELECT COUNT(*) FROM inputs")[0][0])
    except Exception:  # noqa: BLE001 - or not have its tables yet
        return 0
    finally:
        store.close()


def kill_ingest(url: str, inputs: list[Path], point: tuple[str, float], total: int) -> int:
    """Run an ingest and SIGKILL it at ``point``; return how many inputs it had recorded.

    ``("file", n)`` kills it right after its n-th file; ``("poll", f)`` kills
    it from outside once the catalog records a fraction f of the files,
    wherever it is then (inside a transaction, as likely as not).
    """
    how, where = point
    if how == "file":
        command = [sys.executable, "-c", _SELF_KILL, url, str(int(where)), *map(str, inputs)]
        process = subprocess.Popen(command, stderr=subprocess.PIPE)
    else:
        command = [*JWLINK, "ingest", *map(str, inputs), "--db", url, "--json"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        target = max(1, int(total * where))
        while process.poll() is None and _recorded(url) < target:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err.decode()
    return _recorded(url)


def rerun(url: str, inputs: list[Path], cli: bool) -> dict[str, Any]:
    """Ingest the same inputs to the end (``jwlink ingest --json``, or in process)."""
    if not cli:
        from jwlink.ingest import ingest

        store = open_store(url)
        try:
            return ingest(store, inputs).as_dict()
        finally:
            store.close()
    command = [*JWLINK, "ingest", *map(str, inputs), "--db", url, "--json"]
    done = subprocess.run(command, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


# ("file", which): SIGKILL right after the first / middle / last file (the
# last: every file committed, the end-of-ingest step not run). ("poll", f):
# SIGKILL from outside once a fraction f of the files is recorded.
POINTS = {
    "sqlite": [("file", "first"), ("file", "middle"), ("file", "last"), ("poll", 0.5)],
    "postgresql": [("file", "last"), ("poll", 0.4)],
}


def _where(point: tuple[str, Any], total: int) -> tuple[str, float]:
    how, which = point
    if how == "poll":
        return how, which
    return how, {"first": 1, "middle": total // 2, "last": total}[which]


def _catalog(backend: str, path: Path) -> AbstractContextManager[str]:
    return pg_schema() if backend == "postgresql" else nullcontext(str(path))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_ingest_leaves_a_consistent_catalog_and_a_rerun_completes_it(
    backend: str, subset: Any, tmp_path: Path
) -> None:
    inputs, total, expected = subset
    outcomes = []
    for number, point in enumerate(POINTS[backend]):
        with _catalog(backend, tmp_path / f"killed-{number}.db") as url:
            recorded = kill_ingest(url, inputs, _where(point, total), total)
            store = open_store(url, readonly=True)
            try:
                state = assert_consistent(store)
            finally:
                store.close()
            report = rerun(url, inputs, cli=point[1] == "last")
            assert not report["errors"]
            assert report["unchanged"] == recorded and report["ingested"] == total - recorded
            store = open_store(url, readonly=True)
            try:
                assert full_dump(store) == expected
                assert store.execute("SELECT COUNT(*) FROM guide_star_queue") == [(0,)]
            finally:
                store.close()
            outcomes.append((point, recorded, state["queued"]))
    # Every kill fell at its own place; the last one left guide-star work queued.
    assert len({recorded for _, recorded, _ in outcomes}) == len(outcomes), outcomes
    assert any(recorded == total and queued for _, recorded, queued in outcomes), outcomes


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JWLINK, *args], capture_output=True, text=True, check=False, timeout=300
    )


def _clean_failure(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A non-zero exit with a one-line message naming what is wrong, no traceback."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


# ---------------------------------------------------------------- full disk, read-only


@contextmanager
def mounted(target: Path, *options: str, source: str = "tmpfs") -> Iterator[Path]:
    """Mount something at ``target`` for the block, or skip saying why it cannot be."""
    target.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a real full or read-only filesystem")
    done = subprocess.run(
        ["mount", *options, source, str(target)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"mounting is not permitted here ({done.stderr.strip()})")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_full_disk_is_a_clear_error_and_keeps_what_was_committed(
    subset: Any, tmp_path: Path
) -> None:
    inputs, total, expected = subset
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=320k") as disk:
        db = disk / "catalog.db"
        full = _cli("ingest", *map(str, inputs), "--db", str(db))
        _clean_failure(full, "disk full", str(db))
        store = open_store(str(db), readonly=True)
        try:
            state = assert_consistent(store)
        finally:
            store.close()
        assert 0 < state["inputs"] < total  # it stopped part-way, keeping what it had
        # Free space (grow the filesystem) and run again: the ingest completes.
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        assert rerun(str(db), inputs, cli=True)["ingested"] == total - state["inputs"]
        store = open_store(str(db), readonly=True)
        try:
            assert full_dump(store) == expected
        finally:
            store.close()


def test_full_database_raises_catalog_full(subset: Any, tmp_path: Path) -> None:
    # The same SQLITE_FULL path without a mount: a page limit on the file.
    from jwlink.errors import CatalogFull
    from jwlink.ingest import ingest

    inputs, total, expected = subset
    db = tmp_path / "catalog.db"
    store = open_store(str(db))
    pages = store.execute("PRAGMA page_count")[0][0]
    store.execute(f"PRAGMA max_page_count = {pages + 40}")
    with pytest.raises(CatalogFull, match=f"'{db}' cannot be written: disk full"):
        ingest(store, inputs)
    store.close()
    store = open_store(str(db))
    try:
        recorded = assert_consistent(store)["inputs"]
        assert 0 < recorded < total
        assert ingest(store, inputs).ingested == total - recorded
        assert full_dump(store) == expected
    finally:
        store.close()


def test_read_only_mount_refuses_writes_and_still_reads(subset: Any, tmp_path: Path) -> None:
    inputs, _, _ = subset
    writable = tmp_path / "catalog"
    writable.mkdir()
    db = writable / "catalog.db"
    assert rerun(str(db), inputs[:1], cli=False)["ingested"] > 0
    from jwlink.catalog import Catalog

    with Catalog(str(db)) as catalog:
        before = json.loads(json.dumps({"observations": catalog.observations()}, default=str))
    with mounted(tmp_path / "ro", "--bind", source=str(writable)) as view:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
        ingest = _cli("ingest", *map(str, inputs), "--db", str(view / "catalog.db"))
        _clean_failure(ingest, str(view / "catalog.db"), "read-only filesystem")
        new = _cli("ingest", *map(str, inputs), "--db", str(view / "new.db"))
        _clean_failure(new, str(view / "new.db"), "folder is read-only")
        # Reading a WAL catalog on read-only media works (SQLite cannot make its -shm there).
        read = _cli("observations", "--db", str(view / "catalog.db"), "--json")
        assert read.returncode == 0, read.stderr
        assert json.loads(read.stdout) == before and before["observations"]


def test_postgres_role_without_write_rights(subset: Any) -> None:
    inputs, _, _ = subset
    with pg_schema() as url:
        assert rerun(url, inputs[:1], cli=False)["ingested"] > 0
        schema = url.rsplit("%3D", 1)[1]
        role = f"ro_{schema}"
        admin = psycopg.connect(PG_URL, autocommit=True)
        try:
            admin.execute(f"CREATE ROLE {role} LOGIN")
            admin.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
            as_role = url.replace("://postgres@", f"://{role}@", 1)
            assert as_role != url
            denied = _cli("ingest", *map(str, inputs), "--db", as_role)
            _clean_failure(denied, "PostgreSQL catalog refuses writes", "permission denied")
            from jwlink.catalog import Catalog

            with Catalog(as_role) as catalog:  # reading needs no write right, not even to migrate
                assert catalog.observations()
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")
            admin.close()


# ---------------------------------------------------------------- PostgreSQL restarts


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        pytest.skip(f"{name} not found: cannot run a private PostgreSQL cluster")
    return found


class Cluster:
    """A private PostgreSQL cluster in a temporary folder (never the shared one on 5432)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        # As root, the cluster runs as the postgres user (initdb refuses root).
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_pg_bin("pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60"]
        command += ["-l", str(self.folder / "log"), "-o", options, *args]
        subprocess.run([*self.prefix, *command], check=True, capture_output=True)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """initdb and start a cluster on a free port; stop and remove it afterwards."""
    initdb = _pg_bin("initdb")
    folder = Path(tempfile.mkdtemp(prefix="jwlink-pg-"))
    cluster = Cluster(folder, free_port())
    if cluster.prefix:
        shutil.chown(folder, "postgres", "postgres")
    try:
        subprocess.run(
            [*cluster.prefix, initdb, "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"]
            + ["--no-sync", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        cluster.pg_ctl("start")
        try:
            yield cluster
        finally:
            cluster.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
            _wait_for(client, paths[0], server)
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


def _wait_for(client: httpx.Client, path: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "jwlink serve exited"
        try:
            if client.get(path).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"jwlink serve did not answer {path}")


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
    from jwlink import linker
    from jwlink.model import FoundFile

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
            _wait_for(client, "/api/v1/observations", server)
        yield proxy, name, body
    finally:
        proxy.close()
        server.terminate()
        server.wait(timeout=20)


def _fetch(proxy: CuttingProxy, name: str, dest: Path, cli: bool) -> tuple[str, int]:
    if cli:
        args = ["download", "--name", name, "--server", proxy.url, "--dest", str(dest)]
        result = CliRunner().invoke(main, [*args, "--flat", "--json"])
        row = json.loads(result.output)["files"][0]
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

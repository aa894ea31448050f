# ruff: noqa: F811 - the subset fixture is imported, then requested by name
"""Faults of ingest: an ingest killed with SIGKILL, a full disk, a read-only catalog.

Each fault is real: ``kill -9`` of a ``jwlink ingest`` process, a tmpfs of a
few hundred KB, a read-only bind mount, a PostgreSQL role without write
rights. Faults under a running service are in test_faults_serving.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import PG_URL, pg_schema
from fault_archive import JWLINK, archive_files, full_dump, program_folders, subset  # noqa: F401 - fixtures

from jwlink.ingest.run import read_file
from jwlink.store import SqlStore, open_store

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
# Files per transaction in the killed ingests: small, so that the kills fall
# inside a group (its files read, not committed) after several committed ones.
GROUP = 25
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
store = open_store(url)
if after == 0:
    # Once every file is committed, before the guide stars are linked.
    store.link_guide_stars = lambda *visits: os.kill(os.getpid(), signal.SIGKILL)
ingest(store, inputs, progress=progress, group_files=%d)
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

    ``("file", n)`` kills it right after its n-th file is read (inside a
    group of `GROUP` files, not yet committed), ``("file", 0)`` once every
    file is committed, before guide stars are linked; ``("poll", f)`` kills
    it from outside once the catalog records a fraction f of the files,
    wherever it is then (inside a transaction, as likely as not).
    """
    how, where = point
    if how == "file":
        code = _SELF_KILL % GROUP
        command = [sys.executable, "-c", code, url, str(int(where)), *map(str, inputs)]
        process = subprocess.Popen(command, stderr=subprocess.PIPE)
    else:
        command = [*JWLINK, "ingest", *map(str, inputs), "--db", url, "--json"]
        command += ["--files-per-commit", str(GROUP)]
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
    # The poll fractions stay clear of the file points: in groups of GROUP
    # files, "middle" leaves 3 groups committed, "last" all but the last, and
    # a poll at 0.55 kills at the 5th or 6th commit.
    "sqlite": [("file", "first"), ("file", "middle"), ("file", "last"), ("poll", 0.55)],
    "postgresql": [("file", "last"), ("poll", 0.4)],
}


def _where(point: tuple[str, Any], total: int) -> tuple[str, float]:
    how, which = point
    if how == "poll":
        return how, which
    return how, {"first": 1, "middle": total // 2, "last": 0}[which]


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
    # An empty catalog takes 192 KiB (tables and indexes of migrations 1-9):
    # the disk holds it and a few files' rows, never the whole subset.
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=448k") as disk:
        db = disk / "catalog.db"
        # Small groups, so that some commit before the disk fills.
        full = _cli("ingest", *map(str, inputs), "--db", str(db), "--files-per-commit", "5")
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
        ingest(store, inputs, group_files=5)  # some groups commit before it fills
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
    from jwlink.query.catalog import Catalog

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
            from jwlink.query.catalog import Catalog

            with Catalog(as_role) as catalog:  # reading needs no write right, not even to migrate
                assert catalog.observations()
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")
            admin.close()

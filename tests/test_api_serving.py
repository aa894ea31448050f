# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Serving beside writing: read-only connections, one per thread, an ingest running meanwhile."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from api_archive import L3, Archive, build_archive, running_server
from conftest import DATA, need_data, pg_schema

from jwlink.api.state import StorePool
from jwlink.ingest import ingest
from jwlink.store import open_store


def test_sqlite_connections_are_per_thread(tmp_path: Path) -> None:
    url = str(tmp_path / "c.db")
    open_store(url).close()
    pool = StorePool(url)
    seen: dict[str, object] = {}

    def grab(key: str) -> None:
        with pool.store() as first, pool.store() as again:
            assert first is again  # one connection per thread
            seen[key] = first

    threads = [threading.Thread(target=grab, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in seen.values()}) == 4
    pool.close()


def test_postgres_connections_are_pooled() -> None:
    with pg_schema() as url:
        open_store(url).close()
        pool = StorePool(url, max_idle=2)
        with pool.store() as a, pool.store() as b:
            assert a is not b  # never shared while in use
        with pool.store() as c:
            assert c in (a, b)  # reused afterwards
        pool.close()
        assert a.conn.closed and b.conn.closed


def test_serving_while_an_ingest_writes(tmp_path: Path) -> None:
    need_data()
    archive: Archive = build_archive(tmp_path, str(tmp_path / "catalog.db"), "sqlite")
    extra = tmp_path / "later"
    extra.mkdir()
    for asn in sorted((DATA / "generated_asn" / "from_pool_033_wfs_jitter").glob("*.json")):
        shutil.copy(asn, extra / asn.name)
    with running_server(archive, tmp_path) as server:
        before = httpx.get(f"{server.url}/api/v1/observations", params={"program": "1439"}).json()
        assert before["total"] == 0
        errors: list[str] = []
        stop = threading.Event()
        started = threading.Barrier(5)

        def hammer() -> int:
            done = 0
            started.wait()
            with httpx.Client(base_url=server.url, timeout=30) as client:
                while not stop.is_set() or done < 20:
                    for url in (
                        "/api/v1/observations?page_size=50",
                        f"/api/v1/observations/{L3}/products",
                        f"/api/v1/mrp/{L3}",
                        f"/datalink/links?ID={L3}_i2d.fits",
                    ):
                        response = client.get(url)
                        if response.status_code != 200:
                            errors.append(f"{url}: {response.status_code} {response.text[:200]}")
                        done += 1
            return done

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(hammer) for _ in range(4)]
            started.wait()
            writer = open_store(archive.db_url)
            try:
                report = ingest(writer, [extra])
            finally:
                writer.close()
                stop.set()
            served = sum(f.result() for f in futures)
        assert not report.errors and report.ingested > 0
        assert not errors, errors[:5]
        assert served >= 80
        after = httpx.get(f"{server.url}/api/v1/observations", params={"program": "1439"}).json()
        assert after["total"] > 0  # new rows are served without a restart


def test_missing_catalog_fails_at_start(tmp_path: Path) -> None:
    from jwlink.app import create_app
    from jwlink.errors import JwlinkError

    with pytest.raises(JwlinkError):
        create_app(str(tmp_path / "nothing.db"))
    with pytest.raises(JwlinkError):
        create_app(str(tmp_path / "nothing.db"), data_root=tmp_path / "no-such-folder")

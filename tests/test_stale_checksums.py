"""A file changed on disk after ingest is never served under its old checksum (issue 17, point 6).

Each test catalogs real files (with their size and modification time, as
ingest records them), serves them for real on loopback, changes a file
behind the catalog's back, and asks for it every way a client can: GET,
HEAD, ``If-None-Match`` and ``If-Range`` with the old ETag, zip and tar
bundles, manifests, ``jwlink download`` from a local catalog.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import httpx
import pytest
from files_archive import OBS, catalog_files, serving

from jwlink.download import LocalSource, download
from jwlink.query import freshness

KEPT = "jw01234-o001_t001_nircam_clear-f200w_i2d.fits"
CHANGED = "jw01234-o001_t001_nircam_clear-f200w_cat.ecsv"
OLD = b"the bytes that were ingested\n" * 40
NEW = b"THE BYTES WRITTEN AFTERWARDS\n" * 40  # the same size


def _archive(tmp_path: Path, db_url: str, record_stat: bool = True) -> tuple[Path, dict[str, Path]]:
    root = tmp_path / "root"
    (root / "obs").mkdir(parents=True)
    files = {KEPT: root / "obs" / KEPT, CHANGED: root / "obs" / CHANGED}
    for path in files.values():
        path.write_bytes(OLD)
    catalog_files(db_url, files, record_stat)
    return root, files


def _rewrite(path: Path, data: bytes) -> None:
    """Change the file's bytes, its modification time visibly later."""
    before = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(before + 5_000_000_000, before + 5_000_000_000))


def _old_etag() -> str:
    return f'"{hashlib.sha256(OLD).hexdigest()}"'


def _assert_conflict(response: httpx.Response, name: str) -> None:
    assert response.status_code == 409, (response.status_code, response.headers)
    assert "etag" not in response.headers and "x-checksum-sha256" not in response.headers
    if response.request.method != "HEAD":
        body = response.json()
        assert body["ok"] is False and body["status"] == 409
        assert name in body["error"] and "catalog:" in body["error"] and "found:" in body["error"]


@pytest.mark.parametrize("record_stat", [True, False], ids=["stat-recorded", "stat-unknown"])
def test_a_file_changed_after_ingest_is_refused_every_way(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, record_stat: bool
) -> None:
    root, files = _archive(tmp_path, db_url, record_stat)
    _rewrite(files[CHANGED], NEW)
    url = f"/api/v1/files/{CHANGED}"
    with (
        caplog.at_level(logging.WARNING, logger="jwlink.files"),
        serving(db_url, root) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        _assert_conflict(client.get(url), CHANGED)
        _assert_conflict(client.head(url), CHANGED)
        _assert_conflict(client.get(url, headers={"If-None-Match": _old_etag()}), CHANGED)
        ranged = {"If-Range": _old_etag(), "Range": "bytes=0-9"}
        _assert_conflict(client.get(url, headers=ranged), CHANGED)
        mast = client.get("/api/v0.1/Download/file", params={"uri": f"mast:JWST/product/{CHANGED}"})
        _assert_conflict(mast, CHANGED)
        kept = client.get(f"/api/v1/files/{KEPT}")
        assert kept.status_code == 200 and kept.content == OLD
        assert kept.headers["x-checksum-sha256"] == hashlib.sha256(OLD).hexdigest()
    assert any(CHANGED in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_a_file_touched_with_the_same_bytes_is_served(db_url: str, tmp_path: Path) -> None:
    root, files = _archive(tmp_path, db_url)
    _rewrite(files[CHANGED], OLD)
    with serving(db_url, root) as served, httpx.Client(base_url=served.url) as client:
        for _ in range(2):  # the second time from the verdict remembered
            got = client.get(f"/api/v1/files/{CHANGED}")
            assert got.status_code == 200 and got.content == OLD
            assert got.headers["etag"] == _old_etag()
        assert (
            client.get(
                f"/api/v1/files/{CHANGED}", headers={"If-None-Match": _old_etag()}
            ).status_code
            == 304
        )


def test_a_touched_file_too_big_to_hash_again_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, files = _archive(tmp_path, db_url)
    _rewrite(files[CHANGED], OLD)
    monkeypatch.setattr(freshness, "REHASH_LIMIT", len(OLD) - 1)
    with serving(db_url, root) as served, httpx.Client(base_url=served.url) as client:
        response = client.get(f"/api/v1/files/{CHANGED}")
        _assert_conflict(response, CHANGED)
        assert "too big" in response.json()["error"]


def _sums_match(members: dict[str, bytes]) -> int:
    """Check every SHA256SUMS line against the member it names; return how many."""
    lines = members["SHA256SUMS"].decode().splitlines()
    for line in lines:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(members[path]).hexdigest() == digest, path
    return len(lines)


def _manifest(members: dict[str, bytes]) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(members["MANIFEST.csv"].decode()))
    return {row["name"]: row["status"] for row in rows}


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_bundles_leave_a_changed_file_out_and_say_so(
    db_url: str, tmp_path: Path, kind: str
) -> None:
    root, files = _archive(tmp_path, db_url)
    _rewrite(files[CHANGED], NEW)
    with serving(db_url, root) as served, httpx.Client(base_url=served.url) as client:
        response = client.get(f"/api/v1/bundle.{kind}", params={"obs_id": OBS, "mrp": "false"})
    assert response.status_code == 200
    assert "CHANGED=1" in response.headers["x-jwlink-left-out"]
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            paths = {n: archive.read(n) for n in archive.namelist()}
    else:
        with tarfile.open(fileobj=io.BytesIO(response.content)) as archive:
            paths = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}  # type: ignore[union-attr]
    members = {n.rsplit("/", 1)[-1]: data for n, data in paths.items()}
    assert CHANGED not in members and members[KEPT] == OLD
    assert not any(NEW in data for data in paths.values())
    assert _sums_match(paths) == 1
    assert _manifest(paths) == {KEPT: "OK", CHANGED: "CHANGED"}


def test_manifests_do_not_vouch_for_a_changed_file(db_url: str, tmp_path: Path) -> None:
    root, files = _archive(tmp_path, db_url)
    _rewrite(files[CHANGED], NEW)
    params = {"obs_id": OBS, "mrp": "false"}
    with serving(db_url, root) as served, httpx.Client(base_url=served.url) as client:
        listed = client.get("/api/v1/manifest.json", params=params).json()
        status = {f["name"]: (f["status"], f["message"]) for f in listed["files"]}
        assert status[KEPT] == ("OK", "")
        assert status[CHANGED][0] == "CHANGED" and "catalog:" in status[CHANGED][1]
        assert listed["left_out"] == {"CHANGED": 1}
        assert "CHANGED" in client.get("/api/v1/manifest.csv", params=params).text
        # Every file selected has changed: nothing to bundle, and why.
        alone = client.get("/api/v1/bundle.zip", params={"name": CHANGED})
        _assert_conflict(alone, CHANGED)


def test_a_local_download_counts_a_changed_file_out(db_url: str, tmp_path: Path) -> None:
    root, files = _archive(tmp_path, db_url)
    _rewrite(files[CHANGED], NEW)
    report = download(LocalSource(db_url, root), [OBS], tmp_path / "dest", mrp=False)
    assert not report.ok
    results = {f.name: f for f in report.files}
    assert results[KEPT].status == "downloaded"
    assert results[CHANGED].reason == "CHANGED"
    assert not list((tmp_path / "dest").rglob(CHANGED))


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "JWLINK_DB"}
    cmd = [sys.executable, "-m", "jwlink", "check", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=120)


def test_check_db_names_the_files_changed_or_gone_since_ingest(db_url: str, tmp_path: Path) -> None:
    root, files = _archive(tmp_path, db_url)
    assert _check("--db", db_url).returncode == 0
    _rewrite(files[CHANGED], NEW)
    files[KEPT].unlink()
    done = _check("--db", db_url)
    assert done.returncode == 1, done.stderr
    assert f"changed {files[CHANGED]}" in done.stdout and f"missing {files[KEPT]}" in done.stdout
    report = json.loads(_check("--db", db_url, "--json").stdout)
    assert report["files"] == 2 and report["same"] == 0 and report["missing"] == [str(files[KEPT])]
    (changed,) = report["changed"]
    assert changed["path"] == str(files[CHANGED])
    assert changed["found_mtime_ns"] == files[CHANGED].stat().st_mtime_ns != changed["mtime_ns"]


def test_check_db_counts_files_ingested_before_stats_were_kept(db_url: str, tmp_path: Path) -> None:
    _archive(tmp_path, db_url, record_stat=False)
    done = _check("--db", db_url)
    assert done.returncode == 0, done.stderr
    assert re.search(r"unrecorded +2", done.stdout)
    assert _check().returncode == 2  # no folder and no catalog: a usage error, said


def test_a_file_catalogued_before_stats_were_kept_is_hashed_whatever_its_size(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A catalog made before migration 0010 records no size or time: refusing
    # every big file would break it, so it is hashed (once per file state).
    root, files = _archive(tmp_path, db_url, record_stat=False)
    monkeypatch.setattr(freshness, "REHASH_LIMIT", len(OLD) - 1)
    _rewrite(files[CHANGED], NEW)
    with serving(db_url, root) as served, httpx.Client(base_url=served.url) as client:
        kept = client.get(f"/api/v1/files/{KEPT}")
        assert kept.status_code == 200 and kept.content == OLD
        _assert_conflict(client.get(f"/api/v1/files/{CHANGED}"), CHANGED)


def test_ingest_again_records_the_time_of_a_touched_file(db_url: str, tmp_path: Path) -> None:
    from jwlink.ingest import ingest
    from jwlink.store import open_store

    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / CHANGED
    path.write_bytes(OLD)
    store = open_store(db_url)
    try:
        ingest(store, [folder])
        location = store.execute("SELECT path FROM inputs")[0][0]
        first = store.execute("SELECT size, mtime_ns FROM inputs")[0]
        assert tuple(first) == (len(OLD), path.stat().st_mtime_ns)
        _rewrite(path, OLD)  # touched: same bytes, a later time
        report = ingest(store, [folder])
        assert (report.ingested, report.unchanged) == (0, 1)
        again = store.execute("SELECT size, mtime_ns FROM inputs WHERE path = ?", (location,))
        assert tuple(again[0]) == (len(OLD), path.stat().st_mtime_ns) != tuple(first)
        assert store.record_stat(location, hashlib.sha256(OLD).hexdigest(), *again[0]) is False
    finally:
        store.close()

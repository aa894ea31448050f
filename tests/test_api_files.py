# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Single files (HEAD, Range, ETag), streaming bundles, manifests, in process."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    CAT,
    I2D,
    L3,
    PREVIEW,
    RELEASED_CAT,
    SECRET_I2D,
    Archive,
    archive,
    assert_envelope,
    client_for,
)

from jwlink.api.errors import RangeNotSatisfiable
from jwlink.api.files import parse_range


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- single files


@pytest.mark.parametrize(
    "url", [f"/api/v1/files/{I2D}", f"/api/v0.1/Download/file?uri=mast:JWST/product/{I2D}"]
)
def test_get_and_head(client: Any, archive: Archive, url: str) -> None:
    body = archive.path_of(I2D).read_bytes()
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(body))
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["etag"] == f'"{_sha(body)}"'
    got = client.get(url)
    assert got.status_code == 200 and got.content == body
    assert got.headers["content-type"] == "application/fits"


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-999999999", 10, None),
    ],
)
def test_ranges(client: Any, archive: Archive, header: str, start: int, stop: int | None) -> None:
    body = archive.path_of(I2D).read_bytes()
    part = client.get(f"/api/v1/files/{I2D}", headers={"Range": header})
    assert part.status_code == 206
    expected = body[start:stop]
    assert part.content == expected
    first = start if start >= 0 else len(body) + start
    assert part.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(body)}"
    assert part.headers["content-length"] == str(len(expected))


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=50-10", "bytes=abc", "bytes=-0"])
def test_unsatisfiable_ranges(client: Any, archive: Archive, header: str) -> None:
    size = archive.path_of(I2D).stat().st_size
    response = client.get(f"/api/v1/files/{I2D}", headers={"Range": header})
    assert_envelope(response, 416)
    assert response.headers["content-range"] == f"bytes */{size}"


def test_other_units_and_multiple_ranges_get_the_whole_file(client: Any, archive: Archive) -> None:
    body = archive.path_of(I2D).read_bytes()
    for header in ("items=0-5", "bytes=0-5,10-20"):
        response = client.get(f"/api/v1/files/{I2D}", headers={"Range": header})
        assert response.status_code == 200 and response.content == body


def test_etag_conditionals(client: Any, archive: Archive) -> None:
    etag = client.head(f"/api/v1/files/{I2D}").headers["etag"]
    assert client.get(f"/api/v1/files/{I2D}", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get(f"/api/v1/files/{I2D}", headers={"If-None-Match": '"other"'}).status_code == 200
    )
    stale = client.get(f"/api/v1/files/{I2D}", headers={"Range": "bytes=0-3", "If-Range": '"old"'})
    assert stale.status_code == 200  # the range is dropped when the validator changed
    fresh = client.get(f"/api/v1/files/{I2D}", headers={"Range": "bytes=0-3", "If-Range": etag})
    assert fresh.status_code == 206 and len(fresh.content) == 4


def test_parse_range_unit() -> None:
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-4", 10) == (2, 5)
    assert parse_range("bytes=-3", 10) == (7, 10)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=10-", 10)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-1", 0)


def test_missing_and_unheld_files(client: Any, archive: Archive) -> None:
    assert_envelope(client.get("/api/v1/files/jw_nothing_cal.fits"), 404)
    # named by evidence but never on disk
    assert_envelope(
        client.get(f"/api/v1/files/{L3.replace('clear-f200w', 'f200w-gr150r')}_x1d.fits"), 404
    )
    with client_for(archive, data_root=False) as bare:
        assert_envelope(bare.get(f"/api/v1/files/{I2D}"), 404)


def test_symlink_out_of_the_root_is_not_served(
    client: Any, archive: Archive, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    target = archive.path_of(PREVIEW)
    original = target.read_bytes()
    backup = target.with_name(target.name + ".bak")
    os.replace(target, backup)
    try:
        target.symlink_to(outside)
        response = client.get(f"/api/v1/files/{PREVIEW}")
        assert_envelope(response, 404)
        assert b"secret" not in response.content
    finally:
        target.unlink()
        os.replace(backup, target)
    assert target.read_bytes() == original


# ---------------------------------------------------------------- bundles and manifests


def _manifest(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/manifest.json", params=params)
    assert response.status_code == 200, response.text
    return response.json()["files"]


def test_manifest_is_the_mrp_with_checksums(client: Any, archive: Archive) -> None:
    mrp = client.get(f"/api/v1/mrp/{L3}").json()["products"]
    rows = _manifest(client, obs_id=L3)
    assert [r["name"] for r in rows] == mrp
    for row in rows:
        assert row["path"] == f"JWST/{L3}/{row['name']}"
        data = archive.path_of(row["name"]).read_bytes()
        assert row["size"] == len(data) and row["sha256"] == _sha(data) and row["status"] == "OK"
    everything = _manifest(client, obs_id=L3, mrp=False)
    assert len(everything) > len(rows)
    assert {r["status"] for r in everything} == {"OK", "NOT_HELD"}
    flat = _manifest(client, obs_id=L3, flat=True)
    assert [r["path"] for r in flat] == mrp


def test_manifest_csv_matches_json(client: Any) -> None:
    text = client.get("/api/v1/manifest.csv", params={"obs_id": L3, "name": PREVIEW}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    as_json = _manifest(client, obs_id=L3, name=PREVIEW)
    assert [(r["name"], int(r["size"]), r["sha256"]) for r in rows] == [
        (r["name"], r["size"], r["sha256"]) for r in as_json
    ]
    assert as_json[-1]["name"] == PREVIEW  # explicit names join the MRP


def _expected_files(client: Any, archive: Archive, **params: Any) -> dict[str, bytes]:
    return {
        r["path"]: archive.path_of(r["name"]).read_bytes()
        for r in _manifest(client, **params)
        if r["status"] == "OK"
    }


def test_zip_bundle(client: Any, archive: Archive) -> None:
    expected = _expected_files(client, archive, obs_id=L3, name=PREVIEW)
    response = client.get("/api/v1/bundle.zip", params={"obs_id": L3, "name": PREVIEW})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive_zip:
        assert archive_zip.testzip() is None
        names = archive_zip.namelist()
        assert names == [*expected, "MANIFEST.csv", "SHA256SUMS"]
        for path, data in expected.items():
            assert archive_zip.read(path) == data
        sums = archive_zip.read("SHA256SUMS").decode().splitlines()
    assert sums == [f"{_sha(d)}  {p}" for p, d in expected.items()]


def test_tar_bundle_flat(client: Any, archive: Archive) -> None:
    expected = _expected_files(client, archive, obs_id=L3, flat=True)
    response = client.get("/api/v1/bundle.tar", params={"obs_id": L3, "flat": True})
    assert response.status_code == 200
    assert len(response.content) % tarfile.RECORDSIZE == 0
    with tarfile.open(fileobj=io.BytesIO(response.content)) as tar:
        members = tar.getnames()
        assert members == [*expected, "MANIFEST.csv", "SHA256SUMS"]
        for path, data in expected.items():
            extracted = tar.extractfile(path)
            assert extracted is not None and extracted.read() == data


def test_bundle_is_streamed_not_buffered(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    from jwlink.api import streams
    from jwlink.api.streams import Entry, zip_stream

    monkeypatch.setattr(streams, "_CHUNK", 4096)
    path = archive.path_of(I2D)
    entry = Entry(I2D, f"JWST/{L3}/{I2D}", path.stat().st_size, None, "", str(path), "PUBLIC")
    chunks = zip_stream([entry], archive.data_root)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and len(first) < path.stat().st_size
    rest = list(chunks)
    assert len(rest) > path.stat().st_size // 4096 - 2  # one piece per chunk read
    rest = b"".join(rest)
    with zipfile.ZipFile(io.BytesIO(first + rest)) as z:
        assert z.read(f"JWST/{L3}/{I2D}") == path.read_bytes()


def test_curl_script_lists_files_and_checksums(client: Any) -> None:
    rows = _manifest(client, obs_id=L3)
    script = client.get("/api/v1/bundle.sh", params={"obs_id": L3}).text
    assert script.startswith("#!/bin/sh")
    assert "curl" in script and "-C -" in script and "-c --status" in script
    for row in rows:
        assert row["sha256"] in script and row["path"] in script


def test_selection_errors(client: Any) -> None:
    assert_envelope(client.get("/api/v1/bundle.zip"), 400)
    assert_envelope(client.get("/api/v1/bundle.zip", params={"obs_id": "jw_nothing"}), 404)
    assert_envelope(client.get("/api/v1/bundle.rar", params={"obs_id": L3}), 422)
    assert_envelope(client.get("/api/v1/manifest.json", params={"name": "../../etc/passwd"}), 404)


def test_mast_bundle_form(client: Any) -> None:
    body = f"uri=mast:JWST/product/{CAT}&uri=mast:JWST/product/{I2D}"
    response = client.post(
        "/api/v0.1/Download/bundle.sh",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and CAT in response.text and I2D in response.text
    assert "mastDownload_" in response.headers["content-disposition"]


def test_released_exclusive_product_is_public(client: Any) -> None:
    assert client.get(f"/api/v1/files/{RELEASED_CAT}").status_code == 200
    assert_envelope(client.get(f"/api/v1/files/{SECRET_I2D}"), 401)

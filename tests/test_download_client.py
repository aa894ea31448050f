# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The download client: ``jwlink download`` against a real server, locally, and fault cases."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    I2D,
    L3,
    PREVIEW,
    SECRET_I2D,
    SECRET_L3,
    TOKEN_9505,
    Archive,
    Server,
    archive,
    server,
)
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.download import (
    DownloadError,
    HttpSource,
    LocalSource,
    download,
    safe_relative_path,
)


def jwlink(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run ``jwlink ... --json`` in process; return its exit code and JSON output.

    The JSON is stdout; the closing summary goes to stderr.
    """
    result = CliRunner().invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def _manifest(server: Server, **params: Any) -> list[dict[str, Any]]:
    return httpx.get(f"{server.url}/api/v1/manifest.json", params=params).json()["files"]


def _check_against_manifest(dest: Path, rows: list[dict[str, Any]], archive: Archive) -> None:
    for row in rows:
        data = (dest / row["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        assert data == archive.path_of(row["name"]).read_bytes()


def test_download_mrp_from_server(server: Server, archive: Archive, tmp_path: Path) -> None:
    code, report = jwlink("download", L3, "--server", server.url, "--dest", str(tmp_path))
    assert code == 0 and report["ok"]
    rows = _manifest(server, obs_id=L3)
    assert [f["status"] for f in report["files"]] == ["downloaded"] * len(rows)
    _check_against_manifest(tmp_path, rows, archive)
    again = jwlink("download", L3, "--server", server.url, "--dest", str(tmp_path))[1]
    assert {f["status"] for f in again["files"]} == {"unchanged"}


def test_resume_after_truncation_uses_a_range(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    jwlink("download", L3, "--server", server.url, "--dest", str(tmp_path), "--workers", "2")
    target = tmp_path / "JWST" / L3 / I2D
    size = target.stat().st_size
    target.write_bytes(target.read_bytes()[:1000])
    code, report = jwlink("download", L3, "--server", server.url, "--dest", str(tmp_path))
    assert code == 0
    resumed = next(f for f in report["files"] if f["name"] == I2D)
    assert resumed["status"] == "resumed" and resumed["transferred"] == size - 1000
    assert target.read_bytes() == archive.path_of(I2D).read_bytes()
    assert f'GET /api/v1/files/{I2D} HTTP/1.1" 206' in server.logs()


def test_corrupted_local_file_is_replaced(server: Server, archive: Archive, tmp_path: Path) -> None:
    jwlink("download", L3, "--server", server.url, "--dest", str(tmp_path))
    target = tmp_path / "JWST" / L3 / I2D
    data = bytearray(target.read_bytes())
    data[500] ^= 0xFF  # same size, wrong content
    target.write_bytes(bytes(data))
    report = jwlink("download", L3, "--server", server.url, "--dest", str(tmp_path))[1]
    assert next(f for f in report["files"] if f["name"] == I2D)["status"] == "downloaded"
    assert target.read_bytes() == archive.path_of(I2D).read_bytes()


def test_all_products_flat_and_missing_ones_skipped(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    code, report = jwlink(
        "download", L3, "--no-mrp", "--flat", "--server", server.url, "--dest", str(tmp_path)
    )
    # Files the archive does not hold are skipped, counted, and fail the run.
    assert code == 1 and report["left_out"] == {
        "NOT_HELD": sum(f["status"] == "skipped" for f in report["files"])
    }
    statuses = {f["name"]: f["status"] for f in report["files"]}
    assert statuses[PREVIEW] == "downloaded" and "skipped" in statuses.values()
    assert (tmp_path / PREVIEW).read_bytes() == archive.path_of(PREVIEW).read_bytes()


def test_exclusive_files_need_the_token(server: Server, archive: Archive, tmp_path: Path) -> None:
    code, anon = jwlink(
        "download", "--name", SECRET_I2D, "--server", server.url, "--dest", str(tmp_path / "anon")
    )
    assert code == 1 and anon["files"][0]["status"] == "skipped"  # not in place: a failure
    assert anon["files"][0]["reason"] == "NOT_AUTHORIZED" and anon["left_out"] == {
        "NOT_AUTHORIZED": 1
    }
    env = {"JWLINK_TOKEN": TOKEN_9505}
    code, alice = jwlink(
        "download", SECRET_L3, "--server", server.url, "--dest", str(tmp_path / "alice"), env=env
    )
    assert code == 0 and {f["status"] for f in alice["files"]} == {"downloaded"}
    path = tmp_path / "alice" / "JWST" / SECRET_L3 / SECRET_I2D
    assert path.read_bytes() == archive.path_of(SECRET_I2D).read_bytes()


def test_local_catalog_gives_the_same_files(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    code, report = jwlink(
        "download",
        L3,
        "--db",
        archive.db_url,
        "--data-root",
        str(archive.data_root),
        "--dest",
        str(tmp_path),
    )
    assert code == 0 and report["ok"]
    _check_against_manifest(tmp_path, _manifest(server, obs_id=L3), archive)
    # resume works locally too
    target = tmp_path / "JWST" / L3 / I2D
    target.write_bytes(target.read_bytes()[:777])
    report = jwlink(
        "download",
        L3,
        "--db",
        archive.db_url,
        "--data-root",
        str(archive.data_root),
        "--dest",
        str(tmp_path),
    )[1]
    assert next(f for f in report["files"] if f["name"] == I2D)["status"] == "resumed"
    assert target.read_bytes() == archive.path_of(I2D).read_bytes()


def test_cli_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing_source = runner.invoke(main, ["download", L3, "--dest", str(tmp_path)])
    assert missing_source.exit_code == 2 and "--server" in missing_source.output
    nothing = runner.invoke(main, ["download", "--server", "http://x", "--dest", str(tmp_path)])
    assert nothing.exit_code == 2
    unreachable = runner.invoke(
        main, ["download", L3, "--server", "http://127.0.0.1:9", "--dest", str(tmp_path)]
    )
    assert unreachable.exit_code == 1 and "Cannot reach" in unreachable.output


# ---------------------------------------------------------------- fault cases (MockTransport)

CONTENT = bytes(range(256)) * 40  # 10240 bytes
NAME = "jw01234001001_02101_00001_nrca1_cal.fits"


def fake_server(
    *,
    file: Callable[[httpx.Request, int], httpx.Response] | None = None,
    manifest: dict[str, Any] | None = None,
    seen: list[httpx.Request] | None = None,
) -> httpx.Client:
    """A client whose transport answers like a jwlink server, with injectable faults."""
    row = {
        "name": NAME,
        "path": f"JWST/jw01234001001_02101_00001_nrca1/{NAME}",
        "size": len(CONTENT),
        "sha256": hashlib.sha256(CONTENT).hexdigest(),
        "status": "OK",
    }
    calls = {"file": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if request.url.path == "/api/v1/manifest.json":
            return httpx.Response(200, json=manifest or {"files": [row]})
        calls["file"] += 1
        if file is not None:
            return file(request, calls["file"])
        return ranged(request, CONTENT)

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://jwlink.test")


def ranged(request: httpx.Request, body: bytes) -> httpx.Response:
    wanted = request.headers.get("range")
    if wanted:
        start = int(wanted.split("=")[1].split("-")[0])
        if start >= len(body):
            return httpx.Response(416, json={"ok": False, "error": "range", "status": 416})
        return httpx.Response(
            206,
            content=body[start:],
            headers={"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"},
        )
    return httpx.Response(200, content=body)


def run(client: httpx.Client, dest: Path) -> Any:
    return download(HttpSource(client, "http://jwlink.test", token="t0ken"), ["jw01234"], dest)


def _target(dest: Path) -> Path:
    return dest / "JWST" / "jw01234001001_02101_00001_nrca1" / NAME


def test_mock_download_and_progress(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    ticks: list[int] = []

    def progress(total: int, files: int) -> Callable[[int], None]:
        assert (total, files) == (len(CONTENT), 1)
        return ticks.append

    report = download(
        HttpSource(fake_server(seen=seen), "http://jwlink.test", token="t0ken"),
        ["jw01234"],
        tmp_path,
        progress=progress,
    )
    assert report.ok and _target(tmp_path).read_bytes() == CONTENT and sum(ticks) == len(CONTENT)
    assert all(r.headers["authorization"] == "Bearer t0ken" for r in seen)
    assert [("obs_id", "jw01234"), ("mrp", "true"), ("flat", "false")] == list(
        seen[0].url.params.multi_items()
    )


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path) -> None:
    _target(tmp_path).parent.mkdir(parents=True)
    _target(tmp_path).write_bytes(CONTENT[:3000])
    client = fake_server(file=lambda request, n: httpx.Response(200, content=CONTENT))
    report = run(client, tmp_path)
    assert report.files[0].status == "downloaded" and _target(tmp_path).read_bytes() == CONTENT


def test_416_on_resume_restarts_from_zero(tmp_path: Path) -> None:
    _target(tmp_path).parent.mkdir(parents=True)
    _target(tmp_path).write_bytes(b"x" * 5000)
    ranges: list[str | None] = []

    def file(request: httpx.Request, n: int) -> httpx.Response:
        ranges.append(request.headers.get("range"))
        if request.headers.get("range"):
            return httpx.Response(416, json={"ok": False, "error": "bad range", "status": 416})
        return httpx.Response(200, content=CONTENT)

    report = run(fake_server(file=file), tmp_path)
    assert ranges == ["bytes=5000-", None]
    assert report.ok and _target(tmp_path).read_bytes() == CONTENT


def test_corrupt_transfer_is_retried_then_reported(tmp_path: Path) -> None:
    flaky = fake_server(
        file=lambda r, n: httpx.Response(200, content=CONTENT if n > 1 else b"?" * len(CONTENT))
    )
    assert run(flaky, tmp_path / "a").files[0].status == "downloaded"
    broken = fake_server(file=lambda r, n: httpx.Response(200, content=b"?" * len(CONTENT)))
    report = run(broken, tmp_path / "b")
    result = report.files[0]
    assert result.status == "error" and "SHA-256" in result.message
    assert not report.ok and report.left_out == {"CHECKSUM_MISMATCH": 1}
    assert not _target(tmp_path / "b").exists()


def test_refused_file_and_broken_connection_are_errors(tmp_path: Path) -> None:
    refused = fake_server(
        file=lambda r, n: httpx.Response(
            403,
            json={"ok": False, "error": "The token does not grant program 01234", "status": 403},
        )
    )
    result = run(refused, tmp_path).files[0]
    assert result.status == "error" and "403" in result.message and "01234" in result.message
    assert result.reason == "NOT_AUTHORIZED"  # refused at transfer though the manifest said OK

    def drop(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    result = run(fake_server(file=drop), tmp_path).files[0]
    assert result.status == "error" and "connection reset" in result.message
    assert result.reason == "FAILED"

    def gone(request: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(404, json={"ok": False, "error": "not held", "status": 404})

    assert run(fake_server(file=gone), tmp_path).files[0].reason == "NOT_HELD"


def test_manifest_failures(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, json={"ok": False, "error": "No product or observation named 'x'", "status": 404}
        )

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(DownloadError, match="No product or observation named"):
        download(HttpSource(client, "http://jwlink.test"), ["x"], tmp_path)
    hostile = {"files": [{"name": "evil", "path": "../../evil", "size": 1, "sha256": None}]}
    with pytest.raises(DownloadError, match="Unsafe path"):
        run(fake_server(manifest=hostile), tmp_path)
    assert not (tmp_path.parent / "evil").exists()


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", "a\\b", "C:/x", "", "a\x00b"])
def test_safe_relative_path_refuses(path: str) -> None:
    with pytest.raises(DownloadError):
        safe_relative_path(path)


def test_local_source_refuses_files_outside_the_root(archive: Archive, tmp_path: Path) -> None:
    source = LocalSource(archive.db_url, tmp_path)  # a data root that holds none of the files
    report = download(source, [L3], tmp_path / "dest")
    assert {f.status for f in report.files} == {"skipped"}
    assert not report.ok and report.left_out == {"NOT_HELD": len(report.files)}

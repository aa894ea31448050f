# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The curl scripts run for real: fetch, verify SHA-256, resume with ``curl -C -``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    I2D,
    L3,
    SECRET_I2D,
    SECRET_L3,
    TOKEN_9505,
    Archive,
    Server,
    archive,
    server,
)

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None
    or shutil.which("sha256sum") is None
    and shutil.which("shasum") is None,
    reason="needs curl and sha256sum (or shasum)",
)


def _script(
    server: Server, folder: Path, headers: dict[str, str] | None = None, **params: object
) -> Path:
    response = httpx.get(f"{server.url}/api/v1/bundle.sh", params=params, headers=headers)
    assert response.status_code == 200, response.text
    path = folder / "fetch.sh"
    path.write_text(response.text)
    return path


def _run(
    script: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(script), *args],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_script_fetches_verifies_and_resumes(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    script = _script(server, tmp_path, obs_id=L3)
    first = _run(script)
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = httpx.get(f"{server.url}/api/v1/manifest.json", params={"obs_id": L3}).json()[
        "files"
    ]
    for row in manifest:
        assert (tmp_path / row["path"]).read_bytes() == archive.path_of(row["name"]).read_bytes()
    assert first.stdout.count("OK ") == len(manifest)
    target = tmp_path / "JWST" / L3 / I2D
    target.write_bytes(target.read_bytes()[:5000])
    second = _run(script)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"OK (already complete) JWST/{L3}/{L3}_cat.ecsv" in second.stdout
    assert target.read_bytes() == archive.path_of(I2D).read_bytes()
    assert f'GET /api/v1/files/{I2D} HTTP/1.1" 206' in server.logs()  # curl -C - resumed


def test_script_reports_a_corrupt_file(server: Server, archive: Archive, tmp_path: Path) -> None:
    script = _script(server, tmp_path, name=I2D)
    text = script.read_text()
    sha = next(line.split()[3] for line in text.splitlines() if line.startswith("fetch "))
    script.write_text(text.replace(sha, "0" * 64))
    done = _run(script)
    assert done.returncode == 1 and "CHECKSUM MISMATCH" in done.stdout
    assert "CHECKSUM_MISMATCH  1" in done.stderr


def test_script_with_token_fetches_exclusive_files(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    script = _script(
        server, tmp_path, headers={"Authorization": f"Bearer {TOKEN_9505}"}, obs_id=SECRET_L3
    )
    assert TOKEN_9505 not in script.read_text()
    without = _run(script)  # the script holds the file; the server refuses it without a token
    assert without.returncode == 1 and "NOT AUTHORIZED (HTTP 401)" in without.stdout
    assert "need the token" in without.stderr
    done = _run(script, TOKEN_9505)
    assert done.returncode == 0, done.stdout + done.stderr
    path = tmp_path / "JWST" / SECRET_L3 / SECRET_I2D
    assert path.read_bytes() == archive.path_of(SECRET_I2D).read_bytes()
    assert TOKEN_9505 not in server.logs()

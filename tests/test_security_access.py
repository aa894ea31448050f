"""Exclusive access, surface by surface: every way to get a file's bytes agrees on who may.

MAST's rule, which jwlink follows: metadata is public (listings, product
pages, DataLink rows, manifests name exclusive products), data is not (the
bytes go only to a token granting the program). For each caller (anonymous,
a forged token, another program's token, the program's token as a header and
as the ``mast_token`` cookie, staff) and each product (public, exclusive,
exclusive but released, and a pool of the exclusive program that carries no
rights of its own), every surface that can deliver bytes (native file, MAST
Download, DataLink access URL, zip, tar, curl script, manifest, MAST bundle,
the portal's file link and basket twin) must deliver them exactly when the
caller may read them, and refuse with the same 401/403 otherwise.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_archive import (
    I2D,
    L3,
    RELEASED_CAT,
    SECRET_I2D,
    SECRET_L3,
    TOKEN_9505,
    TOKEN_ALL,
    TOKEN_OTHER,
    Archive,
    build_archive,
    client_for,
)
from conftest import pg_schema

from jwlink import Catalog
from jwlink.store import open_store

POOL = "jw09505_20251216t202003_pool.csv"
CALLERS: dict[str, dict[str, str]] = {
    "anonymous": {},
    "forged": {"Authorization": "Bearer not-a-real-token"},
    "other-program": {"Authorization": f"Bearer {TOKEN_OTHER}"},
    "program": {"Authorization": f"Bearer {TOKEN_9505}"},
    "program-cookie": {"Cookie": f"mast_token={TOKEN_9505}"},
    "staff": {"Authorization": f"Bearer {TOKEN_ALL}"},
}
GRANTED = {"program", "program-cookie", "staff"}
EXCLUSIVE = {SECRET_I2D, POOL}
PRODUCTS = [I2D, RELEASED_CAT, SECRET_I2D, POOL]


def expected(caller: str, name: str) -> int:
    """The status every byte-delivering surface must give."""
    if name not in EXCLUSIVE or caller in GRANTED:
        return 200
    return 403 if caller == "other-program" else 401


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    root = tmp_path_factory.mktemp(f"access-{request.param}")

    def make(url: str) -> Archive:
        archive = build_archive(root, url, request.param)
        store = open_store(url)
        try:  # the pool's own row says nothing about rights: it must take its program's
            own = store.execute("SELECT data_rights, release_date FROM products WHERE name = ?",
                                (POOL,))  # fmt: skip
        finally:
            store.close()
        assert own == [(None, None)], own
        return archive

    if request.param == "sqlite":
        with client_for(make(str(root / "catalog.db"))) as c:
            yield c
        return
    with pg_schema() as url, client_for(make(url)) as c:
        yield c


def _zip(response: Any) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def _tar(response: Any) -> list[str]:
    return tarfile.open(fileobj=io.BytesIO(response.content)).getnames()


def _bundle(reader: Callable[[Any], list[str]]) -> Callable[[Any, Any, str], int]:
    def status(response: Any, _client: Any, name: str) -> int:
        if response.status_code == 200:
            assert any(n.endswith("/" + name) for n in reader(response)), name
        return int(response.status_code)

    return status


def _script(response: Any, _client: Any, name: str) -> int:
    fetched = [line for line in response.text.splitlines() if line.startswith("fetch ")]
    if any(name in line for line in fetched):
        return 200
    assert f"left out (NOT_AUTHORIZED): {name}" in response.text
    return 401  # a script never fails; what it leaves out is what the caller may not read


def _manifest(response: Any, _client: Any, name: str) -> int:
    row = next(r for r in response.json()["files"] if r["name"] == name)
    assert row["sha256"], "metadata stays visible"
    return 200 if row["status"] == "OK" else 401


def _plain(response: Any, _client: Any, name: str) -> int:
    return int(response.status_code)


# surface -> (request for a product, how to read the answer as "delivered" (200) or a refusal)
SURFACES: dict[str, tuple[Callable[[Any, str, dict[str, str]], Any], Callable[..., int]]] = {
    "native file": (lambda c, n, h: c.get(f"/api/v1/files/{n}", headers=h), _plain),
    "native HEAD": (lambda c, n, h: c.head(f"/api/v1/files/{n}", headers=h), _plain),
    "MAST download": (
        lambda c, n, h: c.get(
            "/api/v0.1/Download/file", params={"uri": f"mast:JWST/product/{n}"}, headers=h
        ),  # noqa: E501
        _plain,
    ),
    "zip": (
        lambda c, n, h: c.get("/api/v1/bundle.zip", params={"name": n}, headers=h),
        _bundle(_zip),
    ),  # noqa: E501
    "tar": (
        lambda c, n, h: c.get("/api/v1/bundle.tar", params={"name": n}, headers=h),
        _bundle(_tar),
    ),  # noqa: E501
    "MAST bundle": (
        lambda c, n, h: c.post(
            "/api/v0.1/Download/bundle.zip", data={"uri": f"mast:JWST/product/{n}"}, headers=h
        ),  # noqa: E501
        _bundle(_zip),
    ),
    "curl script": (
        lambda c, n, h: c.get("/api/v1/bundle.sh", params={"name": n}, headers=h),
        _script,
    ),  # noqa: E501
    "manifest": (
        lambda c, n, h: c.get("/api/v1/manifest.json", params={"name": n}, headers=h),
        _manifest,
    ),  # noqa: E501
}


def _refusal(code: int) -> int:
    return 401 if code in (401, 403) else code


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_surface_agrees_on_who_gets_the_bytes(client: Any, caller: str) -> None:
    headers = CALLERS[caller]
    for name in PRODUCTS:
        want = expected(caller, name)
        for surface, (send, read) in SURFACES.items():
            got = read(send(client, name, headers), client, name)
            if surface in ("curl script", "manifest"):
                assert got == _refusal(want), (surface, caller, name, got)
            else:
                assert got == want, (surface, caller, name, got)
        # DataLink: the row says whether the caller may read, and its URL agrees
        links = client.get("/datalink/links", params={"ID": name}, headers=headers).text
        this = next(row for row in links.split("<TR>")[1:] if "#this" in row)
        assert ("<TD>T</TD></TR>" in this) == (want == 200), (caller, name)
        url = this.split("<TD>")[2].split("</TD>")[0].replace("&amp;", "&")
        target = urlsplit(url)
        assert client.get(f"{target.path}?{target.query}", headers=headers).status_code == want


@pytest.mark.parametrize("caller", ["anonymous", "other-program", "program"])
def test_portal_pages_show_metadata_and_link_to_guarded_bytes(client: Any, caller: str) -> None:
    headers = CALLERS[caller]
    page = client.get(f"/products/{SECRET_I2D}", headers=headers)
    assert page.status_code == 200 and "EXCLUSIVE_ACCESS" in page.text  # metadata is public
    link = f"/api/v1/files/{SECRET_I2D}"
    assert link in page.text
    assert client.get(link, headers=headers).status_code == expected(caller, SECRET_I2D)
    basket = client.get("/basket", params={"name": [SECRET_I2D, I2D]}, headers=headers)
    twin = basket.headers["link"].split(">")[0].lstrip("<")
    rows = client.get(twin, headers=headers).json()["files"]
    status = {r["name"]: r["status"] for r in rows}
    assert status[I2D] == "OK"
    assert status[SECRET_I2D] == ("OK" if caller in GRANTED else "NOT_AUTHORIZED")


def test_metadata_is_public_and_locations_stay_private(client: Any) -> None:
    root = str(Path(client.app.state.jwlink.data_root))
    bodies = []
    for url in (
        f"/api/v1/products/{SECRET_I2D}",
        f"/api/v1/products/{POOL}",
        f"/api/v1/observations/{SECRET_L3}",
        f"/api/v1/observations/{SECRET_L3}/products",
        f"/api/v1/lineage/{SECRET_I2D}?direction=both",
        f"/api/v1/mrp/{SECRET_L3}",
        "/api/v1/observations?program=9505",
        f"/api/v1/manifest.json?obs_id={SECRET_L3}&name={POOL}",
        f"/datalink/links?ID={SECRET_I2D}",
        f"/observations/{SECRET_L3}",
        f"/products/{POOL}",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:200])
        bodies.append(response.text)
    rows = client.get(f"/api/v1/observations/{SECRET_L3}/products").json()["products"]
    listed = {r["productFilename"]: r["dataRights"] for r in rows}
    assert listed[SECRET_I2D] == "EXCLUSIVE_ACCESS"
    assert all(root not in body for body in bodies)  # server paths never leave the server


def test_listings_state_the_rights_downloads_enforce(client: Any) -> None:
    """A file with no rights of its own is listed with its program's, as it is guarded."""
    detail = client.get(f"/api/v1/products/{POOL}").json()["product"]
    assert detail["data_rights"] == "EXCLUSIVE_ACCESS"
    with Catalog(client.app.state.jwlink.db_url) as catalog:
        rows = catalog.program_products("9505").rows
    listed = {r["productFilename"]: r["dataRights"] for r in rows}
    assert listed[POOL] == "EXCLUSIVE_ACCESS"
    assert listed[SECRET_I2D] == "EXCLUSIVE_ACCESS"
    public = {
        r["productFilename"]: r["dataRights"]
        for r in client.get(f"/api/v1/observations/{L3}/products").json()["products"]
    }
    assert set(public.values()) == {"PUBLIC"}

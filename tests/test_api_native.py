# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The native JSON API under /api/v1/, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    CAL,
    EXPOSURE,
    I2D,
    L3,
    REFERENCE,
    SECRET_L3,
    Archive,
    archive,
    assert_envelope,
    client_for,
)

from jwlink.query.catalog import Catalog
from jwlink.query.prov import to_prov_json


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


def _obs_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [o["obs_id"] for o in response.json()["observations"]]


# ---------------------------------------------------------------- observations


def test_search_by_program_matches_catalog(client: Any, archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        expected = sorted(o["obs_id"] for o in catalog.observations(program="87800"))
    assert _obs_ids(client.get("/api/v1/observations", params={"program": "87800"})) == expected
    # leading zeros and repeated values both work
    both = _obs_ids(
        client.get("/api/v1/observations", params=[("program", "087800"), ("program", "9505")])
    )
    assert set(expected) < set(both) and any(o.startswith("jw09505") for o in both)


def test_search_instrument_prefix_filters_target_level(client: Any) -> None:
    nis = _obs_ids(client.get("/api/v1/observations", params={"instrument": "niriss"}))
    assert nis and all(o.startswith("jw87800") for o in nis)
    wfss = _obs_ids(client.get("/api/v1/observations", params={"instrument": "NIRISS/WFSS"}))
    assert len(wfss) == 8
    f200 = _obs_ids(
        client.get("/api/v1/observations", params={"filters": "F200W", "calib_level": 3})
    )
    assert f200 == [L3, "jw87800-o017_t002_niriss_f200w-gr150r"]
    target = _obs_ids(client.get("/api/v1/observations", params={"target": "hd-99999*"}))
    assert len(target) == 10 and EXPOSURE in target


def test_search_cone_and_time(client: Any) -> None:
    near = client.get("/api/v1/observations", params={"ra": 150.1, "dec": 2.2, "radius": 0.01})
    rows = near.json()["observations"]
    assert rows and all(r["proposal_id"] == "87800" and r["distance"] < 0.6 for r in rows)
    # a cone across RA 0/360 finds the program placed at RA 359.995
    wrapped = client.get("/api/v1/observations", params={"ra": 0.005, "dec": -30, "radius": 0.02})
    assert {r["proposal_id"] for r in wrapped.json()["observations"]} == {"9505"}
    late = _obs_ids(client.get("/api/v1/observations", params={"t_min": 60000}))
    assert late and all(o.startswith("jw09505") for o in late)
    early = _obs_ids(client.get("/api/v1/observations", params={"t_max": 59000}))
    assert early and all(o.startswith("jw87800") for o in early)


def test_search_paging(client: Any) -> None:
    first = client.get("/api/v1/observations", params={"page_size": 5}).json()
    second = client.get("/api/v1/observations", params={"page_size": 5, "page": 2}).json()
    assert first["total"] == second["total"] > 10
    assert len(first["observations"]) == 5
    assert not {o["obs_id"] for o in first["observations"]} & {
        o["obs_id"] for o in second["observations"]
    }
    assert_envelope(client.get("/api/v1/observations", params={"page_size": 10_001}), 422)
    assert_envelope(client.get("/api/v1/observations", params={"ra": 1, "dec": 2}), 400)


def test_observation_by_id_alias_and_obsid(client: Any) -> None:
    doc = client.get(f"/api/v1/observations/{L3}").json()["observation"]
    assert doc["obs_id"] == L3 and doc["members"]
    by_number = client.get(f"/api/v1/observations/{doc['obsid']}").json()["observation"]
    assert by_number["obs_id"] == L3
    assert_envelope(client.get("/api/v1/observations/jw99999-o001_t001_nothing"), 404)
    assert_envelope(client.get(f"/api/v1/observations/{CAL}"), 404)  # a product, not an observation


# ---------------------------------------------------------------- products


def test_product_list_equals_library(client: Any, archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        expected = catalog.products(L3).as_dict()
    got = client.get(f"/api/v1/observations/{L3}/products").json()
    assert [r["productFilename"] for r in got["products"]] == [
        r["productFilename"] for r in expected["products"]
    ]
    members = [r for r in got["products"] if r["obs_id"] == EXPOSURE]
    assert members and all(r["parent_obsid"] == got["obsid"] != r["obsID"] for r in members)


def test_product_list_filters_and_paging(client: Any) -> None:
    url = f"/api/v1/observations/{L3}/products"
    mrp = client.get(url, params={"mrp": True}).json()["products"]
    assert mrp and all(r["productGroupDescription"] == "Minimum Recommended Products" for r in mrp)
    fits = client.get(url, params={"extension": "fits", "type": "science", "level": "2b"}).json()
    assert fits["products"] and all(
        r["productFilename"].endswith(".fits") and r["level"] == "2b" for r in fits["products"]
    )
    own = client.get(url, params={"kind": "own"}).json()["products"]
    assert own and all(r["kind"] is None for r in own)
    page = client.get(url, params={"page_size": 2, "page": 2}).json()
    assert len(page["products"]) == 2 and page["total"] > 4
    assert_envelope(client.get(url, params={"page_size": 20_000}), 422)
    assert_envelope(client.get(url, params={"kind": "friendship"}), 422)


def test_product_detail_hides_server_paths(client: Any) -> None:
    doc = client.get(f"/api/v1/products/{I2D}").json()
    assert doc["type"] == "product" and "location" not in doc["product"]
    assert doc["product"]["sha256"]
    assert_envelope(client.get(f"/api/v1/products/{L3}"), 404)


# ---------------------------------------------------------------- lineage, mrp, impact


def test_lineage_json_and_prov(client: Any, archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        expected = catalog.lineage(I2D, "up")
    got = client.get(f"/api/v1/lineage/{I2D}").json()
    assert got == expected.as_dict()
    prov = client.get(f"/api/v1/lineage/{I2D}", params={"format": "prov-json"}).json()
    assert prov == to_prov_json(expected)
    prov_lib = pytest.importorskip("prov.model")
    document = prov_lib.ProvDocument.deserialize(
        content=client.get(f"/api/v1/lineage/{I2D}", params={"format": "prov-json"}).text,
        format="json",
    )
    assert document.get_records()


def test_lineage_parameters(client: Any) -> None:
    down = client.get(
        f"/api/v1/lineage/{REFERENCE}", params={"direction": "down", "depth": 1}
    ).json()
    assert {e["kind"] for e in down["edges"]} == {"contributing"}
    only = client.get(f"/api/v1/lineage/{I2D}", params=[("kind", "composition")]).json()
    assert {e["kind"] for e in only["edges"]} <= {"composition"}
    assert_envelope(client.get(f"/api/v1/lineage/{I2D}", params={"direction": "sideways"}), 422)
    assert_envelope(client.get(f"/api/v1/lineage/{I2D}", params={"depth": -1}), 422)
    assert_envelope(client.get("/api/v1/lineage/jw_nothing.fits"), 404)


def test_mrp_and_impact(client: Any, archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        assert client.get(f"/api/v1/mrp/{L3}").json() == catalog.mrp(L3).as_dict()
        assert (
            client.get(f"/api/v1/impact/{REFERENCE}").json() == catalog.impact(REFERENCE).as_dict()
        )
    impact = client.get(f"/api/v1/impact/{REFERENCE}").json()
    assert impact["count"] >= 2 and EXPOSURE in impact["observations"]
    assert_envelope(client.get("/api/v1/mrp/jw_nothing"), 404)


def test_placeholder_names_with_braces(client: Any) -> None:
    name = "jw99009-o021_{source_id}_nirspec_f100lp-g140h"
    encoded = quote(name, safe="")
    doc = client.get(f"/api/v1/observations/{encoded}")
    assert doc.status_code == 200, doc.text
    listing = client.get(f"/api/v1/observations/{encoded}/products").json()
    assert listing["total"] > 0
    assert client.get(f"/api/v1/mrp/{encoded}").status_code == 200
    assert client.get(f"/api/v1/lineage/{encoded}").status_code == 200
    assert_envelope(client.get(f"/api/v1/lineage/{quote('jw99009-o021_{nothing}', safe='')}"), 404)


# ---------------------------------------------------------------- completeness


def test_completeness_of_a_file_list(client: Any) -> None:
    listing = client.get(f"/api/v1/observations/{L3}/products").json()["products"]
    everything = [r["productFilename"] for r in listing]
    full = client.post("/api/v1/completeness", json=everything).json()
    image3 = [a for a in full["associations"] if "image3" in a["association"]]
    assert image3 and not image3[0]["missing_members"] and not image3[0]["missing_products"]
    partial = client.post("/api/v1/completeness", json=[image3[0]["association"], I2D]).json()
    assert partial["complete"] is False
    missing = next(
        a for a in partial["associations"] if a["association"] == image3[0]["association"]
    )
    assert missing["missing_members"] and f"{L3}_cat.ecsv" in missing["missing_products"]
    assert I2D not in missing["missing_products"]
    stray = client.post("/api/v1/completeness", json=["not_a_jwst_file.txt"]).json()
    assert stray["unknown"] == ["not_a_jwst_file.txt"] and stray["associations"] == []


def test_completeness_rejects_bad_bodies(client: Any) -> None:
    assert_envelope(client.post("/api/v1/completeness", json={"files": "x"}), 422)
    assert_envelope(
        client.post(
            "/api/v1/completeness",
            content=b"not json",
            headers={"content-type": "application/json"},
        ),
        422,
    )
    assert_envelope(client.post("/api/v1/completeness", json=["a\x00b"]), 400)


# ---------------------------------------------------------------- the error envelope


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/no-such-endpoint", 404),
        ("get", "/nothing/at/all", 404),
        ("delete", "/api/v1/observations", 405),
        ("get", "/api/v1/observations?calib_level=high", 422),
        ("get", "/api/v1/observations?ra=nan&dec=0&radius=1", 422),
        ("get", f"/api/v1/observations/{SECRET_L3}/products?page=0", 422),
        ("get", "/api/v1/products/jw_nothing.fits", 404),
        ("get", "/api/v1/impact/jw_nothing.fits", 404),
    ],
)
def test_every_failure_has_the_envelope(client: Any, method: str, path: str, status: int) -> None:
    assert_envelope(getattr(client, method)(path), status)


def test_openapi_document(client: Any) -> None:
    doc = client.get("/openapi.json").json()
    for path in (
        "/api/v1/observations",
        "/api/v1/observations/{obs_id}/products",
        "/api/v1/lineage/{name}",
        "/api/v1/mrp/{obs_id}",
        "/api/v1/impact/{name}",
        "/api/v1/completeness",
        "/api/v0/invoke",
        "/datalink/links",
        "/api/v0.1/Download/file",
        "/whoami",
        "/api/v1/bundle.{kind}",
    ):
        assert path in doc["paths"], path


def test_server_errors_keep_the_envelope(archive: Archive) -> None:
    from fastapi.testclient import TestClient

    from jwlink.app import create_app
    from jwlink.errors import StoreError

    app = create_app(archive.db_url, archive.data_root)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/api/v1/catalog-down")
    def down() -> None:
        raise StoreError("connection to server at 10.0.0.1 failed: password=hunter2")

    @app.get("/datalink/boom")
    def datalink_boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        body = assert_envelope(client.get("/api/v1/boom"), 500)
        assert "secret" not in body["error"]
        body = assert_envelope(client.get("/api/v1/catalog-down"), 500)
        assert "hunter2" not in str(body)
        votable = client.get("/datalink/boom")
        assert votable.status_code == 500 and b"FatalFault" in votable.content
        assert b"QUERY_STATUS" in votable.content

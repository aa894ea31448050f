# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The MAST Mashup protocol in detail, in process: columns config, invoke, paging, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    EXPOSURE,
    L3,
    Archive,
    archive,
    assert_envelope,
    client_for,
)

FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/plain"}


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


def invoke(client: Any, request: dict[str, Any] | str) -> dict[str, Any]:
    text = request if isinstance(request, str) else json.dumps(request)
    response = client.post("/api/v0/invoke", content="request=" + quote(text), headers=FORM)
    assert response.status_code == 200, response.text
    return response.json()


def filtered(
    *filters: dict[str, Any], page: int = 1, pagesize: int = 50000, columns: str = "*"
) -> dict[str, Any]:
    return {
        "service": "Mast.Caom.Filtered",
        "format": "json",
        "page": page,
        "pagesize": pagesize,
        "params": {"columns": columns, "filters": list(filters)},
    }


PROGRAM = {"paramName": "proposal_id", "values": ["87800"]}


def test_columns_config(client: Any) -> None:
    cone = client.post(
        "/portal/Mashup/Mashup.asmx/columnsconfig",
        content="colConfigId=Mast.Caom.Cone",
        headers=FORM,
    ).json()
    assert cone["s_ra"]["type"] == "float" and cone["proposal_id"]["type"] == "string"
    assert cone["filters"]["separator"] == ";"
    products = client.post(
        "/portal/Mashup/Mashup.asmx/columnsconfig",
        content="colConfigId=Mast.Caom.Products",
        headers=FORM,
    ).json()
    assert {"parent_obsid", "productGroupDescription", "dataURI"} <= set(products)
    unknown = client.post(
        "/portal/Mashup/Mashup.asmx/columnsconfig",
        content="colConfigId=Mast.Catalogs.Tess",
        headers=FORM,
    )
    assert_envelope(unknown, 404)


def test_filtered_paging(client: Any) -> None:
    everything = invoke(client, filtered(PROGRAM))
    total = everything["paging"]["rowsFiltered"]
    assert everything["status"] == "COMPLETE" and len(everything["data"]) == total > 4
    pages = []
    for page in range(1, 100):
        reply = invoke(client, filtered(PROGRAM, page=page, pagesize=4))
        assert (
            reply["paging"]["pagesFiltered"] == -(-total // 4) and reply["paging"]["page"] == page
        )
        pages += reply["data"]
        if page >= reply["paging"]["pagesFiltered"]:
            break
    assert [r["obs_id"] for r in pages] == [r["obs_id"] for r in everything["data"]]
    assert {f["name"] for f in everything["fields"]} >= {"obsid", "obs_id", "s_ra", "calib_level"}


def test_count_big(client: Any) -> None:
    count = invoke(client, filtered(PROGRAM, columns="COUNT_BIG(*)"))
    assert count["data"] == [
        {"Column1": invoke(client, filtered(PROGRAM))["paging"]["rowsFiltered"]}
    ]


def test_free_text_ranges_and_separator(client: Any) -> None:
    niriss = invoke(
        client, filtered({"paramName": "instrument_name", "values": [], "freeText": "NIRISS%"})
    )
    assert niriss["data"] and all(r["instrument_name"].startswith("NIRISS") for r in niriss["data"])
    f200 = invoke(client, filtered({"paramName": "filters", "separator": ";", "values": ["f200w"]}))
    assert f200["data"] and all("F200W" in r["filters"].split(";") for r in f200["data"])
    late = invoke(
        client, filtered({"paramName": "t_min", "values": [{"min": 60000, "max": 61000}]})
    )
    assert late["data"] and all(r["proposal_id"] == "9505" for r in late["data"])
    nothing = invoke(client, filtered({"paramName": "proposal_pi", "values": ["Somebody"]}))
    assert nothing["status"] == "COMPLETE" and nothing["data"] == []


def test_cone_and_filtered_position(client: Any) -> None:
    cone = invoke(
        client,
        {
            "service": "Mast.Caom.Cone",
            "format": "json",
            "page": 1,
            "pagesize": 100,
            "params": {"ra": 150.1, "dec": 2.2, "radius": 0.02},
        },
    )
    assert cone["data"] and all("distance" in r for r in cone["data"])
    position = invoke(
        client,
        {
            "service": "Mast.Caom.Filtered.Position",
            "format": "json",
            "params": {"columns": "COUNT_BIG(*)", "filters": [], "position": "150.1, 2.2, 0.02"},
        },
    )
    assert position["data"][0]["Column1"] == len(cone["data"])


def test_products_of_several_obsids(client: Any) -> None:
    rows = invoke(client, filtered(PROGRAM))["data"]
    ids = {r["obs_id"]: r["obsid"] for r in rows}
    reply = invoke(
        client,
        {
            "service": "Mast.Caom.Products",
            "format": "json",
            "params": {"obsid": f"{ids[L3]},{ids[EXPOSURE]},123"},
        },
    )
    parents = [r["parent_obsid"] for r in reply["data"]]
    assert set(parents) == {ids[L3], ids[EXPOSURE]}  # an unknown obsid adds nothing
    assert parents == sorted(parents, key=[ids[L3], ids[EXPOSURE]].index)
    assert all(r["dataURI"] == "mast:JWST/product/" + r["productFilename"] for r in reply["data"])


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({"service": "Mast.Caom.All", "params": {}}), "not offered"),
        (json.dumps({"service": "Mast.Caom.Cone", "format": "extjs", "params": {}}), "format"),
        (
            json.dumps({"service": "Mast.Caom.Cone", "params": {"ra": "x", "dec": 1, "radius": 1}}),
            "number",
        ),
        (
            json.dumps({"service": "Mast.Caom.Cone", "params": {"ra": 1, "dec": 95, "radius": 1}}),
            "dec",
        ),
        (json.dumps(filtered({"paramName": "nonsense", "values": ["1"]})), "does not exist"),
        (json.dumps(filtered({"paramName": "s_ra", "values": ["1"]})), "continuous"),
        (json.dumps(filtered(PROGRAM, page=-1)), "page"),
        (json.dumps(filtered(PROGRAM, columns="obs_id,nonsense")), "unknown column"),
        (json.dumps({"service": "Mast.Caom.Products", "params": {"obsid": "jw01234"}}), "numeric"),
        (json.dumps({"service": "Mast.Caom.Products", "params": {}}), "obsid"),
        (
            json.dumps(
                {
                    "service": "Mast.Caom.Filtered.Position",
                    "params": {"filters": [], "position": "1, 2"},
                }
            ),
            "position",
        ),
    ],
)
def test_errors_come_back_as_mast_does(client: Any, request_text: str, message: str) -> None:
    reply = invoke(client, request_text)
    assert reply["status"] == "ERROR" and message in reply["msg"]
    assert reply["ok"] is False and reply["error"] == reply["msg"]


def test_missing_request_field(client: Any) -> None:
    reply = client.post("/api/v0/invoke", content="other=1", headers=FORM).json()
    assert reply["status"] == "ERROR" and "request" in reply["msg"]


def test_oversized_body_is_refused(archive: Archive) -> None:
    with client_for(archive) as c:
        c.app.state.jwlink.max_body = 1000
        response = c.post("/api/v0/invoke", content="request=" + "x" * 2000, headers=FORM)
    assert_envelope(response, 413)

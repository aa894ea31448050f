"""Every product row that /api/v1 and the MAST surface serve carries a calib_level.

The catalog holds the real association examples and pools of ../shared/data:
legacy association files (``association.json``, ``asn_level2.json``), whose
names imply no level, are listed in the observations they define.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from jwlink.ingest import ingest
from jwlink.store import open_store

FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/plain"}


@pytest.fixture
def client(db_url: str, data: Path, tmp_path: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from jwlink.app import create_app

    for folder in ("asn_examples", "generated_asn/from_jw87800_pool", "expanded"):
        shutil.copytree(data / folder, tmp_path / "in" / folder)
    store = open_store(db_url)
    try:
        ingest(store, [tmp_path / "in"])
    finally:
        store.close()
    with TestClient(create_app(db_url, None, None)) as c:
        yield c


def _invoke(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    body = "request=" + quote(json.dumps(request))
    response = client.post("/api/v0/invoke", content=body, headers=FORM)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_served_row_has_a_calib_level(client: Any) -> None:
    observations = _invoke(
        client,
        {"service": "Mast.Caom.Filtered", "format": "json", "pagesize": 50000,
         "params": {"columns": "*", "filters": [{"paramName": "obs_collection",
                                                 "values": ["JWST"]}]}},
    )["data"]  # fmt: skip
    assert len(observations) > 20
    rows: list[tuple[str, dict[str, Any]]] = []
    for obs in observations:
        native = client.get(f"/api/v1/observations/{obs['obs_id']}/products",
                            params={"all_duplicates": "true", "page_size": 10000})  # fmt: skip
        assert native.status_code == 200, native.text
        rows += [("api/v1 " + obs["obs_id"], r) for r in native.json()["products"]]
        mast = _invoke(
            client,
            {"service": "Mast.Caom.Products", "format": "json",
             "params": {"obsid": str(obs["obsid"])}},
        )  # fmt: skip
        rows += [("mast " + obs["obs_id"], r) for r in mast["data"]]
    names = {r["productFilename"] for _, r in rows}
    assert {"association.json", "asn_level2.json"} <= names  # levels no name implies
    missing = [(where, r["productFilename"], r["calib_level"]) for where, r in rows
               if r["calib_level"] not in (1, 2, 3)]  # fmt: skip
    assert missing == []

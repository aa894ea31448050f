# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Unmodified astroquery.mast against a running ``jwlink serve``, on SQLite and PostgreSQL.

astroquery is pointed at the server only through its own config file
(``$XDG_CONFIG_HOME/astropy/astroquery.cfg``, read at import time), in a
subprocess. The script below drives it and writes what it saw to JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    EXPOSURE,
    I2D,
    L3,
    SECRET_I2D,
    SECRET_L3,
    TOKEN_9505,
    TOKEN_OTHER,
    Archive,
    Server,
    archive,
    server,
)

from jwlink.download.record import RECORD
from jwlink.query.catalog import Catalog

pytest.importorskip("astroquery")

SCRIPT = r"""
import json, os, sys, warnings
import numpy as np
from pathlib import Path

from astropy.coordinates import SkyCoord
import astropy.units as u
from astroquery.exceptions import LoginError
from astroquery.mast import Observations, conf

out, dl, l3, exposure, secret_l3, good, bad = sys.argv[1:8]
result = {"server": conf.server, "invoke_url": Observations._portal_api_connection.MAST_REQUEST_URL}
Observations.disable_cloud_dataset()

def names(table, column="productFilename"):
    return [str(v) for v in table[column]]

obs = Observations.query_criteria(proposal_id="87800")
result["criteria"] = sorted(names(obs, "obs_id"))
result["criteria_count"] = int(Observations.query_criteria_count(proposal_id="87800"))
paged = Observations.query_criteria(proposal_id="87800", pagesize=4)
result["criteria_paged"] = sorted(names(paged, "obs_id"))
wild = Observations.query_criteria(instrument_name="NIRISS*", filters="F200W", calib_level=3)
result["wildcard"] = sorted(names(wild, "obs_id"))
ranged = Observations.query_criteria(obs_collection="JWST", t_min=[60000, 61000])
result["t_min_range"] = sorted(names(ranged, "obs_id"))
here = SkyCoord(150.1, 2.2, unit="deg")
region = Observations.query_region(here, radius=0.02 * u.deg)
result["region"] = sorted(names(region, "obs_id"))
result["region_count"] = int(Observations.query_region_count(here, radius=0.02 * u.deg))
result["region_distance"] = [float(d) for d in region["distance"]]
positional = Observations.query_criteria(coordinates=here, radius="0.02 deg", calib_level=3)
result["criteria_position"] = sorted(names(positional, "obs_id"))

one = obs[obs["obs_id"] == exposure]
products = Observations.get_product_list(one)
result["exposure_products"] = names(products)
result["exposure_parent"] = sorted(set(names(products, "parent_obsid")))
result["exposure_obsid"] = str(one["obsid"][0])
row = obs[obs["obs_id"] == l3]
products = Observations.get_product_list(row)
result["l3_obsid"] = str(row["obsid"][0])
def cell(column, i):
    value = products[column][i]
    return None if value is np.ma.masked else str(value)

result["l3_rows"] = [{c: cell(c, i) for c in ("productFilename", "obs_id", "obsID", "parent_obsid",
                                              "productGroupDescription", "size", "sha256")}
                     for i in range(len(products))]
result["product_columns"] = products.colnames
mrp = Observations.filter_products(products, mrp_only=True)
result["mrp"] = names(mrp)
manifest = Observations.download_products(mrp, download_dir=dl)
result["download"] = [[str(p), str(s)] for p, s in zip(manifest["Local Path"], manifest["Status"])]

# an interrupted download: truncate a file and download again
victim = Path(str(manifest["Local Path"][1]))
victim.write_bytes(victim.read_bytes()[:1000])
again = Observations.download_products(mrp, download_dir=dl)
result["redownload"] = [str(s) for s in again["Status"]]

curl = Observations.download_products(mrp, download_dir=dl, curl_flag=True)
result["curl"] = [str(curl["Local Path"][0]), str(curl["Status"][0])]

secret = Observations.get_product_list(Observations.query_criteria(obs_id=secret_l3))
locked = Observations.filter_products(secret, productFilename=sys.argv[8])
anon = Observations.download_products(locked, download_dir=os.path.join(dl, "anon"))
result["anon_secret"] = [str(anon["Status"][0]), str(anon["Message"][0])]
try:
    Observations.login(token=bad)
    result["bad_login"] = "accepted"
except LoginError:
    result["bad_login"] = "refused"
Observations.login(token=good)
result["session"] = Observations.session_info(verbose=False)
granted = Observations.download_products(locked, download_dir=os.path.join(dl, "alice"))
result["alice_secret"] = [str(granted["Local Path"][0]), str(granted["Status"][0])]
result["metadata"] = sorted(names(Observations.get_metadata("products"), "Column Name"))
Path(out).write_text(json.dumps(result))
"""


@pytest.fixture(scope="module")
def seen(
    archive: Archive, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Run the astroquery script once per backend; return what it saw."""
    home = tmp_path_factory.mktemp("astroquery-home")
    (home / "config" / "astropy").mkdir(parents=True)
    (home / "config" / "astropy" / "astroquery.cfg").write_text(f"[mast]\nserver = {server.url}\n")
    (home / "cache").mkdir()
    script = home / "drive_astroquery.py"
    script.write_text(SCRIPT)
    out, dl = home / "result.json", home / "downloads"
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "HOME": str(home),
    }
    env.pop("MAST_API_TOKEN", None)
    args = [
        sys.executable,
        str(script),
        str(out),
        str(dl),
        L3,
        EXPOSURE,
        SECRET_L3,
        TOKEN_9505,
        "not-a-valid-token",
        SECRET_I2D,
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=home)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:] + server.logs()[-3000:]
    result: dict[str, Any] = json.loads(out.read_text())
    result["_dl"] = str(dl)
    return result


def test_config_file_points_astroquery_at_the_server(seen: dict[str, Any], server: Server) -> None:
    assert seen["server"] == server.url
    assert seen["invoke_url"] == server.url + "/api/v0/invoke"


def test_query_criteria_and_count(seen: dict[str, Any], archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        expected = sorted(o["obs_id"] for o in catalog.observations(program="87800"))
    assert seen["criteria"] == expected
    assert seen["criteria_count"] == len(expected)
    assert seen["criteria_paged"] == expected  # four rows per page, all pages fetched
    assert seen["wildcard"] == [L3, "jw87800-o017_t002_niriss_f200w-gr150r"]
    assert seen["t_min_range"] and all(o.startswith("jw09505") for o in seen["t_min_range"])


def test_query_region(seen: dict[str, Any]) -> None:
    assert seen["region"] == seen["criteria"]  # program 87800 sits at (150.1, 2.2)
    assert seen["region_count"] == len(seen["region"])
    assert all(d <= 0.02 * 60 for d in seen["region_distance"])
    assert seen["criteria_position"] == [L3, "jw87800-o017_t002_niriss_f200w-gr150r"]


def test_product_list_of_an_exposure(seen: dict[str, Any], archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        expected = [r["productFilename"] for r in catalog.products(EXPOSURE).rows]
    assert seen["exposure_products"] == expected
    assert seen["exposure_parent"] == [seen["exposure_obsid"]]


def test_product_list_of_a_level3_observation(seen: dict[str, Any], archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        expected = catalog.products(L3).rows
    rows = seen["l3_rows"]
    assert [r["productFilename"] for r in rows] == [r["productFilename"] for r in expected]
    assert {r["parent_obsid"] for r in rows} == {seen["l3_obsid"]}
    members = [r for r in rows if r["obs_id"] == EXPOSURE]
    assert members and all(r["obsID"] != seen["l3_obsid"] for r in members)
    assert "parent_obsid" in seen["product_columns"] and "dataURI" in seen["product_columns"]
    assert {"parent_obsid", "obsID", "productGroupDescription"} <= set(seen["metadata"])


def test_filter_products_mrp_is_jwlinks_mrp(seen: dict[str, Any], archive: Archive) -> None:
    with Catalog(archive.db_url, readonly=True) as catalog:
        assert seen["mrp"] == catalog.mrp(L3).products


def test_download_products_byte_identical(
    seen: dict[str, Any], archive: Archive, server: Server
) -> None:
    manifest = httpx.get(f"{server.url}/api/v1/manifest.json", params={"obs_id": L3}).json()[
        "files"
    ]
    sums = {r["name"]: r["sha256"] for r in manifest}
    assert [s for _, s in seen["download"]] == ["COMPLETE"] * len(seen["mrp"])
    for local, _ in seen["download"]:
        path = Path(local)
        assert path.parent == Path(seen["_dl"]) / "mastDownload" / "JWST" / L3
        data = path.read_bytes()
        assert data == archive.path_of(path.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sums[path.name]


def test_truncated_download_is_completed(seen: dict[str, Any]) -> None:
    assert seen["redownload"] == ["COMPLETE"] * len(seen["mrp"])
    # the byte-identity test above reads the files after this second run


def test_curl_script(seen: dict[str, Any]) -> None:
    path, status = seen["curl"]
    assert status == "COMPLETE" and Path(path).name.startswith("mastDownload_")
    text = Path(path).read_text()
    assert text.startswith("#!/bin/sh") and all(name in text for name in seen["mrp"])


def test_exclusive_access_through_astroquery_login(seen: dict[str, Any], archive: Archive) -> None:
    status, message = seen["anon_secret"]
    assert status == "ERROR" and "401" in message
    assert seen["bad_login"] == "refused"
    assert seen["session"]["anon"] is False and seen["session"]["attrib"]["display_name"] == "alice"
    local, status = seen["alice_secret"]
    assert status == "COMPLETE"
    assert Path(local).read_bytes() == archive.path_of(SECRET_I2D).read_bytes()


def test_server_log_holds_no_token(seen: dict[str, Any], server: Server) -> None:
    logs = server.logs()
    assert "/api/v0/invoke" in logs  # the log is really being written
    assert TOKEN_9505 not in logs and "not-a-valid-token" not in logs
    with httpx.Client(base_url=server.url) as client:
        client.get("/whoami", headers={"Authorization": f"Bearer {TOKEN_OTHER}"})
        client.get(f"/whoami?token={TOKEN_OTHER}")
        client.cookies.set("mast_token", TOKEN_OTHER)
        client.get(f"/api/v1/files/{SECRET_I2D}")
    assert TOKEN_OTHER not in server.logs()


def test_jwlink_download_matches_astroquery(
    seen: dict[str, Any], server: Server, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "jwlink",
            "download",
            L3,
            "--server",
            server.url,
            "--dest",
            str(tmp_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # jwlink's record of the selection (.jwlink-download.json) is its own, not a product.
    ours = sorted(
        p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file() and p.name != RECORD
    )
    theirs_root = Path(seen["_dl"]) / "mastDownload"
    theirs = sorted(p.relative_to(theirs_root) for p in theirs_root.rglob("*") if p.is_file())
    assert ours == theirs  # same layout: JWST/<obs_id>/<file>
    for relative in ours:
        assert (tmp_path / relative).read_bytes() == (theirs_root / relative).read_bytes()

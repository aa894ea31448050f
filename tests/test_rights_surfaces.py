# ruff: noqa: F811 - fixtures are imported, then requested by name
"""An observation's rights follow its products, and every surface says the same.

The archive, fixtures and helpers are in `rights_catalog`.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from api_archive import Archive, client_for
from click.testing import CliRunner
from rights_catalog import (  # noqa: F401 - fixtures are requested by name
    EXCL_OBS,
    EXCL_RELEASE,
    EXPECTED,
    PROGRAM,
    PUBLIC_OBS,
    RELEASED_OBS,
    downloads_verdict,
    rights_archive,
    rights_seen,
    rights_server,
)

from jwlink.api.access import is_public
from jwlink.cli import main
from jwlink.query.catalog import Catalog
from jwlink.store import open_store


def test_rights_follow_the_products_as_downloads_do(rights_archive: Archive) -> None:
    verdict = downloads_verdict(rights_archive)
    with Catalog(rights_archive.db_url, readonly=True) as catalog:
        listed = {r["obs_id"]: r for r in catalog.observations(program=PROGRAM)}
    for obs_id, (rights, release) in EXPECTED.items():
        assert (listed[obs_id]["dataRights"], listed[obs_id]["t_obs_release"]) == (rights, release)
    assert set(listed) == set(verdict)
    for obs_id, row in listed.items():
        exclusive = row["dataRights"] != "PUBLIC"
        assert exclusive == verdict[obs_id], obs_id
        # the observation's own pair reads the same way the downloads read a file's
        assert is_public(row["dataRights"], row["t_obs_release"]) == (not exclusive), obs_id


def test_cli_observations_and_show_agree(rights_archive: Archive) -> None:
    runner = CliRunner()
    db = ["--db", rights_archive.db_url]
    doc = json.loads(runner.invoke(main, ["observations", "--json", *db]).output)
    listed = {r["obs_id"]: (r["dataRights"], r["t_obs_release"]) for r in doc["observations"]}
    text = runner.invoke(main, ["observations", *db]).output
    for obs_id, (rights, release) in EXPECTED.items():
        assert listed[obs_id] == (rights, release)
        shown = json.loads(runner.invoke(main, ["show", obs_id, "--json", *db]).output)
        observation = shown["observation"]
        assert (observation["data_rights"], observation["release_date"]) == (rights, release)
        line = next(x for x in text.splitlines() if x.startswith(obs_id + " "))
        assert line.split()[-1 if rights == "PUBLIC" else -3] == rights
        if rights != "PUBLIC":
            assert line.endswith(f"{rights} until {release}")
        plain = runner.invoke(main, ["show", obs_id, *db]).output
        assert re.search(rf"data_rights: {rights}\n", plain) and f"release_date: {release}" in plain


def test_native_api_list_and_detail_agree(rights_archive: Archive) -> None:
    with client_for(rights_archive) as client:
        for obs_id, (rights, release) in EXPECTED.items():
            found = client.get("/api/v1/observations", params={"obs_id": obs_id}).json()
            row = found["observations"][0]
            assert (row["dataRights"], row["t_obs_release"]) == (rights, release)
            detail = client.get(f"/api/v1/observations/{obs_id}").json()["observation"]
            assert (detail["data_rights"], detail["release_date"]) == (rights, release)


def test_astroquery_criteria_and_region_agree(rights_seen: dict[str, Any]) -> None:
    expected = {k: list(v) for k, v in EXPECTED.items()}
    assert rights_seen["criteria"] == expected
    assert {k: v for k, v in rights_seen["region"].items() if k in EXPECTED} == expected
    exclusive = {k for k, (r, _) in EXPECTED.items() if r != "PUBLIC"}
    assert exclusive <= set(rights_seen["exclusive"])
    assert not exclusive & set(rights_seen["public"])
    assert {RELEASED_OBS, PUBLIC_OBS} <= set(rights_seen["public"])
    assert set(rights_seen["exclusive"]) | set(rights_seen["public"]) == set(rights_seen["region"])


def test_datalink_link_auth_agrees(rights_archive: Archive) -> None:
    from astropy.io.votable import parse_single_table

    wanted = [f"{EXCL_OBS}_rate.fits", f"{RELEASED_OBS}_rate.fits", f"{PUBLIC_OBS}_rate.fits"]
    with client_for(rights_archive) as client:
        response = client.get("/datalink/links", params={"ID": wanted})
    table = parse_single_table(io.BytesIO(response.content)).to_table()
    this = {str(r["ID"]): str(r["link_auth"]) for r in table if str(r["semantics"]) == "#this"}
    assert this == {wanted[0]: "true", wanted[1]: "false", wanted[2]: "false"}


def test_portal_pages_agree(rights_archive: Archive) -> None:
    with client_for(rights_archive) as client:
        for obs_id, (rights, release) in EXPECTED.items():
            page = client.get(f"/observations/{obs_id}").text
            assert f"<dd data-field='data_rights'>{rights}</dd>" in page
            assert f"<dd data-field='release_date'>{release}</dd>" in page
        # the search page draws its table from this twin (dataRights column)
        twin = client.get("/", params={"obs_id": EXCL_OBS}).headers["link"]
        url = twin.split(">")[0].lstrip("<")
        row = client.get(url).json()["observations"][0]
        assert row["dataRights"] == "EXCLUSIVE_ACCESS"


def test_a_release_date_that_passes_opens_the_observation(rights_archive: Archive) -> None:
    # Computed when asked: the same catalog read after 2100 says PUBLIC, with no ingest.
    from jwlink.query.rights import RELEASE_SQL, RIGHTS_SQL, now_params

    later = datetime(2100, 6, 1, tzinfo=UTC)
    sql = f"SELECT {RIGHTS_SQL}, {RELEASE_SQL} FROM observations WHERE obs_id = ?"
    store = open_store(rights_archive.db_url, readonly=True)
    try:
        now = store.execute(sql, [*now_params(8), EXCL_OBS])[0]
        then = store.execute(sql, [*now_params(8, later), EXCL_OBS])[0]
    finally:
        store.close()
    assert tuple(now) == ("EXCLUSIVE_ACCESS", EXCL_RELEASE)
    assert tuple(then) == ("PUBLIC", EXCL_RELEASE)

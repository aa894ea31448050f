"""Release dates are ingested from MAST's tables, and rights follow them on every surface.

MAST's product table carries ``dataRights`` (jwlink's synthetic ones also
``t_obs_release``); MAST's observation table carries ``dataRights`` and
``t_obs_release`` (an MJD) per observation. Both are read in ECSV, CSV and
VOTable, MJD and ISO forms; a file with rights but no date of its own takes
its observation's; the catalog is the same whatever order the tables come
in; and a real server on loopback answers by those dates (SQLite and
PostgreSQL): an exclusive file released in 2020 to anyone, one releasing
in 2099 to no one without a token.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_archive import Server, running_server
from astropy.time import Time
from dated_archive import (
    ISO,
    LOCKED,
    LOCKED_OBS,
    MJD,
    OPEN,
    OPEN_OBS,
    archive_for,
    observation_table,
    product_table,
)

from jwlink.ingest import classify, ingest
from jwlink.query.selection import files_by_name
from jwlink.store import open_store

EXPOSURE = "jw04993001001_02101_00001_nrca1"
CAL = f"{EXPOSURE}_cal.fits"
FORMATS = (".ecsv", ".csv", ".xml")


def _rows(db_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    store = open_store(db_url)
    try:
        return [tuple(r) for r in store.execute(sql, params)]
    finally:
        store.close()


def _ingest(db_url: str, paths: list[Path], force: bool = False) -> None:
    store = open_store(db_url)
    try:
        report = ingest(store, paths, force=force)
    finally:
        store.close()
    assert not report.errors and report.ingested == len(paths), report


# ---------------------------------------------------------------- what is read


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("form", ["mjd", "iso date", "iso date-time"])
def test_product_table_dates_reach_products_and_their_observation(
    db_url: str, tmp_path: Path, suffix: str, form: str
) -> None:
    mjd = 60310.5  # 2024-01-01 12:00 UTC
    written = {"mjd": mjd, "iso date": "2024-01-01", "iso date-time": "2024-01-01T12:00:00Z"}[form]
    expected = {"iso date": "2024-01-01"}.get(form, Time(mjd, format="mjd").isot[:19])
    path = tmp_path / f"mast_products{suffix}"
    product_table(path, {CAL: ("EXCLUSIVE_ACCESS", written)})
    assert classify(path) == "table"
    _ingest(db_url, [path])
    product = _rows(db_url, "SELECT data_rights, release_date FROM products WHERE name = ?", (CAL,))
    assert product == [("EXCLUSIVE_ACCESS", expected)]
    # MAST's observation table shows its files' rights: so does the catalog's
    observation = _rows(
        db_url, "SELECT data_rights, release_date FROM observations WHERE obs_id = ?", (EXPOSURE,)
    )
    assert observation == [("EXCLUSIVE_ACCESS", expected)]


@pytest.mark.parametrize("suffix", FORMATS)
def test_observation_table_is_ingested(db_url: str, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"observations{suffix}"
    observation_table(
        path, {OPEN_OBS: ("EXCLUSIVE_ACCESS", MJD[OPEN_OBS]), EXPOSURE: ("PUBLIC", "2023-05-01")}
    )
    assert classify(path) == "observation_table"
    _ingest(db_url, [path])
    rows = dict(
        (r[0], r[1:])
        for r in _rows(
            db_url,
            "SELECT obs_id, data_rights, release_date, program, instrument_name FROM observations",
        )  # fmt: skip
    )
    assert rows == {
        OPEN_OBS: ("EXCLUSIVE_ACCESS", ISO[OPEN_OBS], "04993", "NIRCAM/IMAGE"),
        EXPOSURE: ("PUBLIC", "2023-05-01", "04993", "NIRCAM/IMAGE"),
    }


def test_other_missions_rows_are_left_out(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "cone.ecsv"
    observation_table(path, {OPEN_OBS: ("PUBLIC", 60000.0), "ib1234010": ("PUBLIC", 55000.0)})
    text = path.read_text().splitlines()
    at = next(i for i, line in enumerate(text) if "ib1234010" in line)
    text[at] = text[at].replace("JWST", "HST")
    path.write_text("\n".join(text) + "\n")
    _ingest(db_url, [path])
    assert _rows(db_url, "SELECT obs_id FROM observations") == [(OPEN_OBS,)]


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("observations.csv", ("60000.0", "soon"), "row 1, column t_obs_release: 'soon' is not"),
        ("observations.csv", (OPEN_OBS, "jw04993-nonsense"), "row 1: obs_id 'jw04993-nonsense'"),
        ("products.csv", ("60000.0", "1e9"), "row 1, column t_obs_release: '1000000000.0' is not"),
    ],
)
def test_bad_dates_and_ids_are_refused_whole(
    db_url: str, tmp_path: Path, table: str, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / table
    if table.startswith("observations"):
        observation_table(path, {OPEN_OBS: ("EXCLUSIVE_ACCESS", 60000.0)})
    else:
        product_table(path, {OPEN: ("EXCLUSIVE_ACCESS", 60000.0)})
    path.write_text(path.read_text().replace(*change))
    store = open_store(db_url)
    try:
        report = ingest(store, [path])
    finally:
        store.close()
    assert len(report.errors) == 1 and report.ingested == 0, report
    where, error = report.errors[0]
    assert where.endswith(table) and message in error, error
    assert _rows(db_url, "SELECT COUNT(*) FROM observations") == [(0,)]


def test_a_file_without_a_date_takes_its_observations(db_url: str, tmp_path: Path) -> None:
    products, observations = tmp_path / "products.ecsv", tmp_path / "observations.csv"
    product_table(products, {OPEN: ("EXCLUSIVE_ACCESS", None), LOCKED: ("EXCLUSIVE_ACCESS", None)})
    observation_table(
        observations,
        {obs: ("EXCLUSIVE_ACCESS", MJD[obs]) for obs in (OPEN_OBS, LOCKED_OBS)},
    )
    _ingest(db_url, [products, observations])
    own = _rows(db_url, "SELECT release_date FROM products WHERE name IN (?, ?)", (OPEN, LOCKED))
    assert own == [(None,), (None,)]  # MAST's product table has no date
    store = open_store(db_url)
    try:
        facts = files_by_name(store, [OPEN, LOCKED])
    finally:
        store.close()
    assert (facts[OPEN].data_rights, facts[OPEN].release_date) == (
        "EXCLUSIVE_ACCESS",
        ISO[OPEN_OBS],
    )
    assert facts[LOCKED].release_date == ISO[LOCKED_OBS]


# ---------------------------------------------------------------- merging


def _three_sources(folder: Path) -> list[Path]:
    """A product table and two observation tables that disagree on one observation's date."""
    folder.mkdir()
    product_table(folder / "products.csv", {CAL: ("EXCLUSIVE_ACCESS", "2030-07-01")})
    observation_table(folder / "early.ecsv", {EXPOSURE: ("PUBLIC", "2029-12-31T23:00:00")})
    later = (datetime(2030, 6, 1, 6) - datetime(1858, 11, 17)).total_seconds() / 86400  # MJD
    observation_table(folder / "late.xml", {EXPOSURE: ("EXCLUSIVE_ACCESS", later)})
    return sorted(folder.iterdir())


def _dump(db_url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    observations = _rows(db_url, "SELECT obs_id, data_rights, release_date, calib_level, "
                                 "instrument_name FROM observations ORDER BY obs_id")  # fmt: skip
    products = _rows(db_url, "SELECT name, data_rights, release_date FROM products "
                             "WHERE name = ?", (CAL,))  # fmt: skip
    return observations, products


def test_the_same_catalog_in_any_order(db_url: str, tmp_path: Path) -> None:
    sources = _three_sources(tmp_path / "in")
    _ingest(db_url, list(reversed(sources)))
    _ingest(db_url, sources, force=True)  # again, in another order: nothing changes
    reference = _dump(db_url)
    observations, _products = reference
    # the latest date wins (a date alone is its midnight, later than a longer
    # date-time before it); exclusive wins over public
    assert observations == [(EXPOSURE, "EXCLUSIVE_ACCESS", "2030-07-01", 2, "NIRCAM/IMAGE")]
    for number, order in enumerate(itertools.permutations(sources)):
        other = str(tmp_path / f"order-{number}.db")
        _ingest(other, list(order))
        assert _dump(other) == reference, order


# ---------------------------------------------------------------- every surface, served


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp(f"dated-{request.param}")
    with archive_for(request.param, root) as archive, running_server(archive, root) as server:
        yield server


def _datalink_authorized(server: Server, name: str) -> bool:
    text = httpx.get(f"{server.url}/datalink/links", params={"ID": name}).text
    this = next(row for row in text.split("<TR>")[1:] if "#this" in row)
    return "<TD>T</TD></TR>" in this


@pytest.mark.parametrize(("name", "obs_id", "status"), [(OPEN, OPEN_OBS, 200),
                                                        (LOCKED, LOCKED_OBS, 401)])  # fmt: skip
def test_rights_follow_ingested_dates_on_every_surface(
    served: Server, name: str, obs_id: str, status: int
) -> None:
    url = served.url
    assert httpx.get(f"{url}/api/v1/files/{name}").status_code == status
    mast = httpx.get(f"{url}/api/v0.1/Download/file", params={"uri": f"mast:JWST/product/{name}"})
    assert mast.status_code == status
    assert _datalink_authorized(served, name) == (status == 200)
    bundle = httpx.get(f"{url}/api/v1/bundle.zip", params={"obs_id": obs_id, "mrp": "false"})
    if status == 200:
        assert f"JWST/{obs_id}/{name}" in zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    else:
        assert bundle.status_code == 401
    # the JSON the portal's pages are made from, and the page itself, say the same
    product = httpx.get(f"{url}/api/v1/products/{name}").json()["product"]
    assert (product["data_rights"], product["release_date"]) == ("EXCLUSIVE_ACCESS", ISO[obs_id])
    observation = httpx.get(f"{url}/api/v1/observations/{obs_id}").json()
    detail = observation.get("observation", observation)
    expected_rights = "PUBLIC" if status == 200 else "EXCLUSIVE_ACCESS"
    assert (detail["data_rights"], detail["release_date"]) == (expected_rights, ISO[obs_id])
    page = httpx.get(f"{url}/products/{name}").text
    if status == 200:  # the badge says what downloads do: the exclusive period is over
        assert f"Public since {ISO[obs_id]} (was exclusive access)" in page
        assert "Exclusive access until" not in page
    else:
        assert f"Exclusive access until {ISO[obs_id]}" in page

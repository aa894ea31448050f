"""A small served archive whose rights and release dates come only from MAST's tables.

A helper module for test_release_dates and test_token_file (test files import
from here, never from each other). Three Level 3 catalogs on disk, each the
one file of its observation; MAST's *product* table lists them
``EXCLUSIVE_ACCESS`` with no ``t_obs_release`` (MAST's product table has
none), and MAST's *observation* table gives each observation its rights and
release date as an MJD. Nothing is set with SQL: what the catalog knows of
the dates, it learnt by ingesting the tables.

* ``OPEN``: program 04993, released 2020-01-01 (exclusive, date passed);
* ``LOCKED``: program 04993, releasing 2099-01-01;
* ``OTHER``: program 49930, releasing 2099-01-01 (a token for 49930 is not
  one for 04993).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

from api_archive import Archive, catalog_for
from astropy.table import Table

from jwlink.core.model import obsid_for
from jwlink.ingest import ingest
from jwlink.store import open_store

OPEN_OBS = "jw04993-o001_t001_nircam_clear-f200w"
LOCKED_OBS = "jw04993-o002_t001_nircam_clear-f200w"
OTHER_OBS = "jw49930-o001_t001_nircam_clear-f200w"
OPEN, LOCKED, OTHER = (f"{obs}_cat.ecsv" for obs in (OPEN_OBS, LOCKED_OBS, OTHER_OBS))
# Release dates as MAST writes them (MJD: days since 1858-11-17), and as ISO text.
RELEASES = {OPEN_OBS: "2020-01-01", LOCKED_OBS: "2099-01-01", OTHER_OBS: "2099-01-01"}
MJD = {obs: float((date.fromisoformat(day) - date(1858, 11, 17)).days)
       for obs, day in RELEASES.items()}  # fmt: skip
ISO = {obs: f"{day}T00:00:00" for obs, day in RELEASES.items()}


def observation_table(path: Path, rows: dict[str, tuple[str, float | str]]) -> None:
    """Write a MAST observation table (CAOM columns) in the format the path's ending names."""
    table = Table()
    table["intentType"] = ["science"] * len(rows)
    table["obs_collection"] = ["JWST"] * len(rows)
    table["instrument_name"] = ["NIRCAM/IMAGE"] * len(rows)
    table["obs_id"] = list(rows)
    table["calib_level"] = [3] * len(rows)
    table["t_obs_release"] = [release for _rights, release in rows.values()]
    table["proposal_id"] = [obs_id[2:7].lstrip("0") for obs_id in rows]
    table["dataRights"] = [rights for rights, _release in rows.values()]
    table["obsid"] = [obsid_for(obs_id) for obs_id in rows]
    _write(table, path)


def product_table(path: Path, rows: dict[str, tuple[str, float | str | None]]) -> None:
    """Write a MAST product table: ``t_obs_release`` only where a row gives one."""
    table = Table()
    table["obs_id"] = [name.rsplit("_", 1)[0] for name in rows]
    table["productFilename"] = list(rows)
    table["dataRights"] = [rights for rights, _release in rows.values()]
    if any(release is not None for _rights, release in rows.values()):
        table["t_obs_release"] = [release for _rights, release in rows.values()]
    _write(table, path)


def _write(table: Table, path: Path) -> None:
    formats = {".ecsv": "ascii.ecsv", ".csv": "ascii.csv", ".xml": "votable"}
    table.write(path, format=formats[path.suffix], overwrite=True)


def build(root: Path, db_url: str, backend: str, tokens: str = "# no tokens\n") -> Archive:
    """Write the files and MAST's two tables, ingest them, write ``tokens``."""
    files = root / "data"
    files.mkdir(parents=True)
    for index, name in enumerate((OPEN, LOCKED, OTHER)):
        (files / name).write_text(f"# %ECSV 1.0\n# ---\nid\n{index}\n")
    tables = root / "mast"
    tables.mkdir()
    product_table(
        tables / "products.csv", {n: ("EXCLUSIVE_ACCESS", None) for n in (OPEN, LOCKED, OTHER)}
    )
    observation_table(
        tables / "observations.xml", {obs: ("EXCLUSIVE_ACCESS", MJD[obs]) for obs in RELEASES}
    )
    store = open_store(db_url)
    try:
        report = ingest(store, [files, tables])
    finally:
        store.close()
    assert not report.errors and report.ingested == 5, report
    path = root / "tokens.txt"
    path.write_text(tokens)
    return Archive(db_url, files, path, backend)


def archive_for(
    backend: str, root: Path, tokens: str = "# no tokens\n"
) -> AbstractContextManager[Archive]:
    """The archive on SQLite or in a fresh PostgreSQL schema."""
    return catalog_for(backend, root, lambda at, url, name: build(at, url, name, tokens))

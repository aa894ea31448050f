# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The served test archive itself (built by `api_archive`): files on disk, catalog, rights."""

from __future__ import annotations

from pathlib import Path

from api_archive import (  # noqa: F401 - archive is a fixture
    CAL,
    CAT,
    GUIDE,
    I2D,
    PREVIEW,
    REFERENCE,
    SECRET_I2D,
    THUMB,
    Archive,
    archive,
)
from conftest import DATA

from jwlink.store import open_store


def test_archive_has_files_on_disk_and_in_catalog(archive: Archive) -> None:
    store = open_store(archive.db_url, readonly=True)
    try:
        rows = dict(store.execute("SELECT name, location FROM products WHERE location IS NOT NULL"))
    finally:
        store.close()
    for name in (I2D, CAT, PREVIEW, THUMB, CAL, REFERENCE, GUIDE, SECRET_I2D):
        assert name in rows, name
        assert Path(rows[name]).is_file()
    assert DATA.is_dir()


def test_archive_rights_are_set(archive: Archive) -> None:
    store = open_store(archive.db_url, readonly=True)
    try:
        rights = dict(
            store.execute("SELECT name, data_rights FROM products WHERE program = ?", ("09505",))
        )
    finally:
        store.close()
    assert rights[SECRET_I2D] == "EXCLUSIVE_ACCESS"

"""jwlink check: a folder against what its associations list and make."""

from __future__ import annotations

import json
import shutil

import pytest
from astropy.io import fits
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.ingest import read_association
from jwlink.store import open_store

ASN = "generated_asn/from_jw87800_pool/jw87800-o017_20250101t000000_image3_00001_asn.json"


def _fits(path) -> None:
    header = fits.Header()
    header["FILENAME"] = path.name
    header["PROGRAM"] = "87800"
    fits.PrimaryHDU(header=header).writeto(path)


@pytest.fixture
def folder(tmp_path, data):
    """An image3 association with every member and every expected product on disk."""
    root = tmp_path / "download"
    root.mkdir()
    shutil.copy(data / ASN, root)
    asn = read_association(data / ASN)
    name = asn.products[0].name
    for member in asn.products[0].members:
        _fits(root / member.expname)
        stem = member.expname.removesuffix("_cal.fits")
        _fits(root / f"{stem}_o017_crf.fits")
    _fits(root / f"{name}_i2d.fits")
    _fits(root / f"{name}_segm.fits")
    (root / f"{name}_cat.ecsv").write_text("# %ECSV 1.0\n# ---\n# datatype: []\n")
    return root


def _check(folder, *extra):
    return CliRunner().invoke(main, ["check", str(folder), "--json", *extra])


def test_complete_folder(folder):
    result = _check(folder)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["complete"] is True
    (asn,) = doc["associations"]
    assert asn["missing_members"] == [] and asn["missing_products"] == []
    assert doc["unassociated"] == []
    assert doc["mrp"] == {
        "jw87800-o017_t002_niriss_clear-f200w": [
            "jw87800-o017_t002_niriss_clear-f200w_cat.ecsv",
            "jw87800-o017_t002_niriss_clear-f200w_i2d.fits",
            "jw87800-o017_t002_niriss_clear-f200w_segm.fits",
        ]
    }


def test_missing_member_and_product_are_named(folder):
    (folder / "jw87800017001_02101_00001_nis_cal.fits").unlink()
    (folder / "jw87800-o017_t002_niriss_clear-f200w_segm.fits").unlink()
    result = _check(folder)
    assert result.exit_code == 1
    (asn,) = json.loads(result.output)["associations"]
    assert asn["missing_members"] == ["jw87800017001_02101_00001_nis_cal.fits"]
    assert asn["missing_products"] == ["jw87800-o017_t002_niriss_clear-f200w_segm.fits"]
    text = CliRunner().invoke(main, ["check", str(folder)]).output
    assert "missing jw87800017001_02101_00001_nis_cal.fits" in text and "incomplete" in text


def test_extra_file_is_reported(folder, tmp_path):
    _fits(folder / "jw01234001001_02101_00001_nrca1_cal.fits")
    db = tmp_path / "catalog.db"
    missing = _check(folder, "--db", str(db))  # reading never creates a catalog
    assert missing.exit_code == 1 and "no jwlink catalog at" in missing.output
    assert not db.exists()
    open_store(str(db)).close()
    result = _check(folder, "--db", str(db))
    doc = json.loads(result.output)
    assert doc["unassociated"] == ["jw01234001001_02101_00001_nrca1_cal.fits"]
    store = open_store(str(db), readonly=True)  # --db keeps what check ingested
    try:
        kept = store.execute(
            "SELECT location FROM products WHERE name = ?", (doc["unassociated"][0],)
        )
    finally:
        store.close()
    assert kept and kept[0][0] is not None


def test_unreadable_file_makes_check_fail(folder):
    (folder / "jw87800017001_02101_00001_nis_cal.fits").write_bytes(b"SIMPLE  =   T" + b" " * 20)
    result = _check(folder)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["errors"] and doc["errors"][0]["path"].endswith("_nis_cal.fits")

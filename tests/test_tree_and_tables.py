"""Folder trees (size, location, SHA-256) and MAST product-list tables."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from astropy.table import Table

from jwlink.ingest import classify, ingest
from jwlink.query.catalog import Catalog

MAST_COLUMNS = {
    "obsID": ["100", "100", "200", "200"],
    "obs_collection": ["JWST"] * 4,
    "dataproduct_type": ["image"] * 4,
    "obs_id": [
        "jw01234-o001_t001_nircam_clear-f200w",
        "jw01234-o001_t001_nircam_clear-f200w",
        "jw01234001001_02101_00001_nrca1",
        "jw01234001001_02101_00001_nrca1",
    ],
    "productType": ["SCIENCE", "INFO", "SCIENCE", "SCIENCE"],
    "productFilename": [
        "jw01234-o001_t001_nircam_clear-f200w_i2d.fits",
        "jw01234-o001_20250101t000000_image3_00001_asn.json",
        "jw01234001001_02101_00001_nrca1_cal.fits",
        "jw01234001001_02101_00001_nrca1_uncal.fits",
    ],
    "size": [1000, 20, 300, 900],
    "parent_obsid": ["100", "100", "100", "100"],
    "dataRights": ["PUBLIC", "PUBLIC", "EXCLUSIVE_ACCESS", "EXCLUSIVE_ACCESS"],
    "calib_level": [3, 3, 2, 1],
    "prvversion": ["1.18.0"] * 4,
    "proposal_id": ["1234"] * 4,
}


@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".ecsv", "ascii.ecsv"), (".csv", "ascii.csv"), (".xml", "votable")]
)
def test_mast_product_table_formats(store, tmp_path, suffix, fmt):
    path = tmp_path / f"products{suffix}"
    Table(MAST_COLUMNS).write(path, format=fmt)
    report = ingest(store, [path])
    assert report.errors == []
    catalog = Catalog(store=store)
    cal = catalog.product("jw01234001001_02101_00001_nrca1_cal.fits")
    assert (cal["size"], cal["data_rights"], cal["prvversion"]) == (
        300,
        "EXCLUSIVE_ACCESS",
        "1.18.0",
    )
    assert cal["obs_id"] == "jw01234001001_02101_00001_nrca1"
    asn = catalog.product("jw01234-o001_20250101t000000_image3_00001_asn.json")
    assert asn["product_type"] == "INFO"
    # The member row listed under the L3 parent makes the exposure a member.
    members = catalog.observation("jw01234-o001_t001_nircam_clear-f200w")["members"]
    assert [m["obs_id"] for m in members] == ["jw01234001001_02101_00001_nrca1"]
    # Names still imply the stage chain.
    links = catalog.links("jw01234001001_02101_00001_nrca1_cal.fits")["in"]
    assert any(x["source"].endswith("_rate.fits") and x["kind"] == "antecedent" for x in links)


def test_tree_records_size_location_and_sha256(store, tmp_path, data):
    tree = tmp_path / "download" / "sub"
    tree.mkdir(parents=True)
    asn = (
        data / "generated_asn/from_jw87800_pool/jw87800-o017_20250101t000000_image3_00001_asn.json"
    )
    shutil.copy(asn, tree)
    preview = tree / "jw87800-o017_t002_niriss_clear-f200w_i2d.jpg"
    preview.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tree / "README.txt").write_text("not a JWST file")
    (tree / ".hidden_asn.json").write_text("{}")
    report = ingest(store, [tmp_path / "download"])
    assert report.errors == []
    assert (report.ingested, report.ignored) == (2, 1)
    catalog = Catalog(store=store)
    row = catalog.product(asn.name)
    assert row["size"] == asn.stat().st_size
    assert row["sha256"] == hashlib.sha256(asn.read_bytes()).hexdigest()
    assert row["location"] == str((tree / asn.name).resolve())
    assert row["present"] is True
    jpg = catalog.product(preview.name)
    assert jpg["product_type"] == "PREVIEW"
    out = catalog.links(preview.name)["out"]
    assert [(x["target"], x["kind"], x["role"]) for x in out] == [
        ("jw87800-o017_t002_niriss_clear-f200w_i2d.fits", "linked", "preview")
    ]
    # A member named by the association but not on disk is a product, not present.
    missing = catalog.product("jw87800017001_02101_00001_nis_cal.fits")
    assert missing["present"] is False


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("jw01234-o001_20250101t000000_image3_00001_asn.json", "association"),
        ("jw01234_20250101t000000_pool.csv", "pool"),
        ("jw01234001001_02101_00001_nrca1_cal.fits", "fits"),
        ("jw01234-o001_t001_nircam_clear-f200w_cat.ecsv", "file"),
        ("products.ecsv", "table"),
        ("notes.txt", None),
    ],
)
def test_classify_by_name(tmp_path, name, reader):
    assert classify(tmp_path / name) == reader

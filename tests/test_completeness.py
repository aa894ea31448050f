"""jwlink check on real pools and associations: what each names is expected, the rest extra."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
from astropy.io import fits
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.readers import read_association
from jwlink.store import open_store

FROM_POOL = "generated_asn/from_jw87800_pool"
ASN = f"{FROM_POOL}/jw87800-o017_20250101t000000_image3_00001_asn.json"
POOL = "pools/jw87800_20180412T163456_pool.csv"


def _fits(path, **keywords) -> None:
    header = fits.Header()
    header["FILENAME"] = path.name
    header["PROGRAM"] = "87800"
    for key, value in keywords.items():
        header[key] = value
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


def _counts(text: str) -> dict[str, int]:
    """The count lines of the text output (``  present      8``)."""
    words = (line.split() for line in text.splitlines() if line.startswith("  "))
    keys = ("present", "missing", "extra", "changed")
    return {w[0]: int(w[1]) for w in words if len(w) == 2 and w[0] in keys}


def _missing(doc) -> dict[str, list[str]]:
    return {m["name"]: [n["source"] for n in m["named_by"]] for m in doc["missing"]}


def test_complete_folder(folder, data):
    result = _check(folder)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["complete"] is True and doc["verdict"] == "complete"
    assert doc["missing"] == [] and doc["extra"] == [] and doc["changed"] == []
    files = sorted(p.name for p in folder.iterdir())
    assert sorted(p["path"] for p in doc["present"]) == files
    assert doc["counts"]["present"] == doc["counts"]["files"] == len(files)
    # The pool the association was made from is named, but MAST does not deliver pools.
    pool = json.loads((data / ASN).read_text())["asn_pool"]
    assert [n["name"] for n in doc["not_held"]] == [pool]
    assert doc["mrp"] == {
        "jw87800-o017_t002_niriss_clear-f200w": [
            "jw87800-o017_t002_niriss_clear-f200w_cat.ecsv",
            "jw87800-o017_t002_niriss_clear-f200w_i2d.fits",
            "jw87800-o017_t002_niriss_clear-f200w_segm.fits",
        ]
    }
    text = CliRunner().invoke(main, ["check", str(folder)]).output
    assert text.splitlines()[-1] == "complete"
    assert _counts(text) == {"present": len(files), "missing": 0, "extra": 0, "changed": 0}
    assert "jw87800-o017_t002_niriss_clear-f200w: _cat.ecsv, _i2d.fits, _segm.fits" in text


def test_missing_member_and_product_are_named(folder):
    (folder / "jw87800017001_02101_00001_nis_cal.fits").unlink()
    (folder / "jw87800-o017_t002_niriss_clear-f200w_segm.fits").unlink()
    result = _check(folder)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert _missing(doc) == {
        "jw87800017001_02101_00001_nis_cal.fits": [ASN.rsplit("/", 1)[1]],
        "jw87800-o017_t002_niriss_clear-f200w_segm.fits": [ASN.rsplit("/", 1)[1]],
    }
    (asn,) = doc["associations"]  # the per-association summary of the same
    assert asn["missing_members"] == ["jw87800017001_02101_00001_nis_cal.fits"]
    assert asn["missing_products"] == ["jw87800-o017_t002_niriss_clear-f200w_segm.fits"]
    text = CliRunner().invoke(main, ["check", str(folder)]).output
    assert "missing jw87800017001_02101_00001_nis_cal.fits" in text
    assert text.splitlines()[-1] == "incomplete: 2 missing"


def test_extra_file_is_reported(folder, tmp_path):
    _fits(folder / "jw01234001001_02101_00001_nrca1_cal.fits")
    db = tmp_path / "catalog.db"
    missing = _check(folder, "--db", str(db))  # reading never creates a catalog
    assert missing.exit_code == 1 and "no jwlink catalog at" in missing.output
    assert not db.exists()
    open_store(str(db)).close()
    result = _check(folder, "--db", str(db))
    doc = json.loads(result.output)
    assert doc["extra"] == ["jw01234001001_02101_00001_nrca1_cal.fits"]
    assert result.exit_code == 0  # extra files do not make a download incomplete
    store = open_store(str(db), readonly=True)  # --db keeps what check ingested
    try:
        kept = store.execute("SELECT location FROM products WHERE name = ?", (doc["extra"][0],))
    finally:
        store.close()
    assert kept and kept[0][0] is not None


def test_unreadable_file_makes_check_fail(folder):
    (folder / "jw87800017001_02101_00001_nis_cal.fits").write_bytes(b"SIMPLE  =   T" + b" " * 20)
    result = _check(folder)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["errors"] and doc["errors"][0]["path"].endswith("_nis_cal.fits")
    assert doc["verdict"] == "incomplete: 1 unreadable"


def test_real_pool_and_its_associations_name_every_exposure_and_member(tmp_path, data):
    """The jw87800 pool and the 12 associations jwst 3.0.0 made from it, with no data files."""
    root = tmp_path / "jw87800"
    root.mkdir()
    shutil.copy(data / POOL, root)
    for asn in sorted((data / FROM_POOL).iterdir()):
        shutil.copy(asn, root)
    result = _check(root)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    missing = _missing(doc)
    # Read with the standard library, not jwlink: what each document lists.
    with (data / POOL).open() as handle:
        rows = [r for r in csv.reader(handle, delimiter="|") if r and not r[0].startswith("#")]
    exposures = {r[0] for r in rows[1:]}
    assert len(exposures) == 10 and all(e.endswith("_uncal.fits") for e in exposures)
    for exposure in exposures:
        assert missing[exposure] == [POOL.rsplit("/", 1)[1]]
    members = {
        m["expname"]
        for asn in (data / FROM_POOL).iterdir()
        for p in json.loads(asn.read_text())["products"]
        for m in p["members"]
    }
    assert members <= set(missing)
    assert "jw87800-o017_t002_niriss_clear-f200w_i2d.fits" in missing  # image3 product
    # Every document is present; the pool is what asn_pool names (as the pool's name).
    assert doc["extra"] == []
    assert doc["counts"]["present"] == 13 and len(doc["documents"]) == 13
    pool = next(p for p in doc["present"] if p["path"].endswith("_pool.csv"))
    assert {n["source"] for n in pool["named_by"]} == {a.name for a in (data / FROM_POOL).iterdir()}
    text = CliRunner().invoke(main, ["check", str(root)]).output
    assert text.splitlines()[-1] == f"incomplete: {len(missing)} missing"


def test_header_names_its_association_and_hdrtab_inputs(tmp_path):
    """An L3 product alone: ASNTABLE and the HDRTAB FILENAME column are expected files."""
    root = tmp_path / "l3"
    root.mkdir()
    i2d = root / "jw01234-o001_t001_nircam_clear-f200w_i2d.fits"
    inputs = [f"jw01234001001_02101_0000{n}_nrca1_cal.fits" for n in (1, 2)]
    primary = fits.PrimaryHDU()
    primary.header["FILENAME"] = i2d.name
    primary.header["ASNTABLE"] = "jw01234-o001_20250101t000000_image3_00001_asn.json"
    primary.header["ASNPOOL"] = "jw01234_20250101t000000_pool"
    # model_blender writes one row per input: their primary headers, FILENAME among them.
    hdrtab = fits.BinTableHDU.from_columns(
        [fits.Column(name="FILENAME", format="60A", array=np.array(inputs))], name="HDRTAB"
    )
    fits.HDUList([primary, hdrtab]).writeto(i2d)
    doc = json.loads(_check(root).output)
    assert _missing(doc) == {
        "jw01234-o001_20250101t000000_image3_00001_asn.json": [i2d.name],
        **dict.fromkeys(inputs, [i2d.name]),
    }
    assert [n["name"] for n in doc["not_held"]] == ["jw01234_20250101t000000_pool.csv"]


def test_renamed_copy_is_present_under_its_filename(tmp_path, data):
    """exp_0.fits is a real cal header whose FILENAME names another file."""
    root = tmp_path / "renamed"
    root.mkdir()
    shutil.copy(data / "exposures_nopsf/exp_0.fits", root)
    filename = fits.getheader(root / "exp_0.fits")["FILENAME"]
    asn = {
        "asn_type": "image3",
        "asn_id": "o001",
        "products": [
            {
                "name": "jw90001-o001_t001_niriss_clear-f200w",
                "members": [{"expname": filename, "exptype": "science"}],
            }
        ],
    }
    (root / "jw90001-o001_image3_00001_asn.json").write_text(json.dumps(asn))
    doc = json.loads(_check(root).output)
    assert filename not in _missing(doc)
    present = {p["path"]: p["name"] for p in doc["present"]}
    assert present["exp_0.fits"] == filename
    assert doc["extra"] == []


def test_a_file_in_two_subfolders_is_counted_twice(folder):
    (folder / "again").mkdir()
    name = "jw87800017001_02101_00001_nis_cal.fits"
    shutil.copy(folder / name, folder / "again" / name)
    doc = json.loads(_check(folder).output)
    paths = [p["path"] for p in doc["present"] if p["name"] == name]
    assert paths == [f"again/{name}", name]
    assert doc["counts"]["files"] == doc["counts"]["present"] == 9


def test_previews_level2_side_products_and_guide_stars_belong(tmp_path, data):
    """Files no document names exactly, but which belong to what one names, are not extra."""
    root = tmp_path / "spec2"
    root.mkdir()
    spec2 = f"{FROM_POOL}/jw87800-o017_20250101t000000_spec2_00001_asn.json"
    shutil.copy(data / spec2, root)
    stem = "jw87800017001_02102_00001_nis"
    for name in (f"{stem}_rate.fits", f"{stem}_cal.fits", f"{stem}_x1d.fits"):
        _fits(root / name)
    (root / f"{stem}_cal.jpg").write_bytes(b"\xff\xd8\xff")
    (root / f"{stem}_x1d_thumb.jpg").write_bytes(b"\xff\xd8\xff")
    _fits(root / "jw87800017001_gs-fg_2018102163500_cal.fits")  # same visit, 87800017001
    _fits(root / "jw87800018001_gs-fg_2018102163500_cal.fits")  # another visit: nothing names it
    (root / "notes.txt").write_text("mine\n")
    doc = json.loads(_check(root).output)
    assert doc["extra"] == ["jw87800018001_gs-fg_2018102163500_cal.fits", "notes.txt"]
    related = {p["path"]: p["related"] for p in doc["present"] if "related" in p}
    assert set(related) == {
        f"{stem}_x1d.fits",
        f"{stem}_cal.jpg",
        f"{stem}_x1d_thumb.jpg",
        "jw87800017001_gs-fg_2018102163500_cal.fits",
    }
    assert related[f"{stem}_cal.jpg"] == f"preview of {stem}_cal.fits"
    # The direct image and its catalogs the association names are not here.
    assert set(_missing(doc)) == {
        "jw87800-o017_t002_niriss_clear-f200w_i2d.fits",
        "jw87800-o017_t002_niriss_clear-f200w_cat.ecsv",
        "jw87800-o017_t002_niriss_clear-f200w_segm.fits",
    }

"""Broken inputs give clear errors and leave the catalog exactly as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import dump

from jwlink.errors import AssociationError, PoolError, ProductTableError
from jwlink.ingest import ingest
from jwlink.readers import read_association, read_pool, read_product_table

GOOD_ASN = {
    "asn_type": "image3",
    "asn_id": "o001",
    "program": "01234",
    "products": [
        {
            "name": "jw01234-o001_t001_nircam_clear-f200w",
            "members": [
                {"expname": "jw01234001001_02101_00001_nrca1_cal.fits", "exptype": "science"}
            ],
        }
    ],
}


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_bad_path_example_is_refused(data):
    with pytest.raises(AssociationError, match=r"products\[0\]\.members\[0\]\.expname '\./data"):
        read_association(data / "asn_examples/asn_level2_bad_path.json")


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ('{"products": [', "not valid JSON at line 1"),
        ("[1, 2, 3]", "top level: .* is not of type 'object'"),
        ('{"asn_type": "image3"}', "'products' is a required property"),
        ('{"products": [{"name": "x"}]}', r"products\[0\]: 'members' is a required property"),
        ('{"products": [{"members": [{"expname": 7, "exptype": "science"}]}]}',
         r"products\[0\]\.members\[0\]\.expname: 7 is not of type 'string'"),
        ('{"products": [{"members": [{"expname": "a_cal.fits"}]}]}', "'exptype' is a required"),
        ('{"products": [{"members": [{"expname": "/etc/passwd", "exptype": "science"}]}]}',
         "is a path"),
        ('{"products": [{"members": [{"expname": "..\\\\x.fits", "exptype": "science"}]}]}',
         "is a path"),
        ("[" * 100000 + "]" * 100000, "nested too deeply|not valid JSON|not of type"),
    ],
)  # fmt: skip
def test_broken_association_names_the_problem(tmp_path, doc, match):
    path = _write(tmp_path / "jw01234-o001_image3_00001_asn.json", doc)
    with pytest.raises(AssociationError, match=match) as info:
        read_association(path)
    assert str(path) in str(info.value)


def test_non_utf8_association(tmp_path):
    path = _write(tmp_path / "bad_asn.json", b'{"products": "\xff\xfe"}')
    with pytest.raises(AssociationError, match="not UTF-8"):
        read_association(path)


def test_uppercase_legacy_exptype_is_accepted(data):
    asn = read_association(data / "asn_examples/asn_mosaic.json")
    assert {m.exptype for p in asn.products for m in p.members} == {"science"}


POOL_HEADER = "FILENAME|PROGRAM|OBS_NUM|EXP_TYPE|INSTRUME|DETECTOR"
POOL_ROW = "jw01234001001_02101_00001_nrca1_uncal.fits|1234|1|NRC_IMAGE|NIRCAM|NRCA1"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "FILENAME|PROGRAM|EXP_TYPE\n" + "jw_00001_uncal.fits|1|nrc_image\n",
            "lacks column.*INSTRUME",
        ),
        (f"{POOL_HEADER}\n{POOL_ROW}\njw_00002_uncal.fits|1234|1\n", "line 3: 3 fields where"),
        (
            f"{POOL_HEADER}\n@!fmt_fname(1)|1234|1|NRC_IMAGE|NIRCAM|NRCA1\n",
            "line 2, column FILENAME",
        ),
        ("# only comments\n\n", "no header row"),
        (f"{POOL_HEADER}\nNULL|1234|1|NRC_IMAGE|NIRCAM|NRCA1\n", "no file name"),
    ],
)
def test_broken_pool_names_line_and_column(tmp_path, text, match):
    path = _write(tmp_path / "jw01234_20250101t000000_pool.csv", text)
    with pytest.raises(PoolError, match=match):
        list(read_pool(path))


def test_product_table_missing_columns(tmp_path):
    from astropy.table import Table

    path = tmp_path / "products.ecsv"
    Table({"obsID": ["1"], "size": [10]}).write(path)
    with pytest.raises(ProductTableError, match=r"missing column\(s\) productFilename \("):
        list(read_product_table(path))


def test_product_table_size_not_in_bytes(tmp_path):
    from astropy import units as u
    from astropy.table import Table

    path = tmp_path / "products.ecsv"
    table = Table({"obs_id": ["jw_00001"], "productFilename": ["jw_00001_cal.fits"]})
    table["size"] = [3.0] * u.kB
    table.write(path)
    with pytest.raises(ProductTableError, match="size is in 'kbyte'; expected bytes"):
        list(read_product_table(path))


def test_bad_files_leave_catalog_unchanged(store, tmp_path, data):
    good = _write(tmp_path / "jw01234-o001_image3_00001_asn.json", json.dumps(GOOD_ASN))
    assert ingest(store, [good]).errors == []
    before = dump(store)
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(data / "asn_examples/asn_level2_bad_path.json", bad)
    text = json.dumps(GOOD_ASN).replace("o001", "o002")
    _write(bad / "jw01234-o002_image3_00001_asn.json", text[: len(text) // 2])
    _write(bad / "jw01234_20250101t000000_pool.csv", f"{POOL_HEADER}\n{POOL_ROW}|extra\n")
    real = (data / "exposures/jw01075001001_03105_00009_nrca2_uncal.fits").read_bytes()
    _write(bad / "jw01075001001_03105_00009_nrca2_uncal.fits", real[: len(real) // 2])
    report = ingest(store, [bad])
    assert len(report.errors) == 4
    assert any("nrca2_uncal.fits" in p and "END card" in m for p, m in report.errors)
    assert report.ingested == 0
    assert dump(store) == before


def test_one_bad_file_does_not_stop_the_batch(store, tmp_path):
    _write(tmp_path / "jw01234-o001_image3_00001_asn.json", json.dumps(GOOD_ASN))
    _write(tmp_path / "jw01234-o002_image3_00001_asn.json", '{"products": [')
    report = ingest(store, [tmp_path])
    assert report.ingested == 1
    assert [Path(p).name for p, _ in report.errors] == ["jw01234-o002_image3_00001_asn.json"]
    assert store.execute("SELECT COUNT(*) FROM associations")[0][0] == 1


def test_a_jwst_looking_name_the_grammar_refuses_is_reported(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder / "jw01234-o001_image3_00001_asn.json", json.dumps(GOOD_ASN))
    _write(folder / "jw01234-o002_image3_00001_asn.json\u200f", json.dumps(GOOD_ASN))
    _write(folder / "observing notes.txt", "not a product, passed over")
    report = ingest(store, [folder])
    assert report.ingested == 1 and report.ignored == 1
    [(path, problem)] = report.errors
    assert path.endswith("_asn.json\u200f") and "U+200F (RIGHT-TO-LEFT MARK)" in problem


def test_an_unexpected_failure_in_one_file_does_not_end_the_batch(store, tmp_path, monkeypatch):
    """A bug in a reader (simulated here) is reported against its file; the rest land."""
    import jwlink.ingest.reading as run

    real = run.read_association

    def flaky(path, *args, **kwargs):
        if "o002" in str(path):
            raise RuntimeError("simulated reader bug")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(run, "read_association", flaky)
    _write(tmp_path / "jw01234-o001_image3_00001_asn.json", json.dumps(GOOD_ASN))
    _write(tmp_path / "jw01234-o002_image3_00001_asn.json", json.dumps(GOOD_ASN))
    report = ingest(store, [tmp_path])
    assert report.ingested == 1
    [(path, problem)] = report.errors
    assert "o002" in path and "unexpected RuntimeError: simulated reader bug" in problem
    assert store.execute("SELECT COUNT(*) FROM associations")[0][0] == 1

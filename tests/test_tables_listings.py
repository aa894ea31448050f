"""Product lists as users have them: trimmed exports, manifests, curl scripts, cloud listings.

None of these needs to say which observation owns a file; the file's name
does. Real inputs: exposure names from the jwst test pool
``jw87800_20180412T163456_pool.csv`` (../shared/data), a MAST bundle script
and cloud listings under tests/data/listings (provenance in its README), and
astroquery's own ``download_products`` code writing the manifest.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from astropy.table import Table

from jwlink.errors import ProductTableError
from jwlink.ingest import classify, ingest
from jwlink.query.questions import mrp, product_list
from jwlink.readers.listing import read_listing

LISTINGS = Path(__file__).parent / "data" / "listings"
POOL = "pools/jw87800_20180412T163456_pool.csv"
L3 = "jw87800-o017_t002_niriss_clear-f200w"


def _exposures(data):
    with (data / POOL).open() as handle:
        names = [row["FILENAME"] for row in csv.DictReader(handle, delimiter="|")]
    stems = sorted(n.removesuffix("_uncal.fits") for n in names)
    assert len(stems) == 10
    return stems


def _export(data):
    """A MAST get_product_list of the L3 observation: its i2d, its members' files."""
    rows = [
        dict(obsID="900", obs_id=L3, productFilename=f"{L3}_i2d.fits", productType="SCIENCE",
             calib_level=3, size=5000, parent_obsid="900", proposal_id="87800")
    ]  # fmt: skip
    for number, stem in enumerate(_exposures(data), start=1):
        for suffix, level in (("uncal", 1), ("rate", 2), ("cal", 2)):
            rows.append(
                dict(obsID=str(number), obs_id=stem, productFilename=f"{stem}_{suffix}.fits",
                     productType="SCIENCE", calib_level=level, size=100 * number,
                     parent_obsid="900", proposal_id="87800")
            )  # fmt: skip
    return Table(rows=rows)


@pytest.mark.parametrize("dropped", [("obsID", "parent_obsid"), ("obsID",), ("parent_obsid",)])
def test_export_without_ids_keeps_each_exposure_its_own(store, data, tmp_path, dropped):
    table = _export(data)
    table.remove_columns(list(dropped))
    path = tmp_path / "trimmed.ecsv"
    table.write(path)
    assert classify(path) == "table"
    report = ingest(store, [path])
    assert report.errors == []
    # Without both columns the table cannot say who was listed for whom.
    assert store.execute("SELECT * FROM members") == []
    for stem in _exposures(data):
        rows = product_list(store, stem).rows
        assert {r["productFilename"] for r in rows if r["kind"] is None} == {
            f"{stem}_{s}.fits" for s in ("uncal", "rate", "cal")
        }
        assert {r["obs_id"] for r in rows} == {stem}, "no other exposure's files in this list"
        assert all(name.startswith(stem) for name in mrp(store, stem).products)
    assert [r["productFilename"] for r in product_list(store, L3).rows] == [f"{L3}_i2d.fits"]


def test_export_with_ids_still_makes_members(store, data, tmp_path):
    path = tmp_path / "full.csv"
    _export(data).write(path, format="ascii.csv")
    assert ingest(store, [path]).errors == []
    members = store.execute("SELECT obs_id, member_obs_id FROM members ORDER BY member_obs_id")
    assert members == [(L3, stem) for stem in _exposures(data)]


def _astroquery_manifest(data, tmp_path, monkeypatch, products):
    """Run astroquery's own download loop (no network: the fetch writes a stub)."""
    from astroquery.mast import Observations

    def fake_download(url, local_path, **kwargs):
        Path(local_path).write_bytes(b"stub")

    monkeypatch.setattr(Observations, "_download_file", fake_download)
    return Observations._download_files(products, str(tmp_path / "mastDownload"), verbose=False)


@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".csv", "ascii.csv"), (".ecsv", "ascii.ecsv"), (".xml", "votable")]
)
def test_astroquery_manifest(store, data, tmp_path, monkeypatch, suffix, fmt):
    export = _export(data)
    export["obs_collection"] = "JWST"
    export["dataURI"] = [f"mast:JWST/product/{n}" for n in export["productFilename"]]
    hst = Table(rows=[dict(export[0])])  # astroquery downloads any mission's files
    hst["obs_collection"], hst["obs_id"] = "HST", "u9o40504m"
    hst["productFilename"], hst["dataURI"] = (
        "u9o40504m_c3m.fits",
        "mast:HST/product/u9o40504m_c3m.fits",
    )
    from astropy.table import vstack

    manifest = _astroquery_manifest(data, tmp_path, monkeypatch, vstack([export, hst]))
    assert manifest.colnames == ["Local Path", "Status", "Message", "URL"]
    for column in ("Message", "URL"):  # None (no message, no URL) is an object column
        manifest[column] = [str(v or "") for v in manifest[column]]
    path = tmp_path / f"manifest{suffix}"
    manifest.write(path, format=fmt)
    assert classify(path) == "manifest"
    report = ingest(store, [path])
    assert report.errors == []
    names = {r[0] for r in store.execute("SELECT name FROM products")}
    assert f"{L3}_i2d.fits" in names and "u9o40504m_c3m.fits" not in names
    assert store.execute("SELECT * FROM members") == []
    for stem in _exposures(data):
        listed = product_list(store, stem).rows
        assert {r["obs_id"] for r in listed} == {stem}
        assert f"{stem}_cal.fits" in {r["productFilename"] for r in listed}


def test_mast_bundle_script(store):
    path = LISTINGS / "MAST_2023-01-25T1259.sh"
    assert classify(path) == "curl_script"
    names = [row.columns["productFilename"] for row in read_listing(path, "curl_script")]
    expected = {
        "jw02733002001_02103_00001_mirimage_o002_crf.fits",
        "jw02733002001_02103_00001_mirimage_cal.fits",
        "jw02733002001_02103_00002_mirimage_rate.fits",
        "jw02733002001_02103_00002_mirimage_rateints.fits",
    }
    assert set(names) == expected
    assert ingest(store, [path]).errors == []
    owners = dict(store.execute("SELECT name, obs_id FROM products WHERE name LIKE 'jw02733%'"))
    assert owners["jw02733002001_02103_00001_mirimage_cal.fits"] == (
        "jw02733002001_02103_00001_mirimage"
    )
    assert owners["jw02733002001_02103_00002_mirimage_rate.fits"] == (
        "jw02733002001_02103_00002_mirimage"
    )


def test_jwlink_curl_script_round_trip(store, tmp_path):
    from jwlink.api.scripts import curl_script
    from jwlink.api.streams import Entry

    name = "jw02733002001_02103_00001_mirimage_cal.fits"
    url = f"http://127.0.0.1:8765/api/v0.1/Download/file?uri=mast:JWST/product/{name}"
    local = f"JWST/jw02733002001_02103_00001_mirimage/{name}"
    entry = Entry(name=name, path=local, size=123456, sha256="a" * 64, url=url, location=None,
                  data_rights="PUBLIC")  # fmt: skip
    path = tmp_path / "bundle.sh"
    path.write_text(curl_script([entry], [], "http://127.0.0.1:8765", "bundle.sh", ""))
    assert classify(path) == "curl_script"
    [row] = list(read_listing(path, "curl_script"))
    assert row.columns == {"productFilename": name, "size": 123456}
    assert ingest(store, [path]).errors == []
    assert store.execute("SELECT size, obs_id FROM products WHERE name = ?", (name,)) == [
        (123456, "jw02733002001_02103_00001_mirimage")
    ]


def test_cloud_listings(store):
    ls = LISTINGS / "aws_s3_ls_jw02731_L3.txt"
    keys = LISTINGS / "cloud_keys_jw02733.txt"
    assert classify(ls) == classify(keys) == "cloud_listing"
    sizes = {
        r.columns["productFilename"]: r.columns.get("size")
        for r in read_listing(ls, "cloud_listing")
    }
    assert sizes["jw02731-o001_t017_nircam_clear-f090w_i2d.fits"] == 5414328000
    assert ingest(store, [ls, keys]).errors == []
    i2d = store.execute(
        "SELECT obs_id, size FROM products WHERE name = ?",
        ("jw02731-o001_t017_nircam_clear-f090w_i2d.fits",),
    )
    assert i2d == [("jw02731-o001_t017_nircam_clear-f090w", 5414328000)]
    uncal = "jw02733002001_02103_00002_mirimage_uncal.fits"
    assert store.execute("SELECT obs_id FROM products WHERE name = ?", (uncal,)) == [
        ("jw02733002001_02103_00002_mirimage",)
    ]


def test_other_text_and_scripts_are_passed_over(tmp_path):
    (tmp_path / "notes.txt").write_text("observing notes\njw02733 looked fine\n")
    (tmp_path / "build.sh").write_text("#!/bin/sh\ncurl -O https://example.org/x.tar.gz\n")
    (tmp_path / "hst.sh").write_text(
        "curl 'https://mast.stsci.edu/api/v0.1/Download/file?uri=mast:HST/product/u9o40504m_c3m.fits'\n"
    )
    (tmp_path / "empty.txt").write_text("")
    for name in ("notes.txt", "build.sh", "hst.sh", "empty.txt"):
        assert classify(tmp_path / name) is None, name


def test_bad_cloud_line_is_named(tmp_path):
    path = tmp_path / "keys.txt"
    lines = [
        f"jwst/public/jw02733/x/jw02733002001_02103_{i:05d}_mirimage_cal.fits" for i in range(1, 60)
    ]
    lines.append("not a key at all")
    path.write_text("\n".join(lines) + "\n")
    assert classify(path) == "cloud_listing"  # judged by its first lines
    with pytest.raises(
        ProductTableError, match="line 60: 'not a key at all' is not a JWST cloud key"
    ):
        list(read_listing(path, "cloud_listing"))


def test_manifest_row_naming_no_file(tmp_path):
    path = tmp_path / "manifest.csv"
    path.write_text("Local Path,Status,Message,URL\n,ERROR,HTTPError,\n")
    assert classify(path) == "manifest"
    with pytest.raises(ProductTableError, match="row 1: neither Local Path nor URL names a file"):
        list(read_listing(path, "manifest"))


def test_jwlink_manifest(store, tmp_path):
    from jwlink.api.streams import Entry, manifest_csv

    names = (
        "jw02733002001_02103_00001_mirimage_cal.fits",
        "jw02733-o002_t001_miri_f1130w_i2d.fits",
    )
    entries = [
        Entry(name=n, path=f"JWST/x/{n}", size=10 + i, sha256="b" * 64, url=f"http://h/{n}",
              location=None, data_rights="PUBLIC")
        for i, n in enumerate(names)
    ]  # fmt: skip
    path = tmp_path / "manifest.csv"
    path.write_text(manifest_csv(entries))
    assert classify(path) == "manifest"
    assert ingest(store, [path]).errors == []
    rows = store.execute("SELECT name, obs_id, size FROM products WHERE size < 100")
    assert sorted(rows) == [
        (names[1], "jw02733-o002_t001_miri_f1130w", 11),
        (names[0], "jw02733002001_02103_00001_mirimage", 10),
    ]


def test_curl_flag_manifest_names_only_the_script(store, tmp_path):
    # download_products(curl_flag=True) returns Local Path, Status, Message: the script.
    manifest = Table({"Local Path": [str(tmp_path / "mastDownload_20240101120000.sh")],
                      "Status": ["COMPLETE"], "Message": [""]})  # fmt: skip
    path = tmp_path / "manifest.ecsv"
    manifest.write(path)
    assert classify(path) == "manifest"
    assert list(read_listing(path, "manifest")) == []
    assert ingest(store, [path]).errors == []


@pytest.mark.parametrize(
    "content",
    [
        b"2024-01-01 00:00:00 5 jw\x01bad_cal.fits\n",
        b"jwst/public/\xff\xfe_cal.fits\n",
        b"curl 'https://x/Download/file?uri=mast:JWST/product/jw01234001001_02101_00001_nrca1\x01'\n",
        b"mast%3AJWST%2Fproduct%2F\n",
        b"\x00\x01\x02",
    ],
)
def test_hostile_lists_never_raise_from_classify(store, tmp_path, content):
    for suffix in (".txt", ".sh"):
        path = tmp_path / f"list{suffix}"
        path.write_bytes(content)
        kind = classify(path)
        report = ingest(store, [path])
        if kind is None:
            assert report.ignored == 1
        else:  # read, or refused with the line at fault
            assert report.errors == [] or "line 1" in report.errors[0][1]


def test_one_key_without_newline_and_a_long_listing(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text(
        "s3://stpubdata/jwst/public/jw02733/x/jw02733002001_02103_00001_mirimage_cal.fits"
    )
    assert classify(one) == "cloud_listing"
    many = tmp_path / "many.txt"  # longer than what classify reads: judged by whole lines
    key = "jwst/public/jw02733/jw02733002001/jw02733002001_02103_{:05d}_mirimage_cal.fits\n"
    many.write_text("".join(key.format(i) for i in range(1, 3000)))
    assert many.stat().st_size > 1 << 16 and classify(many) == "cloud_listing"
    assert len(list(read_listing(many, "cloud_listing"))) == 2999

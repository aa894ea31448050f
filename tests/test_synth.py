"""jwlink.synth: a synthetic archive that ingests cleanly and matches its catalog-only twin."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from jwlink.cli.synth import synth
from jwlink.ingest import ingest
from jwlink.naming import parse
from jwlink.readers import read_pool, read_product_table
from jwlink.readers.engdb import read_engdb
from jwlink.store import open_store
from jwlink.synth import MODES, SynthReport, generate_catalog, generate_files
from jwlink.synth.documents import POOL_COLUMNS
from jwlink.synth.jpeg import jpeg_size
from jwlink.synth.schedule import BIG_MOSAIC, ObsSpec, Scheduled, per_observation, schedule

N = 500
SCHEMAS = Path(os.environ.get("JWLINK_SHARED", "/work/shared")) / "data" / "schemas"
# Key order of jwst 3.0.0 asn_generate output (generated_asn/*: L2 then L3).
L2_KEYS = (
    "asn_type asn_rule version_id code_version degraded_status program constraints asn_id "
    "asn_pool target products"
).split()
L3_KEYS = (
    "asn_type asn_rule version_id code_version degraded_status program constraints asn_id "
    "target asn_pool products"
).split()


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _rows(db: Path, sql: str) -> set[tuple]:
    store = open_store(str(db))
    try:
        return set(store.execute(sql))
    finally:
        store.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("synth")
    files = root / "files"
    report = generate_files(files, seed=1, products=N)
    files_db, catalog_db = root / "files.db", root / "catalog.db"
    store = open_store(str(files_db))
    ingested = ingest(store, [files])
    store.close()
    store = open_store(str(catalog_db))
    catalog_report = generate_catalog(store, seed=1, products=N)
    counts = store.counts()
    store.close()
    return {
        "root": files,
        "report": report,
        "ingest": ingested,
        "files_db": files_db,
        "catalog_db": catalog_db,
        "catalog_report": catalog_report,
        "counts": counts,
    }


def test_report_covers_every_mode(archive: dict) -> None:
    report: SynthReport = archive["report"]
    assert report.modes == sorted(MODES) == list(MODES)
    assert report.programs >= 6  # one per mode family at least
    assert report.files == sum(1 for p in archive["root"].rglob("*") if p.is_file())
    assert archive["catalog_report"].files == 0
    assert archive["catalog_report"].products == report.products
    json.dumps(report.as_dict())


def test_same_seed_gives_the_same_bytes(archive: dict, tmp_path: Path) -> None:
    generate_files(tmp_path / "again", seed=1, products=N)
    assert _tree_hash(tmp_path / "again") == _tree_hash(archive["root"])


def test_ingest_gives_no_errors_and_a_complete_archive(archive: dict) -> None:
    assert archive["ingest"].errors == []
    assert archive["ingest"].ignored == 0
    missing = _rows(
        archive["files_db"],
        (
            "SELECT DISTINCT m.expname FROM asn_members m "
            "LEFT JOIN products p ON p.name = m.expname WHERE p.location IS NULL"
        ),
    )
    assert missing == set()
    # Every expected product of an association exists, except {source_id} templates.
    outputs = _rows(
        archive["files_db"],
        (
            "SELECT o.name FROM asn_outputs o JOIN products p ON p.name = o.name "
            "WHERE p.location IS NULL"
        ),
    )
    assert {n for (n,) in outputs if "{source_id}" not in n} == set()


def test_catalog_only_matches_files(archive: dict) -> None:
    files_db, catalog_db = archive["files_db"], archive["catalog_db"]
    for sql in (
        "SELECT name FROM products",
        "SELECT source, target, kind, role FROM links",
        "SELECT obs_id, member_obs_id, exptype FROM members",
        "SELECT alias, obs_id FROM aliases",
        "SELECT association, product, expname, exptype FROM asn_members",
        "SELECT name, obs_id, level, product_type, program, data_rights FROM products",
        "SELECT obs_id, calib_level, is_association, program, instrument_name FROM observations",
    ):
        assert _rows(files_db, sql) == _rows(catalog_db, sql), sql
    located = _rows(catalog_db, "SELECT COUNT(*) FROM products WHERE location IS NOT NULL")
    assert located == {(0,)}


def test_every_name_parses(archive: dict) -> None:
    engdb = archive["root"] / "engdb"
    for path in archive["root"].rglob("*"):
        if path.is_file() and not path.name.startswith("mast_products_"):
            if path.parent == engdb:
                # Engineering Database responses are named as the MAST service
                # names them (<MNEMONIC>-<start>-<end>), not by the JWST grammar.
                assert read_engdb(path).mnemonic == path.name.split("-")[0]
                continue
            parse(path.name)
    assert any(engdb.iterdir())
    for path in archive["root"].rglob("*_asn.json"):
        for product in json.loads(path.read_text())["products"]:
            parse(product["name"])
            for member in product["members"]:
                parse(member["expname"])


def _read_header(path: Path) -> dict:
    try:
        from jwlink.readers.fits import read_header
    except ImportError:  # the reader is being written elsewhere: read with astropy
        from astropy.io import fits

        with fits.open(path) as hdul:
            return dict(hdul[0].header)
    return read_header(path).keywords


def test_fits_headers_parse_and_carry_linkage(archive: dict) -> None:
    fits_files = sorted(archive["root"].rglob("*.fits"))
    assert len(fits_files) > 200
    for path in fits_files:
        keywords = _read_header(path)
        assert keywords["FILENAME"] == path.name
    cal = next(p for p in fits_files if p.name.endswith("_nrca1_cal.fits"))
    keywords = _read_header(cal)
    for key in (
        "PROGRAM",
        "OBSERVTN",
        "VISIT",
        "VISITGRP",
        "SEQ_ID",
        "ACT_ID",
        "EXPOSURE",
        "INSTRUME",
        "DETECTOR",
        "EXP_TYPE",
        "FILTER",
        "PUPIL",
        "TARGNAME",
        "TARG_RA",
        "TARG_DEC",
        "EXPSTART",
        "EXPEND",
        "EFFEXPTM",
        "CAL_VER",
        "CRDS_CTX",
        "ASNTABLE",
        "ASNPOOL",
        "GS_ORDER",
        "GDSTARID",
        "GSSTRTTM",
        "GSENDTIM",
    ):
        assert key in keywords, key
    from astropy.io import fits

    with fits.open(cal) as hdul:
        assert hdul[0].header["R_DARK"].startswith("crds://jwst_nircam_dark_")
        assert hdul["SCI"].data.shape == (4, 4)
    i2d = next(p for p in fits_files if p.name.endswith("_i2d.fits") and "-o" in p.name)
    with fits.open(i2d) as hdul:
        members = list(hdul["HDRTAB"].data["FILENAME"])
    assert members and all(m.endswith(("_cal.fits", "_calints.fits")) for m in members)


def test_mode_specific_files(archive: dict) -> None:
    names = {p.name for p in archive["root"].rglob("*") if p.is_file()}
    assert any(n.endswith("_01_msa.fits") for n in names)
    assert any("_s0000" in n and n.endswith("_nirspec_f170lp-g235m_x1d.fits") for n in names)
    assert any(re.search(r"_t\d{3}-s000000001_nirspec_f100lp-g140m-s200a1_x1d", n) for n in names)
    assert any("-seg002_" in n for n in names)
    assert any(n.endswith("_x1dints.fits") and "-o" in n for n in names)
    assert any(n.endswith("_phot.ecsv") for n in names)
    assert any(n.endswith("_whtlt.ecsv") for n in names)
    assert any(n.endswith("_cat.ecsv") for n in names)
    assert any(n.endswith("_s3d.fits") for n in names)
    assert any("_wfscmb-0" in n for n in names)
    assert any("_gs-fg_" in n and n.endswith("_cal.fits") for n in names)
    assert any(n.endswith("_gs-id_1_image-uncal.fits") for n in names)
    assert any(n.endswith("_psfstack.fits") for n in names)
    assert any(n.endswith("_aminorm-oi.fits") for n in names)
    assert "jwst_1303.pmap" in names
    wfss = next(
        p
        for p in archive["root"].rglob("*_nis_cal.fits")
        if _read_header(p).get("EXP_TYPE") == "NIS_WFSS"
    )
    keywords = _read_header(wfss)
    assert keywords["SCATFILE"].endswith("_cat.ecsv")
    assert keywords["SEGMFILE"].endswith("_segm.fits")
    assert keywords["DIRIMAGE"].endswith("_i2d.fits")


def test_reference_files_are_shared(archive: dict) -> None:
    uses = _rows(
        archive["files_db"],
        ("SELECT source, COUNT(*) FROM links WHERE role = 'reference:dark' GROUP BY source"),
    )
    assert max(count for _, count in uses) >= 5
    crds = archive["root"] / "crds"
    assert all((crds / name).exists() for name, _ in uses)


def test_previews_are_valid_jpegs(archive: dict) -> None:
    pictures = sorted(archive["root"].rglob("*.jpg"))
    assert pictures
    for path in pictures:
        data = path.read_bytes()
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
        assert data[6:11] == b"JFIF\x00"
        side = 16 if path.name.endswith("_thumb.jpg") else 64
        assert jpeg_size(data) == (side, side)
        # The frame header by hand, too: SOF0, 8-bit precision, one component.
        at = data.index(b"\xff\xc0")
        precision, height, width, components = struct.unpack(">BHHB", data[at + 4 : at + 10])
        assert (precision, height, width, components) == (8, side, side, 1)
        assert path.with_name(path.name.replace("_thumb.jpg", ".jpg")).exists()
        shown = path.name.replace("_thumb.jpg", ".jpg").removesuffix(".jpg") + ".fits"
        assert (path.parent / shown).exists()


def test_associations_validate_against_jwst_schemas(archive: dict) -> None:
    if not SCHEMAS.is_dir():
        pytest.skip(f"jwst association schemas not found in {SCHEMAS}")
    jsonschema = pytest.importorskip("jsonschema")
    level2 = json.loads((SCHEMAS / "asn_schema_jw_level2b.json").read_text())
    level3 = json.loads((SCHEMAS / "asn_schema_jw_level3.json").read_text())
    kinds = set()
    for path in archive["root"].rglob("*_asn.json"):
        doc = json.loads(path.read_text())
        is_level2 = doc["asn_type"].endswith("2")
        jsonschema.validate(doc, level2 if is_level2 else level3)
        assert list(doc) == (L2_KEYS if is_level2 else L3_KEYS)
        assert path.name.startswith(f"jw{doc['program']}-{doc['asn_id']}_{doc['version_id']}_")
        kinds.add(doc["asn_type"])
    assert kinds >= {
        "image2",
        "image3",
        "spec2",
        "spec3",
        "tso-spec2",
        "tso-image2",
        "tso3",
        "coron3",
        "ami3",
        "wfs-image3",
    }


def test_pools_parse_one_row_per_uncal(archive: dict) -> None:
    pools = sorted(archive["root"].rglob("*_pool.csv"))
    assert pools
    for pool in pools:
        header = pool.read_text().splitlines()[0].split("|")
        assert header == POOL_COLUMNS and len(header) == 64
        rows = list(read_pool(pool))
        uncal = {p.name for p in pool.parent.glob("*_uncal.fits") if "_gs-" not in p.name}
        assert {r.filename for r in rows} == uncal
        assert all(r.columns["filename"].endswith("_uncal.fits") for r in rows)


def test_product_tables_carry_rights(archive: dict) -> None:
    rights = set()
    for table in archive["root"].rglob("mast_products_jw*.ecsv"):
        rows = list(read_product_table(table))
        assert rows
        rights |= {r.columns["dataRights"] for r in rows}
        assert all(isinstance(r.columns["size"], int) for r in rows)
    assert rights == {"PUBLIC", "EXCLUSIVE_ACCESS"}
    stored = _rows(archive["files_db"], "SELECT DISTINCT data_rights FROM products")
    assert {"PUBLIC", "EXCLUSIVE_ACCESS"} <= {r for (r,) in stored}


def test_catalog_size_tracks_the_request(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "c.db"))
    try:
        generate_catalog(store, seed=3, products=2000)
        products = store.counts()["products"]
    finally:
        store.close()
    assert 1600 <= products <= 2400


def test_large_archives_hold_a_big_mosaic() -> None:
    programs = schedule(1, BIG_MOSAIC)
    first: Scheduled = programs[0]
    assert first.observations[0] == ObsSpec("nircam_image", first.observations[0].size)
    plan = next(first.plans(1))
    members = max(len(asn.members) for asn in plan.level3)
    assert members >= 5000
    estimate = sum(per_observation(s.mode, s.size) for p in programs for s in p.observations)
    assert 0.8 * BIG_MOSAIC <= estimate <= 1.2 * BIG_MOSAIC


def test_cli_and_another_seed(archive: dict, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        synth, ["--catalog-only", "--db", str(tmp_path / "c.db"), "--products", "300", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["files"] == 0 and doc["modes"] == list(MODES)
    other = tmp_path / "other"
    result = runner.invoke(synth, ["--files", str(other), "--seed", "2", "--products", str(N)])
    assert result.exit_code == 0, result.output
    assert "products" in result.output and (other / "crds").is_dir()
    assert _tree_hash(other) != _tree_hash(archive["root"])
    result = runner.invoke(synth, ["--products", "300"])
    assert result.exit_code != 0 and "exactly one" in result.output

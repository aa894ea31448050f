"""Real flight headers: R_* reference files become contributing links; impact follows them."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from jwlink.core.linker.headers import reference_name
from jwlink.ingest import ingest
from jwlink.query import questions
from jwlink.readers.fits import read_header


@pytest.fixture
def headers(store, data):
    report = ingest(store, [data / "exposures_nopsf", data / "exposures"])
    assert report.errors == []
    return store


def _calibrated_with(data) -> dict[str, set[str]]:
    """Reference file -> the products whose headers name it (read with astropy)."""
    users: dict[str, set[str]] = defaultdict(set)
    for path in sorted((data / "exposures_nopsf").glob("*.fits")):
        header = read_header(path)
        for value in header.reference_files.values():
            if (name := reference_name(value)) is not None:
                users[name].add(header.filename)
    return users


def test_every_reference_file_is_a_contributing_link(headers, data):
    users = _calibrated_with(data)
    assert len(users) > 5
    for reference, products in users.items():
        rows = headers.execute(
            "SELECT target, role FROM links WHERE source = ? AND kind = 'contributing'",
            (reference,),
        )
        assert {r[0] for r in rows} == products
        assert all(r[1].startswith("reference:") for r in rows)
        kind = headers.execute("SELECT product_type FROM products WHERE name = ?", (reference,))
        assert kind == [("REFERENCE",)]


def test_impact_of_a_reference_file_reaches_every_product_calibrated_with_it(headers, data):
    for reference, products in _calibrated_with(data).items():
        affected = {p["name"] for p in questions.impact(headers, reference).products}
        assert products <= affected, reference


def test_impact_is_transitive_through_level3(headers, data, tmp_path):
    users = _calibrated_with(data)
    reference, calibrated = max(users.items(), key=lambda kv: len(kv[1]))
    members = sorted(calibrated)[:4]
    asn = {
        "asn_type": "image3",
        "asn_id": "a3001",
        "program": "90001",
        "products": [
            {
                "name": "jw90001-a3001_t001_niriss_clear-f150w",
                "members": [{"expname": m, "exptype": "science"} for m in members],
            }
        ],
    }
    path = tmp_path / "jw90001-a3001_image3_00001_asn.json"
    path.write_text(json.dumps(asn))
    assert ingest(headers, [path]).errors == []
    result = questions.impact(headers, reference)
    groups = result.grouped()
    assert (
        "jw90001-a3001_t001_niriss_clear-f150w_i2d.fits"
        in groups["jw90001-a3001_t001_niriss_clear-f150w"]["3"]
    )
    level2 = {n for obs in groups.values() for n in obs.get("2", [])}
    assert calibrated <= level2


def test_header_metadata_reaches_the_observation(headers):
    obs = questions.product_list(headers, "jw01075001001_03105_00009_nrca2").rows
    assert {r["productFilename"] for r in obs} >= {"jw01075001001_03105_00009_nrca2_uncal.fits"}
    row = headers.execute(
        "SELECT program, instrument_name, exp_type, detector FROM observations WHERE obs_id = ?",
        ("jw01075001001_03105_00009_nrca2",),
    )
    assert row == [("01075", "NIRCAM/CORON", "NRC_CORON", "NRCA2")]


def test_renamed_file_is_the_product_its_filename_keyword_names(headers, data):
    row = headers.execute(
        "SELECT location FROM products WHERE name = ?", ("jw90001001001_02101_00001_nis_cal.fits",)
    )
    assert row[0][0].endswith("exposures_nopsf/exp_0.fits")

"""products, lineage (JSON and PROV-JSON), mrp, impact on the command line; the Python API."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jwlink import Catalog
from jwlink.cli import main
from jwlink.query.productlist import PRODUCT_COLUMNS

L3 = "jw87800-o017_t002_niriss_f200w-gr150r"
MEMBER_CAL = "jw87800017001_02102_00003_nis_cal.fits"


@pytest.fixture
def db(db_url, data):
    inputs = [
        data / "generated_asn/from_jw87800_pool",
        data / "pools/jw87800_20180412T163456_pool.csv",
    ]
    result = CliRunner().invoke(main, ["ingest", *map(str, inputs), "--db", db_url])
    assert result.exit_code == 0, result.output
    return db_url


def _json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_products_json_has_mast_columns_and_members(db):
    doc = _json("products", L3, "--db", db)
    assert doc["obs_id"] == L3
    rows = doc["products"]
    assert list(rows[0]) == list(PRODUCT_COLUMNS)
    members = [r for r in rows if r["kind"] == "composition"]
    assert {r["productFilename"] for r in members} >= {MEMBER_CAL}
    assert all(r["parent_obsid"] == doc["obsid"] for r in rows)
    assert all(r["dataURI"] == f"mast:JWST/product/{r['productFilename']}" for r in rows)


def test_products_filters_and_paging(db):
    mrp = _json("products", L3, "--mrp", "--db", db)["products"]
    assert {r["productFilename"] for r in mrp} == {f"{L3}_x1d.fits", f"{L3}_c1d.fits"}
    cal = _json("products", L3, "--suffix", "cal", "--level", "2b", "--db", db)
    assert cal["total"] == 8 and all(r["suffix"] == "cal" for r in cal["products"])
    page1 = _json("products", L3, "--page-size", "5", "--db", db)
    page2 = _json("products", L3, "--page-size", "5", "--page", "2", "--db", db)
    assert page1["total"] == page2["total"] > 10
    assert len(page1["products"]) == 5
    assert not {r["productFilename"] for r in page1["products"]} & {
        r["productFilename"] for r in page2["products"]
    }
    json_only = _json("products", L3, "--extension", "json", "--db", db)["products"]
    assert json_only and all(r["productFilename"].endswith(".json") for r in json_only)
    assert _json("products", L3, "--kind", "prerequisite", "--db", db)["products"] == []


def test_lineage_json_shape(db):
    doc = _json("lineage", L3, "--up", "--db", db)
    assert doc["root"] == L3
    assert set(doc["nodes"][0]) == {
        "name",
        "obs_id",
        "calib_level",
        "product_type",
        "suffix",
        "present",
    }
    assert set(doc["edges"][0]) == {"source", "target", "kind", "role", "evidence"}
    assert "jw87800017001_02102_00003_nis" in doc["observations"]
    down = _json("lineage", MEMBER_CAL, "--down", "--kind", "composition", "--db", db)
    assert {e["kind"] for e in down["edges"]} == {"composition"}
    assert f"{L3}_x1d.fits" in {n["name"] for n in down["nodes"]}


def test_lineage_prov_json_reads_with_prov(db):
    prov_model = pytest.importorskip("prov.model")
    result = CliRunner().invoke(main, ["lineage", L3, "--format", "prov-json", "--db", db])
    doc = json.loads(result.output)
    document = prov_model.ProvDocument.deserialize(content=json.dumps(doc), format="json")
    records = list(document.get_records())
    kinds = {type(r).__name__ for r in records}
    assert {"ProvEntity", "ProvActivity", "ProvUsage", "ProvGeneration", "ProvDerivation"} <= kinds
    derived = [r for r in records if type(r).__name__ == "ProvDerivation"]
    pairs = {(str(d.args[0]), str(d.args[1])) for d in derived}
    assert (f"jw:{L3}_x1d.fits", f"jw:{MEMBER_CAL}") in pairs


def test_mrp_explain(db):
    doc = _json("mrp", L3, "--db", db)
    assert sorted(doc["products"]) == [f"{L3}_c1d.fits", f"{L3}_x1d.fits"]
    rules = {e["name"]: e["rule"] for e in doc["explain"]}
    assert rules[MEMBER_CAL] == "l2-hidden-by-l3"
    assert rules[f"{L3}_x1d.fits"] == "spec3-combined"
    text = CliRunner().invoke(main, ["mrp", L3, "--explain", "--db", db]).output
    assert "spec3-combined" in text and "l2-hidden-by-l3" in text


def test_impact_of_a_member(db):
    doc = _json("impact", "jw87800017001_02102_00003_nis_rate.fits", "--db", db)
    groups = doc["observations"]
    assert MEMBER_CAL in groups["jw87800017001_02102_00003_nis"]["2"]
    assert f"{L3}_x1d.fits" in groups[L3]["3"]


def test_unknown_kind_and_name_are_clear_errors(db):
    result = CliRunner().invoke(main, ["lineage", "nope.fits", "--db", db])
    assert result.exit_code == 1 and "No product or observation named 'nope.fits'" in result.output
    result = CliRunner().invoke(main, ["products", L3, "--kind", "friends", "--db", db])
    assert result.exit_code == 2 and "friends" in result.output


def test_python_api_tables(db):
    with Catalog(db) as cat:
        table = cat.products(L3).to_table()
        assert table.colnames[:3] == ["obsID", "obs_collection", "dataproduct_type"]
        mrp = table[table["productGroupDescription"] == "Minimum Recommended Products"]
        assert sorted(mrp["productFilename"]) == [f"{L3}_c1d.fits", f"{L3}_x1d.fits"]
        assert table["size"].dtype.kind == "i"
        nodes = cat.lineage(L3).to_table()
        assert MEMBER_CAL in list(nodes["name"])


def test_program_product_list(db):
    doc = _json("products", "--program", "87800", "--db", db)
    names = [r["productFilename"] for r in doc["products"]]
    assert len(names) == len(set(names)) == doc["total"]
    mrp = {r["productFilename"] for r in doc["products"] if r["productGroupDescription"]}
    # The spectra's members are hidden by their Level 3 product; the image3 is MRP.
    assert f"{L3}_x1d.fits" in mrp and MEMBER_CAL not in mrp
    assert "jw87800-o017_t002_niriss_clear-f200w_i2d.fits" in mrp
    page = _json("products", "--program", "87800", "--page-size", "7", "--page", "2", "--db", db)
    assert [r["productFilename"] for r in page["products"]] == names[7:14]
    result = CliRunner().invoke(main, ["products", L3, "--program", "1", "--db", db])
    assert result.exit_code == 2

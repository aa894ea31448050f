"""Real association files and a MAST listing ingested into a catalog, on SQLite and PostgreSQL.

The association examples of the jwst documentation (tests/real/jwst-docs) are
ingested as the files they are; what the documentation says about their
members, roles and outputs is checked against the catalog. A MAST listing
printed in astroquery's documentation, which has no obsID or obs_id column,
must still give one observation per exposure, every row with a calib_level.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from astropy.io import fits
from real.corpus import REAL, calib_level, exposure_key, level_of, provenance, rows

from jwlink import Catalog
from jwlink.ingest import ingest
from jwlink.store import open_store

ASNS = rows("jwst-docs", "asn")
LISTED = rows("astroquery", "name")
NO_OBSID_TABLE = REAL / "astroquery" / "nirspec_filtered_no_obsid.csv"


def _ingest(db_url: str, paths: list[Path]) -> Catalog:
    store = open_store(db_url)
    report = ingest(store, paths)
    catalog = Catalog(store=store)
    # Every file must be read: a refusal is what the test is about, so it fails here.
    assert report.errors == [], report.errors
    return catalog


def _is_exposure_name(name: str) -> bool:
    try:
        exposure_key(name)
    except ValueError:
        return False  # the dummy members jw_00001_cal.fits of the mega_pool example
    return True


def _observation(catalog: Catalog, product_name: str) -> dict[str, Any]:
    what, key = catalog.resolve(product_name)
    assert what == "observation", f"{product_name} should name an observation"
    return catalog.observation(key)


@pytest.fixture
def catalog(db_url: str) -> Any:
    cat = _ingest(db_url, [REAL / "jwst-docs" / a["file"] for a in ASNS])
    yield cat
    cat.close()


@pytest.mark.parametrize("asn", ASNS, ids=lambda a: a["file"])
def test_documented_association_products(catalog: Catalog, asn: dict[str, Any]) -> None:
    """Each product names an observation at the level of the association's stage.

    Stage 2 products are exposures (level2_asn_technical.rst: "For Stage 2, each
    product is an exposure"); Stage 3 products are source-based combined data.
    The earlier-build name jw00626-c1003_t001_nrs (master_background docs) too.
    """
    says = asn["says"]
    base = "Src" if says["stage"] == 3 else "Exp"
    expected = calib_level(level_of(says["stage"], base))
    for product in says["products"]:
        obs = _observation(catalog, product["name"])
        assert obs["calib_level"] == expected
        listing = catalog.products(obs["obs_id"])
        assert listing.rows, f"{product['name']} lists no products"
        # MAST gives every product-list row a calib_level; association files'
        # own rows are checked on their own below.
        files = {a["file"] for a in ASNS}
        lacking = [r["productFilename"] for r in listing.rows
                   if r["calib_level"] is None and r["productFilename"] not in files]  # fmt: skip
        assert lacking == []


@pytest.mark.parametrize("asn", ASNS, ids=lambda a: a["file"])
def test_association_file_row_has_calib_level(catalog: Catalog, asn: dict[str, Any]) -> None:
    """The association file is listed with its products, and with a calib_level.

    Its file name here is not a DMS association name (the documentation shows
    the content only), so the level must come from what the file says: its
    asn_type is a Stage 2 or Stage 3 type (jwst_conventions.rst, "Association Types").
    """
    says = asn["says"]
    obs = _observation(catalog, says["products"][0]["name"])
    rows_ = {r["productFilename"]: r for r in catalog.products(obs["obs_id"]).rows}
    assert asn["file"] in rows_, "the association file is not in its product's list"
    base = "Src" if says["stage"] == 3 else "Exp"
    assert rows_[asn["file"]]["calib_level"] == calib_level(level_of(says["stage"], base))


@pytest.mark.parametrize("asn", ASNS, ids=lambda a: a["file"])
def test_documented_members_and_roles(catalog: Catalog, asn: dict[str, Any]) -> None:
    """Every member is linked with the exptype the association gives it.

    At Stage 3 each member exposure is a member observation of the product, once
    per exptype; at Stage 2 the member feeds the product's observation.
    """
    says = asn["says"]
    for product in says["products"]:
        obs = _observation(catalog, product["name"])
        members = {(m["obs_id"], m["exptype"]) for m in obs["members"]}
        for member in product["members"]:
            expname, exptype = member["expname"], member["exptype"]
            links = catalog.links(expname)["out"]
            assert any(asn["file"] in link["evidence"] for link in links), expname
            if says["stage"] != 3:
                targets = {link["target"] for link in links}
                assert targets & set(obs["products"]), expname
                continue
            member_obs = catalog.product(expname)["obs_id"]
            if _is_exposure_name(expname):
                # stages.rst: exposure-based files hold one exposure on one detector.
                assert member_obs == exposure_key(expname)
            assert (member_obs, exptype) in members, (expname, exptype)


@pytest.mark.parametrize("asn", [a for a in ASNS if "two_roles" in a["says"]],
                         ids=lambda a: a["file"])  # fmt: skip
def test_one_exposure_with_two_roles(catalog: Catalog, asn: dict[str, Any]) -> None:
    """master_background: "the same two exposures are ... both science and background"."""
    says = asn["says"]
    obs = _observation(catalog, says["products"][0]["name"])
    roles = defaultdict(set)
    for member in obs["members"]:
        roles[member["obs_id"]].add(member["exptype"])
    for exposure in says["two_roles"]:
        assert roles[exposure] == {"science", "background"}, exposure


def _output_names(asn: dict[str, Any], output: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The file names the documentation says an output takes, with the exposure each is of.

    Source-based outputs use "the product name specified in the ASN file";
    exposure-based ones "use the input exposure-based file name, with the
    association candidate ID included and the product type changed".
    """
    says = asn["says"]
    product = says["products"][0]
    if output["per"] == "product":
        return [(f"{product['name']}_{output['suffix']}.fits", None)]
    names = []
    for member in product["members"]:
        if output["per"] in ("science", "psf") and member["exptype"] != output["per"]:
            continue
        root = member["expname"].rsplit("_", 1)[0]
        names.append((f"{root}_{says['asn_id']}_{output['suffix']}.fits",
                      exposure_key(member["expname"])))  # fmt: skip
    return names


OUTPUTS = [(a, o) for a in ASNS for o in a["says"].get("outputs", [])]
OUTPUT_IDS = [f"{a['file']}-{o['suffix']}-{o['per']}" for a, o in OUTPUTS]


@pytest.mark.parametrize(("asn", "output"), OUTPUTS, ids=OUTPUT_IDS)
def test_documented_outputs(catalog: Catalog, asn: dict[str, Any], output: dict[str, Any]) -> None:
    """The products each association makes, as its documentation says.

    calwebb_ami3.rst and calwebb_coron3.rst name their outputs; the IFU spec3
    examples of the master_background docs (asn_rule candidate_Asn_IFU) make the
    source-based s3d cube of product_types.rst.
    """
    level = calib_level(level_of(asn["says"]["stage"], output["base"]))
    product_obs = _observation(catalog, asn["says"]["products"][0]["name"])["obs_id"]
    for name, exposure in _output_names(asn, output):
        row = catalog.product(name)  # NotFound if the catalog does not expect it
        assert row["calib_level"] == level, name
        assert row["obs_id"] == (exposure or product_obs), name


# ------------------------------------------------------------ MAST listing


def test_listing_without_obsid_gives_one_observation_per_exposure(db_url: str) -> None:
    """A MAST JWST listing with no obsID/obs_id column (astroquery docs, derived CSV).

    Files of one exposure on one detector share an observation; files of
    different exposures do not; every product-list row has the calib_level of
    the productLevel MAST gave the file (stages.rst: 2a and 2b are calib_level 2).
    """
    catalog = _ingest(db_url, [NO_OBSID_TABLE])
    try:
        by_exposure: dict[str, set[str]] = defaultdict(set)
        for row in LISTED:
            product = catalog.product(row["text"])
            by_exposure[exposure_key(row["text"])].add(product["obs_id"])
        assert all(len(ids) == 1 for ids in by_exposure.values()), by_exposure
        owners = [next(iter(ids)) for ids in by_exposure.values()]
        assert len(set(owners)) == len(owners), "two exposures share an observation"
        stated = {row["text"]: calib_level(row["says"]["productLevel"]) for row in LISTED}
        for obs_id in owners:
            for listed in catalog.products(obs_id).rows:
                name = listed["productFilename"]
                assert listed["calib_level"] is not None, name
                if name in stated:
                    assert listed["calib_level"] == stated[name], name
    finally:
        catalog.close()


# ------------------------------------------------------------- a real header


def test_real_header_ingested(db_url: str, tmp_path: Path) -> None:
    """A real FGS ACQ1 primary header, written back as a header-only FITS file.

    A derived input: the cards of tests/real/jwst-header/*.hdr, unchanged, in a
    FITS file named by its FILENAME card. The catalog must say what the cards say.
    """
    head = provenance("jwst-header")
    cards = head["says"]
    text = (REAL / "jwst-header" / head["file"]).read_text()
    header = fits.Header.fromstring(text, sep="\n")
    path = tmp_path / cards["FILENAME"]
    fits.PrimaryHDU(header=header).writeto(path)
    catalog = _ingest(db_url, [path])
    try:
        product = catalog.product(cards["FILENAME"])
        assert product["program"] == cards["PROGRAM"]
        assert product["calib_level"] == calib_level(level_of(0, "Exp"))  # an uncal file
        obs = catalog.observation(product["obs_id"])
        assert (obs["exp_type"], obs["detector"]) == (cards["EXP_TYPE"], cards["DETECTOR"])
        assert obs["visit_id"] == "jw" + cards["VISIT_ID"]
        assert obs["instrument_name"].split("/")[0] == cards["INSTRUME"]
    finally:
        catalog.close()

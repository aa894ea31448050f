"""Ingest the real pools and associations in ../shared/data and check every link."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, need_data
from member_kinds import EXPECTED_L2, EXPECTED_L3

from jwlink.ingest import ingest
from jwlink.naming import describe
from jwlink.query.catalog import Catalog
from jwlink.readers import read_association
from jwlink.store import SqlStore, open_store

BAD_EXAMPLE = "asn_level2_bad_path.json"


def _asn_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if p.name != BAD_EXAMPLE)


def _main_inputs() -> list[Path]:
    data = need_data()
    return [data / "pools", data / "generated_asn", *_asn_files(data / "asn_examples")]


def _expanded_pools() -> list[str]:
    if not DATA.is_dir():
        return []
    return sorted(p.name.removesuffix("_expanded.csv") for p in (DATA / "expanded/pools").iterdir())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _open(backend: str, tmp: Path, request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    if backend == "sqlite":
        store = open_store(str(tmp / "catalog.db"))
        yield store
        store.close()
        return
    from conftest import pg_schema

    with pg_schema() as url:
        store = open_store(url)
        yield store
        store.close()


@pytest.fixture(scope="module")
def main_catalog(backend, tmp_path_factory, request):
    """pools/, generated_asn/ and asn_examples/ in one catalog (names are unique there)."""
    tmp = tmp_path_factory.mktemp("main")
    for store in _open(backend, tmp, request):
        report = ingest(store, _main_inputs())
        yield store, report


def _associations(paths: list[Path]) -> list:
    return [read_association(p) for p in paths]


def _check_members_linked(store: SqlStore, asns: list) -> None:
    catalog = Catalog(store=store)
    members_of: dict[str, set[str]] = defaultdict(set)
    for asn in asns:
        level3 = (asn.association.asn_type or "image3")[-1] != "2"
        table = EXPECTED_L3 if level3 else EXPECTED_L2
        for product in asn.products:
            what, obs_id = catalog.resolve(product.name)
            if what == "product":  # legacy files name the output file itself
                obs_id = catalog.product(obs_id)["obs_id"]
            products = set(catalog.observation(obs_id)["products"])
            assert products, f"{product.name}: observation {obs_id} has no products"
            for member in product.members:
                kind, role = table[member.exptype]
                targets = {
                    r[0]
                    for r in store.execute(
                        "SELECT target FROM links WHERE source = ? AND kind = ? AND role = ?",
                        (member.expname, kind, role),
                    )
                }
                assert targets & products, (
                    f"{asn.path}: member {member.expname} ({member.exptype}) has no "
                    f"{kind}/{role} link to a product of {obs_id}"
                )
                member_obs = describe(member.expname).obs_id
                if level3 and member_obs:
                    members_of[obs_id].add(member_obs)
    for obs_id, expected in members_of.items():
        listed = {m["obs_id"] for m in catalog.observation(obs_id)["members"]}
        assert listed == expected, f"{obs_id}: members {sorted(listed ^ expected)} differ"


def test_main_catalog_ingests_every_readable_file(main_catalog):
    store, report = main_catalog
    failed = {Path(p).name: message for p, message in report.errors}
    # Only the jwst test templates fail, each with the line and column of its template cell.
    templates = {p.name for p in (DATA / "pools").glob("pool_0*.csv")} - {"pool_033_wfs_jitter.csv"}
    assert set(failed) == templates
    for message in failed.values():
        assert "template cell" in message and "line" in message
    assert report.ingested == report.files - len(templates)
    assert store.counts()["products"] > 1000


def test_every_member_linked_with_its_kind_and_role(main_catalog):
    store, _ = main_catalog
    _check_members_linked(store, _associations(_asn_files(DATA / "generated_asn")))
    _check_members_linked(store, _associations(_asn_files(DATA / "asn_examples")))


@pytest.mark.parametrize("pool", _expanded_pools())
def test_expanded_pool_with_its_associations(pool, backend, tmp_path, request):
    data = need_data()
    for store in _open(backend, tmp_path, request):
        asn_dir = data / "expanded/asn" / pool
        report = ingest(store, [data / f"expanded/pools/{pool}_expanded.csv", asn_dir])
        assert report.errors == []
        _check_members_linked(store, _associations(_asn_files(asn_dir)))
        # Every pool row is an L1b product of an exposure observation.
        uncal = store.execute("SELECT COUNT(*) FROM products WHERE suffix = 'uncal'")[0][0]
        assert uncal >= 1


def test_upstream_chain_reaches_uncal(main_catalog):
    """A Level 3 member's _cal implies its _rate and _uncal (antecedents by name)."""
    store, _ = main_catalog
    rows = store.execute(
        "SELECT source, target FROM links WHERE kind = 'antecedent' AND role = 'stage' "
        "AND target LIKE ?",
        ("jw87800017001_02102_00001_nis_%",),
    )
    assert (
        "jw87800017001_02102_00001_nis_uncal.fits",
        "jw87800017001_02102_00001_nis_rate.fits",
    ) in rows
    assert (
        "jw87800017001_02102_00001_nis_rate.fits",
        "jw87800017001_02102_00001_nis_cal.fits",
    ) in rows


def test_pool_rows_carry_exposure_metadata(main_catalog):
    store, _ = main_catalog
    obs = Catalog(store=store).observation("jw87800017001_02102_00008_nis")
    assert obs["program"] == "87800"
    assert obs["instrument_name"] == "NIRISS/WFSS"
    assert obs["exp_type"] == "NIS_WFSS"
    assert obs["filters"] == "GR150R;F200W"
    assert obs["target_name"] == "HD-99999-B"
    assert obs["calib_level"] == 2


def test_association_product_names_resolve(main_catalog):
    store, _ = main_catalog
    catalog = Catalog(store=store)
    assert catalog.resolve("jw87800-o017_t002_niriss_f200w-gr150r") == (
        "observation",
        "jw87800-o017_t002_niriss_f200w-gr150r",
    )
    # Level 2 product names are exposure observations.
    assert catalog.resolve("jw87800017001_02102_00001_nis")[0] == "observation"
    # Placeholder names resolve to the observation they define.
    what, obs_id = catalog.resolve("jw99009-o021_{source_id}_nirspec_f100lp-g140h")
    assert what == "observation" and "{source_id}" in obs_id
    wfs = "jw00747-o018_t002_nircam_f405n-f444w-nrcalong_{suffix}-02"
    assert catalog.resolve(wfs) == ("observation", "jw00747-o018_t002_nircam_f405n-f444w-nrcalong")

"""The store: migrations, atomic batches, idempotent ingest, both backends."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import DATA, dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwlink.core.linker.products import product_for
from jwlink.core.model import Batch, Kind, Link, Observation
from jwlink.errors import CatalogReadOnly, StoreError
from jwlink.ingest import ingest
from jwlink.store import open_store


def test_migrations_apply_once(store):
    assert store.migrate() == []
    names = [r[0] for r in store.execute("SELECT name FROM jwlink_migrations")]
    assert names == [
        "0001_initial",
        "0002_guide_star_queue",
        "0003_program_rights",
        "0004_observation_rights",
        "0005_reference_roles_by_reftype",
        "0006_crds_headers",
        "0007_time_windows",
        "0008_program_observations",
        "0009_listings",
        "0010_input_stat",
        "0011_listing_mrp",
        "0012_program_counts",
    ]


_LINK = "INSERT INTO links (source, target, kind, role, evidence) VALUES (?, ?, ?, ?, ?)"


def test_old_keyword_stem_roles_become_reftypes(db_url):
    """A catalog made when roles were R_* stems reads as one made today."""
    from jwlink.store.base import MIGRATIONS

    (roles_migration,) = [n for n, _ in MIGRATIONS if n == "0005_reference_roles_by_reftype"]
    store = open_store(db_url)
    cal, dark, bias = ("jw01234001001_02101_00001_nrca1_cal.fits",
                       "jwst_nircam_dark_0012.fits", "jwst_nircam_superbias_0002.fits")  # fmt: skip
    try:
        with store.transaction():
            store.execute("DELETE FROM jwlink_migrations WHERE name = ?", (roles_migration,))
            for source, role in ((dark, "reference:dark"), (bias, "reference:superb"),
                                 (bias, "reference:superbias")):  # fmt: skip
                store.execute(_LINK, (source, cal, "contributing", role, "old ingest"))
            distortion = "jwst_nircam_distortion_0001.asdf"
            store.execute(_LINK, (distortion, cal, "contributing", "reference:distor", "old"))
        assert store.migrate() == [roles_migration]
        roles = store.execute(
            "SELECT source, role FROM links WHERE target = ? ORDER BY source", (cal,)
        )
    finally:
        store.close()
    assert roles == [(dark, "reference:dark"), ("jwst_nircam_distortion_0001.asdf",
                     "reference:distortion"), (bias, "reference:superbias")]  # fmt: skip


def test_failed_batch_leaves_nothing(store):
    good = product_for("jw01234001001_02101_00001_nrca1_cal.fits")
    batch = Batch(
        source="test",
        products=[good],
        observations=[Observation(obs_id="jw01234001001_02101_00001_nrca1", calib_level=2)],
        # A link with no source violates NOT NULL after the products are written.
        links=[Link(None, good.name, Kind.ANTECEDENT, "stage", "test")],  # type: ignore[arg-type]
    )
    with pytest.raises(StoreError):
        store.write(batch)
    assert store.counts()["products"] == 0
    assert store.counts()["observations"] == 0


def test_merge_keeps_known_values(store):
    name = "jw01234001001_02101_00001_nrca1_cal.fits"
    store.write(Batch("a", products=[product_for(name, size=10, sha256="ab" * 32)]))
    store.write(Batch("b", products=[product_for(name)]))
    assert store.execute("SELECT size, sha256 FROM products WHERE name = ?", (name,)) == [
        (10, "ab" * 32)
    ]


def test_reingest_same_folder_changes_nothing(store, data):
    inputs = [
        data / "generated_asn" / "from_jw87800_pool",
        data / "pools/jw87800_20180412T163456_pool.csv",
    ]
    first = ingest(store, inputs)
    before = dump(store)
    second = ingest(store, inputs)
    assert second.unchanged == first.ingested and second.ingested == 0
    forced = ingest(store, inputs, force=True)
    assert forced.ingested == first.ingested
    assert dump(store) == before


def test_read_only_sqlite_catalog(tmp_path, data):
    path = tmp_path / "ro.db"
    open_store(str(path)).close()
    ro = open_store(str(path), readonly=True)
    with pytest.raises(CatalogReadOnly, match="cannot be written"):
        ro.write(Batch("x", products=[product_for("jw_00001_uncal.fits")]))
    ro.close()


def _inputs() -> list[Path]:
    if not DATA.is_dir():
        return []
    files = sorted((DATA / "generated_asn").rglob("*.json"))
    files += [
        DATA / "pools/jw87800_20180412T163456_pool.csv",
        DATA / "pools/jw09505_20251216t202003_pool.csv",
    ]
    return files


@pytest.mark.skipif(not DATA.is_dir(), reason="real JWST data (../shared/data) not found")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_inputs() or [Path("none")]), min_size=1, max_size=8, unique=True),
    st.randoms(),
)
def test_ingesting_twice_equals_ingesting_once(files, rnd):
    with tempfile.TemporaryDirectory() as tmp:
        once = open_store(str(Path(tmp) / "once.db"))
        twice = open_store(str(Path(tmp) / "twice.db"))
        ingest(once, files)
        ingest(twice, files)
        shuffled = list(files)
        rnd.shuffle(shuffled)
        ingest(twice, shuffled, force=True)
        assert dump(once) == dump(twice)
        once.close()
        twice.close()

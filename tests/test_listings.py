# ruff: noqa: F811 - the archive_files fixture is imported, then requested by name
"""Product lists kept at ingest (``listings``) answer exactly as lists computed live.

The live statement (`jwlink.store.listings.paths_sql`) is the definition; the
stored list is its cache. For every observation of real catalogs (the jwst
association pools, generated and example associations of ../shared/data;
the jwst documentation's association files) and of the synthetic archive
ingested in different orders and in parts, the stored rows equal the live
rows, column for column, in order, filtered, paged and for many observations
at once (MAST's ``Mast.Caom.Products``). A queued list is read live; a
catalog made before listings existed reads live until its next ingest.
"""

from __future__ import annotations

import random
import sqlite3
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import need_data, pg_schema
from fault_archive import archive_files, program_folders  # noqa: F401 - a fixture
from real.corpus import REAL

from jwlink.core.linker.products import product_for
from jwlink.core.model import (
    Batch,
    Kind,
    Link,
    Member,
    Observation,
    Product,
    ProductType,
    TimeWindow,
    WindowRole,
)
from jwlink.ingest import ingest
from jwlink.query import manylists
from jwlink.query.productlist import list_rule_case, product_list_sql
from jwlink.query.questions import listing_is_stored, product_list
from jwlink.store import SqlStore, open_store

FILTERS = (
    ("1 = 1", []),
    ("rule IS NOT NULL", []),
    ("suffix = ? AND kind IS NOT NULL", ["cal"]),
    ("calib_level >= ?", [2]),
)


def _observations(store: SqlStore) -> list[str]:
    return [r[0] for r in store.execute("SELECT obs_id FROM observations ORDER BY obs_id")]


def _one(store: SqlStore, obs_id: str, stored: bool, where: str, params: list[Any]) -> list[Any]:
    rule_case, rule_params = list_rule_case(store, obs_id)
    sql = product_list_sql(False, rule_case, where, store.collate, True, stored)
    return store.execute(sql, [obs_id, *rule_params, *params, 1_000_000, 0])


def assert_stored_equals_live(store: SqlStore) -> int:
    """Compare every observation's stored list with its live one; return the rows compared."""
    assert not store.execute("SELECT obs_id FROM listing_queue"), "lists left queued"
    compared = 0
    observations = _observations(store)
    assert observations
    for obs_id in observations:
        for where, params in FILTERS:
            live = _one(store, obs_id, False, where, params)
            assert _one(store, obs_id, True, where, params) == live, (obs_id, where)
            compared += len(live)
    # Many observations at once, as astroquery asks: every one, in a shuffled
    # order, one of them twice; pages cut inside lists, and past the end.
    rows = store.execute("SELECT obs_id, obsid FROM observations")
    asked = random.Random(5).sample(rows, len(rows))
    asked.append(asked[len(asked) // 2])
    pages = [(1, 1_000_000), (1, 37), (3, 37), (2, 1000), (10_000, 1000)]
    for page, size in pages:
        stored = manylists.product_lists(store, asked, page, size)
        # One queued list makes the whole request computed by the database.
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (asked[0][0],))
        computed = manylists.product_lists(store, asked, page, size)
        store.execute("DELETE FROM listing_queue")
        assert (stored.rows, stored.total) == (computed.rows, computed.total), (page, size)
        compared += len(stored.rows)
    assert compared > 0
    return compared


@pytest.mark.parametrize("part", ["pools", "docs"])
def test_real_catalogs_stored_lists_equal_live(db_url: str, part: str) -> None:
    if part == "pools":
        data = need_data()
        inputs = [data / "pools", data / "generated_asn", data / "asn_examples"]
    else:
        inputs = [REAL / "jwst-docs"]
    store = open_store(db_url)
    try:
        ingest(store, inputs)
        assert assert_stored_equals_live(store) > 0
    finally:
        store.close()


def _files(folders: list[Path]) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


def _catalog(backend: str, path: Path) -> AbstractContextManager[str]:
    return pg_schema() if backend == "postgresql" else nullcontext(str(path))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_synthetic_archive_in_any_order_and_in_parts(
    backend: str, archive_files: Path, tmp_path: Path
) -> None:
    """One program after another, or files shuffled in parts: one listing, equal to live."""
    folders = program_folders(archive_files, 300)
    files = _files(folders)
    listings = []
    for trial in range(2):
        with _catalog(backend, tmp_path / f"t{trial}.db") as url:
            store = open_store(url)
            try:
                if trial == 0:
                    for folder in folders:  # each ingest refreshes what it queued
                        ingest(store, [folder])
                else:
                    shuffled = random.Random(7).sample(files, len(files))
                    for start in range(0, len(shuffled), 23):
                        ingest(store, shuffled[start : start + 23])
                assert_stored_equals_live(store)
                listings.append(store.execute("SELECT * FROM listings ORDER BY obs_id, position"))
            finally:
                store.close()
    assert listings[0] == listings[1]
    assert listings[0]


def test_queued_list_is_read_live(tmp_path: Path, archive_files: Path) -> None:
    folders = program_folders(archive_files, 100)
    store = open_store(str(tmp_path / "c.db"))
    try:
        ingest(store, folders)
        mosaic = store.execute(
            "SELECT obs_id FROM members GROUP BY obs_id ORDER BY COUNT(*) DESC LIMIT 1"
        )[0][0]
        before = product_list(store, mosaic).as_dict()
        assert listing_is_stored(store, mosaic)
        # A stale stored list (here: emptied by hand) is never read once queued.
        store.execute("DELETE FROM listings WHERE obs_id = ?", (mosaic,))
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (mosaic,))
        assert not listing_is_stored(store, mosaic)
        read: list[str] = []
        store.tracer = lambda sql, params: read.append(sql)
        assert product_list(store, mosaic).as_dict() == before
        store.tracer = None
        assert not any("FROM listings" in sql for sql in read)
        assert store.refresh_listings() == 1
        assert listing_is_stored(store, mosaic)
        assert product_list(store, mosaic).as_dict() == before
    finally:
        store.close()


def test_catalog_made_before_listings_migrates_and_reads_live(
    tmp_path: Path, archive_files: Path
) -> None:
    """A catalog of the previous schema (no listings) answers at once, then is kept."""
    folders = program_folders(archive_files, 100)
    path = tmp_path / "old.db"
    store = open_store(str(path))
    ingest(store, folders)
    obs = _observations(store)
    lists = {o: product_list(store, o).as_dict() for o in obs}
    store.close()
    # Back to what the release before wrote: no listing tables, no migration rows.
    with sqlite3.connect(path) as raw:
        raw.executescript(
            "DROP TABLE listings; DROP TABLE listing_queue; DROP TABLE listing_policy; "
            "DELETE FROM jwlink_migrations WHERE name IN ('0009_listings', '0011_listing_mrp');"
        )
    store = open_store(str(path))
    try:
        queued = {r[0] for r in store.execute("SELECT obs_id FROM listing_queue")}
        assert set(obs) <= queued
        assert not store.execute("SELECT 1 FROM listings LIMIT 1")
        assert {o: product_list(store, o).as_dict() for o in obs} == lists
        report = ingest(store, folders)  # nothing new to read: the queue drains all the same
        assert report.ingested == 0
        assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1")
        assert all(listing_is_stored(store, o) for o in obs)
        assert {o: product_list(store, o).as_dict() for o in obs} == lists
    finally:
        store.close()


MOSAIC = "jw01234-o001_t001_nircam_clear-f200w"
EXPOSURE = "jw01234001001_02101_00001_nrca1"
OTHER = "jw09999001001_02101_00001_nrca1"
VISIT = "jw01234001001"
STAR = f"{VISIT}_gs-fg_2023163235500_cal.fits"


def _aux(name: str, obs_id: str | None = None) -> Product:
    """A product with no level of its own: its list level is its observation's."""
    return Product(name, obs_id, None, ProductType.AUXILIARY, "aux", "fits")


def _queued(store: SqlStore) -> set[str]:
    return {r[0] for r in store.execute("SELECT obs_id FROM listing_queue")}


def test_every_change_requeues_the_lists_it_reaches(store: SqlStore) -> None:
    """Each kind of row a file writes queues the mosaic whose list it changes, and only then.

    One file at a time, as ingest writes them; after each, the mosaic's list
    must be queued, and once refreshed, equal the live list (which changed).
    """
    i2d = f"{MOSAIC}_i2d.fits"
    cal = f"{EXPOSURE}_cal.fits"
    store.write(
        Batch(
            "asn",
            products=[product_for(i2d)],
            observations=[Observation(MOSAIC, 3, is_association=True)],
            members=[Member(MOSAIC, EXPOSURE, "science", "asn")],
        )
    )
    store.write(Batch("aux", products=[_aux("aux.fits")]))  # nobody's: in no list
    store.refresh_listings()
    steps = [
        # A member's product: reaches the mosaic through members only.
        Batch("member", products=[product_for(cal)]),
        # A link into a listed product from a known file: the target's owner.
        Batch("link", links=[Link("aux.fits", i2d, Kind.LINKED, "aux", "link")]),
        # A link from a file not yet in the catalog (the list cannot hold it
        # yet: queued all the same) ...
        Batch("early", links=[Link("late.fits", cal, Kind.LINKED, "aux", "early")]),
        # ... then that file: reaches the mosaic through the link and members.
        Batch("late", products=[_aux("late.fits")]),
        # A file of another observation linked in, its level unknown (listed last) ...
        Batch(
            "other",
            products=[_aux("other.fits", OTHER)],
            links=[Link("other.fits", i2d, Kind.LINKED, "aux", "other")],
        ),
        # ... then that observation, at Level 3: the file moves up the mosaic's list.
        Batch("level", observations=[Observation(OTHER, 3)]),
        # A guide-star file of the member's visit: linked (and queued) by the
        # linking at the end of an ingest, not by its own rows.
        Batch("guide-star", products=[product_for(STAR)]),
        # A guider window over the member's exposure window: linked by time.
        Batch(
            "guider",
            products=[_aux("guider.fits")],
            windows=[
                TimeWindow(cal, WindowRole.SCIENCE, 60000.0, 60000.1, VISIT),
                TimeWindow("guider.fits", WindowRole.GUIDER, 59999.9, 60000.2, VISIT),
            ],
        ),
    ]
    for batch in steps:
        before = _one(store, MOSAIC, False, "1 = 1", [])
        store.write(batch)
        store.link_guide_stars()
        store.link_windows()
        assert MOSAIC in _queued(store), f"{batch.source} did not queue the mosaic"
        changed = _one(store, MOSAIC, False, "1 = 1", []) != before
        assert changed == (batch.source != "early"), batch.source
        store.refresh_listings()
        assert not _queued(store)
        assert_stored_equals_live(store)
    # Level 3 by name (aux.fits takes the level of the mosaic it is listed
    # through, other.fits its observation's), the member's cal (2), then
    # late.fits, listed through an exposure the catalog has no level for.
    names = [r[0] for r in _one(store, MOSAIC, True, "1 = 1", [])]
    assert names == ["aux.fits", i2d, "other.fits", cal, STAR, "guider.fits", "late.fits"]


def test_a_hub_queues_only_the_lists_it_is_brought_into(store: SqlStore) -> None:
    """A file linked to many products queues their lists only when it changes and they bring it.

    A reference file calibrates every exposure (``contributing``: no list
    brings it); a shared file is linked into every exposure's product
    (``linked``: every list brings it). Writing the reference file again, or
    a new link to the shared file, changes none of those lists and must
    queue none (before, each such file queued every exposure's list).
    Writing the shared file again changes every one of them and queues them.
    """
    exposures = [f"jw01234001001_02101_0000{i}_nrca1" for i in range(1, 6)]
    cals = [f"{e}_cal.fits" for e in exposures]
    reference, shared = _aux("reference.fits"), _aux("shared.fits")
    store.write(
        Batch(
            "exposures",
            products=[product_for(c) for c in cals] + [reference, shared],
            observations=[Observation(e, 2) for e in exposures],
            links=[Link("reference.fits", c, Kind.CONTRIBUTING, "dark", "crds") for c in cals]
            + [Link("shared.fits", c, Kind.LINKED, "aux", "shared") for c in cals],
        )
    )
    store.refresh_listings()
    assert_stored_equals_live(store)
    for obs_id in exposures:
        names = [r[0] for r in _one(store, obs_id, True, "1 = 1", [])]
        assert "shared.fits" in names and "reference.fits" not in names
    store.write(Batch("reference", products=[replace(reference, size=2880)]))
    assert not _queued(store), "a file no list brings queued lists"
    store.write(Batch("note", links=[Link("note.fits", "shared.fits", Kind.LINKED, "aux", "n")]))
    assert not _queued(store), "a link into a file nobody owns queued the lists it is in"
    store.write(Batch("shared", products=[replace(shared, size=5760)]))
    assert _queued(store) == set(exposures)
    store.refresh_listings()
    assert_stored_equals_live(store)

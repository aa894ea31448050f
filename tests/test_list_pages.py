# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Paged product lists are slices of the whole list, whatever the page.

Program lists cut a page in the database from the observations it overlaps
only, and decide the MRP flags of its rows alone (`jwlink.query.programpage`);
the whole list decides every row of each observation. These tests hold each
page to the rows of the list read whole, on both backends, for a synthetic
archive, the real programs 87800 and 9505 and the jwst association pools.
"""

from __future__ import annotations

import pytest
from api_archive import Archive, archive  # noqa: F401 - a fixture
from conftest import need_data

from jwlink.core.model import Batch, Level, Product, ProductType
from jwlink.ingest import ingest
from jwlink.query import questions
from jwlink.store import SqlStore, open_store
from jwlink.synth import generate_catalog


@pytest.fixture
def synthetic(store: SqlStore) -> SqlStore:
    generate_catalog(store, seed=3, products=1500)
    return store


def _programs(store: SqlStore) -> list[str]:
    rows = store.execute(
        "SELECT program FROM products WHERE program IS NOT NULL GROUP BY program "
        "ORDER BY COUNT(*) DESC"
    )
    return [str(r[0]) for r in rows]


def test_program_pages_are_slices_of_the_whole_list(synthetic: SqlStore) -> None:
    programs = _programs(synthetic)
    assert programs, "the synthetic synthetic has programs"
    for program, page_size in [(p, s) for p in programs[:3] for s in (1, 7, 100, 1000)]:
        whole = questions.program_product_list(synthetic, program)
        assert whole.total == len(whole.rows) > 0
        pages = -(-whole.total // page_size) + 1  # one page past the end too
        for page in range(1, min(pages, 12) + 1):
            got = questions.program_product_list(synthetic, program, page=page, page_size=page_size)
            start = (page - 1) * page_size
            assert got.total == whole.total
            assert got.rows == whole.rows[start : start + page_size], (program, page)


_LIVE_COUNTS = (
    "SELECT obs_id, program, COUNT(*) FROM products WHERE obs_id IS NOT NULL "
    "AND program IS NOT NULL GROUP BY obs_id, program"
)


def assert_counts_are_live(store: SqlStore) -> int:
    """The kept products per observation and program (migration 0012) are the products'."""
    assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1"), "lists left queued"
    kept = store.execute("SELECT obs_id, program, products FROM program_counts")
    live = store.execute(_LIVE_COUNTS)
    assert sorted(kept) == sorted(live)
    return len(kept)


def _assert_pages(store: SqlStore, sizes: tuple[int, ...]) -> tuple[int, int]:
    """Every page of every program is its slice of the whole list; return (rows, MRP rows)."""
    assert assert_counts_are_live(store) > 0
    rows = mrp = 0
    for program in _programs(store):
        whole = questions.program_product_list(store, program)
        rows += whole.total
        mrp += sum(bool(r["productGroupDescription"]) for r in whole.rows)
        for size in sizes:
            for page in range(1, -(-whole.total // size) + 2):
                got = questions.program_product_list(store, program, page=page, page_size=size)
                assert got.total == whole.total
                start = (page - 1) * size
                assert got.rows == whole.rows[start : start + size], (program, size, page)
    return rows, mrp


def test_real_program_pages_are_slices_of_the_whole_list(archive: Archive) -> None:
    """Programs 87800 and 9505: previews, guide stars, per-source files and placeholders."""
    store = open_store(archive.db_url, readonly=True)
    try:
        rows, mrp = _assert_pages(store, (1, 3, 40))
        assert 0 < mrp < rows
        per_source = store.execute("SELECT 1 FROM products WHERE obs_id LIKE '%{source_id}%'")
        assert per_source, "the real archive has per-source observations"
    finally:
        store.close()


def test_pool_program_pages_are_slices_of_the_whole_list(store: SqlStore) -> None:
    """The jwst association pools: exposures composed into Level 3 observations.

    Ingested in two runs (the pools, then the associations generated from
    them and the documentation's): the counts kept after the first are
    recounted where the second adds products.
    """
    data = need_data()
    ingest(store, [data / "pools"])
    before = assert_counts_are_live(store)
    ingest(store, [data / "generated_asn", data / "asn_examples"])
    assert assert_counts_are_live(store) > before
    rows, mrp = _assert_pages(store, (7, 250))
    assert 0 < mrp < rows


def _biggest_observation(store: SqlStore, program: str) -> tuple[str, int]:
    obs_id, products = store.execute(
        "SELECT obs_id, products FROM program_counts WHERE program = ? "
        "ORDER BY products DESC, obs_id LIMIT 1",
        (program,),
    )[0]
    return str(obs_id), int(products)


def test_program_pages_read_kept_counts_unless_queued(synthetic: SqlStore) -> None:
    """A page reads the kept counts; while a list of the program is queued it counts live."""
    store = synthetic
    program = _programs(store)[0]
    whole = questions.program_product_list(store, program)
    obs_id, products = _biggest_observation(store, program)
    # A count that is not the products' shows which way a page was sized.
    with store.transaction():
        store.execute(
            "UPDATE program_counts SET products = products + 3 WHERE obs_id = ?", (obs_id,)
        )
    paged = questions.program_product_list(store, program, page=1, page_size=10)
    assert paged.total == whole.total + 3, "the kept counts were not read"
    with store.transaction():
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (obs_id,))
    paged = questions.program_product_list(store, program, page=1, page_size=10)
    assert (paged.total, paged.rows) == (whole.total, whole.rows[:10])
    # A queued list of another program leaves this one's counts read.
    other = _programs(store)[1]
    other_obs, _ = _biggest_observation(store, other)
    with store.transaction():
        store.execute("DELETE FROM listing_queue")
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (other_obs,))
    assert questions.program_product_list(store, program, page_size=10).total == whole.total + 3
    # The refresh recounts what it recomputes.
    with store.transaction():
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (obs_id,))
    assert store.refresh_listings() == 2
    assert assert_counts_are_live(store) and products == _biggest_observation(store, program)[1]
    assert questions.program_product_list(store, program, page_size=10).rows == whole.rows[:10]


def test_a_product_given_another_owner_leaves_the_old_list(synthetic: SqlStore) -> None:
    """A later file naming another observation for a product: both lists and counts follow.

    The product links to nothing, so only its move says its old owner's
    list changed.
    """
    store = synthetic
    program = _programs(store)[0]
    (old,), (new,) = store.execute(
        "SELECT obs_id FROM program_counts WHERE program = ? ORDER BY obs_id LIMIT 2", (program,)
    )
    name = f"{old}_moved.fits"

    def product(owner: str) -> Product:
        return Product(name, owner, Level.L2B, ProductType.SCIENCE, "moved", "fits", program)

    rank = "SELECT rank FROM listings WHERE obs_id = ? AND name = ?"
    store.write(Batch(source="a file naming its owner", products=[product(old)]))
    store.refresh_listings()
    assert {r[0] for r in store.execute(rank, (old, name))} == {0}
    store.write(Batch(source="a later file naming another owner", products=[product(new)]))
    store.refresh_listings()
    assert assert_counts_are_live(store)
    assert not store.execute(rank, (old, name)), "still listed by the owner it left"
    assert {r[0] for r in store.execute(rank, (new, name))} == {0}
    _assert_pages(store, (25,))


def test_emptied_queue_is_vacuumed(synthetic: SqlStore) -> None:
    """A refresh that drained the queue vacuums it (PostgreSQL), so asking is a seek.

    Whether the space is returned at once depends on the oldest transaction
    of the whole server, so the test reads what was sent, not the table's size.
    """
    store = synthetic
    obs_id = store.execute("SELECT obs_id FROM program_counts ORDER BY obs_id LIMIT 1")[0][0]
    with store.transaction():
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (obs_id,))
    sent: list[str] = []
    store.tracer = lambda sql, params: sent.append(sql)
    try:
        assert store.refresh_listings() == 1
        assert store.refresh_listings() == 0  # nothing queued: nothing to vacuum
    finally:
        store.tracer = None
    vacuums = [i for i, sql in enumerate(sent) if sql.startswith("VACUUM")]
    if store.backend == "postgresql":
        drained = max(i for i, sql in enumerate(sent) if "DELETE FROM listing_queue" in sql)
        assert len(vacuums) == 1 and vacuums[0] > drained
        assert "listing_queue" in sent[vacuums[0]] and "program_counts" in sent[vacuums[0]]
    else:  # SQLite frees deleted rows' pages for reuse itself
        assert not vacuums
    assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1")


def test_catalog_of_the_schema_before_counts(db_url: str) -> None:
    """A catalog of migration 0011's schema gets its counts from its products on opening."""
    store = open_store(db_url)
    try:
        generate_catalog(store, seed=4, products=400)
        with store.transaction():
            store.execute("DROP TABLE program_counts")
            store.execute("DELETE FROM jwlink_migrations WHERE name = '0012_program_counts'")
    finally:
        store.close()
    store = open_store(db_url)
    try:
        assert assert_counts_are_live(store) > 0
        _assert_pages(store, (100,))
    finally:
        store.close()


def test_program_last_page_beyond_and_filtered(
    synthetic: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = _programs(synthetic)[0]
    whole = questions.program_product_list(synthetic, program)
    size = 50
    last = -(-whole.total // size)
    tail = questions.program_product_list(synthetic, program, page=last, page_size=size)
    assert tail.rows == whole.rows[(last - 1) * size :]
    past = questions.program_product_list(synthetic, program, page=last + 1, page_size=size)
    assert past.rows == [] and past.total == whole.total

    filters = questions.ProductFilters(mrp_only=True)
    kept = questions.program_product_list(synthetic, program, filters=filters)
    got = questions.program_product_list(synthetic, program, filters=filters, page=2, page_size=5)
    assert got.total == kept.total == len(kept.rows)
    assert got.rows == kept.rows[5:10]
    # A page over more observations than one IN list holds: all are read.
    monkeypatch.setattr(questions, "_MAX_PICKED", 0)
    wide = questions.program_product_list(synthetic, program, page=2, page_size=size)
    assert wide.total == whole.total and wide.rows == whole.rows[size : 2 * size]


def test_an_observation_list_without_page_size_ignores_the_page(synthetic: SqlStore) -> None:
    # page_size None is the whole list, whatever the page; an empty answer
    # (a filter nothing passes) must count without a probe for a page.
    obs_id = synthetic.execute("SELECT obs_id FROM observations ORDER BY obs_id LIMIT 1")[0][0]
    whole = questions.product_list(synthetic, obs_id)
    assert whole.rows and questions.product_list(synthetic, obs_id, page=3).rows == whole.rows
    nothing = questions.ProductFilters(suffixes=("no-such-suffix",))
    empty = questions.product_list(synthetic, obs_id, filters=nothing, page=2)
    assert (empty.rows, empty.total) == ([], 0)

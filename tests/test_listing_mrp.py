# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Each kept list row's MRP decision (``listings.mrp``, migration 0011) is the policy's.

The definition is the live decision: `jwlink.core.mrp.sql_case` over each
row of the list computed live (`productlist.list_rule_case`). For every list
of a synthetic catalog (every instrument mode, and the jwst documentation's
association files) and of real ones (programs 87800 and 9505; the jwst
association pools), on SQLite and PostgreSQL, the kept flag of every row is
that decision; the MRP page read from the flags (the partial index
``listings_mrp``) gives the same rows, totals and JSON text as a page that
decides every row. A catalog whose flags another policy decided is never read
by its flags, and its next refresh queues every list again; a catalog of
the schema before the flags reads as before and is flagged at its next refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_archive import Archive, archive  # noqa: F401 - a fixture
from conftest import need_data
from real.corpus import REAL

from jwlink.core.mrp import MRP_RULE_IDS, fingerprint
from jwlink.ingest import ingest
from jwlink.query import listjson, questions
from jwlink.query.listjson import product_list_json
from jwlink.query.productlist import list_rule_case, listed_row, product_list_sql
from jwlink.query.questions import ProductFilters, product_list
from jwlink.store import SqlStore, open_store
from jwlink.store.listings import policy_is_current
from jwlink.store.migrations import MIGRATIONS
from jwlink.synth import generate_catalog

MRP = ProductFilters(mrp_only=True)
# The portal's first page, a page cut inside the MRP rows, the MRP rows
# filtered further, past the end (the total still counted), all of them.
PAGES: list[tuple[ProductFilters, int, int | None]] = [
    (MRP, 1, 100),
    (MRP, 2, 1),
    (ProductFilters(mrp_only=True, levels=("3",), extensions=(".fits",)), 1, 5),
    (MRP, 99_999, 10),
    (MRP, 1, None),
]
# Only the statement that reads a kept list's MRP rows by their flag says this.
FLAG_READ = "(SELECT root FROM roots) AND mrp"


def _lists(store: SqlStore) -> list[str]:
    """Every list the catalog can keep: each observation's and each product owner's."""
    rows = store.execute(
        "SELECT obs_id FROM observations UNION SELECT obs_id FROM products WHERE obs_id IS NOT NULL"
    )
    return sorted(r[0] for r in rows)


def _decided(store: SqlStore, obs_id: str) -> list[tuple[str, bool]]:
    """Each row of the list computed live, in order, and whether its decided rule is MRP."""
    rule_case, params = list_rule_case(store, obs_id)
    sql = product_list_sql(False, rule_case, "1 = 1", store.collate)
    rows = [listed_row(r) for r in store.execute(sql, [obs_id, *params])]
    return [(r.product.name, r.rule in MRP_RULE_IDS) for r in rows]


def _kept(store: SqlStore, obs_id: str) -> list[tuple[str, bool]]:
    rows = store.execute(
        "SELECT name, mrp FROM listings WHERE obs_id = ? ORDER BY position", (obs_id,)
    )
    return [(name, bool(mrp)) for name, mrp in rows]


def assert_flags_are_decisions(store: SqlStore) -> tuple[int, int]:
    """Compare every kept row's flag with the live decision; return (rows, MRP rows)."""
    assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1"), "lists left queued"
    assert policy_is_current(store)
    rows = flagged = 0
    for obs_id in _lists(store):
        kept = _kept(store, obs_id)
        assert kept == _decided(store, obs_id), obs_id
        rows += len(kept)
        flagged += sum(mrp for _, mrp in kept)
    return rows, flagged


def _pages(store: SqlStore, obs_id: str) -> list[Any]:
    """The MRP pages of a list as `product_list` and the API's JSON text give them."""
    answers: list[Any] = []
    for filters, page, size in PAGES:
        answers.append(product_list(store, obs_id, filters, False, page, size).as_dict())
        doc = product_list_json(store, obs_id, filters, False, page, size)
        answers.append(None if doc is None else doc.text())
    return answers


def _traced(store: SqlStore, obs_id: str) -> tuple[list[Any], list[str]]:
    """`_pages`, and the statements sent to answer them."""
    sent: list[str] = []
    store.tracer = lambda sql, params: sent.append(sql)
    try:
        return _pages(store, obs_id), sent
    finally:
        store.tracer = None


def _flagged(store: SqlStore) -> list[str]:
    """The lists with MRP rows (and the observations with none), the biggest first."""
    rows = store.execute(
        "SELECT obs_id, SUM(CASE WHEN mrp THEN 1 ELSE 0 END) AS n FROM listings "
        "GROUP BY obs_id ORDER BY n DESC, obs_id"
    )
    return [r[0] for r in rows]


def assert_pages_from_flags(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every list's MRP pages from its flags equal the pages deciding each row; return rows."""
    compared = 0
    for obs_id in _lists(store):
        kept, sent = _traced(store, obs_id)
        assert any(FLAG_READ in sql for sql in sent), obs_id
        with monkeypatch.context() as m:
            # Computed live, as a queued list is read (the store is read-only here).
            m.setattr(questions, "listing_is_stored", lambda store, obs_id: False)
            m.setattr(listjson, "listing_is_stored", lambda store, obs_id: False)
            live, sent = _traced(store, obs_id)
        assert not any(FLAG_READ in sql for sql in sent), obs_id
        assert kept == live, obs_id
        compared += sum(len(a["products"]) for a in kept if isinstance(a, dict))
    return compared


def _synthetic(store: SqlStore) -> None:
    generate_catalog(store, seed=3, products=1500)
    ingest(store, [REAL / "jwst-docs"])


def test_synthetic_catalog_keeps_the_decisions(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _synthetic(store)
    rows, flagged = assert_flags_are_decisions(store)
    assert 0 < flagged < rows
    assert assert_pages_from_flags(store, monkeypatch) >= flagged


def test_real_archive_keeps_the_decisions(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Programs 87800 and 9505: previews, guide stars, per-source files and placeholders."""
    store = open_store(archive.db_url, readonly=True)
    try:
        rows, flagged = assert_flags_are_decisions(store)
        assert 0 < flagged < rows
        assert assert_pages_from_flags(store, monkeypatch) >= flagged
    finally:
        store.close()


def test_real_association_pools_keep_the_decisions(db_url: str) -> None:
    data = need_data()
    store = open_store(db_url)
    try:
        ingest(store, [data / "pools", data / "generated_asn", data / "asn_examples"])
        rows, flagged = assert_flags_are_decisions(store)
        assert 0 < flagged < rows
    finally:
        store.close()


@pytest.fixture
def synthetic(store: SqlStore) -> Iterator[SqlStore]:
    _synthetic(store)
    yield store


def test_queued_list_answers_as_its_flags(synthetic: SqlStore) -> None:
    """A queued list decides each row live: the same pages as its flags gave."""
    store = synthetic
    for obs_id in _flagged(store)[:3] + _flagged(store)[-1:]:
        kept, sent = _traced(store, obs_id)
        assert any(FLAG_READ in sql for sql in sent)
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (obs_id,))
        live, sent = _traced(store, obs_id)
        assert not any(FLAG_READ in sql for sql in sent)
        assert not any("FROM listings" in sql for sql in sent)
        assert live == kept, obs_id
        store.execute("DELETE FROM listing_queue")


def test_another_policys_flags_are_never_read(synthetic: SqlStore) -> None:
    """Flags recorded under another policy's digest: pages decide each row; refresh requeues all."""
    store = synthetic
    lists = _lists(store)
    pages = {obs_id: _pages(store, obs_id) for obs_id in lists}
    # What a jwlink with other rules would have kept: every flag the other way.
    with store.transaction():
        store.execute("UPDATE listing_policy SET fingerprint = ?", ("another policy",))
        store.execute("UPDATE listings SET mrp = NOT mrp")
    assert not policy_is_current(store)
    for obs_id in lists:
        answers, sent = _traced(store, obs_id)
        assert not any(FLAG_READ in sql for sql in sent), obs_id
        assert answers == pages[obs_id], obs_id
    # The next refresh finds the other digest, queues every list, decides again.
    assert store.refresh_listings() == len(lists)
    assert store.execute("SELECT name, fingerprint FROM listing_policy") == [("mrp", fingerprint())]
    assert_flags_are_decisions(store)
    assert {obs_id: _pages(store, obs_id) for obs_id in lists} == pages
    assert store.refresh_listings() == 0  # the same policy: nothing to do


def test_refresh_with_nothing_queued_still_requeues_for_another_policy(
    synthetic: SqlStore,
) -> None:
    store = synthetic
    with store.transaction():
        store.execute("DELETE FROM listing_policy")
        store.execute("UPDATE listings SET mrp = NOT mrp")
    assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1")
    assert store.refresh_listings() == len(_lists(store))
    assert_flags_are_decisions(store)


def _back_to_0010(store: SqlStore) -> None:
    """Make the catalog what migration 0010 left: no flag, no index, no policy."""
    assert "0011_listing_mrp" in dict(MIGRATIONS)
    with store.transaction():
        for sql in (
            "DROP INDEX listings_mrp",
            "ALTER TABLE listings DROP COLUMN mrp",
            "DROP TABLE listing_policy",
            "DELETE FROM jwlink_migrations WHERE name = '0011_listing_mrp'",
        ):
            store.execute(sql)


def test_catalog_of_the_schema_before_migrates(db_url: str) -> None:
    """Kept lists without flags: the same MRP pages at once, flagged by the next refresh."""
    store = open_store(db_url)
    try:
        _synthetic(store)
        lists = _lists(store)
        pages = {obs_id: _pages(store, obs_id) for obs_id in lists}
        kept = store.execute("SELECT obs_id, position, name FROM listings ORDER BY 1, 2")
        _back_to_0010(store)
    finally:
        store.close()
    store = open_store(db_url)
    try:
        applied = store.execute("SELECT name FROM jwlink_migrations ORDER BY name")
        assert [r[0] for r in applied] == [name for name, _ in MIGRATIONS]
        # The lists kept before are still read from the index; no flag is.
        assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1")
        assert not store.execute("SELECT 1 FROM listings WHERE mrp LIMIT 1")
        assert not policy_is_current(store)
        for obs_id in lists:
            answers, sent = _traced(store, obs_id)
            assert not any(FLAG_READ in sql for sql in sent), obs_id
            assert answers == pages[obs_id], obs_id
        # The next ingest's refresh (here with nothing new to read) flags every list.
        report = ingest(store, [])
        assert report.ingested == 0
        assert store.execute("SELECT obs_id, position, name FROM listings ORDER BY 1, 2") == kept
        assert_flags_are_decisions(store)
        assert {obs_id: _pages(store, obs_id) for obs_id in lists} == pages
    finally:
        store.close()


def _mrp_page_sql(store: SqlStore, obs_id: str) -> tuple[str, list[Any]]:
    rule_case, rule_params = list_rule_case(store, obs_id)
    where, where_params = MRP.sql()
    sql = product_list_sql(False, rule_case, where, store.collate, True, True, mrp_kept=True)
    return sql, [obs_id, *rule_params, *where_params, 100, 0]


def test_mrp_page_plan_reads_the_partial_index(synthetic: SqlStore) -> None:
    """The kept MRP page is a range of ``listings_mrp``: no read of the list's other rows."""
    store = synthetic
    sql, params = _mrp_page_sql(store, _flagged(store)[0])
    if store.backend == "sqlite":
        for analyzed in (False, True):
            if analyzed:
                store.execute("ANALYZE")
            plan = " | ".join(
                str(r[-1]) for r in store.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            assert "SEARCH listings USING INDEX listings_mrp (obs_id=?)" in plan, plan
    else:
        store.execute("ANALYZE listings")
        plan = " | ".join(str(r[0]) for r in store.execute(f"EXPLAIN {sql}", params))
        assert "Index Scan using listings_mrp on listings" in plan, plan
        assert "listings_pkey" not in plan and "Seq Scan on listings" not in plan, plan

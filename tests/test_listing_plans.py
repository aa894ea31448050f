"""PostgreSQL refreshes a chunk of lists by lookups from its observations.

A mosaic's members all share its obs_id, so PostgreSQL's statistics say any
observation may own thousands of rows. The refresh of each chunk of lists
then hashed all of ``products`` and sorted all of ``links``: a cost growing
with the catalog, paid once per 500 lists, so quadratic over a big
association's lists (`benchmarks/big_association.py`: 100,000 members took
175 s, 81.7 s now). Here the refresh of exposures' lists beside such a
mosaic must read from those tables only rows its lists reach, whatever the
catalog holds (counted in the statement's own ``EXPLAIN ANALYZE``), and
the refresh must send it under the settings that keep it so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwlink.ingest import ingest
from jwlink.store import SqlStore, open_store
from jwlink.store.chunks import marks
from jwlink.store.listings import _refresh_sql
from jwlink.synth.mosaic import MOSAIC, write_mosaic_asn

# The tables whose whole reading would grow with the catalog.
BIG = {"products", "links", "members"}
SCANS_OFF = "SET LOCAL enable_seqscan = off"
SCANS_ON = "SET LOCAL enable_seqscan TO DEFAULT"


@pytest.fixture(scope="module")
def mosaic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    from conftest import pg_schema

    folder: Path = tmp_path_factory.mktemp("mosaic")
    with pg_schema() as url:
        store = open_store(url)
        # 2,000 members: 8,001 products, 12,000 links, 2,000 member rows.
        report = ingest(store, [write_mosaic_asn(folder, visits=5, exposures=100, detectors=4)])
        assert report.errors == []
        yield store
        store.close()


class _Undo(Exception):
    """Raised to roll the refresh's transaction back."""


def _exposures(store: SqlStore, count: int) -> list[str]:
    rows = store.execute(
        "SELECT member_obs_id FROM members WHERE obs_id = ? ORDER BY member_obs_id LIMIT ?",
        (MOSAIC, count),
    )
    return [str(r[0]) for r in rows]


def _rows_read(plan: dict[str, Any]) -> dict[str, int]:
    """Rows each big table's scans produced or filtered away, over all their loops."""
    read: dict[str, int] = {}
    relation = plan.get("Relation Name")
    if relation in BIG:
        each = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        read[relation] = read.get(relation, 0) + each * plan["Actual Loops"]
    for child in plan.get("Plans", []):
        for table, rows in _rows_read(child).items():
            read[table] = read.get(table, 0) + rows
    return read


def test_a_chunk_of_lists_reads_only_the_rows_it_lists(mosaic: SqlStore) -> None:
    store = mosaic
    chosen = _exposures(store, 50)
    sql, params = _refresh_sql(store.collate, len(chosen))
    slots = marks(len(chosen))
    with pytest.raises(_Undo), store.transaction():
        store.execute(f"DELETE FROM listings WHERE obs_id IN ({slots})", chosen)
        with store.keyed(hashing=True):
            explained = store.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", [*chosen, *params])
        (listed,) = store.execute(
            f"SELECT COUNT(*) FROM listings WHERE obs_id IN ({slots})", chosen
        )[0]
        raise _Undo
    (plan,) = explained[0][0]
    read = _rows_read(plan["Plan"])
    # Each exposure lists its four products (uncal, rate, cal, crf) and the
    # mosaic's association, brought by the link to it.
    assert listed == 50 * 5
    # A whole table is 2,000 (members) to 12,000 (links) rows; the lists
    # reach a few rows of each per listed row (about four here).
    assert sum(read.values()) <= 8 * listed, read
    assert read.get("members", 0) == 0, read


def test_refresh_sends_each_chunk_without_table_scans(mosaic: SqlStore) -> None:
    store = mosaic
    chosen = _exposures(store, 20)
    for obs_id in chosen:
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (obs_id,))
    sent: list[str] = []
    store.tracer = lambda sql, params: sent.append(sql)
    try:
        assert store.refresh_listings() == len(chosen)
    finally:
        store.tracer = None
    at = next(i for i, sql in enumerate(sent) if sql.startswith("WITH roots(root) AS (VALUES"))
    off = [i for i, sql in enumerate(sent[:at]) if sql.startswith(SCANS_OFF)]
    assert off and not any(sql.startswith(SCANS_ON) for sql in sent[off[-1] : at])
    assert any(sql.startswith(SCANS_ON) for sql in sent[at:])

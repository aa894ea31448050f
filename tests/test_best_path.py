"""SQLite picks each file's best path in one grouping pass; it must pick what the window picks.

`jwlink.store.listings.paths_sql` gives SQLite a ``GROUP BY`` whose one
``min()`` of a composite key carries the other columns (SQLite's "bare
columns" rule), and PostgreSQL a ``ROW_NUMBER()`` window over the paths
ordered by rank, role priority, via, kind and role. The window is the
definition: for every observation of the real programs 87800 and 9505, the
jwst association pools (exposures composed into Level 3 observations, files
reached by several members) and a synthetic archive of every mode, both
statements pick the same path to every file on SQLite.
"""

from __future__ import annotations

from pathlib import Path

from api_archive import archive_for
from conftest import need_data

from jwlink.ingest import ingest
from jwlink.store import SqlStore, listings, open_store
from jwlink.synth import generate_catalog

_ALL_ROOTS = "WITH roots(root) AS (SELECT obs_id FROM observations),"
_PICKED = " SELECT root, name, via, kind, role, rank FROM picked"


def _picks(store: SqlStore) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every observation's picked paths by the SQLite statement and by the window."""
    assert store.backend == "sqlite"
    grouped = listings.paths_sql(store.collate, roots=_ALL_ROOTS) + _PICKED
    window = _ALL_ROOTS + listings._PATHS + listings._BEST.format(collate=store.collate) + _PICKED
    assert "ROW_NUMBER" not in grouped and "ROW_NUMBER" in window
    return sorted(store.execute(grouped)), sorted(store.execute(window))


def _assert_same_picks(store: SqlStore) -> int:
    grouped, window = _picks(store)
    assert grouped == window
    # Files reached by more than one path are where a pick can go wrong.
    paths = store.execute(
        _ALL_ROOTS + listings._PATHS + " SELECT root, name, COUNT(*) FROM paths "
        "GROUP BY root, name HAVING COUNT(*) > 1"
    )
    assert paths, "no file with more than one path: nothing was chosen"
    return len(paths)


def test_real_programs_pick_the_window_paths(tmp_path: Path) -> None:
    with archive_for("sqlite", tmp_path) as archive:
        store = open_store(archive.db_url, readonly=True)
        try:
            assert _assert_same_picks(store) > 0
        finally:
            store.close()


def test_pools_pick_the_window_paths(tmp_path: Path) -> None:
    data = need_data()
    store = open_store(str(tmp_path / "pools.db"))
    try:
        ingest(store, [data / "pools", data / "generated_asn", data / "asn_examples"])
        assert _assert_same_picks(store) > 0
    finally:
        store.close()


def test_synthetic_archive_picks_the_window_paths(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "synthetic.db"))
    try:
        generate_catalog(store, seed=3, products=2500)
        # A member exposure in two roles of one Level 3 observation, and a
        # file brought in through two members: ties broken past rank.
        ties = store.execute(
            _ALL_ROOTS + listings._PATHS + " SELECT 1 FROM paths GROUP BY root, name "
            "HAVING COUNT(DISTINCT rank) = 1 AND COUNT(*) > 1 LIMIT 1"
        )
        assert ties, "no file with two paths of one rank"
        assert _assert_same_picks(store) > 0
    finally:
        store.close()

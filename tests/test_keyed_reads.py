"""Reads of kept lists are planned by their keys (`SqlStore.keyed`), computed lists freely.

At 1M products PostgreSQL reckoned every kept list thousands of rows long
(the mosaics skew the statistics) and hashed whole tables to read one:
`jwlink mrp` p50 62 ms, a 50,000-row MAST page 3 s. Each kept-list read
(the native list and its JSON twin, the MRP, MAST's many lists) is now sent
between the settings that forbid whole-table plans; a queued list, computed
from the links, is not. The answers are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jwlink.query import listjson, manylists, questions
from jwlink.store import SqlStore
from jwlink.synth import generate_catalog

KEYED = "SET LOCAL enable_hashjoin = off"
RESET = "SET LOCAL enable_hashjoin TO DEFAULT"


@pytest.fixture
def synthetic(store: SqlStore) -> SqlStore:
    generate_catalog(store, seed=5, products=600)
    return store


def _mosaic(store: SqlStore) -> tuple[str, int]:
    obs_id, obsid = store.execute(
        "SELECT o.obs_id, o.obsid FROM observations o JOIN listings l ON l.obs_id = o.obs_id "
        "GROUP BY o.obs_id, o.obsid ORDER BY COUNT(*) DESC, o.obs_id LIMIT 1"
    )[0]
    return str(obs_id), int(obsid)


def _sent(store: SqlStore, ask: Callable[[], Any]) -> tuple[Any, list[str]]:
    sent: list[str] = []
    store.tracer = lambda sql, params: sent.append(sql)
    try:
        return ask(), sent
    finally:
        store.tracer = None


def _keyed_around(sent: list[str], marker: str) -> bool:
    """Whether the statement holding ``marker`` was sent between KEYED and RESET."""
    at = next(i for i, sql in enumerate(sent) if marker in sql)
    before = [i for i, sql in enumerate(sent[:at]) if sql.startswith(KEYED)]
    after = [i for i, sql in enumerate(sent[at:]) if sql.startswith(RESET)]
    return bool(before and after) and not any(
        sql.startswith(RESET) for sql in sent[before[-1] : at]
    )


def _asks(store: SqlStore) -> dict[str, tuple[Callable[[], Any], str]]:
    obs_id, obsid = _mosaic(store)
    return {
        "product_list": (lambda: questions.product_list(store, obs_id, page_size=50).as_dict(),
                         "FROM listings"),
        "mrp": (lambda: questions.mrp(store, obs_id).as_dict(), "FROM listings"),
        "list_json": (lambda: listjson.product_list_json(store, obs_id, page_size=50),
                      "FROM listings"),
        "mast_lists": (lambda: manylists.product_lists(store, [(obs_id, obsid)], 1, 50).rows,
                       "JOIN listings l ON"),
    }  # fmt: skip


def test_kept_list_reads_are_planned_by_key(synthetic: SqlStore) -> None:
    store = synthetic
    assert not store.execute("SELECT 1 FROM listing_queue LIMIT 1")
    kept = {}
    for name, (ask, marker) in _asks(store).items():
        answer, sent = _sent(store, ask)
        assert answer, name
        kept[name] = answer if name != "list_json" else answer.text()
        if store.backend == "postgresql":
            assert _keyed_around(sent, marker), name
        else:  # SQLite plans need no settings
            assert not any(sql.startswith("SET") for sql in sent), name
    # Queued, the same lists are computed, planned freely, and answer the same.
    obs_id, _ = _mosaic(store)
    with store.transaction():
        store.execute("INSERT INTO listing_queue (obs_id) VALUES (?)", (obs_id,))
    for name, (ask, _) in _asks(store).items():
        answer, sent = _sent(store, ask)
        assert (answer if name != "list_json" else answer.text()) == kept[name], name
        assert not any(sql.startswith(KEYED) for sql in sent), name

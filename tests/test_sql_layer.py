# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The SQL layer: where statements live, the tracer sees all of them, MAST lists set-based."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from api_archive import Archive, archive  # noqa: F401 - archive is a fixture

import jwlink
from jwlink.api.mast import encode, invoke
from jwlink.api.mast_columns import PRODUCT_FIELDS
from jwlink.core.model import Batch, Kind, Link, Product
from jwlink.naming import describe
from jwlink.query import questions
from jwlink.store import SqlStore, open_store

SRC = Path(jwlink.__file__).resolve().parent
# The packages allowed to hold SQL statements (DESIGN: "SQL lives only in ...").
SQL_PACKAGES = ("store", "query")
SINKS = {"execute", "executemany", "executescript", "execute_in", "copy", "_execute",
         "_executemany", "_executescript", "_bulk"}  # fmt: skip
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "WITH ")


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def test_statements_are_sent_only_from_the_store_and_query_packages() -> None:
    outside = []
    for path in sorted(SRC.rglob("*.py")):
        if _package(path) in SQL_PACKAGES:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in SINKS:
                outside.append(f"{path.relative_to(SRC)}:{node.lineno} calls {node.func.attr}")  # type: ignore[attr-defined]
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lstrip().upper()
                if text.startswith(SQL_WORDS) and (" FROM " in text or " INTO " in text):
                    outside.append(f"{path.relative_to(SRC)}:{node.lineno} holds {node.value!r}")
    assert outside == []


def test_the_check_finds_a_statement_outside(tmp_path: Path) -> None:
    # The walk above must see both a call and a statement text; one planted here fails it.
    planted = ast.parse('rows = store.execute("SELECT name FROM products WHERE name = ?", (n,))')
    calls = [n for n in ast.walk(planted) if isinstance(n, ast.Call)]
    texts = [n for n in ast.walk(planted) if isinstance(n, ast.Constant)]
    assert any(getattr(c.func, "attr", "") in SINKS for c in calls)
    assert any(str(t.value).upper().startswith(SQL_WORDS) for t in texts)


def _product(name: str) -> Product:
    info = describe(name)
    return Product(
        name=name,
        obs_id=info.obs_id,
        level=info.level,
        product_type=info.product_type,
        suffix=info.suffix or "",
        extension=info.extension,
        program=info.program,
        visit_id=info.visit_id,
    )


def test_the_tracer_sees_every_statement(store: SqlStore) -> None:
    seen: list[tuple[str, Any]] = []
    store.tracer = lambda sql, params: seen.append((sql, params))
    exposure = "jw01234001001_02101_{}_nrca1_{}.fits"
    names = [exposure.format(f"{i:05d}", "cal") for i in range(1, 81)]
    rate = [exposure.format(f"{i:05d}", "rate") for i in range(1, 81)]
    batch = Batch(
        source="traced",
        products=[_product(n) for n in names + rate],
        links=[
            Link(r, c, Kind.ANTECEDENT, "input", "test") for r, c in zip(rate, names, strict=True)
        ],
        headers={names[0]: {"TELESCOP": "JWST"}},
    )
    store.write(batch, fingerprint="f", reader="test")
    store.counts(("products",))
    store.execute_in("SELECT name FROM products WHERE name IN ({marks})", names * 8)
    text = [sql for sql, _ in seen]
    # writes (one row and many), transaction control, the bulk path, reads
    assert any(s.startswith("INSERT INTO inputs") for s in text)
    assert any(s.startswith("INSERT INTO headers") for s in text)  # executemany
    assert any("INTO products" in s for s in text)  # COPY or executemany: bulk
    assert any("INTO links" in s for s in text)
    assert any(s.startswith("BEGIN") for s in text) and "COMMIT" in text
    assert any(s == "SELECT COUNT(*) FROM products" for s in text)
    chunks = [p for s, p in seen if s.startswith("SELECT name FROM products WHERE name IN")]
    assert [len(p) for p in chunks] == [500, 140]  # 640 names, chunks of 500
    bulk = [p for s, p in seen if "INTO products" in s or s.startswith("COPY stage_products")]
    assert any(len(p) == 160 for p in bulk), "the bulk statement is traced with its rows"
    if store.backend == "postgresql":
        assert any(s.startswith("COPY stage_products") for s in text)


def test_migrations_go_past_the_tracer(tmp_path: Path) -> None:
    from jwlink.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "new.db")
    seen: list[str] = []
    store.tracer = lambda sql, params: seen.append(sql)
    try:
        assert store.migrate()
    finally:
        store.close()
    assert any(s.startswith("CREATE TABLE products") for s in seen)
    assert any(s.startswith("INSERT INTO jwlink_migrations") for s in seen)


def _mast(store: SqlStore, obsids: list[str], page: int, size: int) -> dict[str, Any]:
    request = {
        "service": "Mast.Caom.Products",
        "format": "json",
        "page": page,
        "pagesize": size,
        "params": {"obsid": ",".join(obsids)},
    }
    # As the client reads it: product rows may come written by the database.
    return dict(json.loads(encode(invoke(store, json.dumps(request)))))


def test_many_obsids_list_as_each_observation_alone(archive: Archive) -> None:
    store = open_store(archive.db_url, readonly=True)
    try:
        observations = store.execute("SELECT obs_id, obsid FROM observations ORDER BY obsid")
        assert len(observations) > 3
        expected: list[dict[str, Any]] = []
        for obs_id, _ in observations:
            listing = questions.product_list(store, obs_id)  # the one-observation statement
            expected += [{c: r[c] for c in PRODUCT_FIELDS} for r in listing.rows]
        obsids = [str(o) for _, o in observations]
        # Asked in reverse, with an unknown number and a repeat: MAST's order, nothing, twice.
        asked = [*obsids, "999999999", obsids[0]]
        again = [
            {c: r[c] for c in PRODUCT_FIELDS} for r in questions.product_list(store, obsids[0]).rows
        ]
        whole = _mast(store, asked, 1, 50_000)
        assert whole["status"] == "COMPLETE", whole
        assert whole["data"] == expected + again
        assert whole["paging"]["rowsTotal"] == len(expected + again)
        mrp = [r for r in whole["data"] if r["productGroupDescription"]]
        assert mrp, "some rows are flagged MRP"
        page = _mast(store, asked, 3, 7)
        assert page["data"] == (expected + again)[14:21]
        assert page["paging"]["rowsFiltered"] == len(expected + again)
        past = _mast(store, asked, 10_000, 7)
        assert past["data"] == [] and past["paging"]["rowsTotal"] == len(expected + again)
    finally:
        store.close()


@pytest.mark.parametrize("count", [1, 5000])
def test_a_mast_list_is_one_statement_whatever_the_number_of_obsids(
    archive: Archive, count: int
) -> None:
    store = open_store(archive.db_url, readonly=True)
    traced: list[str] = []
    store.tracer = lambda sql, params: traced.append(sql)
    try:
        (obsid,) = store.execute("SELECT obsid FROM observations ORDER BY obsid LIMIT 1")[0]
        alone = len(questions.product_list(store, str(obsid)).rows)
        traced.clear()
        result = _mast(store, [str(obsid)] * count, 1, 10)
    finally:
        store.close()
    assert result["status"] == "COMPLETE" and result["paging"]["rowsTotal"] == alone * count
    assert len(result["data"]) == min(10, alone * count)
    listings = [s for s in traced if "WITH asked" in s]
    assert len(listings) == 1, "one statement lists every observation asked"

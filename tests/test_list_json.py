# ruff: noqa: F811 - the archive fixtures are imported, then requested by name
"""Product lists written as JSON by the database answer exactly what the dicts answered.

The native API's product lists (`jwlink.query.listjson`) and MAST's
``Mast.Caom.Products`` pages (`jwlink.query.manylists`, ``rendered=True``)
have each row written by SQL (`jwlink.query.rowjson`). The definition is
the Python path (`questions.product_list` and the dict rows of
`manylists.product_lists`, encoded as the API encodes them): for every
observation of real and synthetic catalogs, stored and computed, filtered,
paged and past the end, the text is the same bytes on SQLite and on
PostgreSQL. Rows SQL would write otherwise are left to Python.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from api_archive import Archive, archive  # noqa: F401 - a fixture
from real.corpus import REAL
from rights_catalog import INHERITING_OBS, rights_archive  # noqa: F401 - a fixture

from jwlink.api.mast_columns import PRODUCT_FIELDS
from jwlink.core.model import Batch, Level, Observation, Product, ProductType
from jwlink.ingest import ingest
from jwlink.query import listjson, manylists
from jwlink.query.listjson import product_list_json
from jwlink.query.questions import ProductFilters, mrp, product_list
from jwlink.query.rowjson import ROW_KEYS, RenderedRows
from jwlink.store import SqlStore, open_store
from jwlink.synth import generate_catalog

CASES: list[tuple[ProductFilters | None, bool, int, int]] = [
    (None, False, 1, 10_000),  # whole
    (ProductFilters(mrp_only=True), False, 1, 100),  # the portal's first page
    (ProductFilters(suffixes=("cal", "i2d"), kinds=("own", "composition")), False, 2, 7),
    (ProductFilters(levels=("3",), extensions=(".FITS",)), False, 1, 5),
    (ProductFilters(product_types=("AUXILIARY", "INFO")), False, 1, 1000),
    (None, True, 1, 50),  # every path (always computed)
    (None, False, 99_999, 10),  # past the end: the total still counted
]


def _dumps(value: Any) -> str:
    """The API's encoding (starlette's JSONResponse)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _assert_same_text(backend: str, new: str, old: str, where: Any) -> None:
    # Both backends write the very bytes the API's encoder writes: SQLite's
    # json_object, and PostgreSQL's to_json of each value between the keys.
    assert new == old, (backend, where)


def assert_lists_equal(store: SqlStore) -> int:
    """Compare every observation's list, every case, with the dict path; return rows compared."""
    compared = 0
    observations = [r[0] for r in store.execute("SELECT obs_id FROM observations")]
    assert observations
    for obs_id in observations:
        for filters, every_path, page, size in CASES:
            old = product_list(store, obs_id, filters, every_path, page, size)
            doc = product_list_json(store, obs_id, filters, every_path, page, size)
            assert doc is not None, obs_id
            where = (obs_id, filters, every_path, page)
            _assert_same_text(store.backend, doc.text(), _dumps(old.as_dict()), where)
            compared += len(old.rows)
    return compared


def assert_pages_equal(store: SqlStore) -> int:
    """MAST pages of many lists at once: rendered rows equal the dict rows, MAST's columns."""
    rows = store.execute("SELECT obs_id, obsid FROM observations")
    asked = random.Random(5).sample(rows, len(rows))
    asked.append(asked[len(asked) // 2])
    compared = 0
    for page, size in [(1, 1_000_000), (1, 37), (3, 37), (2, 1000), (10_000, 1000)]:
        old = manylists.product_lists(store, asked, page, size)
        new = manylists.product_lists(store, asked, page, size, rendered=True)
        assert new.rendered is not None and not new.rendered.odd
        assert new.total == old.total and len(new.rendered) == len(old.rows)
        data = [{c: r.get(c) for c in PRODUCT_FIELDS} for r in old.rows]
        _assert_same_text(store.backend, new.rendered.json(), _dumps(data), (page, size))
        compared += len(old.rows)
    return compared


def _both_ways(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored lists, then every list computed (as if queued), each compared with the dicts."""
    assert assert_lists_equal(store) > 0
    assert assert_pages_equal(store) > 0
    with monkeypatch.context() as m:
        m.setattr(listjson, "listing_is_stored", lambda store, obs_id: False)
        m.setattr(manylists, "_QUEUED", "SELECT obs_id FROM observations WHERE obs_id IN ({marks})")
        assert assert_lists_equal(store) > 0
        assert assert_pages_equal(store) > 0


def test_archive_lists(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real program 87800 and 9505: previews, guide stars, per-source files, exclusive files."""
    store = open_store(archive.db_url, readonly=True)
    try:
        _both_ways(store, monkeypatch)
    finally:
        store.close()


def test_rights_lists_take_the_programs_rights(
    rights_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(rights_archive.db_url, readonly=True)
    try:
        doc = product_list_json(store, INHERITING_OBS, None, False, 1, 1000)
        assert doc is not None
        rows = json.loads(doc.text())["products"]
        # Files with no rights of their own nor of their observation take the program's.
        assert {r["dataRights"] for r in rows} == {"EXCLUSIVE_ACCESS"}
        _both_ways(store, monkeypatch)
    finally:
        store.close()


def test_synthetic_and_documented_catalogs(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every instrument mode of the synthesizer, and the jwst docs' association files."""
    generate_catalog(store, seed=3, products=1500)
    ingest(store, [REAL / "jwst-docs"])
    _both_ways(store, monkeypatch)


def test_row_keys_are_the_dict_keys(archive: Archive) -> None:
    store = open_store(archive.db_url, readonly=True)
    try:
        obs_id = store.execute("SELECT obs_id FROM listings LIMIT 1")[0][0]
        row = product_list(store, obs_id, page_size=1).rows[0]
    finally:
        store.close()
    assert tuple(row) == ROW_KEYS
    assert ROW_KEYS[: manylists.MAST_KEYS] == PRODUCT_FIELDS


MOSAIC = "jw01234-o001_t001_nircam_clear-f200w"


def _owned(name: str, suffix: str = "cal", program: str | None = "01234") -> Product:
    return Product(name, MOSAIC, Level.L3, ProductType.SCIENCE, suffix, "fits", program=program)


@pytest.mark.parametrize(
    "odd",
    [
        _owned("jw01234-o001_t001_nircam_clear-f200w_gs-fß_cal.fits"),  # upper() of ß is SS
        _owned("jw01234-o001_t001_nircam_clear-f200w_ı2d.fits", suffix="ı2d"),  # dotless i
        _owned("jw01234-o001_t001_nircam_clear-f200w_x.fits", program="1_234"),  # int() reads _
    ],
)
def test_rows_sql_would_write_otherwise_are_left_to_python(store: SqlStore, odd: Product) -> None:
    plain = _owned(f"{MOSAIC}_i2d.fits", suffix="i2d")
    store.write(Batch("t", products=[plain], observations=[Observation(MOSAIC, 3)]))
    store.refresh_listings()
    assert product_list_json(store, MOSAIC, page_size=10) is not None
    store.write(Batch("odd", products=[odd]))
    store.refresh_listings()
    assert product_list_json(store, MOSAIC, page_size=10) is None
    listed = manylists.product_lists(store, [(MOSAIC, 1)], 1, 10, rendered=True)
    assert listed.rendered is not None and listed.rendered.odd


def test_a_size_held_as_a_float_is_left_to_python(tmp_path: Path) -> None:
    # SQLite only: PostgreSQL's size column holds integers, never a float.
    store = open_store(str(tmp_path / "floats.db"))
    store.write(Batch("t", products=[_owned(f"{MOSAIC}_i2d.fits", "i2d")],
                      observations=[Observation(MOSAIC, 3)]))  # fmt: skip
    store.refresh_listings()
    store.execute("UPDATE products SET size = 1.5")
    try:
        assert product_list_json(store, MOSAIC, page_size=10) is None
    finally:
        store.close()


def test_stale_flags_are_added_as_the_dicts_had_them() -> None:
    rows = [{"a": 1, "b": "x"}, {"a": 2, "b": "é\n"}]
    rendered = RenderedRows([_dumps(r) for r in rows], ["n1", "n2"], False)
    rendered.add("stale", [True, False])
    marked = [{**r, "stale": s} for r, s in zip(rows, [True, False], strict=True)]
    assert rendered.json() == _dumps(marked)


def test_mrp_totals_count_the_decided_rows(archive: Archive) -> None:
    """The MRP page's total is the number of rows the policy decides are MRP."""
    store = open_store(archive.db_url, readonly=True)
    try:
        for (obs_id,) in store.execute("SELECT obs_id FROM observations"):
            decided = mrp(store, obs_id)
            doc = product_list_json(store, obs_id, ProductFilters(mrp_only=True), False, 1, 3)
            assert doc is not None
            assert doc.total == len(decided.products), obs_id
            assert [json.loads(t)["productFilename"] for t in doc.rows.texts] == [
                e["name"] for e in decided.explain if e["mrp"]
            ][:3]
    finally:
        store.close()

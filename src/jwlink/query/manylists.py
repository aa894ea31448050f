"""The product lists of many observations in one statement (MAST's ``Mast.Caom.Products``).

A MAST request may name thousands of observations (``obsid=1,2,3,...``) and
asks for one page of all their rows together. The rows are those of each
observation's own list (`jwlink.query.productlist`: owned, members',
brought in; each file once per observation; MRP-flagged by each
observation's own policy), the observations in the order asked. When every
list asked is stored (`jwlink.store.listings`), the lists are sized from
the index, the page is cut in Python into one row range per list it
overlaps, and one statement reads those ranges; otherwise one statement
computes every list and the database cuts the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jwlink.core.mrp import MRP_RULE_IDS, sql_case
from jwlink.query.productlist import (
    MRP_LABEL,
    PRODUCT_FIELDS,
    ListedRow,
    listed_row,
    mast_row,
    product_columns,
)
from jwlink.query.questions import inherit_rights
from jwlink.query.rowjson import RenderedRows, rendered_columns, rendered_rows
from jwlink.store import SqlStore
from jwlink.store.listings import ORDER_SQL, ROOT_FACTS, paths_sql

__all__ = [
    "MAST_KEYS",
    "ObservationLists",
    "observation_ids",
    "product_lists",
    "product_lists_sql",
    "stored_lists_sql",
]

# Observations resolved from MAST's numeric Product Group IDs, all at once.
_BY_OBSID = "SELECT obsid, obs_id FROM observations WHERE obsid IN ({marks})"


def _listed(
    rule_case: str, total: str, order: str, source: str = "picked", columns: str | None = None
) -> str:
    """Return the end of both statements: each path picked, its product, MRP rule, total."""
    fields = ", ".join(PRODUCT_FIELDS)
    chosen = columns or (
        f"name, via, kind, role, rank, {fields}, obsid, obs_dataproduct_type, obs_rights, rule"
    )
    return f"""
listed AS (
    SELECT x.via, x.kind, x.role, x.rank, x.pos, x.parent, x.position,
           {", ".join(product_columns())},
           o.obsid, o.dataproduct_type AS obs_dataproduct_type, o.data_rights AS obs_rights,
           {rule_case} AS rule
    FROM {source} x JOIN products p ON p.name = x.name
    LEFT JOIN observations o ON o.obs_id = COALESCE(p.obs_id, x.via)
)
SELECT {chosen}, {total}, parent
FROM listed
ORDER BY {order}"""


def product_lists_sql(count: int, rule_case: str, collate: str, columns: str | None = None) -> str:
    """Return the statement listing the products of ``count`` observations, paged.

    Bind each observation's ``(obs_id, position, obsid)``, then the
    parameters of ``rule_case``, then ``LIMIT`` and ``OFFSET``. Rows are those
    of `jwlink.query.productlist.product_list_sql` (``rule`` and the total
    included), then the obsid of the observation they are listed for. Each
    list is computed (`jwlink.store.listings.paths_sql`, once per distinct
    observation): for observations whose lists are queued. ``columns``
    replaces the row's columns before the total (`jwlink.query.rowjson`).
    """
    asked = ", ".join("(?, CAST(? AS INTEGER), CAST(? AS BIGINT))" for _ in range(count))
    roots = (
        f"WITH asked(root, pos, parent) AS (VALUES {asked}), "
        "roots AS MATERIALIZED (SELECT DISTINCT root FROM asked),"
    )
    order = f"pos, {ORDER_SQL.format(collate=collate)}"
    return (
        paths_sql(collate, roots=roots)
        + f""",
facts AS MATERIALIZED (SELECT r.root, r.pos, r.parent, {ROOT_FACTS} FROM asked r),
each AS (
    SELECT k.name, k.via, k.kind, k.role, k.rank, 0 AS position, f.pos, f.parent, f.asn_type,
           f.has_l3, f.concrete
    FROM picked k JOIN facts f ON f.root = k.root
),{_listed(rule_case, "COUNT(*) OVER ()", order, "each", columns)}
LIMIT ? OFFSET ?"""
    )


def stored_lists_sql(count: int, rule_case: str, columns: str | None = None) -> str:
    """Return the statement reading rows ``first..last`` of ``count`` stored lists.

    Bind each observation's ``(obs_id, position, obsid, first, last)`` (rows
    numbered from 1 in each list, `jwlink.store.listings`), then the
    parameters of ``rule_case``, then the total of all pages. The rows are
    those of `product_lists_sql` for the same page: each list is an index
    range scan, and only the lists the page overlaps are read. ``columns``
    as for `product_lists_sql`.
    """
    roots = ", ".join(
        "(?, CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS INTEGER))"
        for _ in range(count)
    )
    return f"""
WITH asked(root, pos, parent, first, last) AS (VALUES {roots}),
roots AS MATERIALIZED (
    SELECT r.root, r.pos, r.parent, r.first, r.last, {ROOT_FACTS} FROM asked r
),
picked AS (
    SELECT l.name, l.via, l.kind, l.role, l.rank, l.position, r.pos, r.parent, r.asn_type,
           r.has_l3, r.concrete
    FROM roots r JOIN listings l ON l.obs_id = r.root AND l.position BETWEEN r.first AND r.last
),{_listed(rule_case, "CAST(? AS BIGINT)", "pos, position", "picked", columns)}"""


def _page_of_lists(sizes: Sequence[int], offset: int, page_size: int) -> list[tuple[int, int, int]]:
    """Return ``(index, first, last)`` of each list a page overlaps (rows numbered from 1)."""
    overlaps, start = [], 0
    for index, size in enumerate(sizes):
        end = start + size  # this list holds rows start .. end - 1 of all
        first, last = max(offset, start), min(offset + page_size, end) - 1
        if first <= last:
            overlaps.append((index, first - start + 1, last - start + 1))
        start = end
        if start >= offset + page_size:
            break
    return overlaps


def observation_ids(store: SqlStore, obsids: Sequence[int]) -> dict[int, str]:
    """Return the obs_id of every numeric obsid the catalog holds (one statement per 500)."""
    rows = store.execute_in(_BY_OBSID, sorted(set(obsids)))
    return {int(obsid): str(obs_id) for obsid, obs_id in rows}


class ObservationLists:
    """One page of the product lists of several observations together.

    ``rows`` are dicts, or with ``rendered`` (`product_lists(rendered=True)`)
    empty: the rows are then `jwlink.query.rowjson.RenderedRows`, MAST's
    columns only (`MAST_KEYS`).
    """

    def __init__(
        self, rows: list[dict[str, Any]], total: int, rendered: RenderedRows | None = None
    ) -> None:
        self.rows = rows
        self.total = total
        self.rendered = rendered


# Rendered rows carry MAST's 20 columns and jwlink's sha256, kind, role
# (`jwlink.api.mast_columns.PRODUCT_FIELDS`), not present, level, suffix.
MAST_KEYS = 23


def product_lists(
    store: SqlStore,
    observations: Sequence[tuple[str, int]],
    page: int,
    page_size: int,
    rendered: bool = False,
) -> ObservationLists:
    """Return one page of the product lists of observations, in the order given.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    observations : sequence of (obs_id, obsid)
        The observations (an observation given twice is listed twice, as MAST does).
    page, page_size : int
        1-based page of ``page_size`` rows.
    rendered : bool
        Have the database write each row as JSON (`jwlink.query.rowjson`),
        MAST's columns only: the rows of 50,000-row pages cost three times
        their reading as dicts and ``json.dumps``.

    Returns
    -------
    ObservationLists
        The page's rows, as `jwlink.query.questions.product_list` shapes them
        (``parent_obsid`` the observation each is listed for), and the
        number of rows of all pages.
    """
    if not observations:
        return ObservationLists([], 0, RenderedRows([], [], False) if rendered else None)
    window = ((page - 1) * page_size, page_size)
    asked = sorted({obs_id for obs_id, _ in observations})
    with store.snapshot():
        columns = rendered_columns(store.backend, _PARENT, MAST_KEYS) if rendered else None
        if store.execute_in(_QUEUED, asked):
            raw, total = _computed(store, observations, window, columns)
        else:
            raw, total = _stored(store, observations, window, columns)
        if rendered:
            return ObservationLists([], total, rendered_rows(store, raw))
    rows = [_row(listed_row(r)) for r in raw]
    inherit_rights(store, rows)
    return ObservationLists(rows, total)


# A page: (offset, page size).
_Window = tuple[int, int]
_QUEUED = "SELECT obs_id FROM listing_queue WHERE obs_id IN ({marks})"
_Rows = list[tuple[Any, ...]]
# The obsid each row is listed for, as text (a column of both statements' rows).
_PARENT = "CAST(parent AS TEXT)"


def _rule() -> tuple[str, list[Any]]:
    """Return each row's MRP rule by its own observation's facts (columns of ``roots``)."""
    return sql_case(None, "x.has_l3 = 1", "x.concrete = 1", asn_type_column="x.asn_type")


def _stored(
    store: SqlStore,
    observations: Sequence[tuple[str, int]],
    window: _Window,
    columns: str | None,
) -> tuple[_Rows, int]:
    """Read one page from the stored lists: sized first, then only the ranges it overlaps."""
    rule_case, rule_params = _rule()
    offset, page_size = window
    counts = store.execute_in(
        "SELECT obs_id, COUNT(*) FROM listings WHERE obs_id IN ({marks}) GROUP BY obs_id",
        sorted({obs_id for obs_id, _ in observations}),
    )
    size = {obs_id: int(n) for obs_id, n in counts}
    sizes = [size.get(obs_id, 0) for obs_id, _ in observations]
    total = sum(sizes)
    overlaps = _page_of_lists(sizes, offset, page_size)
    if not overlaps:
        return [], total
    roots = [
        v
        for index, first, last in overlaps
        for v in (observations[index][0], index, observations[index][1], first, last)
    ]
    sql = stored_lists_sql(len(overlaps), rule_case, columns)
    # Every row is reached by key: a range of a list, a product by name, an
    # observation by id. At 1M products PostgreSQL misjudged the ranges
    # (228,740 rows for 50,000), hashed all of ``products`` and scanned all
    # of ``listings``: 4 s a page.
    with store.keyed():
        return store.execute(sql, (*roots, *rule_params, total)), total


def _computed(
    store: SqlStore,
    observations: Sequence[tuple[str, int]],
    window: _Window,
    columns: str | None,
) -> tuple[_Rows, int]:
    """Compute one page in the database from the catalog's rows (some list is queued)."""
    rule_case, rule_params = _rule()
    offset, page_size = window
    sql = product_lists_sql(len(observations), rule_case, store.collate, columns)
    roots = [v for pos, (obs_id, obsid) in enumerate(observations) for v in (obs_id, pos, obsid)]
    raw = store.execute(sql, (*roots, *rule_params, page_size, offset))
    # Every row ends with the total of all pages, then the parent obsid.
    total = int(raw[0][-2]) if raw else 0
    if not raw and offset > 0:  # past the end: the count still says how many there are
        probe = store.execute(sql, (*roots, *rule_params, 1, 0))
        total = int(probe[0][-2]) if probe else 0
    return raw, total


def _row(listed: ListedRow) -> dict[str, Any]:
    row = mast_row(listed, str(listed.parent))
    row["productGroupDescription"] = MRP_LABEL if listed.rule in MRP_RULE_IDS else ""
    row.pop("brought_in")
    row.pop("location")
    return row

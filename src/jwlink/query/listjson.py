"""An observation's product list as the JSON text the native API answers.

The same rows as `jwlink.query.questions.product_list` (the same statement,
`jwlink.query.productlist.product_list_sql`, the same filters, paging and
total), each row written by the database (`jwlink.query.rowjson`), so that
a page of thousands of files costs what reading it costs. The text is the
one the API wrote from ``product_list(...).as_dict()``, byte for byte on
both backends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jwlink.query.productlist import list_rule_case, product_list_sql
from jwlink.query.questions import (
    ProductFilters,
    listing_is_stored,
    mrp_is_kept,
    observation_of,
    planned,
)
from jwlink.query.rowjson import RenderedRows, rendered_columns, rendered_rows
from jwlink.store import SqlStore

__all__ = ["ListDocument", "product_list_json"]

# The obsid of the observation listed, as text (`questions.observation_of`'s).
_PARENT = "(SELECT CAST(obsid AS TEXT) FROM observations WHERE obs_id = (SELECT root FROM roots))"


@dataclass
class ListDocument:
    """One page of an observation's product list, its rows already JSON."""

    obs_id: str
    obsid: str
    total: int
    page: int
    page_size: int | None
    rows: RenderedRows

    def text(self) -> str:
        """Return ``ProductList.as_dict()`` as the API writes it (its keys, in its order)."""
        head = {
            "obs_id": self.obs_id,
            "obsid": self.obsid,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
        }
        start = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        return "".join((start[:-1], ',"products":[', ",".join(self.rows.texts), "]}"))


def product_list_json(
    store: SqlStore,
    name: str,
    filters: ProductFilters | None = None,
    all_duplicates: bool = False,
    page: int = 1,
    page_size: int | None = None,
) -> ListDocument | None:
    """Return an observation's product list with its rows written as JSON by the database.

    Parameters are those of `jwlink.query.questions.product_list`.

    Returns
    -------
    ListDocument or None
        None when a row of the page must be written by Python
        (`jwlink.query.rowjson`): ask `questions.product_list` for it.

    Raises
    ------
    NotFound
        Nothing answers to the name.
    InvalidQuery
        The name is a product of no observation.
    """
    with store.snapshot():
        obs_id, obsid = observation_of(store, name)
        rule_case, rule_params = list_rule_case(store, obs_id)
        where, where_params = (filters or ProductFilters()).sql()
        paged = page_size is not None
        stored = listing_is_stored(store, obs_id)
        columns = rendered_columns(store.backend, _PARENT)
        kept = mrp_is_kept(store, filters, stored)
        sql = product_list_sql(
            all_duplicates, rule_case, where, store.collate, paged, stored, columns, kept
        )
        params = [obs_id, *rule_params, *where_params]
        if page_size is not None:
            params += [page_size, (page - 1) * page_size]
        with planned(store, stored):
            raw = store.execute(sql, params)
        total = int(raw[0][4]) if raw else 0
        if not raw and page_size is not None and page > 1:
            # Past the end: the count still says how many there are.
            probe = store.execute(sql, [*params[:-2], 1, 0])
            total = int(probe[0][4]) if probe else 0
        rows = rendered_rows(store, raw)
    if rows.odd:
        return None
    return ListDocument(obs_id, obsid, total, page, page_size, rows)

"""MAST product-list and observation tables -> products and observations (pools: `pools`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from jwlink.core.linker.pools import ROWS_PER_PART, exposure_obs_id, link_pool
from jwlink.core.linker.products import (
    add_info,
    observation_for,
    product_of,
    program_of,
)
from jwlink.core.model import (
    Batch,
    Level,
    ListedProduct,
    Member,
    ProductType,
)
from jwlink.core.release import release_iso
from jwlink.naming import describe

# The pool linker lives in jwlink.core.linker.pools; named here as before.
__all__ = [
    "exposure_obs_id",
    "link_listed",
    "link_listed_parts",
    "link_observation_table",
    "link_pool",
    "listed_owners",
]


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _release(value: Any) -> str | None:
    """Return a ``t_obs_release`` as ISO text (`release_iso`); other text is kept as written.

    Product and observation tables are checked by their readers; text that
    is no date (from a list no reader checks) stays, and reads as exclusive.
    """
    try:
        return release_iso(value)
    except ValueError:
        return _text(value)


def _product_type(value: Any) -> ProductType | None:
    try:
        return ProductType(str(value).upper())
    except ValueError:
        return None


def link_listed(rows: list[ListedProduct]) -> Batch:
    """Derive rows from a MAST product list, download manifest, script or cloud listing.

    Each row names one file. Its observation is the row's ``obs_id`` when the
    table has one, else the one its name implies (none for shared files): a
    table never moves a file into another row's observation. Rows whose
    ``parent_obsid`` differs from their ``obsID`` were listed for a parent
    (Level 3) observation: the parent's ``obs_id`` is learned from the rows it
    owns, and the owner is recorded as its member. Without both columns
    (a trimmed export, a manifest) no membership is derived.

    Parameters
    ----------
    rows : list of ListedProduct
        The table's rows.

    Returns
    -------
    Batch
        Products with size, data rights, version and type as MAST lists them.
    """
    return _link_rows(rows, listed_owners(rows), rows[0].source if rows else "")


def listed_owners(rows: Iterable[ListedProduct]) -> dict[str, str]:
    """Return each ``obsID`` of a product table with the ``obs_id`` of its first row.

    The one fact a row needs of other rows: a ``parent_obsid`` names its
    parent by ``obsID``, and the parent's ``obs_id`` is on the parent's own
    rows, anywhere in the table. One entry per observation: the first of
    the two passes over a big table (`link_listed_parts`).

    Parameters
    ----------
    rows : iterable of ListedProduct
        The table's rows (read once).

    Returns
    -------
    dict
        ``obsID`` -> ``obs_id``, both as text.
    """
    # Only real ids: a table without obsID would map every row to None, and
    # parent_obsid None would then name the last row's observation (issue 11).
    owner_of: dict[str, str] = {}
    for row in rows:
        obsid, obs_id = _text(row.columns.get("obsID")), _text(row.columns.get("obs_id"))
        if obsid is not None and obs_id is not None:
            owner_of.setdefault(obsid, obs_id)
    return owner_of


def link_listed_parts(
    rows: Iterable[ListedProduct], owners: dict[str, str], per_part: int = ROWS_PER_PART
) -> Iterator[Batch]:
    """Derive the rows of a product table in parts of ``per_part`` table rows.

    Together the parts hold exactly the rows of `link_listed` over the same
    rows, in whatever order the table lists them.

    Parameters
    ----------
    rows : iterable of ListedProduct
        The table's rows, read lazily (the second pass).
    owners : dict
        `listed_owners` of the same rows.
    per_part : int
        Table rows per part.

    Yields
    ------
    Batch
        Products, observations and members of ``per_part`` rows.
    """
    if per_part < 1:
        msg = f"per_part must be at least 1, not {per_part}"
        raise ValueError(msg)
    it = iter(rows)
    while chunk := list(islice(it, per_part)):
        yield _link_rows(chunk, owners, chunk[0].source)


def _link_rows(rows: Iterable[ListedProduct], owner_of: dict[str, str], source: str) -> Batch:
    batch = Batch(source=source)
    for row in rows:
        cols = row.columns
        info = describe(str(cols["productFilename"]))
        add_info(batch, info)
        # MAST's calib_level says the level where the name does not; 2 alone
        # does not say 2a or 2b, so it stays for the list to derive.
        level = info.level
        if level is None:
            level = _LISTED_LEVELS.get(_int(cols.get("calib_level")) or 0)
        # product_of keeps the name's values where these are None.
        base = product_of(
            info,
            level=level,
            product_type=_product_type(cols.get("productType")),
            obs_id=_text(cols.get("obs_id")),
            size=_int(cols.get("size")),
            prvversion=_text(cols.get("prvversion")),
            data_rights=_text(cols.get("dataRights")),
            release_date=_release(cols.get("t_obs_release")),
            filters=_text(cols.get("filters")),
            dataproduct_type=_text(cols.get("dataproduct_type")),
            program=program_of(cols.get("proposal_id")),
        )
        batch.products.append(base)
        obs = observation_for(base, info.form)
        if obs is not None:
            # What MAST's observation table shows: its files' rights and release
            # (several rows merge: the exclusive rights, the latest date).
            obs = replace(obs, data_rights=base.data_rights, release_date=base.release_date)
            batch.observations.append(obs)
        parent_id = _text(cols.get("parent_obsid"))
        parent = owner_of.get(parent_id) if parent_id is not None else None
        if parent and base.obs_id and parent != base.obs_id:
            batch.members.append(
                Member(parent, base.obs_id, "member", f"table:{row.source}:line {row.line}")
            )
    return batch


_LISTED_LEVELS = {1: Level.L1B, 3: Level.L3}


def _float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def link_observation_table(rows: list[ListedProduct]) -> Batch:
    """Derive observations from a MAST observation table (``query_criteria``, ``query_region``).

    Each row is one observation in CAOM's columns (mast-api.md §3): its
    ``dataRights`` and ``t_obs_release`` (an MJD), and what else it says
    of itself (instrument, filters, target, position, times). Rows
    of other collections (``obs_collection`` not ``JWST``) are left out. The
    files of an observation take its rights and release date where their own
    rows say none (`jwlink.query.selection.files_by_name`).

    Parameters
    ----------
    rows : list of ListedProduct
        The table's rows, checked by `jwlink.readers.table.read_observation_table`.

    Returns
    -------
    Batch
        Observations only: a table of observations names no file.
    """
    batch = Batch(source=rows[0].source if rows else "")
    for row in rows:
        cols = row.columns
        collection = _text(cols.get("obs_collection"))
        if collection is not None and collection.upper() != "JWST":
            continue
        info = describe(str(cols["obs_id"]).strip())
        bare = observation_for(product_of(info), info.form)
        if bare is None:
            continue
        level = _int(cols.get("calib_level"))
        if bare.calib_level < 3 and level is not None:
            # An exposure's observation is Level 1 or 2, whatever its products reach.
            bare = replace(bare, calib_level=min(max(level, 1), 2))
        said: dict[str, Any] = {
            "instrument_name": _text(cols.get("instrument_name")),
            "filters": _text(cols.get("filters")),
            "target_name": _text(cols.get("target_name")),
            "intent_type": _text(cols.get("intentType")),
            "dataproduct_type": _text(cols.get("dataproduct_type")),
            "s_ra": _float(cols.get("s_ra")),
            "s_dec": _float(cols.get("s_dec")),
            "t_min": _float(cols.get("t_min")),
            "t_max": _float(cols.get("t_max")),
            "t_exptime": _float(cols.get("t_exptime")),
            "data_rights": _text(cols.get("dataRights")),
            "release_date": _release(cols.get("t_obs_release")),
        }
        batch.observations.append(replace(bare, **{k: v for k, v in said.items() if v is not None}))
    return batch

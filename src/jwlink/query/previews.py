"""The preview images (``_i2d.jpg``, ``_cal_thumb.jpg``, ...) the catalog holds for the portal.

Previews are ingested products of type ``PREVIEW`` or ``THUMBNAIL``, linked
to the product they show by a ``linked`` edge whose role is ``preview`` or
``thumbnail`` (evidence ``name:preview``). Each answer is a few index seeks:
``links_target`` for a product's previews, ``products_obs_id`` for an
observation's, the members' primary key then ``products_obs_id`` for the
thumbnails of a Level 3 observation's members.
"""

from __future__ import annotations

from typing import Any

from jwlink.store import SqlStore

__all__ = ["MEMBER_THUMBNAILS", "member_thumbnails", "observation_previews", "product_previews"]

# A strip of member thumbnails shows at most this many (a 5,000-member mosaic has 5,000).
MEMBER_THUMBNAILS = 48
_KEYS = ("name", "obs_id", "product_type", "present")
_PRODUCT = (
    "SELECT p.name, p.obs_id, p.product_type, p.location IS NOT NULL FROM links l "
    "JOIN products p ON p.name = l.source WHERE l.target = ? AND l.kind = 'linked' "
    "AND l.role IN ('preview', 'thumbnail') ORDER BY p.product_type, p.name"
)
_OBSERVATION = (
    "SELECT name, obs_id, product_type, location IS NOT NULL FROM products "
    "WHERE obs_id = ? AND product_type IN ('PREVIEW', 'THUMBNAIL') ORDER BY product_type, name"
)
_MEMBERS = (
    "SELECT p.name, p.obs_id, p.product_type, p.location IS NOT NULL FROM members m "
    "JOIN products p ON p.obs_id = m.member_obs_id WHERE m.obs_id = ? "
    "AND p.product_type = 'THUMBNAIL' ORDER BY p.name LIMIT ?"
)
_MEMBER_COUNT = (
    "SELECT COUNT(*) FROM members m JOIN products p ON p.obs_id = m.member_obs_id "
    "WHERE m.obs_id = ? AND p.product_type = 'THUMBNAIL'"
)


def _rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{**dict(zip(_KEYS, row, strict=True)), "present": bool(row[3])} for row in rows]


def product_previews(store: SqlStore, name: str) -> list[dict[str, Any]]:
    """Return the previews of one product (``PREVIEW`` first, then ``THUMBNAIL``).

    Parameters
    ----------
    store : SqlStore
        An open catalog.
    name : str
        The product's catalog name.

    Returns
    -------
    list of dict
        ``name``, ``obs_id``, ``product_type`` and ``present`` (the file is
        held) of each preview; empty when the product has none.
    """
    return _rows(store.execute(_PRODUCT, (name,)))


def observation_previews(store: SqlStore, obs_id: str) -> list[dict[str, Any]]:
    """Return the previews an observation holds among its own products (as `product_previews`)."""
    return _rows(store.execute(_OBSERVATION, (obs_id,)))


def member_thumbnails(
    store: SqlStore, obs_id: str, limit: int = MEMBER_THUMBNAILS
) -> tuple[list[dict[str, Any]], int]:
    """Return the first ``limit`` thumbnails of a Level 3 observation's members, and how many.

    Returns
    -------
    (list of dict, int)
        Thumbnails in name order (as `product_previews`), and the count of all.
    """
    rows = _rows(store.execute(_MEMBERS, (obs_id, limit)))
    total = int(store.execute(_MEMBER_COUNT, (obs_id,))[0][0])
    return rows, total

"""A product's direct neighbours in the link graph (DataLink's ``{links}`` rows)."""

from __future__ import annotations

from typing import NamedTuple

from jwlink.store import SqlStore

__all__ = ["MAX_SIBLINGS", "Neighbour", "neighbours"]

# Coderived siblings listed at most (a mosaic's exposures can number thousands).
MAX_SIBLINGS = 500

_INBOUND = (
    "SELECT source, kind, role FROM links WHERE target = ? AND source <> target "
    "ORDER BY kind, role, source"
)
_OUTBOUND = (
    "SELECT target, kind, role FROM links WHERE source = ? AND source <> target "
    "ORDER BY kind, role, target"
)
# Products made from the same inputs as this one (the other targets of a
# multiplicity link's source): the rows DataLink calls coderived.
_SIBLINGS = (
    "SELECT DISTINCT b.target, a.kind FROM links a JOIN links b "
    "ON b.source = a.source AND b.kind = a.kind AND b.role = a.role "
    "WHERE a.target = ? AND a.kind = 'multiplicity' AND b.target <> ? ORDER BY b.target "
    "LIMIT ?"
)


class Neighbour(NamedTuple):
    """One product next to another: its name, the link's kind and role, and its direction.

    ``inbound`` is true when the neighbour feeds the product (it is the
    link's source); a coderived sibling has kind ``coderived`` and the
    shared link's kind as its role.
    """

    name: str
    kind: str
    role: str
    inbound: bool


def neighbours(store: SqlStore, name: str) -> list[Neighbour]:
    """Return every direct link of a product (inbound, then outbound), then coderived siblings.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    name : str
        A product name.

    Returns
    -------
    list of Neighbour
        Inbound links by kind, role and source; outbound by kind, role and
        target; then at most `MAX_SIBLINGS` siblings by name.
    """
    found = [Neighbour(s, k, r, True) for s, k, r in store.execute(_INBOUND, (name,))]
    found += [Neighbour(t, k, r, False) for t, k, r in store.execute(_OUTBOUND, (name,))]
    siblings = store.execute(_SIBLINGS, (name, name, MAX_SIBLINGS))
    found += [Neighbour(t, "coderived", k, True) for t, k in siblings]
    return found

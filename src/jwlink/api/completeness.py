"""Completeness of a list of file names, answered from the catalog alone (no ingest).

A user posts the names of the files they hold; the answer says which
associations those files touch (as the association file itself, a member or
an expected product) and, for each, which members and expected products are
not among the names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jwlink.store import SqlStore

__all__ = ["completeness"]

_CHUNK = 500


def _in_chunks(store: SqlStore, sql: str, names: Sequence[str]) -> set[str]:
    """Run ``sql`` (one ``IN ({marks})``) over the names in chunks; collect column 0."""
    found: set[str] = set()
    for start in range(0, len(names), _CHUNK):
        chunk = list(names[start : start + _CHUNK])
        marks = ", ".join("?" for _ in chunk)
        found.update(str(r[0]) for r in store.execute(sql.format(marks=marks), chunk))
    return found


def completeness(store: SqlStore, names: Sequence[str]) -> dict[str, Any]:
    """Say which associations a set of files touches and what each one misses.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    names : sequence of str
        File names the caller holds.

    Returns
    -------
    dict
        ``{"files", "complete", "associations": [{"association", "members",
        "missing_members", "products", "missing_products", "present"}],
        "known", "unknown", "unassociated"}``; ``complete`` is true when no
        touched association misses anything.
    """
    held = sorted(set(names))
    touched = _in_chunks(store, "SELECT name FROM associations WHERE name IN ({marks})", held)
    touched |= _in_chunks(
        store, "SELECT association FROM asn_members WHERE expname IN ({marks})", held
    )
    touched |= _in_chunks(
        store, "SELECT association FROM asn_outputs WHERE name IN ({marks})", held
    )
    known = _in_chunks(store, "SELECT name FROM products WHERE name IN ({marks})", held)
    have = set(held)
    accounted: set[str] = set()
    report = []
    for association in sorted(touched):
        members = sorted(
            {
                r[0]
                for r in store.execute(
                    "SELECT expname FROM asn_members WHERE association = ?", (association,)
                )
            }
        )
        outputs = sorted(
            {
                r[0]
                for r in store.execute(
                    "SELECT name FROM asn_outputs WHERE association = ?", (association,)
                )
                if "{" not in r[0]
            }
        )
        accounted.update(members, outputs, [association])
        report.append(
            {
                "association": association,
                "present": association in have,
                "members": len(members),
                "missing_members": [m for m in members if m not in have],
                "products": len(outputs),
                "missing_products": [o for o in outputs if o not in have],
            }
        )
    complete = all(
        a["present"] and not a["missing_members"] and not a["missing_products"] for a in report
    )
    return {
        "files": len(held),
        "complete": complete,
        "associations": report,
        "known": len(known),
        "unknown": sorted(have - known),
        "unassociated": sorted(n for n in have if n not in accounted),
    }

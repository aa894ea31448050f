"""Completeness of a local folder: missing members, missing products, strays, MRP.

``jwlink check DIR`` ingests the folder (into the given catalog, or a
temporary one) and compares what is on disk under DIR with what every
association found there lists and makes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwlink.ingest import IngestReport, ingest
from jwlink.queries import mrp
from jwlink.store import SqlStore

__all__ = ["Completeness", "check"]


@dataclass
class Completeness:
    """What a folder holds against what its associations say it should."""

    folder: str
    associations: list[dict[str, Any]] = field(default_factory=list)
    unassociated: list[str] = field(default_factory=list)
    mrp: dict[str, list[str]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when no member or expected product is missing and every file was read."""
        missing = any(a["missing_members"] or a["missing_products"] for a in self.associations)
        return not missing and not self.errors

    def as_dict(self) -> dict[str, Any]:
        """JSON form: per association what is missing, strays, MRP present, errors."""
        return {
            "folder": self.folder,
            "complete": self.complete,
            "associations": self.associations,
            "unassociated": self.unassociated,
            "mrp": self.mrp,
            "errors": self.errors,
        }


def _present_under(store: SqlStore, folder: str) -> dict[str, str]:
    # Locations are absolute; a prefix match on the folder plus a separator
    # keeps /data/a from matching /data/ab.
    prefix = folder.rstrip(os.sep) + os.sep
    rows = store.execute(
        "SELECT name, location FROM products "
        "WHERE location IS NOT NULL AND substr(location, 1, ?) = ?",
        (len(prefix), prefix),
    )
    return dict(rows)


def check(store: SqlStore, folder: str | os.PathLike[str]) -> Completeness:
    """Ingest a folder and report its completeness.

    Parameters
    ----------
    store : SqlStore
        The catalog to ingest into (a temporary one is fine).
    folder : str or PathLike
        A folder of downloaded JWST files.

    Returns
    -------
    Completeness
        For each association whose file is in the folder: members and
        expected products not in the folder; files in no association; the
        MRP of each observation among what is present; files that failed.
    """
    root = str(Path(folder).resolve())
    report: IngestReport = ingest(store, [root])
    result = Completeness(folder=root)
    result.errors = [{"path": p, "error": m} for p, m in report.errors]
    present = _present_under(store, root)
    accounted: set[str] = set()
    asn_names = sorted(n for n in present if _is_association(store, n))
    for asn in asn_names:
        members = store.execute(
            "SELECT DISTINCT expname FROM asn_members WHERE association = ? ORDER BY expname",
            (asn,),
        )
        outputs = store.execute(
            "SELECT DISTINCT name FROM asn_outputs WHERE association = ? ORDER BY name", (asn,)
        )
        member_names = [r[0] for r in members]
        output_names = [r[0] for r in outputs if "{" not in r[0]]
        accounted.update(member_names, output_names, [asn])
        result.associations.append(
            {
                "association": asn,
                "members": len(member_names),
                "missing_members": [m for m in member_names if m not in present],
                "products": len(output_names),
                "missing_products": [o for o in output_names if o not in present],
            }
        )
    accounted |= _linked_to(store, accounted)
    result.unassociated = sorted(n for n in present if n not in accounted)
    result.mrp = _present_mrp(store, present)
    return result


def _is_association(store: SqlStore, name: str) -> bool:
    return bool(store.execute("SELECT 1 FROM associations WHERE name = ?", (name,)))


def _linked_to(store: SqlStore, names: set[str]) -> set[str]:
    """Previews, per-source files and pools that hang off the associations' products."""
    found: set[str] = set()
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = store.execute(
            f"SELECT source FROM links WHERE target IN ({marks}) "
            "AND kind IN ('linked', 'aggregation') UNION "
            f"SELECT target FROM links WHERE source IN ({marks}) AND kind = 'multiplicity'",
            (*chunk, *chunk),
        )
        found.update(r[0] for r in rows)
    return found


def _present_mrp(store: SqlStore, present: dict[str, str]) -> dict[str, list[str]]:
    owners = set()
    names = sorted(present)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        owners.update(
            r[0]
            for r in store.execute(
                f"SELECT DISTINCT obs_id FROM products WHERE name IN ({marks}) "
                "AND obs_id IS NOT NULL",
                tuple(chunk),
            )
        )
    # Exposures that are members of a Level 3 observation present here are
    # covered by its MRP (which hides them when Level 3 products exist).
    covered = set()
    for obs_id in owners:
        covered.update(
            r[0]
            for r in store.execute("SELECT member_obs_id FROM members WHERE obs_id = ?", (obs_id,))
        )
    result = {}
    for obs_id in sorted(owners - covered):
        chosen = [n for n in mrp(store, obs_id).products if n in present]
        if chosen:
            result[obs_id] = chosen
    return result

"""Statements behind ``jwlink stale``: the headers kept for CRDS, and what is downstream.

The headers are the ``crds_headers`` rows ingest wrote (migration 0006);
the impact of a set of stale products is `jwlink.query.lineage.impact_sql`'s
walk started from all of them at once, shaped as `questions.Impact`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from jwlink.core.crdsparams import CrdsHeader
from jwlink.errors import CrdsError
from jwlink.query.questions import Impact
from jwlink.store.base import SqlStore

__all__ = ["crds_headers", "impact_of"]

_MIGRATION = "0006_crds_headers"
_CHUNK = 500  # names bound per statement (SQLite allows 32,766 parameters)


def _header(row: Sequence[object]) -> CrdsHeader:
    name, context, parameters, references = row
    return CrdsHeader(
        str(name),
        None if context is None else str(context),
        json.loads(str(parameters)),
        json.loads(str(references)),
    )


def crds_headers(store: SqlStore, names: Sequence[str] | None = None) -> Iterator[CrdsHeader]:
    """Yield the kept CRDS headers: of every product, or of ``names`` only.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    names : sequence of str, optional
        Products to look up (those without a kept header are skipped).
    """
    if not store.execute("SELECT 1 FROM jwlink_migrations WHERE name = ?", (_MIGRATION,)):
        msg = (
            "this catalog predates kept CRDS headers (migration 0006_crds_headers): run "
            "`jwlink ingest --force` on its FITS files (ingest applies the migration, "
            "--force re-reads files it holds unchanged)"
        )
        raise CrdsError(msg)
    select = "SELECT name, context, parameters, reference_files FROM crds_headers"
    if names is None:
        yield from map(_header, store.execute(f"{select} ORDER BY name"))
        return
    wanted = sorted(set(names))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        yield from map(_header, store.execute(f"{select} WHERE name IN ({marks})", chunk))


def impact_of(store: SqlStore, names: Sequence[str]) -> Impact:
    """Return the products to reprocess: ``names`` and everything downstream of them.

    The walk of `jwlink.query.lineage.impact_sql` (links followed from source
    to target, transitively), seeded with many products at once.
    """
    found: dict[str, tuple[str | None, int | None]] = {}
    wanted = sorted(set(names))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        sql = (
            f"WITH RECURSIVE walk(name) AS (SELECT name FROM products WHERE name IN ({marks}) "
            "UNION "
            "SELECT l.target FROM links l JOIN walk w ON l.source = w.name) "
            "SELECT p.name, p.obs_id, p.calib_level FROM products p "
            "WHERE p.name IN (SELECT name FROM walk)"
        )
        for name, obs_id, level in store.execute(sql, chunk):
            found[name] = (obs_id, level)
    products = [{"name": n, "obs_id": o, "calib_level": c} for n, (o, c) in sorted(found.items())]
    return Impact(name="stale", products=products)

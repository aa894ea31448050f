"""Entries of a catalog worth showing a newcomer (``jwlink demo``'s things to try)."""

from __future__ import annotations

from typing import NamedTuple

from jwlink.store import SqlStore

__all__ = ["Showcase", "exclusive_programs", "showcase"]

# The observation with the most members: a Level 3 product of many exposures.
_LARGEST_L3 = "SELECT obs_id FROM members GROUP BY obs_id ORDER BY COUNT(*) DESC, obs_id LIMIT 1"
_PER_SOURCE = "SELECT obs_id FROM observations WHERE obs_id LIKE ? ORDER BY obs_id LIMIT 1"
# The reference file most products used (a CRDS context, .pmap, is not one file's input).
_BUSIEST_REFERENCE = (
    "SELECT l.source FROM links l JOIN products p ON p.name = l.source "
    "WHERE p.product_type = 'REFERENCE' AND p.extension <> 'pmap' GROUP BY l.source "
    "ORDER BY COUNT(*) DESC, l.source LIMIT 1"
)
_EXCLUSIVE_PROGRAMS = (
    "SELECT DISTINCT program FROM products WHERE UPPER(data_rights) = 'EXCLUSIVE_ACCESS' "
    "AND program IS NOT NULL ORDER BY program"
)


class Showcase(NamedTuple):
    """One of each interesting thing; ``""`` where the catalog holds none."""

    l3_observation: str
    per_source_observation: str
    reference_file: str


def _first(rows: list[tuple[object, ...]]) -> str:
    return str(rows[0][0]) if rows else ""


def showcase(store: SqlStore) -> Showcase:
    """Return the largest Level 3 observation, a per-source one and the busiest reference file."""
    return Showcase(
        _first(store.execute(_LARGEST_L3)),
        _first(store.execute(_PER_SOURCE, ("%{source_id}%",))),
        _first(store.execute(_BUSIEST_REFERENCE)),
    )


def exclusive_programs(store: SqlStore) -> list[str]:
    """Return the programs holding exclusive-access products, in order."""
    return [str(r[0]) for r in store.execute(_EXCLUSIVE_PROGRAMS)]

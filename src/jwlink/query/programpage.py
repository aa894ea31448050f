"""A program's page of products, cut in the database inside the observations it overlaps.

A program's list sorts by observation, then most calibrated first, then by
name (`jwlink.query.productlist.sort_key`), and each row's MRP flag is
decided over its observation's products. A page therefore needs: how many
rows each observation has (kept per program and observation with the
lists, ``program_counts``), the page's names (sorted and cut by the
database within the observations the page overlaps), and two facts of each
of those observations (does it hold Level 3 science products, does it hold
per-source files) to decide the page's rows alone. Counting every product
of the program, then reading and deciding every row of the observations
overlapped, cost 171 ms (SQLite) and 323 ms (PostgreSQL) for a page of
1,000 at 1M products whose first observation is a 42,193-product mosaic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jwlink.store import SqlStore
from jwlink.store.chunks import chunked, marks
from jwlink.store.listings import CALIB_LEVEL_SQL

__all__ = ["among_observations", "group_facts", "page_names", "page_observations"]

# Products per observation of a program: kept (migration 0012) while no list
# of the program is queued, else counted from the index (migration 0008).
# Rows group by ``obs_id or ""``, so NULL and "" are counted together.
_KEPT_COUNTS_SQL = "SELECT obs_id, products FROM program_counts WHERE program = ?"
_UNOWNED_SQL = "SELECT COUNT(*) FROM products WHERE program = ? AND obs_id IS NULL"
_COUNTS_SQL = "SELECT obs_id, COUNT(*) FROM products WHERE program = ? GROUP BY obs_id"
# A queued list may hold the count of a product written since: then count.
_ANY_QUEUED_SQL = "SELECT 1 FROM listing_queue LIMIT 1"
_QUEUED_SQL = (
    "SELECT 1 FROM listing_queue q WHERE EXISTS "
    "(SELECT 1 FROM products p WHERE p.program = ? AND p.obs_id = q.obs_id) LIMIT 1"
)

# The order of `sort_key` within one program: observation, most calibrated
# first (no level counts as 0), then name; names are unique, so it is total.
_NAMES_SQL = (
    "SELECT p.name FROM products p LEFT JOIN observations o ON o.obs_id = p.obs_id "
    "WHERE p.program = ? AND {among} "
    "ORDER BY COALESCE(p.obs_id, '') {collate}, COALESCE({calib}, 0) DESC, p.name {collate} "
    "LIMIT ? OFFSET ?"
)

# `jwlink.core.mrp.explain`'s two facts of a group, each an index seek that
# stops at the first row found: Level 3 science products; per-source files
# (Level 3 files of a ``{source_id}`` observation, not placeholders).
_HAS_L3_SQL = (
    "SELECT 1 FROM products p WHERE p.program = ? AND {owner} "
    "AND p.level = '3' AND p.product_type = 'SCIENCE' LIMIT 1"
)
_CONCRETE_SQL = (
    "SELECT 1 FROM products p WHERE p.program = ? AND {owner} "
    "AND p.level = '3' AND p.name NOT LIKE '%{{%' LIMIT 1"
)


def page_observations(
    store: SqlStore, program: str, page: int, page_size: int
) -> tuple[int, int, list[str]]:
    """Return the program's row count, the rows to skip and the observations a page overlaps.

    The observations are in the order the rows sort by (Python's string
    order, which is byte order on every backend); ``""`` stands for products
    no observation owns.
    """
    per_obs: dict[str, int] = {}
    for key, n in _counts(store, program):
        per_obs[key or ""] = per_obs.get(key or "", 0) + int(n)
    start, end = (page - 1) * page_size, page * page_size
    seen, skip = 0, 0
    picked: list[str] = []
    for key, n in sorted(per_obs.items()):
        if seen + n > start and seen < end:
            if not picked:
                skip = start - seen
            picked.append(key)
        seen += n
    return seen, skip, picked


def _counts(store: SqlStore, program: str) -> list[tuple[Any, ...]]:
    """Return ``(obs_id, products)`` of a program's observations (``None``: no owner)."""
    queued = store.execute(_ANY_QUEUED_SQL) and store.execute(_QUEUED_SQL, (program,))
    if queued:
        return store.execute(_COUNTS_SQL, (program,))
    unowned = store.execute(_UNOWNED_SQL, (program,))[0][0]
    kept = store.execute(_KEPT_COUNTS_SQL, (program,))
    return [*kept, (None, unowned)] if unowned else kept


def among_observations(picked: Sequence[str], params: list[Any]) -> str:
    """Return the condition keeping products of ``picked`` (``""``: no owner); extend params."""
    if not picked:
        return "1 = 0"
    params.extend(picked)
    owned = f"p.obs_id IN ({marks(len(picked))})"
    return f"({owned} OR p.obs_id IS NULL)" if "" in picked else owned


def page_names(
    store: SqlStore, program: str, picked: Sequence[str], skip: int, page_size: int
) -> list[str]:
    """Return the names of a page, in order: ``page_size`` rows after ``skip`` of ``picked``.

    The database sorts only the overlapped observations' names and levels,
    not their whole rows.
    """
    params: list[Any] = [program]
    among = among_observations(picked, params)
    sql = _NAMES_SQL.format(among=among, collate=store.collate, calib=CALIB_LEVEL_SQL)
    return [r[0] for r in store.execute(sql, [*params, page_size, skip])]


def _exists(store: SqlStore, sql: str, program: str, obs_id: str) -> bool:
    if obs_id:
        return bool(store.execute(sql.format(owner="p.obs_id = ?"), (program, obs_id)))
    return bool(store.execute(sql.format(owner="p.obs_id IS NULL"), (program,)))


def group_facts(
    store: SqlStore, program: str, obs_ids: Sequence[str]
) -> dict[str, tuple[bool, bool]]:
    """Return, per observation (``""``: none), (has Level 3 science, has per-source files).

    These are the facts `jwlink.core.mrp.explain` would judge from all the
    observation's rows of the program's list; ``composed`` (hidden by a
    Level 3 observation) is decided by the caller.
    """
    facts: dict[str, tuple[bool, bool]] = {}
    for obs_id in obs_ids:
        has_l3 = _exists(store, _HAS_L3_SQL, program, obs_id)
        # `mrp._is_per_source`: only an observation named for its sources has them.
        concrete = "{source_id}" in obs_id and _exists(store, _CONCRETE_SQL, program, obs_id)
        facts[obs_id] = (has_l3, concrete)
    return facts


def composed_among(store: SqlStore, program: str, obs_ids: Sequence[str]) -> set[str]:
    """Return which of ``obs_ids`` are science members of a Level 3 observation of the program."""
    found: set[str] = set()
    for part in chunked([o for o in obs_ids if o]):
        sql = (
            "SELECT DISTINCT m.member_obs_id FROM members m "
            "JOIN observations o ON o.obs_id = m.obs_id "
            f"WHERE m.member_obs_id IN ({marks(len(part))}) AND o.program = ? "
            "AND m.exptype = 'science'"
        )
        found.update(r[0] for r in store.execute(sql, [*part, program]))
    return found

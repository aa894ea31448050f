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
1,000 at 1M products whose first observation is a 42,193-product mosaic;
this way, 53-63 ms (README, *A program's page from kept counts*).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jwlink.store import SqlStore
from jwlink.store.chunks import chunked, marks
from jwlink.store.listings import ANY_QUEUED, CALIB_LEVEL_SQL

__all__ = [
    "among_observations",
    "composed_among",
    "group_facts",
    "page_names",
    "page_observations",
]

# Products per observation of a program: kept (migration 0012) while no list
# of the program is queued, else counted from the index (migration 0008).
# Rows group by ``obs_id or ""``, so NULL and "" are counted together.
# In the index's order: byte order on SQLite and under a C-like default
# collation, where sorting them again in Python is a linear pass.
_KEPT_COUNTS_SQL = "SELECT obs_id, products FROM program_counts WHERE program = ? ORDER BY obs_id"
_UNOWNED_SQL = "SELECT COUNT(*) FROM products WHERE program = ? AND obs_id IS NULL"
_COUNTS_SQL = "SELECT obs_id, COUNT(*) FROM products WHERE program = ? GROUP BY obs_id"
# A queued list may hold the count of a product written since: then count.
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

# `jwlink.core.mrp.explain`'s two facts of each observation a page shows, in
# one statement of index seeks that stop at the first row found: Level 3
# science products; per-source files (Level 3 files of a ``{source_id}``
# observation, not placeholders). Products no observation owns (``""``)
# are asked apart.
_FACTS_SQL = (
    "WITH shown(obs_id) AS (VALUES {values}) SELECT s.obs_id, "
    "CASE WHEN EXISTS (SELECT 1 FROM products p WHERE p.program = ? AND p.obs_id = s.obs_id "
    "AND p.level = '3' AND p.product_type = 'SCIENCE') THEN 1 ELSE 0 END, "
    "CASE WHEN s.obs_id LIKE '%{{source_id}}%' AND EXISTS (SELECT 1 FROM products p "
    "WHERE p.program = ? AND p.obs_id = s.obs_id AND p.level = '3' "
    "AND p.name NOT LIKE '%{{%') THEN 1 ELSE 0 END FROM shown s"
)

_UNOWNED_L3_SQL = (
    "SELECT 1 FROM products p WHERE p.program = ? AND (p.obs_id IS NULL OR p.obs_id = '') "
    "AND p.level = '3' AND p.product_type = 'SCIENCE' LIMIT 1"
)


def page_observations(
    store: SqlStore, program: str, page: int, page_size: int
) -> tuple[int, int, list[str]]:
    """Return the program's row count, the rows to skip and the observations a page overlaps.

    The observations are in the order the rows sort by (Python's string
    order, which is byte order on every backend); ``""`` stands for products
    no observation owns.
    """
    rows = _counts(store, program)
    counts = [row for row in rows if row[0]]
    counts.sort()  # a linear pass over rows already in byte order
    unowned = sum(n for key, n in rows if not key)
    if unowned:
        counts.insert(0, ("", unowned))
    total = sum(n for _, n in counts)
    start, end = (page - 1) * page_size, page * page_size
    seen, skip = 0, 0
    picked: list[str] = []
    for key, n in counts:
        if seen >= end:
            break
        if seen + n > start:
            if not picked:
                skip = start - seen
            picked.append(key)
        seen += n
    return total, skip, picked


def _counts(store: SqlStore, program: str) -> list[tuple[Any, ...]]:
    """Return ``(obs_id, products)`` of a program's observations (``None``: no owner)."""
    queued = store.execute(ANY_QUEUED) and store.execute(_QUEUED_SQL, (program,))
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


def group_facts(
    store: SqlStore, program: str, obs_ids: Sequence[str]
) -> dict[str, tuple[bool, bool]]:
    """Return, per observation (``""``: none), (has Level 3 science, has per-source files).

    These are the facts `jwlink.core.mrp.explain` would judge from all the
    observation's rows of the program's list; ``composed`` (hidden by a
    Level 3 observation) is decided by the caller.
    """
    facts: dict[str, tuple[bool, bool]] = dict.fromkeys(obs_ids, (False, False))
    for part in chunked([o for o in obs_ids if o]):
        values = ", ".join(["(CAST(? AS TEXT))"] * len(part))
        sql = _FACTS_SQL.format(values=values)
        for obs_id, has_l3, concrete in store.execute(sql, [*part, program, program]):
            facts[obs_id] = (bool(has_l3), bool(concrete))
    if "" in facts:  # never a ``{source_id}`` observation: no per-source files
        facts[""] = (bool(store.execute(_UNOWNED_L3_SQL, (program,))), False)
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

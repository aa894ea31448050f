"""Each observation's product list, computed at ingest and kept in the ``listings`` table.

An observation's list holds the products it owns, its member exposures'
products and the files linked into those, each file once, by its best path
(`paths_sql`). Deciding the best path ranks every path to every file: for a
mosaic of 5,000 members, some 300,000 paths before the first row could be
returned. So the ranking runs when the catalog changes, not when it is read:
each file's transaction queues the observations whose lists its rows can
change (`queue_listings`), the end of an ingest recomputes the queued lists
(`refresh_listings`), and a reader of a list that is not queued reads it as
an index range scan of ``(obs_id, position)``. A queued (stale) list is
computed live by the same statement, so an answer never depends on whether a
refresh ran: only its speed does.

A list changes when a row it is computed from changes: a product it holds or
could hold, a link into a product it holds, a member of it, or an
observation whose level orders its rows. Catalog rows are only ever added
or updated, never deleted, so a change is always one of the rows a file
writes; `queue_listings` maps those to the observations they reach.

Each kept row also says whether the MRP policy recommends it (``mrp``,
migration 0011), decided when the list is computed by the SQL the read side
decides with (`jwlink.core.mrp.sql_case` over each observation's
`ROOT_FACTS`): the MRP page of a kept list is then a range scan of the
partial index ``listings_mrp``, not a decision per row of the list. The
facts a decision reads (the product's columns, its path, its observation's
products and association) are rows whose changes queue the list already.
The catalog records which policy decided (``listing_policy``, the digest
`jwlink.core.mrp.fingerprint`): flags another policy decided are never
read (`policy_is_current`), and a refresh that finds another policy's
digest queues every list again before it computes any.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from jwlink.core.mrp import MRP_RULE_IDS, fingerprint, sql_case
from jwlink.store.chunks import chunked, marks

__all__ = [
    "ANY_QUEUED",
    "BRINGING",
    "CALIB_LEVEL_SQL",
    "ONE_ROOT",
    "ORDER_SQL",
    "QUEUE_LISTING",
    "ROOT_FACTS",
    "paths_sql",
    "policy_is_current",
    "owners_before",
    "queue_listings",
    "refresh_listings",
]

# Links that bring a product into an observation's list: everything that
# describes or supports its products, but not the reference files (contributing)
# nor the downstream products that used them. A pre-image named by its PPS id
# (`jwlink.core.linker.engineering.PREIMAGE_PREFIX`) is no file: its link stays
# in lineage and on product pages, out of the list of files to download.
BRINGING = (
    "((l.kind IN ('linked', 'aggregation', 'prerequisite', 'calibration') "
    "OR (l.kind = 'antecedent' AND l.role = 'association')) "
    "AND NOT (l.role = 'preimage' AND SUBSTR(l.source, 1, 9) = 'preimage_'))"
)

# A product's calib_level where its level does not give one (MAST gives every
# row one, mast-api.md §2): an association file's by its type (``*2`` -> 2,
# ``*3`` -> 3), an MSA metadata file 1 (a Level 1b input: keyword dictionary,
# MSAMETFL), a pool 2 (the first stage whose associations it defines), else
# the level of the observation that owns it or that it is listed through.
# Over ``p`` (the product) and ``o`` (that observation).
CALIB_LEVEL_SQL = (
    "COALESCE(p.calib_level, "
    "(SELECT CASE WHEN a.asn_type LIKE '%2' THEN 2 WHEN a.asn_type LIKE '%3' THEN 3 END "
    "FROM associations a WHERE a.name = p.name), "
    "CASE p.suffix WHEN 'msa' THEN 1 WHEN 'pool' THEN 2 END, o.calib_level)"
)

# The order of a list's rows: most calibrated first, then by name, path
# observation and kind; over a column ``calib_level`` and the path columns.
ORDER_SQL = (
    "COALESCE(calib_level, 0) DESC, name {collate}, COALESCE(via, '') {collate}, "
    "COALESCE(kind, '') {collate}"
)

# The observation itself, then its members (``m``), as the owners of files.
_OWNERS = """SELECT root, root, NULL, NULL, 0 FROM roots
    UNION ALL
    SELECT r.root, m.member_obs_id,
           CASE m.exptype WHEN 'science' THEN 'composition'
                          WHEN 'target_acquisition' THEN 'prerequisite'
                          ELSE 'calibration' END,
           m.exptype,
           CASE m.exptype WHEN 'science' THEN 0 WHEN 'member' THEN 2 ELSE 1 END"""

# Over a CTE ``roots(root)``: the observations whose lists are made.
# links is read by the IN list of owned names, its outer loop (CROSS JOIN):
# as the inner side of a join on owned, SQLite builds a Bloom filter over the
# whole links table once ANALYZE has sized it (a full read per list).
# Rows: (root, name, via_obs, kind, role, rank, prio); rank orders the paths
# to one file, prio the roles one member exposure plays in this observation:
# an exposure that is science here and background (or PSF, ...) too is listed
# as science, whatever the names of the kinds sort to. Lineage keeps every edge.
_PATHS = f"""
owners(root, obs_id, kind, role, prio) AS (
    {_OWNERS}
    FROM roots r JOIN members m ON m.obs_id = r.root
),
owned AS MATERIALIZED (
    SELECT o.root, p.name, o.obs_id AS via, o.kind, o.role,
           CASE WHEN o.kind IS NULL THEN 0 ELSE 1 END AS rank, o.prio
    FROM owners o JOIN products p ON p.obs_id = o.obs_id
),
brought AS (
    SELECT w.root, l.source AS name, w.via, l.kind, l.role, 2 AS rank, 0 AS prio
    FROM links l CROSS JOIN owned w
    WHERE l.target IN (SELECT name FROM owned) AND w.name = l.target AND {BRINGING}
),
paths AS (
    SELECT * FROM owned UNION ALL SELECT * FROM brought
)
"""
# PostgreSQL: the same paths, each step a lookup by key from the rows before
# it (LATERAL ... OFFSET 0, which the planner may not flatten into a join).
# Its estimates cannot see which observations ``roots`` holds: a mosaic's
# members all share its obs_id, so any observation seems to own thousands of
# rows, and it then hashed all of products and sorted all of links for each
# chunk of lists, a cost growing with the catalog (quadratic over a big
# association's 200,000 lists). Lookups cost what the lists hold.
_PATHS_PG = f"""
owners(root, obs_id, kind, role, prio) AS (
    {_OWNERS}
    FROM roots r CROSS JOIN LATERAL (
        SELECT member_obs_id, exptype FROM members WHERE obs_id = r.root OFFSET 0
    ) m
),
owned AS MATERIALIZED (
    SELECT o.root, p.name, o.obs_id AS via, o.kind, o.role,
           CASE WHEN o.kind IS NULL THEN 0 ELSE 1 END AS rank, o.prio
    FROM owners o CROSS JOIN LATERAL (
        SELECT name FROM products WHERE obs_id = o.obs_id OFFSET 0
    ) p
),
brought AS (
    SELECT w.root, l.source AS name, w.via, l.kind, l.role, 2 AS rank, 0 AS prio
    FROM owned w CROSS JOIN LATERAL (
        SELECT l.source, l.kind, l.role FROM links l WHERE l.target = w.name AND {BRINGING} OFFSET 0
    ) l
),
paths AS (
    SELECT * FROM owned UNION ALL SELECT * FROM brought
)
"""
_BEST = """,
ranked AS (
    SELECT paths.*, ROW_NUMBER() OVER (
        PARTITION BY root, name ORDER BY rank, prio, via {collate}, kind {collate}, role {collate}
    ) AS n
    FROM paths
),
picked AS (SELECT root, name, via, kind, role, rank FROM ranked WHERE n = 1)
"""
_EVERY = """,
picked AS (SELECT DISTINCT root, name, via, kind, role, rank FROM paths)
"""
# SQLite: the same pick in one grouping pass, about a quarter less CPU than
# ranking every path with a window (refreshing every list of a 100k catalog). With
# one min() in a query, SQLite takes the bare columns from the row holding
# the minimum (its documented "bare columns" rule; PostgreSQL has none, so
# it keeps the window). The key orders as _BEST's ORDER BY does: rank and
# prio are single digits; char(1) sorts below every character a name,
# obs_id, kind or role can hold (names refuse control characters) and ends
# each part, so a shorter part sorts first; via is never NULL, and kind and
# role are NULL only on the one rank-0 path a file has in a list.
_BEST_SQLITE = """,
picked AS (
    SELECT root, name, via, kind, role, rank FROM (
        SELECT root, name, via, kind, role, rank, MIN(
            CAST(rank AS TEXT) || CAST(prio AS TEXT) || char(1) || via || char(1)
            || COALESCE(kind, '') || char(1) || COALESCE(role, '')
        ) AS best
        FROM paths GROUP BY root, name
    )
)
"""
# The byte-order collation clause by which the SQL builders here know SQLite.
_SQLITE_COLLATE = "COLLATE BINARY"

# One observation, bound once: the CTE ``roots`` of the statements below.
ONE_ROOT = "WITH roots(root) AS (SELECT CAST(? AS TEXT)),"


def paths_sql(collate: str, every_path: bool = False, roots: str = ONE_ROOT) -> str:
    """Return the CTEs ending in ``picked(root, name, via, kind, role, rank)``: lists' paths.

    ``roots`` begins the statement and defines ``roots(root)``; by default
    one observation, bound once. Each file once per list by its best path
    (rank: owned 0, a member's 1, brought in by a link 2; then the member's
    role, then by name), or with ``every_path`` once per distinct path
    (MAST's way). Files named by a link but not in the catalog are still in
    ``picked``; the join with ``products`` that follows drops them.
    """
    sqlite = collate == _SQLITE_COLLATE
    paths = _PATHS if sqlite else _PATHS_PG
    if every_path:
        return roots + paths + _EVERY
    return roots + paths + (_BEST_SQLITE if sqlite else _BEST.format(collate=collate))


# Per observation (``r.root``): the facts the MRP policy asks of it
# (`jwlink.core.mrp.sql_case`): its association type, whether it holds Level
# 3 science, whether per-source files of it are known (a source-based id:
# ``{source_id}`` in it, case and all, as `jwlink.query.productlist` asks).
ROOT_FACTS = (
    "(SELECT a.asn_type FROM products q JOIN asn_outputs ao ON ao.name = q.name "
    "JOIN associations a ON a.name = ao.association WHERE q.obs_id = r.root "
    "ORDER BY a.asn_type LIMIT 1) AS asn_type, "
    "CASE WHEN EXISTS (SELECT 1 FROM products q WHERE q.obs_id = r.root AND q.level = '3' "
    "AND q.product_type = 'SCIENCE') THEN 1 ELSE 0 END AS has_l3, "
    "CASE WHEN REPLACE(r.root, '{source_id}', '') <> r.root AND EXISTS (SELECT 1 FROM products q "
    "WHERE q.obs_id = r.root AND q.level = '3' AND q.name NOT LIKE '%{%') "
    "THEN 1 ELSE 0 END AS concrete"
)


def _refresh_sql(collate: str, count: int) -> tuple[str, list[Any]]:
    """INSERT the listings of ``count`` observations; bind each obs_id once, then the params.

    Each row's ``mrp`` is the policy's decision as the read side makes it:
    the same `sql_case` over the same facts of its observation.
    """
    order = ORDER_SQL.format(collate=collate)
    roots = "WITH roots(root) AS (VALUES " + ", ".join(["(CAST(? AS TEXT))"] * count) + "),"
    rule, params = sql_case(None, "f.has_l3 = 1", "f.concrete = 1", asn_type_column="f.asn_type")
    recommended = sorted(MRP_RULE_IDS)
    sql = (
        paths_sql(collate, roots=roots)
        + f", facts AS MATERIALIZED (SELECT r.root, {ROOT_FACTS} FROM roots r), "
        "levelled AS (SELECT x.root, x.name, x.via, x.kind, x.role, x.rank, "
        f"{CALIB_LEVEL_SQL} AS calib_level, "
        f"({rule}) IN ({marks(len(recommended))}) AS mrp "
        "FROM picked x JOIN products p ON p.name = x.name JOIN facts f ON f.root = x.root "
        "LEFT JOIN observations o ON o.obs_id = COALESCE(p.obs_id, x.via)) "
        "INSERT INTO listings (obs_id, position, name, via, kind, role, rank, mrp) "
        f"SELECT root, ROW_NUMBER() OVER (PARTITION BY root ORDER BY {order}), "
        "name, via, kind, role, rank, mrp FROM levelled"
    )
    return sql, [*params, *recommended]


# The policy whose decisions the kept lists hold: one row, named.
_POLICY = "mrp"
_POLICY_SQL = "SELECT fingerprint FROM listing_policy WHERE name = ?"
_RECORD_POLICY = (
    "INSERT INTO listing_policy (name, fingerprint) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint"
)
# Every list, as migration 0009 queued them (``WHERE true``: SQLite's parser
# needs it between an INSERT's SELECT and its ON CONFLICT).
_QUEUE_EVERY_LIST = (
    "INSERT INTO listing_queue (obs_id) SELECT obs_id FROM (SELECT obs_id FROM observations "
    "UNION SELECT obs_id FROM products WHERE obs_id IS NOT NULL) every WHERE true "
    "ON CONFLICT (obs_id) DO NOTHING"
)


# DO UPDATE, as for the guide-star queue: a writer waits for a refresh holding
# the row, and queues the observation again once the refresh has committed.
# Each queued observation's products per program (`jwlink.query.programpage`),
# recounted when its list is: every write that changes which products an
# observation owns queues its list.
_COUNT_PRODUCTS = (
    "INSERT INTO program_counts (obs_id, program, products) "
    "SELECT obs_id, program, COUNT(*) FROM products "
    "WHERE obs_id IN ({marks}) AND program IS NOT NULL GROUP BY obs_id, program"
)
# Whether any list is queued, read from the key's index: a scan of the
# table would read every dead row an ingest left (PostgreSQL) first.
ANY_QUEUED = "SELECT obs_id FROM listing_queue ORDER BY obs_id LIMIT 1"
QUEUE_LISTING = (
    "INSERT INTO listing_queue (obs_id) VALUES (?) "
    "ON CONFLICT (obs_id) DO UPDATE SET obs_id = excluded.obs_id"
)

# The owners of products: of a product a file wrote (its list holds it), of
# the target of a link it wrote (that list now brings the link's source),
# and, before a write, of a product it may move (the owner it leaves).
_OWNERS_OF = "SELECT obs_id FROM products WHERE name IN ({marks}) AND obs_id IS NOT NULL"
# The owners of the products a changed product is brought in by (`BRINGING`,
# one hop, as `paths_sql` brings files). Only the products a file wrote
# changed, not its links' targets, and only bringing links bring them in:
# following every link from targets too queued nearly every list of a 100k
# catalog with one file (279,532 queue writes for 13,357 lists; now 172,967).
_BRINGING_OWNERS = (
    "SELECT p.obs_id FROM links l JOIN products p ON p.name = l.target "
    f"WHERE l.source IN ({{marks}}) AND {BRINGING} AND p.obs_id IS NOT NULL"
)
# Observations whose lists a changed observation's level can reorder: those
# its products are linked into (its own and its parents' are queued anyway).
_OWNERS_BY_OBSERVATION = (
    "SELECT DISTINCT p.obs_id FROM products s JOIN links l ON l.source = s.name "
    "JOIN products p ON p.name = l.target WHERE s.obs_id IN ({marks}) AND p.obs_id IS NOT NULL"
)
# The observations listing the products of the given ones (mosaics of exposures).
_PARENTS = "SELECT DISTINCT obs_id FROM members WHERE member_obs_id IN ({marks})"


_T = TypeVar("_T")


class ListingStore(Protocol):
    """What keeping listings (and linking windows) needs of `jwlink.store.base.SqlStore`."""

    collate: str
    lock_rows: str

    def keyed(self, hashing: bool = False) -> AbstractContextManager[None]: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def _retrying(self, work: Callable[[], _T]) -> _T: ...


def _in(store: ListingStore, sql: str, values: Sequence[str]) -> set[str]:
    """Run ``sql`` over ``values`` in chunks (every ``{marks}`` bound to the chunk)."""
    found: set[str] = set()
    for chunk in chunked(values):
        statement = sql.replace("{marks}", marks(len(chunk)))
        found.update(r[0] for r in store._execute(statement, chunk * sql.count("{marks}")))
    return found


def owners_before(store: ListingStore, names: Iterable[str]) -> set[str]:
    """Return the observations owning ``names`` now, before a write may move them.

    Called in the file's transaction before its products are written; the
    owners go to `queue_listings` with the observations the file wrote.
    """
    with store.keyed():
        return _in(store, _OWNERS_OF, sorted(set(names)))


def queue_listings(
    store: ListingStore,
    names: Iterable[str],
    targets: Iterable[str],
    observations: Iterable[str],
) -> None:
    """Queue the lists one file's rows can change, inside that file's transaction.

    Parameters
    ----------
    store : ListingStore
        The catalog, in the file's write transaction (its rows already written).
    names : iterable of str
        Products and associations the file wrote.
    targets : iterable of str
        Targets of the links the file wrote.
    observations : iterable of str
        Observations the file wrote, and those it wrote members of.
    """
    written = set(names)
    with store.keyed():
        reached = _in(store, _OWNERS_OF, sorted(written | set(targets)))
        reached |= _in(store, _BRINGING_OWNERS, sorted(written))
        given = sorted(set(observations))
        reached |= set(given) | _in(store, _OWNERS_BY_OBSERVATION, given)
        reached |= _in(store, _PARENTS, sorted(reached))
    if reached:
        # Sorted, so two writers queueing the same observations lock them in one order.
        store._executemany(QUEUE_LISTING, [(o,) for o in sorted(reached)])


def policy_is_current(store: ListingStore) -> bool:
    """Whether the kept lists' MRP flags were decided by this jwlink's policy.

    Only then may a reader take a kept list's ``mrp`` for the decision; a
    catalog last refreshed by a jwlink with other rules (or never since
    migration 0011) is read by deciding each row, as a queued list is.
    """
    rows = store.execute(_POLICY_SQL, (_POLICY,))
    return bool(rows) and rows[0][0] == fingerprint()


def _keep_policy(store: ListingStore) -> None:
    """In a write transaction: queue every list again if another policy decided the kept ones.

    The policy row is locked (PostgreSQL) for the rest of the transaction,
    so no other refresh records its policy while this one keeps lists
    decided by this one.
    """
    rows = store._execute(_POLICY_SQL + store.lock_rows, (_POLICY,))
    if rows and rows[0][0] == fingerprint():
        return
    store._execute(_QUEUE_EVERY_LIST)
    store._execute(_RECORD_POLICY, (_POLICY, fingerprint()))


def refresh_listings(store: ListingStore, chunk: int = 500) -> int:
    """Recompute every queued observation's listing; return how many were recomputed.

    A chunk of observations per transaction and per statement (one
    statement computes the chunk's lists together: per observation, the
    statements' overhead dominated on PostgreSQL). The chunk's queue rows are
    locked and deleted before its lists are computed, so a writer that queues
    one again meanwhile waits, and its queue row outlives this refresh.

    A catalog whose kept MRP flags another policy decided (`policy_is_current`)
    has every list queued first, and this policy recorded; each chunk checks
    again, under the policy row's lock, in case a refresh by another jwlink
    recorded its own meanwhile.

    The products each observation of the chunk owns, per program
    (``program_counts``, migration 0012), are counted again in the same
    transaction.
    """
    done = 0
    if not policy_is_current(store):
        store._retrying(lambda: _keep_policy(store))

    def work() -> int:
        _keep_policy(store)
        rows = store._execute(
            f"SELECT obs_id FROM listing_queue ORDER BY obs_id {store.collate} "
            f"LIMIT {int(chunk)}{store.lock_rows}"
        )
        chosen = [r[0] for r in rows]
        if not chosen:
            return 0
        slots = marks(len(chosen))
        store._execute(f"DELETE FROM listing_queue WHERE obs_id IN ({slots})", chosen)
        with store.keyed():
            store._execute(f"DELETE FROM listings WHERE obs_id IN ({slots})", chosen)
        sql, params = _refresh_sql(store.collate, len(chosen))
        # Each list's rows are found from its observation by lookups
        # (`_PATHS_PG`); ranking a mosaic's 800,000 paths by nested loops
        # took minutes, so they may still be joined by hashing.
        with store.keyed(hashing=True):
            store._execute(sql, [*chosen, *params])
        with store.keyed():
            store._execute(f"DELETE FROM program_counts WHERE obs_id IN ({slots})", chosen)
            store._execute(_COUNT_PRODUCTS.format(marks=slots), chosen)
        return len(chosen)

    while store.execute(ANY_QUEUED):
        done += store._retrying(work)
    return done

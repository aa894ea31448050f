"""Guide-star products linked to the science products of their visit (set-based SQL).

Guide-star files are named by visit, never by exposure: each file's
transaction queues its visits (``guide_star_queue``), and `link_guide_stars`
drains the queue once the files are committed, a chunk of visits per
transaction. The cost is one scan of each touched visit plus the links
written, never a join of a visit with itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from jwlink.store.chunks import CHUNK, chunked, marks
from jwlink.store.listings import ListingStore, queue_listings

__all__ = ["link_guide_stars"]


def link_guide_stars(store: ListingStore, visits: Sequence[str] = ()) -> None:
    """Link the given visits and every queued one, then clear them from the queue."""
    for chunk in chunked(sorted(set(visits))):
        _link(store, chunk, queued=False)
    # A read first: with nothing queued, no write transaction is begun.
    while store.execute("SELECT 1 FROM guide_star_queue LIMIT 1"):
        _link(store, (), queued=True)


def _link(store: ListingStore, visits: Sequence[str], queued: bool) -> None:
    """Link one chunk of visits (or of the queue)."""

    def work() -> None:
        chunk = list(visits)
        if queued:
            # The row locks make a writer queueing one of these visits
            # meanwhile wait, and queue it again after this commits.
            rows = store._execute(
                "SELECT visit_id FROM guide_star_queue ORDER BY visit_id "
                f"{store.collate} LIMIT {CHUNK}{store.lock_rows}"
            )
            chunk = [r[0] for r in rows]
        if not chunk:
            return
        placeholders = marks(len(chunk))
        # Two statements, not one self-join: the planner may drive a join
        # of the visit's products with itself from either side, and from
        # the science side it scans the whole visit once per product
        # (quadratic in a visit's size). The guide-star products are
        # found first (one pass over each visit); the links then cost one
        # visit scan per guide-star product, the size of what they write.
        stars = store._execute(
            f"SELECT name FROM products WHERE visit_id IN ({placeholders}) AND name LIKE ? "
            f"ORDER BY name {store.collate}",
            (*chunk, "%_gs-%"),
        )
        # Ordered, so two processes linking the same visits lock the same
        # link keys in the same order (no deadlock).
        for names in chunked([r[0] for r in stars]):
            store._execute(
                "INSERT INTO links (source, target, kind, role, evidence) "
                "SELECT g.name, p.name, 'aggregation', 'guide_star', 'rule:guide-star-visit' "
                "FROM products g JOIN products p ON p.visit_id = g.visit_id "
                f"WHERE g.name IN ({marks(len(names))}) "
                "AND p.level = '2b' AND p.product_type = 'SCIENCE' "
                f"ORDER BY g.name {store.collate}, p.name {store.collate} "
                "ON CONFLICT (source, target, kind, role) DO NOTHING",
                names,
            )
        # The science products these link to are listed with their guide stars.
        queue_listings(store, names=[r[0] for r in stars], targets=(), observations=())
        store._execute(f"DELETE FROM guide_star_queue WHERE visit_id IN ({placeholders})", chunk)

    store._retrying(work)

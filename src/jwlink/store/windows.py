"""Linking by time: engineering series, exposures and guider windows (set-based SQL).

Every window a file brings (`jwlink.core.model.TimeWindow`) is written with
the file and queued; `link_windows` drains the queue after the files are
committed (so a window written by a concurrent ingest is seen by whichever
drain runs last). Each queued window is joined with the windows of the other
side only, through the ``(role, t_start)`` and ``(visit_id, role, t_start)``
indexes: the work is linear in what a file adds, never a join of the whole
catalog. Two intervals overlap when each starts before the other ends; the
start of the other side is also bounded below by the longest window of its
role (an index seek, ``(role, span)``), which keeps the range scan short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jwlink.core.model import TimeWindow
from jwlink.store.listings import ListingStore, queue_listings

__all__ = ["QUEUE_WINDOW", "UPSERT_WINDOW", "link_windows", "window_rows"]


UPSERT_WINDOW = (
    "INSERT INTO windows (name, role, t_start, t_end, span, visit_id, label) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, role) DO UPDATE SET "
    "t_start = excluded.t_start, t_end = excluded.t_end, span = excluded.span, "
    "visit_id = COALESCE(excluded.visit_id, windows.visit_id), "
    "label = COALESCE(excluded.label, windows.label)"
)
# DO UPDATE, as for the guide-star queue: a writer waits for a drain holding the row.
QUEUE_WINDOW = (
    "INSERT INTO window_queue (name, role) VALUES (?, ?) "
    "ON CONFLICT (name, role) DO UPDATE SET name = excluded.name"
)
_CHUNK = 500


def window_rows(windows: Iterable[TimeWindow]) -> list[tuple[Any, ...]]:
    """Return one parameter row per (name, role), the last window given winning, sorted."""
    rows = {(w.name, w.role.value): w for w in windows}
    return [
        (w.name, w.role.value, w.start, w.end, w.end - w.start, w.visit_id, w.label)
        for _, w in sorted(rows.items())
    ]


_ENGINEERING_LINK = "'contributing', 'engineering:' || {series}.label, 'rule:engineering-window'"
_GUIDE_LINK = "'linked', 'guide_star', 'rule:guider-window'"
# Queued role -> (other side's role, which side is the source, link values, same visit only).
_RULES: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "engineering": (
        ("science", "q", _ENGINEERING_LINK.format(series="q"), False),
        ("exposure", "q", _ENGINEERING_LINK.format(series="q"), False),
    ),
    "guider": (("science", "q", _GUIDE_LINK, True),),
    "science": (
        ("engineering", "o", _ENGINEERING_LINK.format(series="o"), False),
        ("guider", "o", _GUIDE_LINK, True),
    ),
    "exposure": (("engineering", "o", _ENGINEERING_LINK.format(series="o"), False),),
}


def _link(collate: str, queued: str, rule: tuple[str, str, str, bool], marks: str) -> str:
    """INSERT the links between queued windows ``q`` and the other side's ``o`` they overlap."""
    other, source, values, same_visit = rule
    target = "o" if source == "q" else "q"
    visit = "AND o.visit_id = q.visit_id " if same_visit else ""
    longest = f"COALESCE((SELECT MAX(m.span) FROM windows m WHERE m.role = '{other}'), 0)"
    return (
        "INSERT INTO links (source, target, kind, role, evidence) "
        f"SELECT {source}.name, {target}.name, {values} "
        f"FROM windows q JOIN windows o ON o.role = '{other}' {visit}"
        "AND o.t_start <= q.t_end AND o.t_end >= q.t_start "
        f"AND o.t_start >= q.t_start - {longest} "
        f"WHERE q.role = '{queued}' AND q.name IN ({marks}) "
        # Ordered, so two drains lock the same link keys in the same order.
        f"ORDER BY {source}.name {collate}, {target}.name {collate} "
        "ON CONFLICT (source, target, kind, role) DO NOTHING"
    )


def link_windows(store: ListingStore, names: Sequence[tuple[str, str]] = ()) -> None:
    """Link every queued window (and the given ``(name, role)`` pairs) to those it overlaps.

    An engineering series feeds each exposure it overlaps (``contributing``,
    role ``engineering:<MNEMONIC>``); a guider exposure is ``linked`` as
    ``guide_star`` to each science exposure of its visit that its guiding
    window overlaps. The queue is cleared as it is drained, a chunk per
    transaction.
    """
    given = sorted(set(names))
    for start in range(0, len(given), _CHUNK):
        _drain(store, given[start : start + _CHUNK])
    while store.execute("SELECT 1 FROM window_queue LIMIT 1"):
        _drain(store, None)


def _drain(store: ListingStore, chunk: list[tuple[str, str]] | None) -> None:
    def work() -> None:
        rows = chunk
        if rows is None:
            c = store.collate
            rows = [
                (r[0], r[1])
                for r in store._execute(
                    f"SELECT name, role FROM window_queue ORDER BY name {c}, role {c} "
                    f"LIMIT {_CHUNK}{store.lock_rows}"
                )
            ]
        by_role: dict[str, list[str]] = {}
        for name, role in rows:
            by_role.setdefault(role, []).append(name)
        # The roles spelled in SQL are this module's own, never the queue's text.
        for known, rules in _RULES.items():
            members = by_role.get(known, [])
            marks = ", ".join("?" for _ in members)
            for rule in rules if members else ():
                store._execute(_link(store.collate, known, rule, marks), members)
        # The lists holding either side may now hold the other (guider files).
        queue_listings(store, names=[name for name, _ in rows], targets=(), observations=())
        for queued, names in sorted(by_role.items()):
            slots = ", ".join("?" for _ in names)
            store._execute(
                f"DELETE FROM window_queue WHERE role = ? AND name IN ({slots})", (queued, *names)
            )

    store._retrying(work)

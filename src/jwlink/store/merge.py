"""How two pieces of evidence about one observation merge: the same in any order.

Inputs disagree. An association's name says a Level 3 observation is
``NIRCAM`` of target ``t001``; the mosaic's header says ``NIRCAM/IMAGE`` of
``WFSC STAR 1``; two headers of one exposure give slightly different times.
"The file written last wins" would make the catalog depend on the order
files arrive in, so two ingests running side by side could end different
from one. Instead every column keeps the *most specific* value, a rule that
is commutative and associative (a maximum over a total order):

* text: the longest value, ties broken by byte order (``NIRCAM/IMAGE`` over
  ``NIRCAM``, ``EXCLUSIVE_ACCESS`` over ``PUBLIC``);
* ``release_date``: the later date (ISO text, a date alone read as its
  midnight: ``2099-01-01`` over ``2024-01-01T12:00:00``), then the longer;
* ``t_min``: the earliest start; every other number: the largest
  (``t_max`` the latest end, the highest level, "is an association").

A missing value never replaces a known one. Links and members, whose rows
are their keys, keep the least evidence text (`least_evidence`). `merge_sql` and `merge` state
the rule twice, for the database and for rows merged inside one batch;
tests check they agree.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from jwlink.core.model import Observation
from jwlink.core.values import values_getter

__all__ = [
    "EARLIEST",
    "LATEST_DATE",
    "least_evidence",
    "least_evidence_sql",
    "merge",
    "merge_sql",
    "pick",
]

EARLIEST = frozenset({"t_min"})
# ISO dates compared whole: a date alone is padded to its midnight first.
LATEST_DATE = frozenset({"release_date"})
_MIDNIGHT = "0000-01-01T00:00:00"
_COLUMNS = tuple(f.name for f in fields(Observation))
_VALUES = values_getter(Observation)
_TEXT = frozenset(f.name for f in fields(Observation) if str(f.type).startswith("str"))


def _rank(column: str, value: Any) -> Any:
    if column in LATEST_DATE:
        return (value + _MIDNIGHT[len(value) :], len(value), value)
    if column in _TEXT:
        # Byte order of UTF-8 is code-point order: what SQLite's BINARY and
        # PostgreSQL's "C" collation compare.
        return (len(value), value)
    return -value if column in EARLIEST else value


def pick(column: str, old: Any, new: Any) -> Any:
    """Return the value the catalog keeps for ``column`` when ``old`` meets ``new``."""
    if old is None:
        return new
    if new is None:
        return old
    return new if _rank(column, new) > _rank(column, old) else old


def merge(old: Observation, new: Observation) -> Observation:
    """Merge two observations with the same ``obs_id`` by `pick`, column by column."""
    # Every member of an association repeats its observations: equal rows
    # are the common case, and merging them changes nothing.
    if old == new:
        return old
    # Most columns agree (the same visit seen from two files): only the
    # differing ones need ranking.
    return Observation(
        *[
            o if o == n else pick(c, o, n)
            for c, o, n in zip(_COLUMNS, _VALUES(old), _VALUES(new), strict=True)
        ]
    )


def merge_sql(column: str, table: str, collate: str) -> str:
    """Return the ``SET`` expression of `pick` for an ``ON CONFLICT DO UPDATE``.

    ``collate`` is the backend's byte-order collation clause.
    """
    old, new = f"{table}.{column}", f"excluded.{column}"
    if column in LATEST_DATE:
        padded_new = f"({new} || SUBSTR('{_MIDNIGHT}', LENGTH({new}) + 1)) {collate}"
        padded_old = f"({old} || SUBSTR('{_MIDNIGHT}', LENGTH({old}) + 1)) {collate}"
        wins = (
            f"{padded_new} > {padded_old} OR ({padded_new} = {padded_old} AND "
            f"(LENGTH({new}) > LENGTH({old}) OR "
            f"(LENGTH({new}) = LENGTH({old}) AND {new} {collate} > {old} {collate})))"
        )
    elif column in _TEXT:
        wins = (
            f"LENGTH({new}) > LENGTH({old}) OR "
            f"(LENGTH({new}) = LENGTH({old}) AND {new} {collate} > {old} {collate})"
        )
    elif column in EARLIEST:
        wins = f"{new} < {old}"
    else:
        wins = f"{new} > {old}"
    return (
        f"{column} = CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL THEN {new} "
        f"WHEN {wins} THEN {new} ELSE {old} END"
    )


def least_evidence_sql(insert_ignore: str, collate: str) -> str:
    """Turn ``INSERT ... ON CONFLICT (key) DO NOTHING`` into "keep the least evidence".

    A row whose key is known keeps the least ``evidence`` (byte order), so
    any order of inputs ends with the same row; an equal or greater one
    writes nothing.
    """
    table = insert_ignore.split()[2]
    old, new = f"{table}.evidence {collate}", f"excluded.evidence {collate}"
    return (
        insert_ignore.removesuffix(" DO NOTHING")
        + f" DO UPDATE SET evidence = excluded.evidence WHERE {new} < {old}"
    )


def least_evidence(old: Any, new: Any) -> Any:
    """Return the row of the two that keeps the least evidence (str order is byte order)."""
    return new if new.evidence < old.evidence else old

"""The rows a batch writes and the statements that write them, shared by both backends.

Rows are plain tuples built field by field from the model's frozen
dataclasses; the statements are upserts whose conflict rules are the merge
rules of `jwlink.store.merge` (a value once known is kept, the least
evidence wins), so any order of files gives the same catalog.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from jwlink.core.crdsparams import CrdsHeader
from jwlink.core.model import (
    Association,
    Batch,
    Kind,
    Level,
    Link,
    Member,
    Observation,
    Product,
    ProductType,
)
from jwlink.core.values import values_getter
from jwlink.store.merge import merge_sql

PRODUCT_COLUMNS = tuple(f.name for f in fields(Product))
OBSERVATION_COLUMNS = (
    *(f.name for f in fields(Observation)),
    "obsid",
)
ASSOCIATION_COLUMNS = tuple(f.name for f in fields(Association))
LINK_COLUMNS = tuple(f.name for f in fields(Link))
MEMBER_COLUMNS = tuple(f.name for f in fields(Member))


def coalescing_update(columns: Iterable[str], key: str) -> str:
    """Return ``SET`` clauses that keep a known value when the new one is missing."""
    # A value already known is only replaced by a newer non-null value, so
    # batches merge in any order and re-ingesting changes nothing.
    sets = ", ".join(f"{c} = COALESCE(excluded.{c}, {{table}}.{c})" for c in columns if c != key)
    return sets


def upsert(table: str, columns: Sequence[str], key: str) -> str:
    """Return an INSERT of ``columns`` that merges into the row of the same ``key``."""
    cols = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    update = coalescing_update(columns, key).format(table=table)
    return (
        f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO UPDATE SET {update}"
    )


def observation_upsert(collate: str) -> str:
    """Return the observations upsert (each column keeps its most specific value)."""
    # Every column keeps its most specific value (jwlink.store.merge), so
    # observations merge the same whatever order their evidence arrives in.
    cols = ", ".join(OBSERVATION_COLUMNS)
    marks = ", ".join("?" for _ in OBSERVATION_COLUMNS)
    sets = [
        merge_sql(c, "observations", collate)
        for c in OBSERVATION_COLUMNS
        if c not in ("obs_id", "obsid")
    ]
    return (
        f"INSERT INTO observations ({cols}) VALUES ({marks}) "
        f"ON CONFLICT (obs_id) DO UPDATE SET {', '.join(sets)}"
    )


def insert_ignore(table: str, columns: Sequence[str], key: str) -> str:
    """Return an INSERT of ``columns`` that leaves a row of the same ``key`` as it is."""
    cols = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING"


UPSERT_PRODUCT = upsert("products", (*PRODUCT_COLUMNS, "calib_level"), "name")
UPSERT_ASSOCIATION = upsert("associations", ASSOCIATION_COLUMNS, "name")
INSERT_ALIAS = insert_ignore("aliases", ("alias", "obs_id"), "alias")
INSERT_ASN_MEMBER = insert_ignore(
    "asn_members",
    ("association", "product", "expname", "exptype"),
    "association, product, expname, exptype",
)
INSERT_ASN_OUTPUT = insert_ignore(
    "asn_outputs", ("association", "product", "name"), "association, product, name"
)
UPSERT_HEADER = (
    "INSERT INTO headers (name, keywords) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET keywords = excluded.keywords"
)
# A header read again replaces what the last reading said, as in `headers`.
UPSERT_CRDS_HEADER = (
    "INSERT INTO crds_headers (name, context, parameters, reference_files) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET context = excluded.context, "
    "parameters = excluded.parameters, reference_files = excluded.reference_files"
)
# DO UPDATE, not DO NOTHING: the write takes the row lock, so it waits for a
# concurrent drain of the same visit and re-queues it after (PostgreSQL).
QUEUE_VISIT = (
    "INSERT INTO guide_star_queue (visit_id) VALUES (?) "
    "ON CONFLICT (visit_id) DO UPDATE SET visit_id = excluded.visit_id"
)
UPSERT_INPUT = (
    "INSERT INTO inputs (path, fingerprint, reader, products, links, size, mtime_ns) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (path) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "reader = excluded.reader, products = excluded.products, links = excluded.links, "
    "size = excluded.size, mtime_ns = excluded.mtime_ns"
)


@dataclass(frozen=True)
class FileWrite:
    """One input file to write: what makes its rows, and what records the file.

    ``parts`` makes the file's batches (called again if the write is
    retried); ``source`` is its path, as `Batch.source`; ``fingerprint``
    (SHA-256), ``reader``, ``size`` and ``mtime_ns`` go to ``inputs``.
    """

    parts: Callable[[], Iterable[Batch]]
    source: str
    fingerprint: str | None = None
    reader: str = ""
    size: int | None = None
    mtime_ns: int | None = None


CATALOG_TABLES = ("observations", "products", "associations", "links", "members", "aliases")
COUNT_SQL = {t: f"SELECT COUNT(*) FROM {t}" for t in CATALOG_TABLES}


def values_of(obj: Any) -> tuple[Any, ...]:
    """Return a flat row's fields in order (its ``__slots__``)."""
    return values_getter(type(obj))(obj)


def merge_rows(old: Any, new: Any) -> Any:
    """Return ``new`` with each of its missing values taken from ``old``."""
    # Same rule as the SQL upsert, applied inside one batch so a statement
    # never touches the same key twice (PostgreSQL refuses that).
    get = values_getter(type(old))
    return type(old)(*[n if n is not None else o for o, n in zip(get(old), get(new), strict=True)])


def unique(
    rows: Iterable[Any], key: Callable[[Any], Any], merge: Callable[[Any, Any], Any] | None
) -> list[Any]:
    """Return the rows one per key (met again: merged), sorted by key."""
    seen: dict[Any, Any] = {}
    for row in rows:
        k = key(row)
        known = seen.get(k)
        if known is None:
            seen[k] = row
        # Every merge keeps a row met twice as it is: the linker hands the
        # same (often the very same) row on many times, so skip the merge.
        elif merge is not None and row is not known and row != known:
            seen[k] = merge(known, row)
    # Sorted keys make concurrent writers lock rows in the same order (no deadlocks).
    return [seen[k] for k in sorted(seen)]


# Rows are built field by field, by position: this runs for every row written.
_PRODUCT_FIELDS = attrgetter(*PRODUCT_COLUMNS)
_LEVEL_AT = PRODUCT_COLUMNS.index("level")
_TYPE_AT = PRODUCT_COLUMNS.index("product_type")
_OBSERVATION_FIELDS = attrgetter(*(f.name for f in fields(Observation)))
_IS_ASSOCIATION_AT = [f.name for f in fields(Observation)].index("is_association")
# Enum members as the plain values the database stores (an enum's ``.value``
# is a descriptor call; a dict lookup is not).
_VALUE: dict[Any, Any] = {
    **{m: m.value for m in Level},
    **{m: m.value for m in ProductType},
    **{m: m.value for m in Kind},
    None: None,
}
_CALIB_LEVEL: dict[Level | None, int | None] = {
    **{m: m.calib_level for m in Level},
    None: None,
}
# The key a link or member row is unique by (Kind is a str: it sorts as its value).
LINK_KEY = attrgetter("source", "target", "kind", "role")
MEMBER_KEY = attrgetter("obs_id", "member_obs_id", "exptype")


def product_row(p: Product) -> tuple[Any, ...]:
    """Return the parameter tuple of a product (enums as their values)."""
    values = list(_PRODUCT_FIELDS(p))
    values[_LEVEL_AT] = _VALUE[p.level]
    values[_TYPE_AT] = _VALUE[p.product_type]
    values.append(_CALIB_LEVEL[p.level])
    return tuple(values)


def observation_row(o: Observation) -> tuple[Any, ...]:
    """Return the parameter tuple of an observation, with its numeric obsid."""
    values = list(_OBSERVATION_FIELDS(o))
    values[_IS_ASSOCIATION_AT] = int(o.is_association)
    values.append(o.obsid)
    return tuple(values)


def crds_row(c: CrdsHeader) -> tuple[Any, ...]:
    """Return the parameter tuple of a CRDS header (its mappings as JSON)."""
    return (c.name, c.context, json.dumps(c.parameters, sort_keys=True),
            json.dumps(c.references, sort_keys=True))  # fmt: skip


def link_row(link: Link) -> tuple[Any, ...]:
    """Return the parameter tuple of a link."""
    return (link.source, link.target, _VALUE[link.kind], link.role, link.evidence)

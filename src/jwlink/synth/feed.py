"""``--catalog-only``: items -> the evidence readers would return -> linker -> store.

No file is written. Each item becomes exactly what its reader makes of the
file ``--files`` would write (`jwlink.ingest`): FITS headers become
`HeaderEvidence`, associations `AsnEvidence`, pool rows `PoolExposure`,
product-list rows `ListedProduct`; the real linker turns them into batches.
Batches are merged until they hold a few thousand products and then written
in one transaction, observation by observation, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields
from operator import attrgetter
from typing import Any

from jwlink.core import linker
from jwlink.core.crdsparams import CrdsHeader
from jwlink.core.linker.products import add_named, product_for
from jwlink.core.model import (
    AsnEvidence,
    AsnMember,
    AsnProduct,
    Association,
    Batch,
    HeaderEvidence,
    Kind,
    Link,
    ListedProduct,
    Member,
    Observation,
    PoolExposure,
    Product,
    TimeWindow,
)
from jwlink.readers.engdb import series_from_json
from jwlink.readers.pool import NULL_VALUES
from jwlink.store.base import SqlStore
from jwlink.store.rows import LINK_KEY, MEMBER_KEY
from jwlink.synth.documents import POOL_COLUMNS
from jwlink.synth.items import Item

__all__ = [
    "BATCH_PRODUCTS",
    "CatalogFeeder",
    "MergedRows",
    "asn_evidence",
    "header_evidence",
    "named",
]

# Products per store transaction: large enough that commits are rare, small
# enough that a batch (and the memory behind it) stays a few megabytes.
BATCH_PRODUCTS = 5000
# Product-list rows linked at a time (each row names exactly one owner, so
# splitting a table changes nothing but the size of one linker batch).
_LISTED_CHUNK = 2000
_COLUMNS = tuple(c.lower() for c in POOL_COLUMNS)


def _reader_keywords() -> Callable[[str], bool]:
    """Which primary keywords the FITS reader keeps (all, if it does not say)."""
    try:
        from jwlink.readers.fits import KEYWORDS
    except (ImportError, AttributeError):
        return lambda _key: True
    keep = frozenset(KEYWORDS)
    return keep.__contains__


_KEEP = _reader_keywords()


def header_evidence(item: Item) -> HeaderEvidence:
    """Return what the FITS reader makes of an item's primary header."""
    header = item.header or {}
    keywords = {k: v for k, v in header.items() if _KEEP(k)}
    refs = {k: (f"crds://{v}" if v != "N/A" else v) for k, v in (item.refs or {}).items()}
    return HeaderEvidence(item.name, item.name, keywords, refs, item.hdrtab)


def asn_evidence(item: Item) -> AsnEvidence:
    """Return what `jwlink.ingest.read_association` makes of an association item."""
    doc = item.doc or {}
    products = []
    for entry in doc["products"]:
        members, seen = [], set()
        for m in entry["members"]:
            key = (m["expname"], m["exptype"].lower())
            if key in seen:
                continue
            seen.add(key)
            error = m.get("exposerr")
            members.append(AsnMember(key[0], key[1], None if error in (None, "null") else error))
        products.append(AsnProduct(entry["name"], tuple(members)))
    info = Association(
        name=item.name,
        asn_type=doc.get("asn_type"),
        asn_rule=doc.get("asn_rule"),
        asn_id=doc.get("asn_id"),
        pool=doc.get("asn_pool"),
        program=doc.get("program"),
        target=doc.get("target"),
        version_id=doc.get("version_id"),
        code_version=doc.get("code_version"),
    )
    return AsnEvidence(item.name, info, tuple(products))


def named(name: str) -> Batch:
    """Rows a file seen on disk adds by its name alone (`linker.link_file`, no location)."""
    batch = Batch(source=name)
    add_named(batch, name)
    batch.products.append(product_for(name))
    return batch


_PRODUCT = attrgetter(*(f.name for f in fields(Product)))
_OBSERVATION_FIELDS = tuple(f.name for f in fields(Observation))
_OBSERVATION = attrgetter(*_OBSERVATION_FIELDS)
_ASSOCIATION = attrgetter(*(f.name for f in fields(Association)))
# The store keeps the highest level and association flag any evidence gave.
_HIGHEST = (_OBSERVATION_FIELDS.index("calib_level"), _OBSERVATION_FIELDS.index("is_association"))


def _coalesce(values: list[Any], new: tuple[Any, ...]) -> None:
    values[:] = [n if n is not None else v for v, n in zip(values, new, strict=True)]


class MergedRows:
    """Rows of many batches merged the way the store's upserts merge them.

    A product or observation named by many pieces of evidence is kept once:
    a known value is replaced only by a newer non-null one, an observation
    keeps its highest ``calib_level`` and ``is_association``; links, members
    and aliases keep the first evidence. Merging here, with plain tuples,
    spares the store from merging thousands of duplicates row by row.
    """

    def __init__(self) -> None:
        self.products: dict[str, list[Any]] = {}
        self.observations: dict[str, list[Any]] = {}
        self.associations: dict[str, list[Any]] = {}
        self.links: dict[tuple[str, str, Kind, str], Link] = {}
        self.members: dict[tuple[str, str, str], Member] = {}
        self.aliases: dict[str, str] = {}
        self.asn_members: set[tuple[str, str, str, str]] = set()
        self.asn_outputs: set[tuple[str, str, str]] = set()
        self.headers: dict[str, dict[str, Any]] = {}
        self.crds: dict[str, CrdsHeader] = {}
        self.windows: dict[tuple[str, str], TimeWindow] = {}
        # The row last merged under each key: merging it again changes nothing,
        # and the linker hands the same rows (often the same objects) on often.
        self._last_product: dict[str, Product] = {}
        self._last_observation: dict[str, Observation] = {}

    def add(self, batch: Batch) -> None:
        """Merge one batch's rows."""
        products, last_product = self.products, self._last_product
        for p in batch.products:
            if (known := products.get(p.name)) is None:
                products[p.name] = list(_PRODUCT(p))
            elif (last := last_product[p.name]) is p or last == p:
                continue
            else:
                _coalesce(known, _PRODUCT(p))
            last_product[p.name] = p
        observations, last_observation = self.observations, self._last_observation
        for o in batch.observations:
            if (values := observations.get(o.obs_id)) is None:
                observations[o.obs_id] = list(_OBSERVATION(o))
            elif (seen := last_observation[o.obs_id]) is o or seen == o:
                continue
            else:
                new = _OBSERVATION(o)
                highest = [max(values[i], new[i]) for i in _HIGHEST]
                _coalesce(values, new)
                for i, value in zip(_HIGHEST, highest, strict=True):
                    values[i] = value
            last_observation[o.obs_id] = o
        for a in batch.associations:
            if (known := self.associations.get(a.name)) is None:
                self.associations[a.name] = list(_ASSOCIATION(a))
            else:
                _coalesce(known, _ASSOCIATION(a))
        links, members = self.links, self.members
        for x in batch.links:
            links.setdefault(LINK_KEY(x), x)
        for m in batch.members:
            members.setdefault(MEMBER_KEY(m), m)
        for alias, obs_id in batch.aliases.items():
            self.aliases.setdefault(alias, obs_id)
        self.asn_members.update(batch.asn_members)
        self.asn_outputs.update(batch.asn_outputs)
        self.headers.update(batch.headers)
        self.crds.update(batch.crds)
        for w in batch.windows:
            self.windows[(w.name, w.role.value)] = w

    def batch(self) -> Batch:
        """Return the merged rows as one batch."""
        return Batch(
            source="synth",
            products=[Product(*v) for v in self.products.values()],
            observations=[Observation(*v) for v in self.observations.values()],
            associations=[Association(*v) for v in self.associations.values()],
            links=list(self.links.values()),
            members=list(self.members.values()),
            aliases=self.aliases,
            asn_members=list(self.asn_members),
            asn_outputs=list(self.asn_outputs),
            headers=self.headers,
            crds=self.crds,
            windows=list(self.windows.values()),
        )


class CatalogFeeder:
    """Merge linker batches and write them in large transactions.

    Parameters
    ----------
    store : SqlStore
        The catalog to write to.
    """

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.rows = MergedRows()

    def add(self, batch: Batch) -> None:
        """Merge one batch; write when enough products have gathered."""
        self.rows.add(batch)
        if len(self.rows.products) >= BATCH_PRODUCTS:
            self.flush()

    def flush(self) -> None:
        """Write what has gathered in one transaction."""
        if self.rows.products or self.rows.links or self.rows.windows:
            self.store.write(self.rows.batch())
        self.rows = MergedRows()

    def pool(self, pool: str, first_line: int, rows: Iterable[list[str]]) -> int:
        """Link pool rows (file lines from ``first_line``); return the next line number."""
        exposures = []
        line = first_line
        for row in rows:
            columns = {k: v for k, v in zip(_COLUMNS, row, strict=True) if v not in NULL_VALUES}
            exposures.append(PoolExposure(pool, line, row[0], columns))
            line += 1
        if exposures:
            self.add(linker.link_pool(exposures))
        return line

    def item(self, item: Item) -> None:
        """Link one item by the evidence its file would give."""
        if item.kind == "fits":
            self.add(linker.link_header(header_evidence(item)))
        elif item.kind == "asn":
            self.add(linker.link_association(asn_evidence(item)))
        elif item.kind == "engdb":
            self.add(linker.link_engineering(series_from_json(item.name, item.doc), "json"))
        elif item.owner is None:
            self.add(named(item.name))

    def listed(self, table: str, first_line: int, rows: list[dict[str, Any]]) -> int:
        """Link product-list rows (table lines from ``first_line``); return the next line."""
        for start in range(0, len(rows), _LISTED_CHUNK):
            chunk = rows[start : start + _LISTED_CHUNK]
            line = first_line + start
            listed = [ListedProduct(table, line + i, row) for i, row in enumerate(chunk)]
            self.add(linker.link_listed(listed))
        return first_line + len(rows)

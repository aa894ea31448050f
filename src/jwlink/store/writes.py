"""Writing input files' rows: the upserts of every table in one transaction's statements.

`SqlStore.write`, `write_parts` and `write_files` run these under
`SqlStore._retrying` (a collision with a concurrent writer runs the file or
the group again). Rows are merged within a batch by the rules the upserts
apply, so a statement never touches one key twice, and each write queues
what its rows change: the product lists they reach (including the lists of
a product's previous owner), the time windows and the visits whose
guide-star links are derived at the end of an ingest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from jwlink.core.model import Batch
from jwlink.store.listings import ListingStore, owners_before, queue_listings
from jwlink.store.merge import least_evidence
from jwlink.store.merge import merge as merge_observation
from jwlink.store.rows import (
    INSERT_ALIAS,
    INSERT_ASN_MEMBER,
    INSERT_ASN_OUTPUT,
    LINK_KEY,
    MEMBER_KEY,
    QUEUE_VISIT,
    UPSERT_ASSOCIATION,
    UPSERT_CRDS_HEADER,
    UPSERT_HEADER,
    UPSERT_INPUT,
    UPSERT_PRODUCT,
    FileWrite,
    crds_row,
    link_row,
    merge_rows,
    observation_row,
    product_row,
    unique,
    values_of,
)
from jwlink.store.windows import QUEUE_WINDOW, UPSERT_WINDOW, window_rows

__all__ = ["WriteStore", "write_file", "write_group", "write_rows"]


class WriteStore(ListingStore, Protocol):
    """What writing rows needs of `jwlink.store.base.SqlStore` (no import: no cycle)."""

    _upsert_observation: str
    _insert_link: str
    _insert_member: str

    def _bulk(self, table: str, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def _refresh_statistics(self) -> None: ...

    def _from_database(self, err: Exception) -> bool: ...


# Rows of one batch past which its transaction refreshes the planner's
# statistics before looking rows up (`_refresh_statistics`).
_LARGE_WRITE = 20_000


def _grown(before: int, after: int) -> bool:
    """Whether a transaction that has written ``after`` rows should refresh statistics again.

    Past `_LARGE_WRITE` rows, and again each time the rows double: a file
    written in many small parts (a pool of 1,000,000 rows, 5,000 at a time)
    is as large as one big part, and the planner must know it (a few
    ANALYZEs in all, whatever the size).
    """
    return after > _LARGE_WRITE and (
        before <= _LARGE_WRITE or after.bit_length() > before.bit_length()
    )


def _gather(merged: Batch, part: Batch) -> None:
    """Add a file's part to a group's batch, as writing it after the others would."""
    # An alias is inserted once (the first file to name it keeps it); every
    # other row merges in order within the batch as its upsert would.
    aliases, merged.aliases = merged.aliases, {}
    merged.extend(part)
    for alias, obs_id in merged.aliases.items():
        aliases.setdefault(alias, obs_id)
    merged.aliases = aliases


def write_group(store: WriteStore, files: Sequence[FileWrite]) -> list[Exception | None]:
    """Write many small input files' rows as one batch (`SqlStore.write_files`, one attempt).

    A file whose parts fail for a reason of its own is left out, its
    exception in its place in the returned list; the others' rows are
    merged in file order and written together, with one ``inputs`` row per
    file. An error of the catalog is raised.
    """
    merged = Batch(source="")
    inputs: list[tuple[Any, ...]] = []
    outcome: list[Exception | None] = []
    for file in files:
        try:
            parts = list(file.parts())
        except Exception as err:
            if store._from_database(err):
                raise
            outcome.append(err)
            continue
        outcome.append(None)
        for part in parts:
            _gather(merged, part)
        if file.fingerprint is not None:
            products = sum(len(p.products) for p in parts)
            links = sum(len(p.links) for p in parts)
            row = (file.source, file.fingerprint, file.reader, products, links)
            inputs.append((*row, file.size, file.mtime_ns))
    write_rows(store, merged)
    if inputs:
        store._executemany(UPSERT_INPUT, inputs)
    return outcome


def write_file(store: WriteStore, file: FileWrite) -> None:
    """Write one input file's rows, a part at a time (`SqlStore.write_parts`, one attempt)."""
    products = links = 0
    for batch in file.parts():
        write_rows(store, batch, products + links)
        products, links = products + len(batch.products), links + len(batch.links)
    if file.fingerprint is not None:
        row = (file.source, file.fingerprint, file.reader, products, links)
        store._execute(UPSERT_INPUT, (*row, file.size, file.mtime_ns))


def write_rows(store: WriteStore, batch: Batch, before: int = 0) -> None:
    """Upsert a batch's rows and queue what they change (lists, windows, visits)."""
    # ``before``: rows this transaction wrote in earlier parts of the file.
    observations = unique(batch.observations, lambda o: o.obs_id, merge_observation)
    products = unique(batch.products, lambda p: p.name, merge_rows)
    associations = unique(batch.associations, lambda a: a.name, merge_rows)
    links = unique(batch.links, LINK_KEY, least_evidence)
    members = unique(batch.members, MEMBER_KEY, least_evidence)
    if observations:
        store._bulk(
            "observations", store._upsert_observation, [observation_row(o) for o in observations]
        )
    # A product given another owner leaves its old owner's list.
    owners = owners_before(store, [p.name for p in products if p.obs_id is not None])
    if products:
        store._bulk("products", UPSERT_PRODUCT, [product_row(p) for p in products])
    if associations:
        store._bulk("associations", UPSERT_ASSOCIATION, [values_of(a) for a in associations])
    if links:
        store._bulk("links", store._insert_link, [link_row(x) for x in links])
    if members:
        store._bulk("members", store._insert_member, [values_of(m) for m in members])
    if batch.aliases:
        store._bulk("aliases", INSERT_ALIAS, sorted(batch.aliases.items()))
    if batch.asn_members:
        store._bulk("asn_members", INSERT_ASN_MEMBER, sorted(set(batch.asn_members)))
    if batch.asn_outputs:
        store._bulk("asn_outputs", INSERT_ASN_OUTPUT, sorted(set(batch.asn_outputs)))
    if batch.headers:
        rows = [(k, json.dumps(v, sort_keys=True)) for k, v in sorted(batch.headers.items())]
        store._executemany(UPSERT_HEADER, rows)
    if batch.crds:
        rows = [crds_row(c) for _, c in sorted(batch.crds.items())]
        store._executemany(UPSERT_CRDS_HEADER, rows)
    if batch.windows:
        windows = window_rows(batch.windows)
        store._executemany(UPSERT_WINDOW, windows)
        store._executemany(QUEUE_WINDOW, [row[:2] for row in windows])
    visits = sorted({p.visit_id for p in products if p.visit_id})
    if visits:
        store._executemany(QUEUE_VISIT, [(v,) for v in visits])
    if _grown(before, before + len(products) + len(links)):
        store._refresh_statistics()
    queue_listings(
        store,
        names=[p.name for p in products] + [a.name for a in associations],
        targets=[x.target for x in links],
        observations=[o.obs_id for o in observations]
        + [m.obs_id for m in members]
        + sorted(owners),
    )

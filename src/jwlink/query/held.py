"""Completeness of a list of file names: ``jwlink check`` without the folder.

``POST /api/v1/completeness`` gets only the names of the files a user holds.
The answer is `jwlink.query.completeness.compare`'s, the comparison ``jwlink
check DIR`` makes; only the evidence comes from elsewhere. Where the folder
check reads each document in the folder, this reads what the archive knows
of the same documents:

- an association: the members and products its ingest recorded
  (``asn_members``, ``asn_outputs``: the linker's rows, the very namings the
  file gives) and its pool;
- a pool, a MAST product table, a FITS file: the archive's own copy, read as
  the folder check reads it.

A held document the archive has no copy of is listed as *unread*. So the
same folder gives the same present, missing, extra and MRP sets whether its
files are checked on disk or their names are posted to a server of a
catalog holding them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jwlink.ingest.evidence import (
    DOCUMENT_READERS,
    FolderEvidence,
    association_namings,
    read_document,
)
from jwlink.ingest.run import classify
from jwlink.query.completeness import Completeness, compare, present_mrp
from jwlink.query.selection import SelectedFile, files_by_name, served_path
from jwlink.store import SqlStore

__all__ = ["held_completeness"]

_ASSOCIATIONS_SQL = "SELECT name, pool FROM associations WHERE name IN ({marks})"
_MEMBERS_SQL = (
    "SELECT association, product, expname, exptype FROM asn_members "
    "WHERE association IN ({marks}) ORDER BY association, product, expname, exptype"
)
_OUTPUTS_SQL = (
    "SELECT association, product, name FROM asn_outputs "
    "WHERE association IN ({marks}) ORDER BY association, product, name"
)
_KNOWN_SQL = "SELECT name FROM products WHERE name IN ({marks})"
# File names that are documents whatever their content (FITS headers,
# associations, pools): without a copy, the archive cannot say what they name.
_DOCUMENT_ENDINGS = (".fits", ".fits.gz", ".fit", ".fts", "_asn.json", "_pool.csv")
_NO_COPY = "the archive holds no copy of this document: what it names is unknown"
_RESTRICTED = "exclusive access: what this document names is read only for a token of its program"


def _evidence(
    store: SqlStore,
    held: Sequence[str],
    data_root: Path | None,
    readable: Callable[[SelectedFile], bool],
) -> tuple[FolderEvidence, list[tuple[str, str]]]:
    """Return the evidence of the held documents, and the documents not read (with why)."""
    evidence = FolderEvidence(root="")
    for name in held:
        evidence.paths[name] = [name]
        evidence.files[name] = name
    associations = {str(n): p for n, p in store.execute_in(_ASSOCIATIONS_SQL, held)}
    members: dict[str, list[tuple[str, str, str, str]]] = {}
    for asn, product, expname, exptype in store.execute_in(_MEMBERS_SQL, sorted(associations)):
        members.setdefault(asn, []).append((asn, product, expname, exptype))
    outputs: dict[str, list[tuple[str, str, str]]] = {}
    for asn, product, output in store.execute_in(_OUTPUTS_SQL, sorted(associations)):
        outputs.setdefault(asn, []).append((asn, product, output))
    for name in sorted(associations):
        evidence.documents.append(name)
        association_namings(
            evidence, members.get(name, []), outputs.get(name, []), associations[name], name
        )
    others = [n for n in held if n not in associations]
    copies = files_by_name(store, others)
    unread = []
    for name in others:
        item = copies.get(name)
        path = served_path(item.location if item else None, data_root)
        if item is not None and path is not None and not readable(item):
            # Its content is the program's until release: what it names is too.
            if name.lower().endswith(_DOCUMENT_ENDINGS) or classify(path) in DOCUMENT_READERS:
                unread.append((name, _RESTRICTED))
            continue
        if path is None:
            if item is not None and name.lower().endswith(_DOCUMENT_ENDINGS):
                unread.append((name, _NO_COPY))
            continue
        reader = classify(path)
        if reader in DOCUMENT_READERS:
            read_document(evidence, path, name, reader)
    return evidence, unread


def held_completeness(
    store: SqlStore,
    names: Sequence[str],
    data_root: Path | None,
    readable: Callable[[SelectedFile], bool] = lambda item: True,
) -> dict[str, Any]:
    """Say what a list of held files holds and misses, as ``jwlink check`` says it of a folder.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    names : sequence of str
        File names the caller holds.
    data_root : Path, optional
        Where the archive's copies are (`jwlink.query.selection.served_path`);
        None: only what the catalog records is known.
    readable : callable, optional
        Whether the caller may read a file (`jwlink.api.files.may_read`):
        a document it may not read is *unread*, its content stays private.

    Returns
    -------
    dict
        `Completeness.as_dict` (``present``, ``missing``, ``extra``,
        ``not_held``, ``mrp`` ... by file name), plus ``files``, ``known``
        (how many names the catalog holds), ``unknown`` (the names it does
        not) and ``unassociated`` (the names nothing named: ``extra``).
    """
    held = sorted(set(names))
    evidence, unread = _evidence(store, held, data_root, readable)
    result = Completeness(folder="", documents=sorted(evidence.documents))
    compare(evidence, result)
    result.errors = [{"path": p, "error": m} for p, m in sorted(evidence.errors)]
    result.unread = [{"name": n, "why": why} for n, why in unread]
    result.mrp = present_mrp(store, set(held))
    known = {str(r[0]) for r in store.execute_in(_KNOWN_SQL, held)}
    answer = result.as_dict()
    del answer["folder"]
    for association in answer["associations"]:
        association["present"] = True  # only held associations are read
    answer.update(
        files=len(held),
        known=len(known),
        unknown=[n for n in held if n not in known],
        unassociated=list(result.extra),
    )
    return answer

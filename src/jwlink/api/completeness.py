"""Completeness of a list of file names: the answer ``jwlink check`` gives of a folder.

A user posts the names of the files they hold; `jwlink.query.held` compares
them with what the archive's documents among them name, with the very
comparison ``jwlink check`` makes (`jwlink.query.completeness.compare`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jwlink.api.access import Principal
from jwlink.api.files import may_read
from jwlink.query.held import held_completeness
from jwlink.store import SqlStore

__all__ = ["completeness"]


def completeness(
    store: SqlStore,
    names: Sequence[str],
    data_root: Path | None = None,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """Say what a set of held files misses, as ``jwlink check`` says it of a folder.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    names : sequence of str
        File names the caller holds.
    data_root : Path, optional
        Where the archive's copies of documents (pools, tables, FITS) are read.
    principal : Principal, optional
        The caller: an exclusive document is read only for a token of its
        program (otherwise it is listed as *unread*).

    Returns
    -------
    dict
        ``complete``, ``verdict``, ``counts``, ``present``, ``missing``,
        ``extra``, ``not_held``, ``associations`` (each held association with
        its ``missing_members`` and ``missing_products``), ``mrp``,
        ``errors``, ``unread``; and ``files``, ``known``, ``unknown``,
        ``unassociated`` (`jwlink.query.held.held_completeness`).
    """
    return held_completeness(store, names, data_root, lambda item: may_read(item, principal))

"""The catalog's current facts about some files: what "what changed since my download" compares.

A folder of downloaded files is compared by file name with the catalog as
it is now: each product's SHA-256 and ``prvversion``, whether the catalog
still lists it, and which products a selection holds now (observations,
their MRP or every product, plus named products, as a download selects
them). When no observation is given, the observations the folder's files
belong to stand for the selection: the files the archive now has of the
observations the folder holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jwlink.query.selection import SelectedFile, files_by_name, select_files
from jwlink.store import SqlStore

__all__ = ["Current", "current"]

_CHUNK = 500


@dataclass(frozen=True)
class Current:
    """What the catalog says now of a folder's files and of a selection.

    ``files`` holds the catalog facts of every held name it lists and of
    every product of the selection (a file listed through an observation
    carries that observation as its ``obs_id``); ``prvversions`` their
    ``prvversion`` (None when the catalog has none); ``unknown`` the held
    names the catalog does not list; ``selection`` the selection's product
    names in listing order; ``obs_ids`` the observations of the selection.
    """

    files: dict[str, SelectedFile]
    prvversions: dict[str, str | None]
    unknown: list[str]
    selection: list[str]
    obs_ids: list[str]


def current(
    store: SqlStore,
    held: Sequence[str],
    obs_ids: Sequence[str] | None = None,
    names: Sequence[str] = (),
    mrp: bool = True,
) -> Current:
    """Return the catalog's facts about held files and what a selection holds now.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    held : sequence of str
        File names a folder holds.
    obs_ids : sequence of str, optional
        Observations of the selection; None: the observations that own the
        held files the catalog lists.
    names : sequence of str
        Products the selection names whatever their MRP status.
    mrp : bool
        Only the minimum recommended products of the observations.

    Returns
    -------
    Current
        The facts, the unknown held names, and the selection's products.

    Raises
    ------
    NotFound
        An observation or named product of the selection is not in the catalog.
    """
    known = files_by_name(store, held)
    unknown = sorted(set(held) - set(known))
    if obs_ids is None:
        obs_ids = sorted({f.obs_id for f in known.values() if f.obs_id is not None})
    chosen = select_files(store, obs_ids, names, mrp) if obs_ids or names else []
    files = {**known, **{f.name: f for f in chosen}}
    return Current(
        files=files,
        prvversions=_prvversions(store, sorted(files)),
        unknown=unknown,
        selection=[f.name for f in chosen],
        obs_ids=list(obs_ids),
    )


def _prvversions(store: SqlStore, names: Sequence[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for start in range(0, len(names), _CHUNK):
        chunk = list(names[start : start + _CHUNK])
        marks = ", ".join("?" for _ in chunk)
        for name, version in store.execute(
            f"SELECT name, prvversion FROM products WHERE name IN ({marks})", chunk
        ):
            found[str(name)] = None if version in (None, "") else str(version)
    return found

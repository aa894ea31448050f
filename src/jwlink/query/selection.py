"""Which files a download covers, and where each one lives on disk.

A selection is observations (each expanded to its product list, MRP only by
default, as MAST's checkbox) plus explicit product names. Files are read only
from catalog ``location``s beneath the data root, opened there component by
component (`jwlink.query.beneath`); any other location, a symlink leading
out, or a missing file is "not served".
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from jwlink.errors import InvalidQuery, NotFound
from jwlink.query import names as resolver
from jwlink.query import questions
from jwlink.query.beneath import open_beneath
from jwlink.query.freshness import Catalogued
from jwlink.query.questions import ProductFilters
from jwlink.store import SqlStore

__all__ = [
    "MAST_URI_PREFIX",
    "SelectedFile",
    "files_by_name",
    "is_file_name",
    "name_from_uri",
    "open_served",
    "path_component",
    "select_files",
    "served_path",
]

_log = logging.getLogger("jwlink.files")
MAST_URI_PREFIX = "mast:JWST/product/"
_FILE_SQL = (
    "SELECT p.name, p.obs_id, p.size, p.sha256, p.location, "
    "COALESCE(p.data_rights, o.data_rights), COALESCE(p.release_date, o.release_date), "
    "COALESCE(p.program, o.program), p.product_type, p.suffix, p.extension, p.calib_level, "
    "COALESCE(p.dataproduct_type, o.dataproduct_type), i.size, i.mtime_ns "
    "FROM products p LEFT JOIN observations o ON o.obs_id = p.obs_id "
    "LEFT JOIN inputs i ON i.path = p.location WHERE p.name IN ({marks})"
)


class _FileRow(NamedTuple):
    """One row of `_FILE_SQL`: rights, release and program fall back to the observation's."""

    name: str
    obs_id: str | None
    size: int | None
    sha256: str | None
    location: str | None
    data_rights: str | None
    release_date: str | None
    program: str | None
    product_type: str | None
    suffix: str | None
    extension: str | None
    calib_level: int | None
    dataproduct_type: str | None
    input_size: int | None
    input_mtime_ns: int | None


@dataclass(frozen=True)
class SelectedFile:
    """One product to deliver: identity, checksum, rights and where it is."""

    name: str
    obs_id: str | None
    size: int | None
    sha256: str | None
    location: str | None
    data_rights: str
    release_date: str | None
    program: str | None
    product_type: str | None = None
    suffix: str | None = None
    extension: str | None = None
    calib_level: int | None = None
    dataproduct_type: str | None = None
    obs_collection: str = "JWST"
    # The file's size and modification time when ingested (`inputs`), to
    # tell a file changed since (`jwlink.query.freshness`).
    input_size: int | None = None
    input_mtime_ns: int | None = None

    @property
    def catalogued(self) -> Catalogued:
        """What the catalog says of the file, to compare with what is on disk."""
        return Catalogued(self.name, self.sha256, self.input_size, self.input_mtime_ns, self.size)

    @property
    def uri(self) -> str:
        """The product's MAST ``dataURI``."""
        return MAST_URI_PREFIX + self.name

    def path(self, flat: bool = False) -> str:
        """Relative path in a download: ``<obs_collection>/<obs_id>/<file>`` or ``<file>``.

        Every part is one safe path component (see `path_component`), whatever
        the catalog holds, so no archive entry or script line can climb out
        of the folder it is unpacked in.
        """
        name = path_component(self.name, "unnamed")
        if flat:
            return name
        folder = path_component(self.obs_id or "", "shared")
        return f"{path_component(self.obs_collection, 'JWST')}/{folder}/{name}"


def name_from_uri(uri: str) -> str:
    """Return the file name a ``mast:JWST/product/<file>`` URI (or a bare name) names.

    A path is refused here: only a product name ever reaches a file. The
    name's case and surrounding blanks are forgiven later (`select_files`
    resolves through `jwlink.query.names`).

    Raises
    ------
    NotFound
        The URI names another collection, or the name is a path.
    """
    name = uri[len(MAST_URI_PREFIX) :] if uri.startswith(MAST_URI_PREFIX) else uri
    if not is_file_name(name):
        raise NotFound(uri)
    return name


# Separators, drive/stream colons and control characters (C0, DEL, C1): none of
# them belongs in a product file name, and each can steer a path or a script line.
_UNSAFE = re.compile(r"[/\\:\x00-\x1f\x7f-\x9f]")


def is_file_name(name: str) -> bool:
    """Whether ``name`` is one plain path component (no separator, ``..``, colon or control)."""
    return bool(name) and name not in (".", "..") and _UNSAFE.search(name) is None


def path_component(text: str, fallback: str) -> str:
    """Return ``text`` as one safe path component: unsafe characters become ``_``."""
    cleaned = _UNSAFE.sub("_", text)
    return fallback if cleaned in ("", ".", "..") else cleaned


def files_by_name(store: SqlStore, names: Sequence[str]) -> dict[str, SelectedFile]:
    """Return the catalog facts of each named product that exists.

    A product whose own row and observation say nothing about its rights
    (a pool, an association file) takes its program's: a file of an
    exclusive program is never served as public by default.
    """
    found: dict[str, SelectedFile] = {}
    programs: dict[str, tuple[str | None, str | None]] = {}
    for raw in store.execute_in(_FILE_SQL, sorted(set(names))):
        row = _FileRow(*raw)
        rights, release = row.data_rights, row.release_date
        if rights is None and row.program is not None:
            if row.program not in programs:
                programs[row.program] = questions.program_rights(store, row.program)
            rights, release = programs[row.program]
        found[row.name] = SelectedFile(
            **row._replace(data_rights=rights or "PUBLIC", release_date=release)._asdict()
        )
    return found


def select_files(
    store: SqlStore, obs_ids: Sequence[str] = (), names: Sequence[str] = (), mrp: bool = True
) -> list[SelectedFile]:
    """Return the files of some observations and some named products, each once.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    obs_ids : sequence of str
        Observations (ids, association product names or numeric obsids);
        each contributes its product list, only MRP when ``mrp``.
    names : sequence of str
        Products wanted whatever their MRP status.
    mrp : bool
        Keep only minimum recommended products of the observations.

    Returns
    -------
    list of SelectedFile
        In request order; a file listed through an observation carries the
        obs_id it is listed under (its owner's, or the observation's for
        shared files).

    Raises
    ------
    NotFound
        An observation or product is not in the catalog.
    """
    order: dict[str, str | None] = {}
    for obs in obs_ids:
        listing = questions.product_list(store, obs, ProductFilters(mrp_only=mrp))
        for row in listing.rows:
            order.setdefault(row["productFilename"], row["obs_id"])
    wanted = [_product_key(store, name) for name in names]
    for name in wanted:
        order.setdefault(name, None)
    facts = files_by_name(store, list(order))
    missing = [n for n in wanted if n not in facts]
    if missing:
        raise resolver.not_found(store, missing[0])
    result = []
    for name, listed_obs in order.items():
        item = facts[name]
        if item.obs_id is None and listed_obs is not None:
            item = replace(item, obs_id=listed_obs)
        result.append(item)
    return result


def _product_key(store: SqlStore, name: str) -> str:
    """Return the catalog name of a product named in any form (`jwlink.query.names`)."""
    what, key = resolver.resolve(store, name)
    if what != "product":
        msg = f"'{name}' is observation {key}: select it as an obs_id, not as a name"
        raise InvalidQuery(msg)
    return key


def served_path(location: str | None, data_root: Path | None) -> Path | None:
    """Return the location's path if it is a regular file beneath the data root, else None.

    Checked as `open_served` opens (`jwlink.query.beneath`): a link is
    followed only while it stays beneath the root. The path is the
    location itself (a link inside the root keeps its own name, as ingest
    catalogs it): for a yes/no, or a document read at once. To serve
    bytes, use `open_served`, which holds the very file it checked.
    """
    opened = _open(location, data_root)
    if opened is None:
        return None
    os.close(opened)
    return Path(location or "")


def open_served(location: str | None, data_root: Path | None) -> tuple[int, int] | None:
    """Open a served file; return ``(fd, size)`` or None if it is not served.

    Every component is opened relative to the one before without following
    links (`jwlink.query.beneath.open_beneath`), so no folder or file
    swapped for a link between check and open can lead out of the root.
    """
    fd = _open(location, data_root)
    if fd is None:
        return None
    return fd, os.fstat(fd).st_size


def _open(location: str | None, data_root: Path | None) -> int | None:
    if location is None or data_root is None:
        return None
    try:
        return open_beneath(data_root, location)
    except OSError as err:
        # Missing, not a regular file, or a way out of the root: "not served",
        # never a 500 (the swap that makes it can come at any moment).
        _log.debug("not served: %s (%s)", location, err.strerror or err)
        return None

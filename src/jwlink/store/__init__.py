"""Catalog storage: SQLite (embedded default) and PostgreSQL (shared).

Only writers make catalogs (``jwlink ingest``, ``synth``, ``demo``): a read
opens with ``create=False`` and a catalog that is not there is an error
naming the place and the command that makes one, never a new empty file.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from jwlink.errors import CatalogMissing
from jwlink.store.base import SqlStore

__all__ = ["DEFAULT_DB", "SqlStore", "open_store", "shown_url"]

DEFAULT_DB = "jwlink.db"


def shown_url(url: str) -> str:
    """Return a catalog URL fit to print: a PostgreSQL password becomes ``***``."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _missing(url: str, why: str) -> CatalogMissing:
    where = shown_url(url) if _is_postgres(url) else str(Path(url).resolve())
    return CatalogMissing(
        f"no jwlink catalog at {where} ({why}). Make one with "
        f"`jwlink ingest PATH --db {shlex.quote(where)}`, or run `jwlink demo` and use the "
        "JWLINK_DB it prints"
    )


def open_store(
    url: str | None = None, readonly: bool = False, migrate: bool = True, create: bool = True
) -> SqlStore:
    """Open the catalog named by a URL or path, creating its schema if needed.

    Parameters
    ----------
    url : str, optional
        ``postgresql://...`` for PostgreSQL; anything else is a SQLite file
        path (``sqlite:///path`` is accepted too). Defaults to ``$JWLINK_DB``
        or ``jwlink.db`` in the current folder.
    readonly : bool
        Open for reading only; no migration is attempted and nothing is created.
    migrate : bool
        Apply pending migrations (ignored when ``readonly``).
    create : bool
        Make the catalog (file, tables) if it is not there. False for reads:
        an existing catalog of an older version is still migrated, but a
        missing one raises `CatalogMissing` and leaves no trace.

    Returns
    -------
    SqlStore
        The open store.

    Raises
    ------
    CatalogMissing
        ``create`` is False and there is no catalog: no SQLite file, or a file
        or PostgreSQL schema without jwlink's tables. Also for a missing
        SQLite file opened ``readonly`` (which can only fail).
    """
    url = url or os.environ.get("JWLINK_DB") or DEFAULT_DB
    store: SqlStore
    if _is_postgres(url):
        from jwlink.store.postgres import PostgresStore

        store = PostgresStore(url, readonly=readonly)
        if not create and not store.holds_catalog():
            schema = store.schema()
            store.close()
            raise _missing(url, f"its schema '{schema}' has no jwlink tables")
    else:
        from jwlink.store.sqlite import SqliteStore

        path = url.removeprefix("sqlite:///")
        # Checked before connecting: connecting is what would create the file.
        if (readonly or not create) and path != ":memory:" and not Path(path).is_file():
            raise _missing(path, "no such file")
        if not create and path != ":memory:" and not SqliteStore.holds_catalog(path):
            raise _missing(path, "the file is not a jwlink catalog: it has no jwlink tables")
        store = SqliteStore(path, readonly=readonly)
    if migrate and not readonly:
        store.migrate()
    return store

"""Catalog storage: SQLite (embedded default) and PostgreSQL (shared)."""

from __future__ import annotations

import os

from jwlink.store.base import SqlStore

__all__ = ["DEFAULT_DB", "SqlStore", "open_store"]

DEFAULT_DB = "jwlink.db"


def open_store(url: str | None = None, readonly: bool = False, migrate: bool = True) -> SqlStore:
    """Open the catalog named by a URL or path, creating its schema if needed.

    Parameters
    ----------
    url : str, optional
        ``postgresql://...`` for PostgreSQL; anything else is a SQLite file
        path (``sqlite:///path`` is accepted too). Defaults to ``$JWLINK_DB``
        or ``jwlink.db`` in the current folder.
    readonly : bool
        Open for reading only; no migration is attempted.
    migrate : bool
        Apply pending migrations (ignored when ``readonly``).

    Returns
    -------
    SqlStore
        The open store.
    """
    url = url or os.environ.get("JWLINK_DB") or DEFAULT_DB
    store: SqlStore
    if url.startswith(("postgresql://", "postgres://")):
        from jwlink.store.postgres import PostgresStore

        store = PostgresStore(url, readonly=readonly)
    else:
        from jwlink.store.sqlite import SqliteStore

        store = SqliteStore(url.removeprefix("sqlite:///"), readonly=readonly)
    if migrate and not readonly:
        store.migrate()
    return store

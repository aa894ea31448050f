"""SQLite backend: the embedded default, one file in WAL mode."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jwlink.errors import CatalogReadOnly, StoreError
from jwlink.store.base import SqlStore

__all__ = ["SqliteStore"]

# Messages SQLite uses when it cannot write; a user can fix each of these
# (permissions, disk space, a read-only mount), so they get their own error.
_READ_ONLY_MARKERS = ("readonly", "read-only", "disk is full", "disk i/o error")


class SqliteStore(SqlStore):
    """A catalog in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file; ``":memory:"`` for a private in-memory catalog.
    readonly : bool
        Open for reading only (serving); writes then raise `CatalogReadOnly`.
    """

    backend = "sqlite"

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        super().__init__()
        self.path = str(path)
        self.url = self.path
        try:
            if readonly:
                uri = f"file:{Path(self.path).resolve()}?mode=ro"
                self.conn = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False
                )
            else:
                self.conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False
                )
            # WAL lets readers (jwlink serve) keep reading while an ingest writes;
            # NORMAL sync is durable across application crashes in WAL mode.
            if not readonly:
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.conn.execute("PRAGMA cache_size=-65536")
        except sqlite3.Error as err:
            raise self._map_error(err) from err

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _begin(self) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue
        # instead of failing half-way with SQLITE_BUSY.
        self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _map_error(self, err: Exception) -> Exception:
        if not isinstance(err, sqlite3.Error):
            return err
        text = str(err)
        if any(marker in text.lower() for marker in _READ_ONLY_MARKERS):
            return CatalogReadOnly(f"SQLite catalog '{self.path}' cannot be written: {text}")
        return StoreError(f"SQLite catalog '{self.path}': {text}")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

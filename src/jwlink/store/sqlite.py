"""SQLite backend: the embedded default, one file in WAL mode."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jwlink.errors import CatalogFull, CatalogReadOnly, StoreError
from jwlink.store.base import SqlStore

__all__ = ["SqliteStore"]

# Result codes a user can act on (free space, permissions, a read-only
# mount), so they get errors of their own rather than a bare StoreError.
_FULL = (sqlite3.SQLITE_FULL,)
_READ_ONLY = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR)


def _on_read_only_media(path: Path) -> bool:
    # statvfs, not os.access: root passes every permission check, but not a
    # read-only mount.
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class SqliteStore(SqlStore):
    """A catalog in one SQLite file.

    A catalog on a read-only filesystem opens read-only either way (a WAL
    catalog can otherwise not be opened there at all: SQLite cannot create
    its ``-shm`` file); writes then raise `CatalogReadOnly`.

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
        self.media_read_only = False
        try:
            self.conn = self._connect(readonly)
        except sqlite3.Error as err:
            raise self._map_error(err) from err

    @staticmethod
    def holds_catalog(path: str | Path) -> bool:
        """Return whether an existing file is a jwlink catalog (has its tables).

        The probe opens the file read-only, so it neither creates nor
        changes anything (a WAL switch would write to a foreign file).

        Raises
        ------
        StoreError
            The file cannot be read at all (permissions, a lock, I/O).
        """
        resolved = Path(path).resolve()
        # On read-only media only "immutable" reads a WAL file (see _connect).
        extra = "&immutable=1" if _on_read_only_media(resolved) else ""
        try:
            conn = sqlite3.connect(f"file:{resolved}?mode=ro{extra}", uri=True)
            try:
                rows = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    ("jwlink_migrations",),
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as err:
            if getattr(err, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_NOTADB:
                return False  # some other file: not a catalog
            msg = f"SQLite catalog '{path}': {err}"
            raise StoreError(msg) from err
        return bool(rows)

    def _connect(self, readonly: bool) -> sqlite3.Connection:
        resolved = Path(self.path).resolve()
        if self.path != ":memory:" and _on_read_only_media(resolved):
            self.media_read_only = True
            if not resolved.is_file():
                msg = f"SQLite catalog '{self.path}' cannot be created: its folder is read-only"
                raise CatalogReadOnly(msg)
            # Nothing can change the file through a read-only mount, and
            # "immutable" is the one way SQLite reads a WAL file without -shm.
            uri = f"file:{resolved}?mode=ro&immutable=1"
            return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        if readonly:
            uri = f"file:{resolved}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # WAL lets readers (jwlink serve) keep reading while an ingest writes;
            # NORMAL sync is durable across application crashes in WAL mode.
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-65536")
        return conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._trace(sql, params)
        return self.conn.execute(sql, params).fetchall()

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._trace(sql, rows)
        self.conn.executemany(sql, rows)

    def _control(self, sql: str) -> None:
        # Transaction control goes past the tracer too: it sees every statement.
        self._trace(sql)
        self.conn.execute(sql)

    def _begin(self) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue
        # instead of failing half-way with SQLITE_BUSY.
        self._control("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self._control("COMMIT")

    def _begin_read(self) -> None:
        # DEFERRED: in WAL mode the first read fixes the snapshot, and no lock
        # stops the writer meanwhile.
        self._control("BEGIN")

    def _end_read(self) -> None:
        if self.conn.in_transaction:
            self._control("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self._control("ROLLBACK")

    def _map_error(self, err: Exception) -> Exception:
        if not isinstance(err, sqlite3.Error):
            return err
        text = str(err)
        code = getattr(err, "sqlite_errorcode", 0) & 0xFF  # the primary code
        if code in _FULL:
            return CatalogFull(
                f"SQLite catalog '{self.path}' cannot be written: disk full ({text}); "
                "free space on its disk and run again"
            )
        if self.media_read_only:
            return CatalogReadOnly(
                f"SQLite catalog '{self.path}' cannot be written: it is on a read-only "
                f"filesystem ({text})"
            )
        if code in _READ_ONLY:
            return CatalogReadOnly(f"SQLite catalog '{self.path}' cannot be written: {text}")
        return StoreError(f"SQLite catalog '{self.path}': {text}")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

"""PostgreSQL backend: the shared catalog for many servers and ingest workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from jwlink.errors import CatalogReadOnly, StoreError
from jwlink.store.base import SqlStore

__all__ = ["PostgresStore"]


def _pg(sql: str) -> str:
    # The shared statements use SQLite's '?' placeholders; psycopg wants %s.
    # No statement of ours contains a literal '?' or '%'.
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore(SqlStore):
    """A catalog in a PostgreSQL database.

    Parameters
    ----------
    url : str
        A libpq connection URL, ``postgresql://user@host:port/dbname``.
    readonly : bool
        Open a read-only session (serving).
    """

    backend = "postgresql"
    collate = 'COLLATE "C"'
    optimize_sql = "ANALYZE"

    def __init__(self, url: str, readonly: bool = False) -> None:
        super().__init__()
        self.url = url
        try:
            self.conn = psycopg.connect(url, autocommit=True)
            # Catalog queries are short; compiling them (JIT) costs more than it saves.
            self.conn.execute("SET jit = off")
            if readonly:
                self.conn.execute("SET default_transaction_read_only = on")
        except psycopg.Error as err:
            raise self._map_error(err) from err
        self._staged: set[str] = set()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(_pg(sql), params or None)
        return cur.fetchall() if cur.description else []

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_pg(sql), rows)

    def _begin(self) -> None:
        self.conn.execute("BEGIN")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def _bulk(self, table: str, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        # COPY into a session-local staging table, then one INSERT ... SELECT
        # carries the same ON CONFLICT rule as the row-by-row statement.
        if len(rows) < 64:
            self._executemany(sql, rows)
            return
        stage = f"stage_{table}"
        if stage not in self._staged:
            self.conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            self._staged.add(stage)
        head, _, tail = sql.partition(" VALUES (")
        columns = head[head.index("(") + 1 : head.rindex(")")]
        conflict = tail[tail.index(" ON CONFLICT") :]
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}{conflict}")
            cur.execute(f"DELETE FROM {stage}")

    def _map_error(self, err: Exception) -> Exception:
        if not isinstance(err, psycopg.Error):
            return err
        if isinstance(err, psycopg.errors.ReadOnlySqlTransaction | psycopg.errors.DiskFull):
            return CatalogReadOnly(f"PostgreSQL catalog cannot be written: {err}")
        if isinstance(err, psycopg.errors.InsufficientPrivilege):
            return CatalogReadOnly(f"PostgreSQL catalog refuses writes: {err}")
        return StoreError(f"PostgreSQL catalog: {err}")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

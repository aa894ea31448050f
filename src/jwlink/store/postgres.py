"""PostgreSQL backend: the shared catalog for many servers and ingest workers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from jwlink.errors import CatalogFull, CatalogReadOnly, CatalogUnavailable, StoreError
from jwlink.store.base import SqlStore

# Plans a keyed lookup must not take (`PostgresStore.keyed`).
_KEYED = ("enable_hashjoin", "enable_mergejoin", "enable_seqscan")
# With ``keyed(hashing=True)``: tables read by index, the rows joined freely.
_NO_SCANS = ("enable_seqscan",)

__all__ = ["PostgresStore"]

# SQLSTATEs that say "the server is not there right now", not "your SQL is
# wrong": connection exceptions (08), the server shutting down, crashed or
# starting up (57P01-57P03), too many connections (53300). Client-side
# connection failures carry no SQLSTATE at all.
_UNAVAILABLE_STATES = ("57P01", "57P02", "57P03", "53300")

# Errors that say only "another writer held the same rows": the same
# transaction run again succeeds.
_RETRYABLE = (
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
    psycopg.errors.UniqueViolation,
)


def _pg(sql: str) -> str:
    # The shared statements use SQLite's '?' placeholders; psycopg wants %s.
    # No statement of ours contains a literal '?' or '%'.
    return sql.replace("%", "%%").replace("?", "%s")


def _unavailable(err: Exception) -> bool:
    if not isinstance(err, psycopg.OperationalError):
        return False
    state = err.sqlstate
    return state is None or state.startswith("08") or state in _UNAVAILABLE_STATES


class PostgresStore(SqlStore):
    """A catalog in a PostgreSQL database.

    A statement outside a transaction that fails because the connection
    died (the server restarted) is run again once on a new connection, and
    a transaction (or snapshot) starts on a new connection if the old one
    died while idle: a long-lived store outlives a server restart.

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

    def _refresh_statistics(self) -> None:
        # An autovacuum ANALYZE that ran while this transaction was writing
        # saw none of its rows (uncommitted) and left the tables "empty":
        # the planner then reads a whole index for each lookup by name (the
        # lists queued by one part of a 200,000-member association took
        # minutes a statement). ANALYZE in this transaction counts its own
        # rows; the planner scales the density it finds by the tables' size.
        self._execute("ANALYZE products, links, members")

    lock_rows = " FOR UPDATE"

    def refresh_listings(self) -> int:
        """Recompute the queued lists (`SqlStore.refresh_listings`), then vacuum the queue."""
        done = super().refresh_listings()
        if done and not self._in_transaction and not self._snapshots:
            # Each file's transaction rewrites its queue rows (an upsert
            # that locks them against a refresh) and the refresh deletes
            # them: the emptied queue kept every dead version, and asking
            # whether anything is queued read them all (6.4 million after
            # a 1M-product ingest: 95 ms a question, before autovacuum).
            # The counts, rewritten with the lists, are read by their index
            # alone once vacuumed (a program's page: 31,726 counts in 8 ms).
            self._execute("VACUUM listing_queue, program_counts")
        return done

    @contextmanager
    def keyed(self, hashing: bool = False) -> Iterator[None]:
        """Plan the block's statements with indexes only (`SqlStore.keyed`)."""
        # A mosaic's members all share its obs_id, so the planner reckons any
        # observation could own thousands of rows, and the statistics of the
        # rows this transaction wrote lag behind them: it then hashes whole
        # or scans whole tables for each chunk of keys, a cost that grows with
        # the catalog (each part of a 30,000-member association slower than
        # the last: 53 s in all, 25 s with this). These statements read only
        # the rows of bounded lists of keys: index lookups are right whatever
        # the sizes. Transaction-local: reset after the block, or ended with
        # the transaction an error in it rolls back.
        names = _NO_SCANS if hashing else _KEYED
        self._control("; ".join(f"SET LOCAL {name} = off" for name in names))
        yield
        self._control("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in names))

    def __init__(self, url: str, readonly: bool = False) -> None:
        super().__init__()
        self.url = url
        self.readonly = readonly
        self._staged: set[str] = set()
        self._in_transaction = False
        try:
            self.conn = self._connect()
        except psycopg.Error as err:
            raise self._map_error(err) from err

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, autocommit=True)
        # Catalog queries are short; compiling them (JIT) costs more than it saves.
        conn.execute("SET jit = off")
        if self.readonly:
            conn.execute("SET default_transaction_read_only = on")
        self._staged.clear()  # temporary staging tables die with their session
        return conn

    def holds_catalog(self) -> bool:
        """Return whether the session's schema has jwlink's tables."""
        return bool(self.execute("SELECT to_regclass('jwlink_migrations') IS NOT NULL")[0][0])

    def schema(self) -> str:
        """Return the schema the session creates and reads tables in."""
        # NULL when no schema of the search_path exists yet: show the path then.
        sql = "SELECT COALESCE(current_schema(), current_setting('search_path'))"
        return str(self.execute(sql)[0][0])

    def _reconnect_after(self, err: Exception) -> bool:
        """Replace a connection that died; return False if ``err`` was something else."""
        dead = self.conn.broken or self.conn.closed
        if self._in_transaction or not dead or not _unavailable(err):
            return False
        self.conn.close()
        self.conn = self._connect()
        return True

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._run(sql, params)
        except psycopg.Error as err:
            if not self._reconnect_after(err):
                raise
        return self._run(sql, params)

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        self._trace(sql, params)
        cur = self.conn.execute(_pg(sql), params or None)
        return cur.fetchall() if cur.description else []

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._trace(sql, rows)
            with self.conn.cursor() as cur:
                cur.executemany(_pg(sql), rows)
        except psycopg.Error as err:
            # executemany runs in pipeline mode; a Ctrl-C inside it makes the
            # pipeline's exit fail ("cannot exit pipeline mode while busy"),
            # and that error would hide the interrupt the user sent.
            if isinstance(err.__context__, KeyboardInterrupt):
                raise err.__context__ from None
            raise

    def _begin(self, sql: str = "BEGIN") -> None:
        # Nothing has run in the transaction yet, so a connection found dead
        # here is replaced and the transaction starts on the new one.
        try:
            self._control(sql)
        except psycopg.Error as err:
            if not self._reconnect_after(err):
                raise
            self._control(sql)
        self._in_transaction = True

    def _control(self, sql: str) -> None:
        # Transaction control goes past the tracer too: it sees every statement.
        self._trace(sql)
        self.conn.execute(sql)

    def _begin_read(self) -> None:
        self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def _end_read(self) -> None:
        self._in_transaction = False
        self._control("COMMIT")

    def _commit(self) -> None:
        self._in_transaction = False
        self._control("COMMIT")

    def _rollback(self) -> None:
        self._in_transaction = False
        # A staging table created in the failed transaction is gone with it.
        self._staged.clear()
        self._control("ROLLBACK")

    def _lock_schema(self) -> None:
        # Transaction-scoped: released at commit. Keyed by schema, so catalogs
        # in other schemas of the same database migrate independently.
        self._execute("SELECT pg_advisory_xact_lock(hashtext('jwlink:' || current_schema()))")

    def _retryable(self, err: BaseException | None) -> bool:
        return isinstance(err, _RETRYABLE)

    def _bulk(self, table: str, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        # COPY into a session-local staging table, then one INSERT ... SELECT
        # carries the same ON CONFLICT rule as the row-by-row statement.
        if len(rows) < 64:
            self._executemany(sql, rows)
            return
        stage = f"stage_{table}"
        if stage not in self._staged:
            self._control(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            self._staged.add(stage)
        head, _, tail = sql.partition(" VALUES (")
        columns = head[head.index("(") + 1 : head.rindex(")")]
        conflict = tail[tail.index(" ON CONFLICT") :]
        # Rows go in key order, as executemany sends them: concurrent writers
        # then take row locks in one global order and cannot deadlock.
        key = conflict[conflict.index("(") + 1 : conflict.index(")")]
        order = ", ".join(f"{c.strip()} {self.collate}" for c in key.split(","))
        load = f"COPY {stage} ({columns}) FROM STDIN"
        carry = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
            f"ORDER BY {order}{conflict}"
        )
        empty = f"DELETE FROM {stage}"
        with self.conn.cursor() as cur:
            self._trace(load, rows)
            with cur.copy(load) as copy:
                for row in rows:
                    copy.write_row(row)
            self._trace(carry)
            cur.execute(carry)
            self._trace(empty)
            cur.execute(empty)

    def _map_error(self, err: Exception) -> Exception:
        if not isinstance(err, psycopg.Error):
            return err
        if isinstance(err, psycopg.errors.DiskFull):
            return CatalogFull(f"PostgreSQL catalog cannot be written: disk full: {err}")
        if isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
            return CatalogReadOnly(f"PostgreSQL catalog cannot be written: {err}")
        if isinstance(err, psycopg.errors.InsufficientPrivilege):
            return CatalogReadOnly(f"PostgreSQL catalog refuses writes: {err}")
        if _unavailable(err):
            return CatalogUnavailable(f"PostgreSQL catalog unavailable: {_first_line(err)}")
        return StoreError(f"PostgreSQL catalog: {err}")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def reset(self) -> None:
        """Replace the connection: an interrupt can leave one mid-statement or mid-COPY.

        Closing the session ends its transaction, so the server rolls back
        what it had not committed.
        """
        self._in_transaction = False
        self.conn.close()
        self.conn = self._connect()


def _first_line(err: Exception) -> str:
    # libpq's connection errors run over several lines (one per address tried).
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__

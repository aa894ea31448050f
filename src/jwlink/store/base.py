"""The catalog store: one schema and one set of SQL statements for both backends.

`SqlStore` holds everything SQLite and PostgreSQL share (the upserts, the
lookups, the migrations); the subclasses add the connection, the placeholder
style, the bulk path (``executemany`` or ``COPY``) and the error mapping.
Values always travel as bound parameters; no caller text is ever formatted
into SQL.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from jwlink.core.model import Batch
from jwlink.errors import StoreError
from jwlink.store.chunks import CHUNK, chunked, marks
from jwlink.store.guide_stars import link_guide_stars
from jwlink.store.listings import refresh_listings
from jwlink.store.merge import least_evidence_sql
from jwlink.store.migrations import CREATE_MIGRATIONS, MIGRATIONS
from jwlink.store.rows import (
    CATALOG_TABLES,
    COUNT_SQL,
    LINK_COLUMNS,
    MEMBER_COLUMNS,
    FileWrite,
    insert_ignore,
    observation_upsert,
)
from jwlink.store.windows import link_windows
from jwlink.store.writes import write_file, write_group

_log = logging.getLogger(__name__)

__all__ = ["CHUNK", "MIGRATIONS", "FileWrite", "SqlStore", "Tracer", "chunked", "marks"]

# Called with every statement the store sends, before it is sent: the SQL and
# its parameters (for a bulk statement, its rows; for COPY, the rows copied).
Tracer = Callable[[str, Sequence[Any]], None]
_T = TypeVar("_T")


class SqlStore:
    """Shared catalog logic; subclasses supply the connection and dialect.

    Subclasses implement `_execute`, `_executemany`, `_begin`, `_commit`,
    `_rollback`, `_map_error` and may override `_bulk` for a faster path.
    """

    backend = "sql"
    url: str
    # Byte-order text comparison, so ORDER BY agrees on every backend.
    collate = "COLLATE BINARY"
    # Appended to a SELECT whose rows the transaction must lock (PostgreSQL);
    # SQLite has no row locks: its writers hold the whole database.
    lock_rows = ""

    def __init__(self) -> None:
        self.tracer: Tracer | None = None
        self._upsert_observation = observation_upsert(self.collate)
        self._insert_link = least_evidence_sql(
            insert_ignore("links", LINK_COLUMNS, "source, target, kind, role"), self.collate
        )
        self._insert_member = least_evidence_sql(
            insert_ignore("members", MEMBER_COLUMNS, "obs_id, member_obs_id, exptype"),
            self.collate,
        )
        self._snapshots = 0

    # -- dialect hooks -------------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _begin_read(self) -> None:
        raise NotImplementedError

    def _end_read(self) -> None:
        raise NotImplementedError

    def _map_error(self, err: Exception) -> Exception:
        """Translate a backend exception to a `StoreError`; return others unchanged."""
        raise NotImplementedError

    def _retryable(self, err: BaseException | None) -> bool:
        """Whether a failed write transaction may succeed if simply run again."""
        return False

    def _lock_schema(self) -> None:
        """Serialize migrations among processes opening the same catalog at once."""

    def _bulk(self, table: str, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._executemany(sql, rows)

    def _refresh_statistics(self) -> None:
        """Give the planner the sizes of tables this transaction has grown (PostgreSQL)."""

    @contextmanager
    def keyed(self, hashing: bool = False) -> Iterator[None]:
        """Plan the block's statements as lookups by key (PostgreSQL: indexes only).

        For statements, inside a write transaction, that read nothing but
        the rows of a bounded list of keys (the lists a file's rows reach,
        the listings of a chunk of observations). With ``hashing``, tables
        are still read only through indexes, but the rows so read may be
        joined by hashing or merging.
        """
        yield

    def close(self) -> None:
        """Close the connection."""

    def reset(self) -> None:
        """Make the connection usable again after an interrupt caught it mid-statement.

        Whatever the interrupted transaction wrote is rolled back (it was
        never committed); committed work stays.
        """
        self._rollback()

    def _trace(self, sql: str, params: Sequence[Any] = ()) -> None:
        # The dialects call this just before sending anything, so the tracer
        # sees every statement: reads, writes, bulk writes, COPY, migrations.
        if self.tracer is not None:
            self.tracer(sql, params)

    # -- public ----------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read statement with ``?`` placeholders and return its rows."""
        try:
            return self._execute(sql, params)
        except Exception as err:
            raise self._map_error(err) from err

    def execute_in(
        self,
        sql: str,
        values: Sequence[Any],
        before: Sequence[Any] = (),
        after: Sequence[Any] = (),
    ) -> list[tuple[Any, ...]]:
        """Run a statement with one ``IN ({marks})`` list over many values, in chunks.

        ``sql`` is one of the package's own statements with the text
        ``{marks}`` where the placeholders of the list go; the values are
        bound in chunks of `CHUNK`, between ``before`` and ``after``. The rows
        of every chunk are returned together (an empty list binds nothing).
        """
        rows: list[tuple[Any, ...]] = []
        for chunk in chunked(values):
            statement = sql.replace("{marks}", marks(len(chunk)))
            rows += self.execute(statement, (*before, *chunk, *after))
        return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction; roll back on any error."""
        try:
            self._begin()
        except Exception as err:
            raise self._map_error(err) from err
        try:
            yield
        except BaseException as err:
            # rollback() is harmless if the error already ended the
            # transaction; the original exception is what the caller needs.
            try:
                self._rollback()
            except Exception as failed:  # noqa: BLE001 - the first error matters more
                # The connection is in no state to roll back (an interrupt
                # caught it mid-statement): a new one ends the transaction.
                _log.warning("rollback failed (%s); reconnecting", failed)
                self.reset()
            mapped = self._map_error(err) if isinstance(err, Exception) else err
            if mapped is not err:
                raise mapped from err
            raise
        try:
            self._commit()
        except Exception as err:
            raise self._map_error(err) from err

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read the block's statements from one snapshot of the catalog.

        Outside a snapshot each statement sees the latest commit, so an
        answer built from several queries could hold a file's rows in one
        query and not in the next. Nested blocks share the outer snapshot.
        """
        if self._snapshots:
            self._snapshots += 1
            try:
                yield
            finally:
                self._snapshots -= 1
            return
        try:
            self._begin_read()
        except Exception as err:
            raise self._map_error(err) from err
        self._snapshots = 1
        try:
            yield
        finally:
            self._snapshots = 0
            try:
                self._end_read()
            except Exception as err:  # noqa: BLE001 - narrowed to the database's own errors below
                if not self._from_database(err):
                    raise
                # Safe: a snapshot writes nothing, so ending it can lose nothing;
                # the block's answer is already read, and a dead connection is
                # replaced by the next statement (or the pool).
                _log.warning("ending a read snapshot failed: %s", err)

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; return their names.

        All pending migrations run in one transaction under a lock, so two
        processes opening a new catalog at once do not both create it.
        """
        if self._applied() >= {name for name, _ in MIGRATIONS}:
            return []
        applied = []
        with self.transaction():
            self._lock_schema()
            self._execute(CREATE_MIGRATIONS)
            done = {r[0] for r in self._execute("SELECT name FROM jwlink_migrations")}
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                self._executescript(sql)
                self._execute(
                    "INSERT INTO jwlink_migrations (name, applied) VALUES (?, CURRENT_TIMESTAMP)",
                    (name,),
                )
                applied.append(name)
        return applied

    def _applied(self) -> set[str]:
        # Read without a write transaction: an up-to-date catalog opens
        # without taking the write lock. A new catalog has no such table.
        try:
            return {r[0] for r in self._execute("SELECT name FROM jwlink_migrations")}
        except Exception as err:  # noqa: BLE001 - narrowed to the database's own errors below
            if not self._from_database(err):
                raise
            # Safe: any database failure (no such table on a new catalog, above
            # all) means "migrate under the lock", which reads the table again.
            _log.debug("no migrations read (%s): migrating under the lock", err)
            return set()

    def _from_database(self, err: Exception) -> bool:
        """Whether an exception is the database's (driver error or StoreError), not a bug."""
        return isinstance(err, StoreError) or self._map_error(err) is not err

    def _executescript(self, sql: str) -> None:
        # Comments go first: they may hold semicolons.
        code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
        for statement in code.split(";"):
            if statement.strip():
                self._execute(statement.strip())

    # A write that deadlocked or lost a race with another writer is run
    # again this many times in all (PostgreSQL; SQLite writers queue instead).
    write_attempts = 6

    def _retrying(self, work: Callable[[], _T]) -> _T:
        """Run ``work`` in one transaction, again if it only collided with another writer.

        A transaction that fails because another writer held the same rows
        (deadlock, serialization failure, a concurrent insert of the same
        key) is rolled back and run again, a bounded number of times.
        """
        attempt = 1
        while True:
            try:
                with self.transaction():
                    return work()
            except StoreError as err:
                if attempt >= self.write_attempts or not self._retryable(err.__cause__):
                    raise
            # Jitter, so the writers that collided do not collide again.
            time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 - not cryptographic
            attempt += 1

    def write(self, batch: Batch, fingerprint: str | None = None, reader: str = "") -> None:
        """Write one input file's rows in one transaction (all or nothing).

        A write that collided with a concurrent writer is retried (see
        `_retrying`).

        Parameters
        ----------
        batch : Batch
            The rows derived from one input file.
        fingerprint : str, optional
            Identity of the input's content; recorded so a re-run can skip it.
        reader : str
            Name of the reader that produced the batch.
        """
        self.write_parts(lambda: (batch,), batch.source, fingerprint, reader)

    def write_parts(
        self,
        parts: Callable[[], Iterable[Batch]],
        source: str,
        fingerprint: str | None = None,
        reader: str = "",
        size: int | None = None,
        mtime_ns: int | None = None,
    ) -> None:
        """Write one input file's rows, made a part at a time, in one transaction.

        ``parts`` makes the parts (called again if the write is retried), so
        a file of millions of rows (an association of 200,000 members) is
        never held whole; a failure in any part leaves no row of the file.
        ``source`` is the input's path, as `Batch.source`. ``size`` and
        ``mtime_ns`` are the file's as it was read (``os.stat``), recorded
        with ``fingerprint`` so a file changed since is never served under
        the old checksum.
        """
        file = FileWrite(parts, source, fingerprint, reader, size, mtime_ns)
        self._retrying(lambda: write_file(self, file))

    def write_files(self, files: Sequence[FileWrite]) -> list[Exception | None]:
        """Write many small input files in one transaction, their rows as one batch.

        Each file's parts are made first: a file whose parts fail for a
        reason of its own (it changed since it was read, a linker bug) is
        left out, its exception in its place in the returned list, None in
        the place of each file written. The others' rows are merged in file
        order by the rules the upserts apply (so the catalog is the one the
        files written one after the other give) and written together, with
        one ``inputs`` row per file. An error of the catalog (disk full, a
        statement refused) writes nothing and is raised; a collision with a
        concurrent writer runs the whole group again. Per file, the
        statements cost more than a small file's rows.
        """
        return self._retrying(lambda: write_group(self, files))

    def optimize(self) -> None:
        """Refresh the planner's statistics after a bulk load (cheap when little changed)."""
        self.execute(self.optimize_sql)

    optimize_sql = "PRAGMA optimize"

    def record_stat(self, path: str, fingerprint: str, size: int, mtime_ns: int) -> bool:
        """Record the size and time of an input found unchanged (same SHA-256).

        A file touched but not changed, or catalogued before sizes and times
        were recorded (migration 0010), is then served without hashing it
        again. Writes only when they differ; returns whether it wrote.
        """
        rows = self.execute(
            "SELECT size, mtime_ns FROM inputs WHERE path = ? AND fingerprint = ?",
            (path, fingerprint),
        )
        if not rows or tuple(rows[0]) == (size, mtime_ns):
            return False

        def work() -> None:
            self._execute(
                "UPDATE inputs SET size = ?, mtime_ns = ? WHERE path = ? AND fingerprint = ?",
                (size, mtime_ns, path, fingerprint),
            )

        self._retrying(work)
        return True

    def fingerprint_of(self, path: str) -> str | None:
        """Return the recorded fingerprint of an input path, or None."""
        rows = self.execute("SELECT fingerprint FROM inputs WHERE path = ?", (path,))
        return rows[0][0] if rows else None

    def counts(self, tables: Sequence[str] = CATALOG_TABLES) -> dict[str, int]:
        """Return the number of rows in each catalog table (or in the ones named).

        Raises
        ------
        StoreError
            A name that is not one of `CATALOG_TABLES`.
        """
        unknown = [t for t in tables if t not in COUNT_SQL]
        if unknown:
            msg = f"no catalog table '{unknown[0]}': expected one of {', '.join(CATALOG_TABLES)}"
            raise StoreError(msg)
        return {t: int(self.execute(COUNT_SQL[t])[0][0]) for t in tables}

    def link_windows(self, windows: Sequence[tuple[str, str]] = ()) -> None:
        """Link by time the windows queued by `write` (and the given ``(name, role)`` pairs).

        Engineering series to the exposures they overlap, guider exposures to
        the science exposures of their visit (`jwlink.store.windows`); an
        ingest calls it at its end.
        """
        link_windows(self, windows)

    def refresh_listings(self) -> int:
        """Recompute the product lists that `write` (and linking) queued; return how many.

        Until then a queued list is computed when it is read
        (`jwlink.store.listings`); an ingest calls this at its end.
        """
        return refresh_listings(self)

    def link_guide_stars(self, visits: Sequence[str] = ()) -> None:
        """Link guide-star products to the science products of the same visit.

        Guide-star files are named by visit (``jw<ppppp><ooo><vvv>_gs-...``),
        never by exposure, so the link can only be made once both are in the
        catalog. This links the given visits and every visit `write` queued
        (then clears them from the queue); an ingest calls it at its end
        (`jwlink.store.guide_stars`).
        """
        link_guide_stars(self, visits)

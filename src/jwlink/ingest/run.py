"""Ingest files and folders into a catalog: walk, read, link, write.

Each input file becomes one `Batch`, written with the files around it in one
transaction, their rows merged (`SqlStore.write_files`): a bad file leaves no
rows behind, the others land, and memory stays flat however many files a tree
holds. A group commits every `GROUP_FILES` files or
`GROUP_SECONDS` (a transaction per file cost more than a small file's rows);
a big association, pool or product table, linked in parts, is written alone.
A file whose SHA-256 the catalog already recorded is skipped: re-ingesting
the same input changes nothing.

An ingest stopped at any point (killed, power lost) leaves a consistent
catalog: every input recorded has all its rows, no other file has any, and
the visits whose guide-star links are not derived yet stay queued in the
catalog. Running the same ingest again completes it. Ctrl-C (SIGINT) stops
the same way and raises `IngestInterrupted`, carrying the report so far.

The name of each file is parsed once (`jwlink.naming.describe`) and the
parsed value handed on: to pick the reader, to the linker, to the report.

Files that never claim to be JWST evidence (no JWST name, and a ``.json`` or
table whose first bytes say nothing JWST: a ``package.json``, a spreadsheet
export) are passed over, not errors; a file that claims and cannot be read
is an error.

A folder's files are what they are called: a symbolic link is its own
product, recorded under its own name and path with its target's bytes, when
its target lies inside the folder being ingested; a link leading out of it,
or nowhere, is refused (an error). Only regular files are opened: a FIFO, a
device or a socket with an evidence name is skipped and reported, never read
(`jwlink.readers.regular`). Every by-content look at a file reads 64 KiB at
most.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jwlink.core.model import Batch
from jwlink.errors import CatalogReadOnly, CatalogUnavailable, JwlinkError
from jwlink.ingest.ahead import Ahead
from jwlink.ingest.looks import Look
from jwlink.ingest.reading import (
    claims_jwst,
    classify,
    has_unknown_suffix,
    may_be_evidence,
    read_file,
    read_parts,
    reader_for,
)
from jwlink.ingest.tree import iter_files, shown, walk
from jwlink.ingest.workers import Failed, problem_of
from jwlink.naming import NameInfo
from jwlink.store.base import FileWrite, SqlStore

__all__ = [
    "IngestInterrupted",
    "IngestReport",
    "claims_jwst",
    "classify",
    "has_unknown_suffix",
    "ingest",
    "iter_files",
    "may_be_evidence",
    "read_file",
    "read_parts",
    "reader_for",
    "shown",
]

_log = logging.getLogger(__name__)

# A group of files written in one transaction (`_Group`) closes at this many
# files, this many seconds after its first, or this many bytes of files
# other than FITS (whose parsed rows, unlike a FITS header's, grow with them).
GROUP_FILES = 500
GROUP_SECONDS = 1.0
GROUP_BYTES = 64 << 20
# Files of these readers that may link in parts are written alone from this size.
_IN_PARTS = ("association", "pool", "table")
_ALONE_BYTES = 1 << 20


@dataclass
class IngestReport:
    """What one ingest run did.

    ``ingested`` files were read and written by this run, ``unchanged`` ones
    skipped because the catalog already held the same content, ``errors``
    holds one ``(path, message)`` per file that failed. ``products`` and
    ``links`` are the rows the catalog gained during the run (counted in the
    catalog before and after; None if the count could not be taken after an
    interruption). ``passed_over`` lists the files that are not JWST
    evidence, ``unknown_suffix`` the files ingested whose well-formed JWST
    name has a suffix jwlink does not know. ``skipped`` holds one ``(path,
    reason)`` per file named as evidence that is not a regular file (a FIFO,
    a device, a socket): never opened, and, like an error, not ingested.
    """

    files: int = 0
    ingested: int = 0
    unchanged: int = 0
    products: int | None = 0
    links: int | None = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)
    unknown_suffix: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False
    # The files being written, as (location, sha256): an interrupt between
    # their commit and their count is resolved by asking the catalog.
    _writing: list[tuple[str, str]] = field(default_factory=list, repr=False, compare=False)
    # ``ingested`` before those files: their count is taken again from the
    # catalog if an interrupt lands while they are written or counted.
    _ingested_before: int = field(default=0, repr=False, compare=False)

    @property
    def ignored(self) -> int:
        """How many files were passed over (the older name of ``len(passed_over)``)."""
        return len(self.passed_over)

    def as_dict(self) -> dict[str, object]:
        """Return the report as a JSON-ready dict."""
        return {
            "files": self.files,
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "failed": len(self.errors),
            "products": self.products,
            "links": self.links,
            "interrupted": self.interrupted,
            "errors": [{"path": p, "error": m} for p, m in self.errors],
            "skipped": [{"path": p, "reason": m} for p, m in self.skipped],
            "passed_over": self.passed_over,
            "unknown_suffix": self.unknown_suffix,
        }


class IngestInterrupted(KeyboardInterrupt):
    """An ingest stopped by Ctrl-C; ``report`` says what it had done.

    Every file it counts as ingested is committed; the files being written
    when the interrupt came (one group) were rolled back. Running the same ingest again
    completes the catalog. A `KeyboardInterrupt`, so a caller that does not
    look for it still stops.
    """

    def __init__(self, report: IngestReport) -> None:
        super().__init__("ingest interrupted")
        self.report = report


def ingest(
    store: SqlStore,
    paths: Iterable[str | os.PathLike[str]],
    progress: Callable[[Path], None] | None = None,
    force: bool = False,
    group_files: int = GROUP_FILES,
    threads: int | None = None,
    processes: int | None = None,
) -> IngestReport:
    """Ingest files and folders into the catalog.

    Parameters
    ----------
    store : SqlStore
        The catalog to write to.
    paths : iterable of str or PathLike
        Files and folders; folders are walked.
    progress : callable, optional
        Called with each file's path after it is handled.
    force : bool
        Read and write every file even if the catalog recorded the same content.
    group_files : int
        Files written per transaction, their rows as one batch
        (`SqlStore.write_files`); a group also closes one second
        (`GROUP_SECONDS`) after its first file. 1 commits every file alone.
    threads : int, optional
        Threads that look at and hash the files ahead of the one being
        linked (`jwlink.ingest.ahead.Ahead`); default: one per core, 0: none.
    processes : int, optional
        Worker processes that read small FITS files ahead of the loop,
        started once a folder has a chunk of them; default: one per core,
        0: none.

    Returns
    -------
    IngestReport
        Counts, and one ``(path, message)`` per file that could not be read.
        A bad file is reported and skipped; every other file is ingested.

    Raises
    ------
    CatalogReadOnly
        The catalog refuses writes (read-only, or its disk is full): no
        further file could be written, so the run stops; what was written
        before stays.
    CatalogUnavailable
        The catalog database cannot be reached.
    """
    report = IngestReport()
    before = _rows(store)
    group = _Group(group_files)
    try:
        with Ahead(walk(paths), threads, processes) as looks:
            for found in looks:
                report.files += 1
                if found.location in group.locations:
                    # Named twice: written once, then found unchanged, as in two runs.
                    _write_group(store, group, report)
                pending = _read_guarded(store, found, report, force)
                if pending is not None:
                    if _alone(pending):
                        _write_group(store, group, report)
                    group.add(pending)
                    if group.full():
                        _write_group(store, group, report)
                if progress is not None:
                    progress(found.path)
        _write_group(store, group, report)
        # Also drains visits an earlier, interrupted run left queued.
        store.link_guide_stars()
        store.link_windows()
        if report.ingested:
            # Before the lists are ranked: the planner needs the new sizes.
            store.optimize()
        # Last: linking queues lists too. Also an earlier run's leftovers.
        store.refresh_listings()
    except KeyboardInterrupt as stop:
        # The group being written was rolled back (SqlStore.transaction);
        # every file counted as ingested is committed.
        report.interrupted = True
        try:
            # The interrupt may have caught the connection mid-statement
            # (PostgreSQL: mid-COPY), where no further query can run on it.
            store.reset()
            _count_in_flight(store, report, force)
            _count_added(store, before, report)
        except Exception as err:  # noqa: BLE001 - the connection may have died with the interrupt
            # Safe: counts are a courtesy; None makes the report say they are
            # missing, and the interrupt (what the user asked for) goes on.
            _log.warning("no row counts after the interrupt: %s: %s", type(err).__name__, err)
            report.products = report.links = None
        raise IngestInterrupted(report) from stop
    _count_added(store, before, report)
    return report


@dataclass
class _Pending:
    """A file read and linked, waiting for its group's transaction."""

    path: Path
    write: FileWrite
    info: NameInfo


class _Group:
    """Files written together, in one transaction (`SqlStore.write_files`).

    A group closes at `GROUP_FILES` files (or the number asked), at
    `GROUP_BYTES`, or `GROUP_SECONDS` after its first file, so a reader of
    the catalog sees an ingest's progress and an interrupt loses little; a
    file that links in parts (a big association, pool or product table) is
    written alone, its rows never all held.
    """

    def __init__(self, most: int = GROUP_FILES) -> None:
        self.most = most
        self.files: list[_Pending] = []
        self.locations: set[str] = set()
        self.started = 0.0
        self.weight = 0

    def add(self, pending: _Pending) -> None:
        if not self.files:
            self.started = time.monotonic()
        self.files.append(pending)
        self.locations.add(pending.write.source)
        if pending.write.reader != "fits":
            self.weight += pending.write.size or 0

    def full(self) -> bool:
        return (
            len(self.files) >= self.most
            or self.weight >= GROUP_BYTES
            or time.monotonic() - self.started >= GROUP_SECONDS
            or _alone(self.files[-1])
        )

    def clear(self) -> None:
        self.files.clear()
        self.locations.clear()
        self.weight = 0


def _alone(pending: _Pending) -> bool:
    return pending.write.reader in _IN_PARTS and (pending.write.size or 0) >= _ALONE_BYTES


def _read_guarded(
    store: SqlStore, found: Look, report: IngestReport, force: bool
) -> _Pending | None:
    """Read one file looked at; a failure of the file is recorded, one of the catalog raised."""
    try:
        return _read_one(store, found, report, force)
    except (CatalogReadOnly, CatalogUnavailable):
        raise
    except Exception as err:  # noqa: BLE001 - one file's surprise must not end the batch
        report.errors.append((shown(found.path), _problem(found.path, err)))
        return None


def _problem(path: Path, err: Exception) -> str:
    """Return what the report says of a file that failed."""
    problem, bug = problem_of(err)
    if bug:
        # The report names the file; the traceback, for the bug report, is logged.
        if isinstance(err, Failed):
            _log.error("unexpected error ingesting %s (in a worker)\n%s", shown(path), err.trace)
        else:
            _log.error("unexpected error ingesting %s", shown(path), exc_info=err)
    return problem


def _write_group(store: SqlStore, group: _Group, report: IngestReport) -> None:
    """Write a group's files in one transaction; each failure recorded against its file."""
    if not group.files:
        return
    files = list(group.files)
    group.clear()
    report._writing = [(p.write.source, p.write.fingerprint or "") for p in files]
    report._ingested_before = report.ingested
    outcome: list[Exception | None] | None = None
    if len(files) > 1:
        try:
            outcome = store.write_files([p.write for p in files])
        except (CatalogReadOnly, CatalogUnavailable):
            raise
        except JwlinkError as err:
            # The catalog refused a statement of the group: each file alone
            # then says which (and every other file still lands).
            _log.info("group of %d files written one by one: %s", len(files), err)
    if outcome is None:
        outcome = [_write_alone(store, p) for p in files]
    for pending, failed in zip(files, outcome, strict=True):
        if failed is not None:
            report.errors.append((shown(pending.path), _problem(pending.path, failed)))
            continue
        report.ingested += 1
        # Only names whose suffix is free (exposure, stage 3, dummy) can hold
        # an unknown one (NameInfo.suffix_known).
        if not pending.info.suffix_known:
            report.unknown_suffix.append(shown(pending.path))
    # Counted: an interrupt from here on finds nothing in flight.
    report._writing = []


def _write_alone(store: SqlStore, pending: _Pending) -> Exception | None:
    """Write one file in its own transaction; return its failure, or None."""
    try:
        store.write_parts(**vars(pending.write))
    except (CatalogReadOnly, CatalogUnavailable):
        raise
    except Exception as err:  # noqa: BLE001 - one file's surprise must not end the batch
        # The writer rolled the file back; every other file still lands, and
        # the caller records this one's error in the report.
        _log.debug("%s not written: %s", shown(pending.path), err)
        return err
    return None


def _count_in_flight(store: SqlStore, report: IngestReport, force: bool) -> None:
    """Count the files an interrupt caught by what the catalog committed of them.

    The interrupt may land before their commit, after it, or while they
    were being counted: the count restarts from before them.
    """
    # With --force the fingerprint may have been recorded before this run:
    # such files then stay uncounted (the catalog holds them either way).
    if report._writing and not force:
        committed = sum(
            store.fingerprint_of(location) == sha256 for location, sha256 in report._writing
        )
        report.ingested = report._ingested_before + committed
    report._writing = []


def _rows(store: SqlStore) -> tuple[int, int]:
    """Count products and links in the catalog."""
    counted = store.counts(("products", "links"))
    return counted["products"], counted["links"]


def _count_added(store: SqlStore, before: tuple[int, int], report: IngestReport) -> None:
    # Counted in the catalog, not from the batches: a file re-read after an
    # interrupted run, or one naming products other files brought, adds
    # fewer rows than it holds. (A concurrent writer's rows count too.)
    after = _rows(store)
    report.products, report.links = after[0] - before[0], after[1] - before[1]


def _read_one(store: SqlStore, found: Look, report: IngestReport, force: bool) -> _Pending | None:
    """Take a file's look: report it, or read and link it unless the catalog holds its bytes."""
    path = found.path
    if found.outcome == "passed_over":
        report.passed_over.append(shown(path))
        return None
    if found.outcome == "skipped":
        report.skipped.append((shown(path), found.reason))
        return None
    if found.error is not None:
        raise found.error
    assert found.info is not None and found.reader is not None  # outcome "read"
    sha256, size, mtime_ns = found.sha256, found.size, found.mtime_ns
    if not force and store.fingerprint_of(found.location) == sha256:
        report.unchanged += 1
        # Same bytes, maybe a new time: recorded, so serving need not re-hash it.
        store.record_stat(found.location, sha256, size, mtime_ns)
        return None
    if found.read_error is not None:
        raise found.read_error
    if found.batches is not None:  # read and linked in a worker process
        batches = found.batches
        parts: Callable[[], Iterator[Batch]] = lambda: iter(batches)  # noqa: E731
    else:
        parts = read_parts(path, found.reader, sha256, size, found.info, found.location)
    write = FileWrite(parts, found.location, sha256, found.reader, size, mtime_ns)
    return _Pending(path, write, found.info)

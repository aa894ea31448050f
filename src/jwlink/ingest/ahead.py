"""Looking at the next files of an ingest on threads: name, refusal, reader, SHA-256.

What a file is called, whether it may be read, which reader takes it and what
its bytes hash to do not depend on the catalog, so they are found for the
files ahead while the ingest loop links and writes the current ones. Hashing
is most of a big file's cost, and both ``hashlib`` and file reads release the
GIL: threads hash several big files at once, one per core, in one process (no
worker process to outlive a killed ingest, none to hand Ctrl-C to). A small
file is looked at in the loop's thread when its turn comes.

The loop takes the looks in the order the files were found, so the report,
the groups and every decision that needs the catalog (is this content already
recorded? was this file named twice?) stay where they were, in the loop.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from jwlink.errors import InputError, InvalidName
from jwlink.ingest.reading import claims, named_as_evidence, reader_for
from jwlink.ingest.tree import fingerprint, refusal, shown
from jwlink.naming import NameInfo, bare_name, describe

__all__ = ["Ahead", "Look", "look"]

# Files looked at ahead of the loop, per thread: enough to keep every thread
# busy while the loop writes a group, few enough that a file found now is
# not hashed long before it is read.
_PER_THREAD = 8
# Files from this size are hashed on a thread. A smaller file's look is
# mostly Python (its name, its reader, a sniff of its first bytes): on a
# thread it would contend for the GIL with the loop (a folder of 10 kB
# FITS files took 1.8 s on two threads against 1.2 s in the loop alone).
_THREAD_BYTES = 1 << 20


@dataclass(frozen=True)
class Look:
    """What one file is, found before the catalog is asked anything about it.

    ``outcome`` is ``read`` (``info``, ``reader``, ``sha256``, ``size`` and
    ``mtime_ns`` are set), ``passed_over`` (not JWST evidence), ``skipped``
    (named as evidence, not a regular file: ``reason``) or ``error``
    (``error``: the file claims to be evidence and cannot be read).
    """

    path: Path
    root: str
    location: str
    outcome: str
    info: NameInfo | None = None
    reader: str | None = None
    sha256: str = ""
    size: int = 0
    mtime_ns: int = 0
    reason: str = ""
    error: Exception | None = None


def look(path: Path, root: str, location: str, stop: threading.Event | None = None) -> Look:
    """Say what one file is and hash it, touching no catalog; never raises for the file.

    Parameters
    ----------
    path : Path
        The file, as found (`jwlink.ingest.tree.walk`).
    root : str
        The real path of the folder it was found under.
    location : str
        The path it is recorded under (`jwlink.ingest.tree.location_of`).
    stop : threading.Event, optional
        Set when the ingest stops: a hash under way ends at its next chunk.

    Returns
    -------
    Look
        Its outcome; an exception the file caused is its ``error``.
    """
    try:
        return _look(path, root, location, stop)
    except Exception as err:  # noqa: BLE001 - the loop reports it against the file
        return Look(path, root, location, "error", error=err)


def _look(path: Path, root: str, location: str, stop: threading.Event | None) -> Look:
    try:
        info: NameInfo | None = describe(path.name)  # the one parse of this file's name
    except InvalidName:
        info = None
    # Before any byte is read (the sniffs of reader_for read): a FIFO must not
    # block, a link must not lead out of the folder.
    refused = None if info is None else refusal(path, root)
    if info is not None and refused is not None:
        skipped, reason = refused
        if not named_as_evidence(info):
            return Look(path, root, location, "passed_over")  # unread, as if regular
        if skipped:
            return Look(path, root, location, "skipped", reason=reason)
        raise InputError(shown(path), reason)
    reader = None if info is None else reader_for(path, info)
    if reader is None and path.name[:2].lower() == "jw":
        # A JWST-looking name that the grammar refuses (a newline, a bidi mark,
        # a trailing space) is a problem to report, not a file to pass over.
        try:
            bare_name(path.name)
        except InvalidName as err:
            raise InputError(shown(path), f"file name refused: {err}") from err
    if info is None or reader is None or not claims(path, reader, info):
        return Look(path, root, location, "passed_over")
    if shown(Path(location)) != location:
        # The catalog holds text: a name in another encoding cannot be stored
        # as it is, and a mangled one would no longer find the file.
        raise InputError(shown(path), "its path is not UTF-8 text (rename the file or folder)")
    sha256, size, mtime_ns = fingerprint(path, stop)
    return Look(path, root, location, "read", info, reader, sha256, size, mtime_ns)


class Ahead:
    """The looks of walked files, in order, each found on a thread ahead of its turn.

    Use as a context manager: leaving it (an interrupt, an error, the end)
    stops the hashes under way and drops the looks not taken.

    Parameters
    ----------
    walked : iterable of (Path, str, str)
        Files with their folder root and location, as `walk` yields them.
    threads : int, optional
        Threads that look; default: the machine's cores. 0 looks at each
        file in the loop's own thread, when its turn comes.
    """

    def __init__(self, walked: Iterable[tuple[Path, str, str]], threads: int | None = None) -> None:
        self._walked = iter(walked)
        self._threads = (os.cpu_count() or 1) if threads is None else threads
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Iterator[Look]:
        if self._threads <= 0:
            return (look(*found) for found in self._walked)
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="jwlink-look")
        return self._looks(self._pool)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _looks(self, pool: ThreadPoolExecutor) -> Iterator[Look]:
        queued: deque[Future[Look] | tuple[Path, str, str]] = deque()
        window = self._threads * _PER_THREAD
        for found in self._walked:
            # A small file is looked at in the loop's own thread, in its turn:
            # its look is Python work, which threads would only contend for.
            queued.append(pool.submit(look, *found, self._stop) if _big(found[0]) else found)
            if len(queued) >= window:
                yield self._taken(queued.popleft())
        while queued:
            yield self._taken(queued.popleft())

    def _taken(self, item: Future[Look] | tuple[Path, str, str]) -> Look:
        return item.result() if isinstance(item, Future) else look(*item, self._stop)


def _big(path: Path) -> bool:
    """Whether a file is worth hashing on a thread (a stat, never an open)."""
    try:
        return path.stat().st_size >= _THREAD_BYTES
    except OSError:
        return False  # the look in the loop's thread says why

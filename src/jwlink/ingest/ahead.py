"""Looking at the next files of an ingest ahead of the loop: on threads and in worker processes.

What a file is called, whether it may be read, which reader takes it and
what its bytes hash to do not depend on the catalog (`jwlink.ingest.looks`),
nor does a FITS header's reading and linking: they are done for the files
ahead while the ingest loop writes the current ones.

- A file of 1 MiB or more is looked at (mostly: hashed) on a thread:
  ``hashlib`` and file reads release the GIL, so threads hash several big
  files at once, one per core.
- Small FITS files, once a folder has at least a chunk of them, go to worker
  processes (`jwlink.ingest.workers`), a chunk per task: their look and
  their header are Python work, which threads would only contend for (a
  folder of 10 kB FITS files took 1.8 s on two threads against 1.2 s in the
  loop alone).
- Every other file is looked at in the loop's own thread, in its turn.

The loop takes the looks in the order the files were found, so the report,
the groups and every decision that needs the catalog (is this content
already recorded? was this file named twice?) stay in the loop.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from jwlink.ingest.looks import Look, look
from jwlink.ingest.reading import FITS_ENDINGS
from jwlink.ingest.workers import Workers

__all__ = ["Ahead"]

# Files looked at ahead of the loop, per thread: enough to keep every thread
# busy while the loop writes a group, few enough that a file found now is
# not hashed long before it is read.
_PER_THREAD = 8
# Files from this size are hashed on a thread.
_THREAD_BYTES = 1 << 20
# Small FITS files per worker task (one task per file would cost the loop
# more in messages than the file's reading), and tasks ahead per worker.
CHUNK = 64
_CHUNKS_PER_WORKER = 4

_Found = tuple[Path, str, str]


class _Chunk:
    """Small FITS files bound for one worker task; ``future`` once it is sent."""

    def __init__(self) -> None:
        self.files: list[_Found] = []
        self.future: Future[list[Look]] | None = None


_Slot = Future[Look] | _Found | tuple[_Chunk, int]


class Ahead:
    """The looks of walked files, in order, each found ahead of its turn.

    Use as a context manager: leaving it (an interrupt, an error, the end)
    stops the hashes under way, drops the looks not taken and stops the
    workers.

    Parameters
    ----------
    walked : iterable of (Path, str, str)
        Files with their folder root and location, as `walk` yields them.
    threads : int, optional
        Threads that hash big files; default: the machine's cores; 0: none.
    processes : int, optional
        Worker processes that read small FITS files; default: the machine's
        cores; 0: none. They start once a chunk of such files is found, and
        only if no thread runs yet (`jwlink.ingest.workers`).
    """

    def __init__(
        self,
        walked: Iterable[_Found],
        threads: int | None = None,
        processes: int | None = None,
    ) -> None:
        cores = os.cpu_count() or 1
        self._walked = iter(walked)
        self._threads = cores if threads is None else threads
        self._workers = Workers(cores if processes is None else processes)
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._open = _Chunk()

    def __enter__(self) -> Iterator[Look]:
        if self._threads > 0:
            # Threads start at their first file, after the workers if any.
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="jwlink-look")
        return self._looks()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._workers.close()

    def _looks(self) -> Iterator[Look]:
        queued: deque[_Slot] = deque()
        window = max(
            self._threads * _PER_THREAD, self._workers.processes * CHUNK * _CHUNKS_PER_WORKER, 1
        )
        for found in self._walked:
            queued.append(self._slot(found))
            if len(queued) >= window:
                yield self._taken(queued.popleft())
        while queued:
            yield self._taken(queued.popleft())

    def _slot(self, found: _Found) -> _Slot:
        """Send a file where it is looked at: a thread, a worker's chunk, or the loop."""
        path = found[0]
        if self._pool is not None and _big(path):
            return self._pool.submit(look, *found, self._stop)
        if self._workers.processes > 0 and path.name.lower().endswith(FITS_ENDINGS):
            chunk = self._open
            chunk.files.append(found)
            if len(chunk.files) >= CHUNK:
                self._send(chunk)
            return chunk, len(chunk.files) - 1
        return found

    def _send(self, chunk: _Chunk) -> None:
        """Give a chunk to the workers (started now if need be); else the loop reads it."""
        if chunk is self._open:
            self._open = _Chunk()
        # Fewer than a chunk of small FITS files is no reason to fork; once
        # forked, the workers take the last, shorter chunk too.
        if self._workers.running or (len(chunk.files) >= CHUNK and self._fork()):
            chunk.future = self._workers.submit(chunk.files)

    def _fork(self) -> bool:
        """Start the workers; this process's own hashing threads end first (a fork beside none)."""
        if not self._workers.wanted:
            return False
        if self._pool is not None:
            # Its hashes under way or queued finish (their looks stay valid);
            # a new pool starts its threads at its first file, after the fork.
            self._pool.shutdown(wait=True)
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="jwlink-look")
        return self._workers.start()

    def _taken(self, slot: _Slot) -> Look:
        if isinstance(slot, Future):
            return slot.result()
        if isinstance(slot[0], _Chunk):
            chunk, index = slot
            if chunk is self._open:
                self._send(chunk)
            if chunk.future is not None:
                return chunk.future.result()[index]
            return look(*chunk.files[index], self._stop)
        return look(*slot, self._stop)


def _big(path: Path) -> bool:
    """Whether a file is worth hashing on a thread (a stat, never an open)."""
    try:
        return path.stat().st_size >= _THREAD_BYTES
    except OSError:
        return False  # its look in the loop's thread says why

"""Reading small FITS files in worker processes: look, hash, read the header, link.

A folder of small FITS files is Python work per file (the name, the header's
cards, the linker), which threads cannot share out: it runs in worker
processes, a chunk of files per task, and the loop takes their batches in
order, as if it had read them itself. Only the loop asks the catalog
anything (is this content recorded already?) and writes.

The workers are forked (no second import of astropy and the linker, which
takes longer than reading a thousand headers), and only from a process that
runs no other thread, where a fork is safe: the ingest starts them before
its hashing threads, or not at all. They ignore Ctrl-C (the loop stops
them; a terminal sends SIGINT to the whole process group) and, on Linux,
are killed with the ingest if it is killed (``PR_SET_PDEATHSIG``): no worker
outlives a SIGKILLed ingest, none keeps hashing for nobody.

Nothing a worker returns is an exception object a reader raised (those do
not all survive pickling): a failure comes back as `Failed`, with the text
the report gives and, for a jwlink bug, the traceback the loop logs.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from jwlink.errors import InputError, JwlinkError
from jwlink.ingest.looks import Look, look
from jwlink.ingest.reading import read_parts
from jwlink.ingest.tree import shown

__all__ = ["Failed", "Workers", "problem_of", "read_chunk"]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_log = logging.getLogger(__name__)


class Failed(Exception):
    """A file's failure as a worker reports it: the report's text, and a traceback for a bug."""

    def __init__(self, problem: str, trace: str = "") -> None:
        super().__init__(problem, trace)
        self.problem = problem
        self.trace = trace


def problem_of(err: Exception) -> tuple[str, bool]:
    """Return what the report says of a file's failure, and whether it is a jwlink bug."""
    if isinstance(err, Failed):
        return err.problem, bool(err.trace)
    if isinstance(err, InputError):
        return err.problem, False
    if isinstance(err, JwlinkError | OSError):
        return str(err), False
    return f"unexpected {type(err).__name__}: {err} (a jwlink bug: please report it)", True


def _failed(err: Exception) -> Failed:
    problem, bug = problem_of(err)
    return Failed(problem, traceback.format_exc() if bug else "")


def read_chunk(chunk: Sequence[tuple[Path, str, str]]) -> list[Look]:
    """Look at, hash and read each file of a chunk, in a worker process.

    A FITS file's look comes back with its one batch already linked
    (``batches``), or the failure of its reading (``read_error``); any other
    file's look comes back as `look` gives it, read later by the loop.
    """
    looks = []
    for path, root, location in chunk:
        found = look(path, root, location)
        if found.error is not None:
            found = replace(found, error=_failed(found.error))
        elif found.outcome == "read" and found.reader == "fits":
            assert found.info is not None  # outcome "read"
            try:
                parts = read_parts(
                    path, "fits", found.sha256, found.size, found.info, found.location
                )
                found = replace(found, batches=tuple(parts()))
            except Exception as err:  # noqa: BLE001 - the loop reports it against the file
                # Not swallowed: it goes back to the loop, which reports it.
                _log.debug("%s: not read in a worker: %s", shown(path), err)
                found = replace(found, read_error=_failed(err))
        looks.append(found)
    return looks


def _worker_started() -> None:
    """Ignore Ctrl-C, and die with the ingest (Linux): the loop alone decides when to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _ready() -> int:
    return 0


class Workers:
    """Worker processes reading chunks of files (`read_chunk`), forked on first need.

    Parameters
    ----------
    processes : int
        How many; 0 never forks.
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        # Linux only: elsewhere a fork is unsafe (macOS) or missing (Windows),
        # and no parent-death signal would stop the workers of a killed ingest.
        self._refused = processes <= 0 or sys.platform != "linux"

    @property
    def wanted(self) -> bool:
        """Whether the workers may still be started (asked for, on Linux, never refused)."""
        return not self._refused and self._pool is None

    @property
    def running(self) -> bool:
        """Whether the workers were forked (and not yet closed)."""
        return self._pool is not None

    def start(self) -> bool:
        """Fork the workers now if this process runs no other thread; say whether they run."""
        if self._pool is not None:
            return True
        if self._refused or threading.active_count() > 1:
            # A fork beside another thread may copy a lock that thread holds.
            self._refused = True
            return False
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(self.processes, context, initializer=_worker_started)
        # Submitting forks every worker at once (with "fork"), from this
        # thread, before the pool's own management thread starts.
        pool.submit(_ready).result()
        self._pool = pool
        return True

    def submit(self, chunk: list[tuple[Path, str, str]]) -> Future[list[Look]]:
        """Read a chunk in a worker (`start` must have said they run)."""
        assert self._pool is not None
        return self._pool.submit(read_chunk, chunk)

    def close(self) -> None:
        """Drop the chunks not started, wait for those under way (a few small files each)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

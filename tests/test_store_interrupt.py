"""Ctrl-C inside a bulk write: the interrupt reaches the caller and the store stays usable.

psycopg runs ``executemany`` in pipeline mode; an interrupt that lands while
the pipeline is busy used to surface as "cannot exit pipeline mode while
busy" (a CatalogUnavailable hiding the user's Ctrl-C) and leave a connection
on which no count could run (the ingest report then had no row counts).
The interrupt is sent by an interval timer at several delays, so that some
land inside the pipeline on any machine.
"""

from __future__ import annotations

import signal
import time
from types import FrameType

from jwlink.store.base import SqlStore

_FIRED: list[bool] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _FIRED.append(True)
    raise KeyboardInterrupt


def test_an_interrupted_bulk_write_raises_keyboardinterrupt_and_leaves_a_usable_store(
    store: SqlStore,
) -> None:
    rows = [(f"jw{n:011d}_00001_00001_nrca1_uncal.fits", "x", "fits", 1, 0) for n in range(400)]
    sql = "INSERT INTO inputs (path, fingerprint, reader, products, links) VALUES (?, ?, ?, ?, ?)"
    previous = signal.signal(signal.SIGALRM, _interrupt)
    interrupted = 0
    try:
        for delay in (0.001, 0.003, 0.007, 0.012, 0.02, 0.035, 0.05, 0.08):
            signal.setitimer(signal.ITIMER_REAL, delay)
            try:
                with store.transaction():
                    # Until the timer fires (a fixed count of writes ended
                    # before 80 ms on a quiet machine, and committed); a
                    # timer that never fires ends the loop and fails below.
                    deadline = time.monotonic() + 10
                    _FIRED.clear()
                    while time.monotonic() < deadline:
                        store._executemany(sql + " ON CONFLICT DO NOTHING", rows)
                        if _FIRED:
                            # Python drops an exception raised in a gc callback
                            # (hypothesis installs one): the interrupt was lost
                            # there, not in the write; send it again.
                            signal.setitimer(signal.ITIMER_REAL, 0.001)
            except KeyboardInterrupt:
                interrupted += 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            store.reset()
            # Nothing of the interrupted transaction was committed, and the
            # connection answers.
            assert store.execute("SELECT COUNT(*) FROM inputs")[0][0] == 0
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert interrupted == 8

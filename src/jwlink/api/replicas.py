"""Reads from PostgreSQL streaming replicas, with the primary as the fallback.

A service given replicas (``jwlink serve --db-replica URL``) lends each
request a store on one of them, taking them in turn. A replica that cannot
be reached is set aside for `RETRY_AFTER` seconds and the request goes to
the next one, and to the primary when no replica answers: a replica that
restarts costs no request. Failing over happens only when a request
*starts*; a replica lost in the middle of one answers 503 with Retry-After,
as the primary does (`jwlink.api.state.StorePool`).

Replicas lag the primary by the replication delay (usually well under a
second on one network): a product just ingested may be missing from an
answer for that long. Nothing is ever written through a replica.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from jwlink.api.errors import ServiceUnavailable
from jwlink.api.state import StorePool
from jwlink.store import SqlStore, shown_url

__all__ = ["RETRY_AFTER", "ReadPools"]

logger = logging.getLogger("jwlink.api")

# Seconds a replica that failed to answer is left out before it is tried again.
RETRY_AFTER = 5.0


class ReadPools:
    """Store pools of the replicas, in turn, then the primary's.

    Parameters
    ----------
    primary : StorePool
        The primary catalog's pool: used when no replica answers.
    replicas : sequence of str
        ``postgresql://`` URLs of streaming replicas of the same catalog.
    max_idle : int
        Idle connections kept per replica.
    """

    def __init__(self, primary: StorePool, replicas: Sequence[str], max_idle: int = 8) -> None:
        self.primary = primary
        self.replicas = [StorePool(url, max_idle=max_idle) for url in replicas]
        self._down_until = [0.0] * len(self.replicas)
        self._turn = itertools.count()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The primary's URL (what the service reports as its catalog)."""
        return self.primary.url

    def _order(self) -> list[int]:
        """Replica indexes to try, starting with this request's turn, skipping those down."""
        now = time.monotonic()
        with self._lock:
            start = next(self._turn)
        count = len(self.replicas)
        turns = [(start + step) % count for step in range(count)]
        return [i for i in turns if self._down_until[i] <= now]

    @contextmanager
    def store(self) -> Iterator[SqlStore]:
        """Lend a read-only store on a replica that answers, else on the primary.

        Raises
        ------
        ServiceUnavailable
            Neither a replica nor the primary can be reached.
        """
        for index in self._order():
            with ExitStack() as stack:
                try:
                    store = stack.enter_context(self.replicas[index].store())
                except ServiceUnavailable as err:
                    self._set_aside(index, err)
                    continue
                yield store
                return
        with self.primary.store() as store:
            yield store

    def _set_aside(self, index: int, err: Exception) -> None:
        with self._lock:
            self._down_until[index] = time.monotonic() + RETRY_AFTER
        url = shown_url(self.replicas[index].url)
        cause = err.__cause__ or err
        logger.warning(
            "replica %s unavailable (%s); reading elsewhere for %gs",
            url,
            cause,
            RETRY_AFTER,
        )

    def close(self) -> None:
        """Close every connection of every pool."""
        for pool in self.replicas:
            pool.close()
        self.primary.close()

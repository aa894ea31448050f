"""What a running service holds: its settings, read-only catalog connections, tokens.

Serving never writes: every store is opened read-only. SQLite connections
are kept one per worker thread (a connection is never used by two threads)
and closed when the thread ends; PostgreSQL connections come from a small
shared pool. An ingest can write to the same SQLite catalog meanwhile (WAL).

A PostgreSQL server that restarts under a running service costs no request:
a pooled connection that died is replaced on its next statement (see
`jwlink.store.postgres`). While the server is down, requests answer 503
with ``Retry-After`` (`ServiceUnavailable`), and serving resumes by itself.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from jwlink.api.access import Principal, TokenFile, presented_token
from jwlink.api.errors import BadRequest, PayloadTooLarge, ServiceUnavailable
from jwlink.errors import CatalogUnavailable
from jwlink.store import SqlStore, open_store

__all__ = [
    "ReadPool",
    "ServeState",
    "StateDep",
    "StorePool",
    "clean_text",
    "get_state",
    "read_form",
]

logger = logging.getLogger("jwlink.api")

# Longest name or parameter value accepted: JWST names are well under 200 characters.
MAX_TEXT = 1024


def clean_text(value: str, what: str, max_length: int = MAX_TEXT) -> str:
    """Return a caller-supplied text that is safe to bind, or raise `BadRequest`.

    NUL characters, unpaired surrogates and overlong values are refused here,
    before any database sees them (PostgreSQL rejects the first two with a
    server error rather than a no-match).
    """
    if len(value) > max_length:
        msg = f"{what} is longer than {max_length} characters"
        raise BadRequest(msg)
    if "\x00" in value:
        msg = f"{what} contains a NUL character"
        raise BadRequest(msg)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        msg = f"{what} is not valid UTF-8 text"
        raise BadRequest(msg) from err
    return value


class _Held:
    """A store owned by one thread; closed when the thread's locals go away."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.close = weakref.finalize(self, store.close)


def _broken(store: SqlStore) -> bool:
    conn: Any = getattr(store, "conn", None)
    return conn is not None and (getattr(conn, "closed", False) or getattr(conn, "broken", False))


class StorePool:
    """Read-only stores handed to request handlers, one caller at a time.

    Parameters
    ----------
    url : str
        The catalog URL (SQLite path or ``postgresql://...``).
    max_idle : int
        PostgreSQL connections kept open between requests.
    """

    def __init__(self, url: str, max_idle: int = 8) -> None:
        self.url = url
        self.max_idle = max_idle
        self.sqlite = not url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._idle: list[SqlStore] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def store(self) -> Iterator[SqlStore]:
        """Lend a read-only store, reading one snapshot, for the duration of the block.

        Raises
        ------
        ServiceUnavailable
            The catalog database cannot be reached (also when it goes away
            during the block).
        """
        try:
            # One snapshot per loan: an answer never mixes states before and
            # after an ingest's commit (half an association file).
            with self._lend() as store, store.snapshot():
                yield store
        except CatalogUnavailable as err:
            msg = "The catalog database is unavailable; retry in a few seconds"
            raise ServiceUnavailable(msg) from err

    @contextmanager
    def _lend(self) -> Iterator[SqlStore]:
        if self.sqlite:
            held = getattr(self._local, "held", None)
            if held is None or not held.close.alive:
                held = _Held(open_store(self.url, readonly=True))
                self._local.held = held
                with self._lock:
                    self._held.add(held)
            yield held.store
            return
        store = None
        with self._lock:
            while self._idle and store is None:
                candidate = self._idle.pop()
                if _broken(candidate):
                    candidate.close()
                else:
                    store = candidate
        if store is None:
            store = open_store(self.url, readonly=True)
        try:
            yield store
        finally:
            self._give_back(store)

    def _give_back(self, store: SqlStore) -> None:
        broken = _broken(store)
        with self._lock:
            if not broken and not self._closed and len(self._idle) < self.max_idle:
                self._idle.append(store)
                return
        store.close()

    def close(self) -> None:
        """Close every connection the pool opened."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            held = list(self._held)
        for store in idle:
            store.close()
        for item in held:
            item.close()


class ReadPool(Protocol):
    """What request handlers read through: `StorePool`, or `jwlink.api.replicas.ReadPools`."""

    @property
    def url(self) -> str:
        """The catalog's URL."""
        ...

    def store(self) -> contextlib.AbstractContextManager[SqlStore]:
        """Lend a read-only store reading one snapshot for the duration of the block."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


@dataclass
class ServeState:
    """Settings and shared resources of one application instance."""

    db_url: str
    data_root: Path | None
    tokens: TokenFile
    pool: ReadPool
    max_page_size: int = 10_000
    max_names: int = 1_000
    max_body: int = 16 * 1024 * 1024
    extra: dict[str, Any] = field(default_factory=dict)

    def principal(self, request: Request) -> tuple[Principal | None, bool]:
        """Return the caller and whether it presented any token at all."""
        token = presented_token(request.headers, request.cookies)
        if token is None:
            return None, False
        return self.tokens.registry().lookup(token), True


def get_state(request: Request) -> ServeState:
    """Return the `ServeState` of the application serving the request (a dependency)."""
    state: ServeState = request.app.state.jwlink
    return state


StateDep = Annotated[ServeState, Depends(get_state)]


async def read_form(request: Request, state: ServeState) -> list[tuple[str, str]]:
    """Read an ``application/x-www-form-urlencoded`` body (and the query string) as pairs.

    The query string's pairs come first, so ``?ID=a`` plus a body ``ID=b``
    gives both. Parsed here rather than by python-multipart: these
    endpoints only ever receive url-encoded forms.

    Raises
    ------
    PayloadTooLarge
        The body exceeds ``state.max_body`` bytes.
    """
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > state.max_body:
        msg = f"Request body larger than {state.max_body} bytes"
        raise PayloadTooLarge(msg)
    body = await request.body()
    if len(body) > state.max_body:
        msg = f"Request body larger than {state.max_body} bytes"
        raise PayloadTooLarge(msg)
    pairs = list(request.query_params.multi_items())
    text = body.decode("utf-8", "replace")
    pairs += parse_qsl(text, keep_blank_values=True, max_num_fields=100_000)
    return pairs
